"""The endpoint as clients other people wrote see it, over HTTP to a real server.

The app runs under uvicorn on a free loopback port over a private copy of the built store (as
``tests/test_explorer.py`` and ``tests/test_ui.py`` start it; one server for the module, as no
test here writes). The clients:

- SPARQLWrapper: SELECT as JSON, XML, CSV and TSV, ASK, CONSTRUCT as RDF/XML, Turtle and
  JSON-LD, with GET, POST (form) and POST (direct);
- rdflib's ``SPARQLStore``: the endpoint as a read-only remote graph;
- pyld, a JSON-LD processor: a resource's JSON-LD expanded against the published context,
  fetched from the live server by a document loader that refuses every other URL.

Also here: the resource pages of a cooperation project and of a cluster link to their
explorer pages.
"""

from __future__ import annotations

import csv
import io
import shutil
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.dom.minidom import Document

import httpx
import pyoxigraph as ox
import pytest
import SPARQLWrapper
from conftest import serve
from pyld import jsonld
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.plugins.stores.sparqlstore import SPARQLStore

from api.routers import linked_data
from kg.settings import Settings

Triples = set[tuple[Any, Any, Any]]
CKG = "https://w3id.org/clusterkg/ontology#"
ID = "https://w3id.org/clusterkg/id/"
BIOMED = ID + "cluster/biomed"
PROJECT = ID + "project/medinzh-x-ray-endovascular-devices"
STATISTIC = ID + "statistic/biomed-participants-2018-05"
LABEL_EN = "BioMed industrial cluster of Penza Oblast"
PARTICIPANTS = f"""PREFIX ckg: <{CKG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?statistic ?value ?label WHERE {{
  ?statistic ckg:statisticAbout <{BIOMED}> ;
      ckg:indicator ckg:participantCount ;
      ckg:value ?value .
  <{BIOMED}> rdfs:label ?label FILTER(LANG(?label) = "en")
}}"""
CONSTRUCT = f"CONSTRUCT {{ <{BIOMED}> ?p ?o }} WHERE {{ <{BIOMED}> ?p ?o }}"
IS_CLUSTER = f"ASK {{ <{BIOMED}> a <{CKG}Cluster> }}"
IS_PROJECT = f"ASK {{ <{BIOMED}> a <{CKG}CooperationProject> }}"
# SPARQLWrapper 2.0 parses RDF answers into an rdflib ConjunctiveGraph, which rdflib 7.6 deprecates.
CONJUNCTIVE = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def base(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a real server over a private copy of the built store (writes off)."""
    copy = tmp_path_factory.mktemp("real-clients") / "store"
    shutil.copytree(built_store, copy)
    with serve(Settings(store=copy, query_timeout_s=30)) as url:
        yield url


def wrapper(base: str, query: str, fmt: str, method: str = "GET") -> Any:
    """A SPARQLWrapper for our endpoint, set up for one query."""
    sparql = SPARQLWrapper.SPARQLWrapper(base + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    sparql.setTimeout(30)
    return sparql


def content_type(result: Any) -> str:
    return str(result.response.headers["Content-Type"]).split(";")[0]


def triples_of(graph: Graph) -> Triples:
    return set(graph.triples((None, None, None)))


# --- SPARQLWrapper ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(base: str, method: str) -> None:
    result = wrapper(base, PARTICIPANTS, SPARQLWrapper.JSON, method).query()
    assert content_type(result) == "application/sparql-results+json"
    if method == "GET":
        assert "?query=" in result.response.geturl()
    answer = result.convert()
    assert answer["head"]["vars"] == ["statistic", "value", "label"]
    assert answer["results"]["bindings"] == [
        {
            "statistic": {"type": "uri", "value": STATISTIC},
            "value": {"type": "literal", "value": "28", "datatype": str(XSD.integer)},
            "label": {"type": "literal", "value": LABEL_EN, "xml:lang": "en"},
        }
    ]


def test_sparqlwrapper_select_json_posted_directly(base: str) -> None:
    sparql = wrapper(base, PARTICIPANTS, SPARQLWrapper.JSON, "POST")
    sparql.setRequestMethod(SPARQLWrapper.POSTDIRECTLY)
    (row,) = sparql.query().convert()["results"]["bindings"]
    assert row["value"]["value"] == "28"


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_xml(base: str, method: str) -> None:
    result = wrapper(base, PARTICIPANTS, SPARQLWrapper.XML, method).query()
    assert content_type(result) == "application/sparql-results+xml"
    document = result.convert()
    assert isinstance(document, Document)
    assert [v.getAttribute("name") for v in document.getElementsByTagName("variable")] == [
        "statistic",
        "value",
        "label",
    ]
    (solution,) = document.getElementsByTagName("result")
    bindings = {b.getAttribute("name"): b for b in solution.getElementsByTagName("binding")}
    (uri,) = bindings["statistic"].getElementsByTagName("uri")
    assert uri.firstChild.data == STATISTIC
    (value,) = bindings["value"].getElementsByTagName("literal")
    assert (value.firstChild.data, value.getAttribute("datatype")) == ("28", str(XSD.integer))
    (label,) = bindings["label"].getElementsByTagName("literal")
    assert (label.firstChild.data, label.getAttribute("xml:lang")) == (LABEL_EN, "en")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_csv(base: str, method: str) -> None:
    result = wrapper(base, PARTICIPANTS, SPARQLWrapper.CSV, method).query()
    assert content_type(result) == "text/csv"
    body = result.convert()
    assert body == f"statistic,value,label\r\n{STATISTIC},28,{LABEL_EN}\r\n".encode()
    assert list(csv.DictReader(io.StringIO(body.decode()))) == [
        {"statistic": STATISTIC, "value": "28", "label": LABEL_EN}
    ]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_tsv(base: str, method: str) -> None:
    result = wrapper(base, PARTICIPANTS, SPARQLWrapper.TSV, method).query()
    assert content_type(result) == "text/tab-separated-values"
    assert result.convert() == (f'?statistic\t?value\t?label\n<{STATISTIC}>\t28\t"{LABEL_EN}"@en\n'.encode())


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_ask(base: str, method: str) -> None:
    assert wrapper(base, IS_CLUSTER, SPARQLWrapper.JSON, method).query().convert() == {
        "head": {},
        "boolean": True,
    }
    assert wrapper(base, IS_PROJECT, SPARQLWrapper.JSON, method).query().convert()["boolean"] is False
    document = wrapper(base, IS_CLUSTER, SPARQLWrapper.XML, method).query().convert()
    (boolean,) = document.getElementsByTagName("boolean")
    assert boolean.firstChild.data == "true"


def test_sparqlwrapper_update_is_refused_without_writes(base: str) -> None:
    update = f"INSERT DATA {{ <{BIOMED}> <http://example.org/p> 'x' }}"
    sparql = wrapper(base, update, SPARQLWrapper.JSON, "POST")
    assert sparql.isSparqlUpdateRequest()
    with pytest.raises(urllib.error.HTTPError) as refused:
        sparql.query()
    assert refused.value.code == 403  # writes are off on this server: no update token
    refused.value.close()
    ask = f"ASK {{ <{BIOMED}> <http://example.org/p> ?o }}"
    assert wrapper(base, ask, SPARQLWrapper.JSON).query().convert()["boolean"] is False


@pytest.fixture(scope="module")
def cluster_triples(base: str) -> Triples:
    """The triples about BioMed, from the resource's N-Triples (read by rdflib)."""
    nt = httpx.get(base + "/id/cluster/biomed", headers={"Accept": "application/n-triples"}, timeout=30)
    assert nt.status_code == 200
    return {t for t in triples_of(Graph().parse(data=nt.text, format="nt")) if t[0] == URIRef(BIOMED)}


@CONJUNCTIVE
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [("RDFXML", "application/rdf+xml"), ("TURTLE", "text/turtle"), ("JSONLD", "application/ld+json")],
)
def test_sparqlwrapper_construct(
    base: str, cluster_triples: Triples, method: str, fmt: str, media_type: str
) -> None:
    result = wrapper(base, CONSTRUCT, getattr(SPARQLWrapper, fmt), method).query()
    assert content_type(result) == media_type
    converted = result.convert()
    if fmt == "TURTLE":  # SPARQLWrapper hands Turtle over as bytes
        assert isinstance(converted, bytes)
        graph = Graph().parse(data=converted.decode(), format="turtle")
    else:
        graph = converted
    triples = triples_of(graph)
    assert (URIRef(BIOMED), RDFS.label, Literal(LABEL_EN, lang="en")) in triples
    assert (URIRef(BIOMED), RDF.type, URIRef(CKG + "Cluster")) in triples
    assert triples == cluster_triples


