LOAD <http://example.org/data.ttl>
