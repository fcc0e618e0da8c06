"""Dereferenceable resources (/id/...), the JSON-LD context and the dumps, over the real app."""

from __future__ import annotations

import gzip
import json

import pyoxigraph as ox
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from markupsafe import escape

from api.deps import get_runtime
from api.linked.dumps import DUMPS, dump_dir, void_dumps
from api.routers.linked_data import render_resource
from kg.describe.resource import Claim, Description
from kg.settings import Settings
from tests.conftest import TOKEN

pytestmark = pytest.mark.engines  # against the managed Oxigraph and Virtuoso (tests/engines.py)

BASE = "https://w3id.org/clusterkg/"
CKG = BASE + "ontology#"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
BIOMED = ox.NamedNode(BASE + "id/cluster/biomed")
MEDINZH = ox.NamedNode(BASE + "id/organization/medinzh")
STATISTICS_QUOTE = (
    "По состоянию на май 2018 год в кластере насчитывалось 28 участников, более 60 процентов "
    "изготавливаемой продукции относилось к высокотехнологичной со значительным числом "
    "производственных переделов [2]."
)

EXPECTED = {
    "cluster/biomed": [
        ox.Triple(BIOMED, RDFS_LABEL, ox.Literal("BioMed industrial cluster of Penza Oblast", language="en")),
        ox.Triple(
            BIOMED, RDFS_LABEL, ox.Literal("промышленный кластер Пензенской области «БиоМед»", language="ru")
        ),
        ox.Triple(BIOMED, ox.NamedNode(CKG + "region"), ox.NamedNode(BASE + "id/region/RU-PNZ")),
        ox.Triple(BIOMED, RDF_TYPE, ox.NamedNode(CKG + "Cluster")),
    ],
    "organization/medinzh": [
        ox.Triple(
            MEDINZH, RDFS_LABEL, ox.Literal("MedInzh research and production enterprise", language="en")
        ),
        ox.Triple(MEDINZH, RDF_TYPE, ox.NamedNode(CKG + "Enterprise")),
        ox.Triple(
            ox.NamedNode(BASE + "id/membership/medinzh-biomed"),
            ox.NamedNode("http://www.w3.org/ns/org#member"),
            MEDINZH,
        ),
    ],
}
FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def _triples(body: bytes, fmt: ox.RdfFormat) -> set[ox.Triple]:
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, fmt)}


def test_resource_in_every_rdf_format(client: TestClient) -> None:
    for path, expected in EXPECTED.items():
        for media_type, fmt in FORMATS.items():
            response = client.get(f"/id/{path}", headers={"Accept": media_type})
            assert response.status_code == 200, (path, media_type, response.text)
            assert response.headers["content-type"].split(";")[0] == media_type
            assert "Accept" in response.headers["vary"]
            triples = _triples(response.content, fmt)
            for triple in expected:
                assert triple in triples, (path, media_type, triple)


def test_jsonld_is_compacted_with_the_published_context(client: TestClient) -> None:
    response = client.get("/id/cluster/biomed", headers={"Accept": "application/ld+json"})
    document = response.json()
    context = client.get("/context.jsonld").json()
    assert document["@context"] == context["@context"]
    nodes = {node["@id"]: node for node in document["@graph"]}
    biomed = nodes["https://w3id.org/clusterkg/id/cluster/biomed"]
    assert biomed["region"] == "https://w3id.org/clusterkg/id/region/RU-PNZ"
    types = biomed["@type"] if isinstance(biomed["@type"], list) else [biomed["@type"]]
    assert "Cluster" in types
    # The compacted document reads back as exactly the triples of the N-Triples document.
    ntriples = client.get("/id/cluster/biomed", headers={"Accept": "application/n-triples"}).content
    assert _triples(response.content, ox.RdfFormat.JSON_LD) == _triples(ntriples, ox.RdfFormat.N_TRIPLES)


@pytest.mark.parametrize(
    ("language", "title", "heading"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.5", "промышленный кластер Пензенской области «БиоМед»", "Утверждения"),
        ("en-GB,en;q=0.9", "BioMed industrial cluster of Penza Oblast", "Statements"),
        ("de", "BioMed industrial cluster of Penza Oblast", "Statements"),  # fallback: English
    ],
)
def test_resource_page_in_the_preferred_language(
    client: TestClient, language: str, title: str, heading: str
) -> None:
    response = client.get("/id/cluster/biomed", headers={"Accept": "text/html", "Accept-Language": language})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f"<h1>{title}</h1>" in page
    assert heading in page
    # Types with labels, links to our own /id/ pages, the claims with the verbatim quote.
    assert 'href="/ontology#Cluster"' in page
    assert 'href="/id/region/RU-PNZ"' in page
    assert 'href="/id/claim/biomed-statistics-2018-05"' in page
    assert STATISTICS_QUOTE in page
    assert 'href="/id/source/biomed-cluster-article"' in page


