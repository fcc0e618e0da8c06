PREFIX ex: <http://example.org/>
INSERT DATA {
  ex:a ex:b "SERVICE <http://example.org/no> { }; }" .
  GRAPH ex:g { ex:c ex:d 'x' }
}
