BASE <http://example.org/base/>
PREFIX ex: <files/>
LOAD SILENT ex:data.ttl INTO GRAPH <graphs/g1>
