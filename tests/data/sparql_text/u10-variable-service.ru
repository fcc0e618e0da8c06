INSERT { ?s ?p ?o } WHERE {
  BIND(<http://example.org/sparql> AS ?endpoint)
  OPTIONAL { SERVICE ?endpoint { ?s ?p ?o } }
}
