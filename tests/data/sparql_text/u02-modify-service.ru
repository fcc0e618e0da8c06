PREFIX ex: <http://example.org/>
DELETE { ?s ex:old ?o }
INSERT { ?s ex:new ?o }
WHERE { SERVICE <http://example.org/update-where> { ?s ex:old ?o } }