def test_organisation_page_shows_its_claims(client: TestClient) -> None:
    page = client.get(
        "/id/organization/medinzh", headers={"Accept": "text/html", "Accept-Language": "en"}
    ).text
    assert "<h1>MedInzh research and production enterprise</h1>" in page
    assert 'href="/id/claim/medinzh-project-initiated"' in page
    assert 'href="/id/cluster/biomed"' in page or 'href="/id/membership/medinzh-biomed"' in page
    # The quote of the claim that introduces MedInzh, as the provenance graph holds it.
    answer = client.get(
        "/sparql",
        params={
            "query": "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX oa: <http://www.w3.org/ns/oa#> "
            "SELECT ?exact WHERE { <https://w3id.org/clusterkg/id/claim/medinzh-project-initiated> "
            "prov:wasDerivedFrom/oa:hasSelector/oa:exact ?exact }"
        },
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    exact = answer["results"]["bindings"][0]["exact"]["value"]
    assert escape(exact) in page


QUOTE = ox.NamedNode(BASE + "id/quote/biomed-statistics-2018-05")
SELECTOR = ox.NamedNode(QUOTE.value + "#selector")
OA_EXACT = ox.NamedNode("http://www.w3.org/ns/oa#exact")


@pytest.mark.parametrize("media_type", list(FORMATS))
def test_a_quote_document_describes_its_selector_and_its_exact_text(
    client: TestClient, media_type: str
) -> None:
    response = client.get("/id/quote/biomed-statistics-2018-05", headers={"Accept": media_type})
    assert response.status_code == 200, response.text
    triples = _triples(response.content, FORMATS[media_type])
    assert ox.Triple(SELECTOR, OA_EXACT, ox.Literal(STATISTICS_QUOTE, language="ru")) in triples
    assert ox.Triple(QUOTE, ox.NamedNode("http://www.w3.org/ns/oa#hasSelector"), SELECTOR) in triples
    # Only the hash IRIs under the document's own IRI: no other quote's selector comes along.
    subjects = {t.subject for t in triples if isinstance(t.subject, ox.NamedNode)}
    assert {s.value for s in subjects if "#" in s.value} == {SELECTOR.value}


def test_a_quote_page_has_a_section_for_its_selector(client: TestClient) -> None:
    page = client.get("/id/quote/biomed-statistics-2018-05", headers={"Accept": "text/html"}).text
    section = page.split('<section class="fragment" id="selector">', 1)[1].split("</section>", 1)[0]
    assert f"<code>{SELECTOR.value}</code>" in section
    assert 'href="http://www.w3.org/ns/oa#exact"' in section
    assert str(escape(STATISTICS_QUOTE)) in section


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("text/html", "text/html"),
        ("application/ld+json", "application/json"),
        ("text/turtle", "text/turtle"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
    ],
)
def test_unknown_resource_is_404_in_the_negotiated_format(
    client: TestClient, accept: str, media_type: str
) -> None:
    response = client.get("/id/cluster/nowhere", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.headers["content-type"].split(";")[0] == media_type
    if media_type == "application/json":
        assert response.json()["error"] == "not-found"
    elif media_type == "text/html":
        assert "Not found" in response.text
    elif media_type == "application/rdf+xml":
        assert not _triples(response.content, ox.RdfFormat.RDF_XML)
    else:
        assert response.text.startswith("#")
        assert not _triples(response.content, FORMATS[media_type])


def test_request_text_is_never_spliced_into_sparql(client: TestClient) -> None:
    for path in ["cluster/biomed> ?p ?o } #", "cluster/<biomed>", 'x" . }']:
        response = client.get(f"/id/{path}", headers={"Accept": "text/turtle"})
        assert response.status_code == 404


def test_page_escapes_every_text() -> None:
    evil = "<script>alert(1)</script>"
    iri = BASE + "id/thing/x"
    description = Description(
        iri=iri,
        ntriples=b"",
        outgoing=[ox.Triple(ox.NamedNode(iri), RDFS_LABEL, ox.Literal(evil, language="en"))],
        incoming=[],
        labels={iri: [ox.Literal(evil, language="en")]},
        claims=[
            Claim(
                BASE + "id/claim/c",
                statements=[(ox.NamedNode(iri), str(RDFS_LABEL.value), ox.Literal(evil))],
                quotes=[ox.Literal(evil, language="ru")],
                sources=['https://example.org/"onmouseover="x'],
            )
        ],
    )
    page = render_resource(description, ["en"], BASE)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '"onmouseover="' not in page


def test_context_is_published_as_jsonld(client: TestClient) -> None:
    response = client.get("/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    context = response.json()["@context"]
    assert context["ckg"] == CKG
    assert context["region"] == {"@id": "ckg:region", "@type": "@id"}
    # A document using the context expands to the full IRIs.
    document = {
        "@context": context,
        "@id": BIOMED.value,
        "@type": "Cluster",
        "region": BASE + "id/region/RU-PNZ",
        "rdfs:label": {"@value": "BioMed", "@language": "en"},
    }
    triples = _triples(json.dumps(document).encode(), ox.RdfFormat.JSON_LD)
    assert ox.Triple(BIOMED, RDF_TYPE, ox.NamedNode(CKG + "Cluster")) in triples
    assert ox.Triple(BIOMED, ox.NamedNode(CKG + "region"), ox.NamedNode(BASE + "id/region/RU-PNZ")) in triples
    assert ox.Triple(BIOMED, RDFS_LABEL, ox.Literal("BioMed", language="en")) in triples


def _store_quads(client: TestClient) -> int:
    answer = client.get(
        "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    named = int(answer["results"]["bindings"][0]["n"]["value"])
    default = client.get("/store?default", headers={"Accept": "application/n-triples"}).content
    return named + len(list(ox.parse(default, ox.RdfFormat.N_TRIPLES)))


def test_dumps_hold_every_quad_and_follow_writes(client: TestClient, app_settings: Settings) -> None:
    expected = _store_quads(client)
    nq = client.get("/dumps/clusterkg.nq.gz")
    assert nq.status_code == 200
    assert nq.headers["content-type"] == "application/gzip"
    quads = list(ox.parse(gzip.decompress(nq.content), ox.RdfFormat.N_QUADS))
    assert len(quads) == expected
    assert any(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    trig = client.get("/dumps/clusterkg.trig")
    assert trig.status_code == 200
    assert trig.headers["content-type"].startswith("application/trig")
    assert len(list(ox.parse(trig.content, ox.RdfFormat.TRIG))) == expected
    # Cached beside the store: the same files until the store changes.
    folder = dump_dir(app_settings)
    made = {name: (folder / name).stat().st_mtime_ns for name in DUMPS}
    assert (
        client.get("/dumps/clusterkg.nq.gz").headers["x-clusterkg-dump-date"]
        == nq.headers["x-clusterkg-dump-date"]
    )
    client.get("/dumps/clusterkg.trig")
    assert {name: (folder / name).stat().st_mtime_ns for name in DUMPS} == made
    # A write makes them anew.
    graph = BASE + "graph/test-dump"
    label = (
        '<https://w3id.org/clusterkg/id/thing/dumped> <http://www.w3.org/2000/01/rdf-schema#label> "x"@en .\n'
    )
    written = client.put(
        "/store",
        params={"graph": graph},
        content=label.encode(),
        headers={"Content-Type": "application/n-triples", "Authorization": f"Bearer {TOKEN}"},
    )
    assert written.status_code in (201, 204), written.text
    after = list(
        ox.parse(gzip.decompress(client.get("/dumps/clusterkg.nq.gz").content), ox.RdfFormat.N_QUADS)
    )
    assert len(after) == _store_quads(client)
    assert any(q.graph_name == ox.NamedNode(graph) for q in after)
    assert {name: (folder / name).stat().st_mtime_ns for name in DUMPS} != made


def test_unknown_dump_is_404(client: TestClient) -> None:
    response = client.get("/dumps/everything.zip")
    assert response.status_code == 404
    assert "/dumps/clusterkg.trig" in response.json()["message"]


def test_void_dumps_give_url_size_and_date(client: TestClient) -> None:
    async def probe(request: Request) -> list[list[object]]:
        entries = await void_dumps(request, await get_runtime(request))
        return [list(entry) for entry in entries]

    app = client.app
    assert isinstance(app, FastAPI)
    app.add_api_route("/test-void-dumps", probe)
    response = client.get("/test-void-dumps")
    assert response.status_code == 200, response.text
    entries = response.json()
    assert [url.rsplit("/", 1)[1] for url, _, _ in entries] == list(DUMPS)
    for url, size, date in entries:
        path = url.split("//", 1)[1].split("/", 1)[1]
        assert len(client.get("/" + path).content) == size
        assert date.endswith("Z")
