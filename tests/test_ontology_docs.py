"""The ontology at /ontology: the OWL file in RDF formats, and HTML documentation of every term
the ontology defines, and of every term of another vocabulary that the ontology or the data use."""

from __future__ import annotations

import html as html_text
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from api.pages.html import is_web_link
from api.routers.ontology import ckg_terms, data_files, ontology_page, ontology_version, render_ontology
from kg import package_version
from kg.describe.vocabulary import DATA, TermUse
from kg.settings import Settings
from kg.sources import founding_case_files
from ontology import NAMESPACE, ONTOLOGY_FILE, ONTOLOGY_IRI

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


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


# --- every term used, ours and others' ------------------------------------------------------------


@pytest.fixture(scope="module")
def page() -> str:
    """The page as the app makes it for the default settings (the founding case)."""
    return ontology_page(data_files(Settings()))


def founding_case_terms() -> set[str]:
    """Every predicate, class and literal datatype of the founding case's data (read with rdflib,
    not with the code under test); xsd:string and rdf:langString, which every plain literal has,
    left out."""
    data = Dataset()
    for path in founding_case_files():
        data.parse(path, format="trig")
    found: set[str] = set()
    for _, p, o, _ in data.quads((None, None, None, None)):
        found.add(str(p))
        if p == RDF.type and isinstance(o, URIRef):
            found.add(str(o))
        if isinstance(o, Literal) and o.datatype is not None and o.datatype != XSD.string:
            found.add(str(o.datatype))
    return found


def documented(page: str, iri: str) -> bool:
    """Whether the page has a section for the term: ours by local name, others' with the IRI."""
    if iri.startswith(NAMESPACE):
        return f'id="{iri[len(NAMESPACE) :]}"' in page
    sections = re.findall(r'<section class="term"[^>]*>.*?</section>', page, re.S)
    return any(f"<code>{escape(iri)}</code>" in s and "<dt>Used as</dt>" in s for s in sections)


def test_every_term_the_founding_case_uses_is_documented(client: TestClient) -> None:
    response = client.get("/ontology", headers=HTML)
    assert response.status_code == 200
    terms = founding_case_terms()
    assert len(terms) > 40
    missing = sorted(t for t in terms if not documented(response.text, t))
    assert missing == []


def test_the_terms_reported_missing_are_documented_with_their_vocabulary(page: str) -> None:
    for curie, iri, vocabulary in [
        ("dct:creator", "http://purl.org/dc/terms/creator", "DCMI Metadata Terms"),
        ("dct:issued", "http://purl.org/dc/terms/issued", "DCMI Metadata Terms"),
        (
            "skos:notation",
            "http://www.w3.org/2004/02/skos/core#notation",
            "SKOS Simple Knowledge Organization System",
        ),
    ]:
        section = re.search(rf'<section class="term" id="{curie}">.*?</section>', page, re.S)
        assert section, curie
        assert f'<a href="{iri}"><code>{iri}</code></a>' in section.group(0)
        assert f"{html_text.escape(vocabulary, quote=False)}</a>" in section.group(0)
        assert "<dd>property</dd>" in section.group(0)
        assert "the data" in section.group(0)


def test_every_term_of_another_vocabulary_that_the_ontology_uses_is_documented(page: str) -> None:
    ontology = Graph().parse(ONTOLOGY_FILE, format="turtle")
    used = {str(p) for p in ontology.predicates()} | {
        str(o) for o in ontology.objects(None, RDF.type) if isinstance(o, URIRef)
    }
    used |= {str(o) for o in ontology.objects(None, RDFS.subClassOf) if isinstance(o, URIRef)}
    used |= {str(o) for o in ontology.objects(None, RDFS.range) if isinstance(o, URIRef)}
    external = sorted(t for t in used if not t.startswith(NAMESPACE))
    assert "https://schema.org/Observation" in external
    assert [t for t in external if not documented(page, t)] == []


def test_class_expressions_are_shown_in_manchester_syntax(page: str) -> None:
    section = re.search(r'<section class="term" id="AnchorEnterprise">.*?</section>', page, re.S)
    assert section
    assert (
        '<code class="expression"><a href="#playsRole">ckg:playsRole</a> value '
        '<a href="#anchorRole">ckg:anchorRole</a></code>'
    ) in section.group(0)
    assert "see the Turtle" not in page
    ontology = Graph().parse(ONTOLOGY_FILE, format="turtle")
    roles = [
        s
        for s, o in ontology.subject_objects(OWL.equivalentClass)
        if (o, RDF.type, OWL.Restriction) in ontology
    ]
    assert len(roles) >= 10
    for role in roles:
        local = str(role)[len(NAMESPACE) :]
        found = re.search(rf'<section class="term" id="{local}">.*?</section>', page, re.S)
        assert found and '<a href="#playsRole">ckg:playsRole</a> value <a href="#' in found.group(0), local


def test_property_chains_are_shown(page: str) -> None:
    chains = re.findall(r"<dt>Sub-property chain</dt><dd>(.*?)</dd>", page)
    assert any('org:hasMembership</a> o <a href="#cluster">ckg:cluster</a>' in chain for chain in chains)


def ontology_with(*triples: tuple[URIRef, URIRef, object]) -> Graph:
    graph = Graph()
    graph.add((URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology))
    for triple in triples:
        graph.add(triple)  # type: ignore[arg-type]
    return graph


def test_a_new_term_is_documented_wherever_it_comes_from() -> None:
    """No fixed list: a term of the ontology, one of an unknown vocabulary in the data, and one of
    ours that the data uses but the ontology does not define each get a section."""
    new = URIRef(NAMESPACE + "BrandNewClass")
    graph = ontology_with(
        (new, RDF.type, OWL.Class),
        (new, RDFS.label, Literal("brand new class", lang="en")),
        (new, RDFS.subClassOf, URIRef("https://example.org/vocab#Thing")),
    )
    data = TermUse()
    data.note("https://example.org/other/term", "property", DATA)
    data.note(NAMESPACE + "undeclaredProperty", "property", DATA)
    page = render_ontology(graph, "0.0.0", data)
    assert 'id="BrandNewClass"' in page
    assert 'id="undeclaredProperty"' in page and "used in the data, but not defined by the ontology" in page
    for iri in ("https://example.org/vocab#Thing", "https://example.org/other/term"):
        assert documented(page, iri), iri
        assert f'<a href="{iri}">' in page


def test_only_web_iris_become_links() -> None:
    data = TermUse()
    for iri in ("urn:example:term", "javascript:alert(1)", "https://example.org/ok#term"):
        data.note(iri, "property", DATA)
    page = render_ontology(ontology_with(), "0.0.0", data)
    links = re.findall(r'<a href="([^"]*)"', page)
    assert "https://example.org/ok#term" in links
    assert all(is_web_link(html_text.unescape(href)) for href in links), links
    assert "<code>urn:example:term</code>" in page and "<code>javascript:alert(1)</code>" in page


def test_the_configured_data_files_are_read_too(tmp_path: Path) -> None:
    extra = tmp_path / "extra.ttl"
    extra.write_text(
        '<https://w3id.org/clusterkg/synthetic/id/x> <http://purl.org/ontology/bibo/doi> "10.1/x" .\n',
        encoding="utf-8",
    )
    files = data_files(Settings(data=[extra, tmp_path / "gone.ttl"]))
    assert files[-1] == extra and tmp_path / "gone.ttl" not in files
    page = ontology_page(files)
    assert documented(page, "http://purl.org/ontology/bibo/doi")
    assert not documented(ontology_page(data_files(Settings())), "http://purl.org/ontology/bibo/doi")
