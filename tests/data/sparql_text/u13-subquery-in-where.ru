PREFIX ex: <http://example.org/>
INSERT { ?s ex:count ?n }
WHERE {
  { SELECT ?s (COUNT(?o) AS ?n) WHERE { SERVICE ex:counted { ?s ?p ?o } } GROUP BY ?s }
  FILTER(?n > 0)
}
