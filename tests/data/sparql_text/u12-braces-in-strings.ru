PREFIX ex: <http://example.org/>
INSERT DATA { ex:a ex:b "} ; LOAD <http://example.org/not-a-load> ; {" , '''multi-line
  } ; SERVICE <http://example.org/no> {''' } ;
INSERT { ?s ex:copied ?o } WHERE { SERVICE <http://example.org/after-strings> { ?s ?p ?o } }
