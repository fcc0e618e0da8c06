"""The ontology at /ontology: the OWL file in RDF formats, and HTML documentation of every term."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from api.routers.ontology import ckg_terms, ontology_version
from kg import package_version
from ontology import NAMESPACE, ONTOLOGY_FILE


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
    ],
)
def test_ontology_in_rdf_formats_has_every_triple(
    client: TestClient, ontology: Graph, accept: str, rdflib_format: str
) -> None:
    for path in ("/ontology", f"/ontology/{ontology_version()}"):
        response = client.get(path, headers={"Accept": accept})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].split(";")[0] == accept
        parsed = Graph().parse(data=response.content, format=rdflib_format)
        assert len(parsed) == len(ontology)
        anchor = URIRef(NAMESPACE + "AnchorEnterprise")
        assert set(parsed.objects(anchor, RDFS.label)) == set(ontology.objects(anchor, RDFS.label))


def test_jsonld_uses_the_context_terms(client: TestClient) -> None:
    document = client.get("/ontology", headers={"Accept": "application/ld+json"}).json()
    assert document["@context"]["ckg"] == NAMESPACE
    ids = {node["@id"] for node in document["@graph"]}
    assert "ckg:AnchorEnterprise" in ids


def test_html_documents_every_term_with_both_labels(client: TestClient, ontology: Graph) -> None:
    response = client.get("/ontology", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    terms = ckg_terms(ontology)
    assert len(terms) > 100
    for term in terms:
        local = str(term)[len(NAMESPACE) :]
        assert f'id="{local}"' in page, local
        labels = {
            lit.language: str(lit) for lit in ontology.objects(term, RDFS.label) if isinstance(lit, Literal)
        }
        for language in ("en", "ru"):
            if language in labels:
                assert escape(labels[language]) in page, (local, language)
    for anchor in ("AnchorEnterprise", "Cluster", "region", "Claim"):
        assert f'id="{anchor}"' in page
    # Definitions and the ontology's own metadata.
    assert "Definition" in page
    assert f"ontology/{package_version()}" in page


def test_every_term_has_labels_in_both_languages(ontology: Graph) -> None:
    for term in ckg_terms(ontology):
        languages = {lit.language for lit in ontology.objects(term, RDFS.label) if isinstance(lit, Literal)}
        assert {"en", "ru"} <= languages, term


def test_unknown_version_is_404(client: TestClient) -> None:
    response = client.get("/ontology/9.9.9", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
