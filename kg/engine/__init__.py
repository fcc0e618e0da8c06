"""The engine: the client of a SPARQL server (managed Oxigraph or remote), the managed process,
the running service's resources, the local store, answers and bounded reading."""
