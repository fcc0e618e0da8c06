PREFIX ex: <http://example.org/>
WITH ex:g
DELETE { ?s ex:p ?o }
USING ex:u1
USING NAMED ex:u2
WHERE { ?s ex:p ?o OPTIONAL { SERVICE SILENT ex:with-using { ?s ?q ?o } } }
