"""HTML support: the Jinja2 environment with the one CSP (html), the en/ru words, the ontology page."""
