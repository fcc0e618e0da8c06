"""One validated write: what it changes (delta), the data around it (neighbourhood, reach,
readers), SHACL and OWL 2 RL on it (checks), and its commit."""