# --- rdflib's SPARQLStore -----------------------------------------------------------------------


@pytest.fixture()
def remote(base: str) -> Graph:
    """Our endpoint as a read-only rdflib graph."""
    return Graph(SPARQLStore(query_endpoint=base + "/sparql", returnFormat="json"))


def test_sparqlstore_query_gives_the_same_rows(base: str, remote: Graph) -> None:
    rows = [tuple(row) for row in remote.query(PARTICIPANTS)]
    assert rows == [(URIRef(STATISTIC), Literal("28", datatype=XSD.integer), Literal(LABEL_EN, lang="en"))]
    assert rows[0][1].toPython() == 28
    bindings = wrapper(base, PARTICIPANTS, SPARQLWrapper.JSON).query().convert()["results"]["bindings"]
    assert [tuple(b[v]["value"] for v in ("statistic", "value", "label")) for b in bindings] == [
        tuple(str(term) for term in row) for row in rows
    ]
    assert remote.query(IS_CLUSTER).askAnswer is True


def test_sparqlstore_triples_of_the_cluster(remote: Graph, cluster_triples: Triples) -> None:
    triples = set(remote.triples((URIRef(BIOMED), None, None)))
    assert triples == cluster_triples
    assert remote.value(URIRef(BIOMED), RDFS.label, any=True) is not None
    labels = set(remote.objects(URIRef(BIOMED), RDFS.label))
    assert Literal(LABEL_EN, lang="en") in labels
    assert len(labels) == 2


