"""What the routes say they take and answer: the OpenAPI error table and helpers, answer models,
the SPARQL and Graph Store protocol descriptions."""
