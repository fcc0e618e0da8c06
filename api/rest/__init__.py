"""REST support: the JSON models of the resources and named queries, rows to models, paging and the
refusal of unknown parameters."""