def test_sparqlstore_is_read_only(remote: Graph) -> None:
    triple = (URIRef(BIOMED), URIRef("http://example.org/p"), Literal("x"))
    with pytest.raises(TypeError, match="read only"):
        remote.add(triple)
    with pytest.raises(TypeError, match="read only"):
        remote.remove((URIRef(BIOMED), None, None))
    with pytest.raises(TypeError, match="read only"):
        remote.update(f"INSERT DATA {{ <{BIOMED}> <http://example.org/p> 'x' }}")
    assert triple not in remote
    assert Literal(LABEL_EN, lang="en") in set(remote.objects(URIRef(BIOMED), RDFS.label))


# --- pyld ---------------------------------------------------------------------------------------


class OurContextOnly:
    """A pyld document loader that serves our ``/context.jsonld`` from the live server, only."""

    def __init__(self, base: str) -> None:
        self.url = base + "/context.jsonld"
        self.calls: list[str] = []
        self.refused: list[str] = []

    def __call__(self, url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append(url)
        if url != self.url:
            self.refused.append(url)
            raise jsonld.JsonLdError(
                f"this loader only serves {self.url}", "jsonld.LoadDocumentError", {"url": url}
            )
        response = httpx.get(url, headers={"Accept": "application/ld+json"}, timeout=30)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/ld+json")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": response.json()}  # fmt: skip


