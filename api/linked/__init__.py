"""Linked-data support shared by routers: the Service Description, the dumps, the JSON-LD context."""
