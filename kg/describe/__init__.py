"""Descriptions: of the service and dataset (SPARQL Service Description, VoID) and of one resource."""
