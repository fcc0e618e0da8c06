LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <http://example.org/graph>
