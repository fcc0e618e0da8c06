"""One validated write: its requests (pipeline), what it changes (delta, step, quad_templates), the
data around it (neighbourhood, reach, readers), SHACL and OWL 2 RL on it (checks), and its net
change and commit (apply, commit); uploads reads the RDF that comes from outside."""