def _triples(nquads: str) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS)}


def test_pyld_expands_our_jsonld_with_the_published_context_to_the_ntriples(base: str) -> None:
    loader = OurContextOnly(base)
    served = httpx.get(base + "/id/cluster/biomed", headers={"Accept": "application/ld+json"}, timeout=30)
    assert served.headers["content-type"].startswith("application/ld+json")
    document = served.json()
    published = httpx.get(loader.url, timeout=30).json()
    # The resource is compacted with the published context, which it carries inline.
    assert document["@context"] == published["@context"]

    by_reference = {**document, "@context": loader.url}
    expanded = jsonld.expand(by_reference, {"documentLoader": loader})
    assert loader.calls == [loader.url]
    assert loader.refused == []
    assert jsonld.expand(document, {"documentLoader": loader}) == expanded
    assert loader.calls == [loader.url]  # the inline context needs nothing loaded

    nt = httpx.get(base + "/id/cluster/biomed", headers={"Accept": "application/n-triples"}, timeout=30)
    assert nt.headers["content-type"].startswith("application/n-triples")
    from_jsonld = jsonld.to_rdf(expanded, {"format": "application/n-quads"})
    assert _triples(from_jsonld) == _triples(nt.text)
    biomed = ox.NamedNode(BIOMED)
    label = ox.Triple(biomed, ox.NamedNode(str(RDFS.label)), ox.Literal(LABEL_EN, language="en"))
    assert label in _triples(from_jsonld)
    assert len(_triples(from_jsonld)) > 20  # the statements about it and the links to it

    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    canonical_jsonld = jsonld.normalize(expanded, options)
    canonical_nt = jsonld.normalize(nt.text, {**options, "inputFormat": "application/n-quads"})
    assert canonical_jsonld == canonical_nt
    assert loader.refused == []


def test_pyld_loader_refuses_every_other_context(base: str) -> None:
    loader = OurContextOnly(base)
    document = {"@context": "https://example.org/context.jsonld", "@id": BIOMED, "name": "x"}
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand(document, {"documentLoader": loader})
    assert loader.refused == loader.calls == ["https://example.org/context.jsonld"]


# --- Resource pages link to the explorer --------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "explorer", "text"),
    [
        (PROJECT, "/explore/project/medinzh-x-ray-endovascular-devices", "the production cooperation scheme"),
        (BIOMED, "/explore/cluster/biomed", "the participants by role"),
    ],
)
def test_resource_page_links_to_its_explorer_page(base: str, resource: str, explorer: str, text: str) -> None:
    url = base + "/id/" + resource[len(ID) :]
    page = httpx.get(url, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200
    assert f'<a href="{explorer}">{text}</a>' in page.text
    followed = httpx.get(base + explorer, params={"lang": "en"}, timeout=30)
    assert followed.status_code == 200
    assert followed.headers["content-type"].startswith("text/html")
    russian = httpx.get(url, headers={"Accept": "text/html", "Accept-Language": "ru"}, timeout=30)
    assert f'<a href="{explorer}">' in russian.text
    assert "Обзор:" in russian.text


@pytest.mark.parametrize("path", ["/id/region/RU-PNZ", "/id/claim/biomed-statistics-2018-05"])
def test_other_resource_pages_have_no_explorer_link(base: str, path: str) -> None:
    page = httpx.get(base + path, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200
    assert "/explore/" not in page.text


def test_explorer_url_doctests() -> None:
    assert linked_data.explorer_url(BIOMED + "/x", [CKG + "Cluster"], "https://w3id.org/clusterkg/") is None
    assert linked_data.explorer_url(PROJECT, [CKG + "Cluster"], "https://w3id.org/clusterkg/") is None
    project = linked_data.explorer_url(PROJECT, [CKG + "CooperationProject"], "https://w3id.org/clusterkg/")
    assert project == "/explore/project/medinzh-x-ray-endovascular-devices"
