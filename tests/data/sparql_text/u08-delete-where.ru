PREFIX ex: <http://example.org/>
DELETE WHERE { ?s ex:p ?o . GRAPH ex:g { ?s ?q ?r } }
