PREFIX ex: <http://example.org/>
INSERT DATA { ex:a ex:b ex:c } ;
PREFIX svc: <http://services.example/>
DELETE { ?s ?p ?o } WHERE { SERVICE svc:sparql { ?s ?p ?o } } ;
BASE <http://loads.example/dir/>
LOAD <data.ttl> INTO GRAPH ex:loaded ;
CLEAR SILENT GRAPH ex:g
