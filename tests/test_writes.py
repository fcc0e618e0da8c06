"""Writes through SPARQL Update: delta, SHACL validation (422, nothing written), inferences in
the same step, and a commit that concurrent readers never see half-applied.

The API tests run the real app over a real managed Oxigraph engine on a private copy of the
built founding case (the ``client`` fixture); the first tests check the pure parts.
"""

from __future__ import annotations

import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, cast

import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI

from kg.engine.binding import bind_values
from kg.errors import ParameterError, QueryError, RequestError
from kg.sparql_text import split_update
from kg.write import pipeline
from kg.write.commit import CommitPlan, commit_update, quad_block, write_nquads
from kg.write.delta import Delta
from kg.write.quad_templates import Template, data_quads, to_trig
from kg.write.step import Step

with warnings.catch_warnings():
    # starlette 1.x warns on import that it wants httpx2; pytest turns warnings into errors, and
    # the conftest's `client` fixture imports it lazily. Import it once here, quietly.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.conftest import TOKEN

pytestmark = pytest.mark.engines  # against the managed Oxigraph and Virtuoso (tests/engines.py)

DATA = Path(__file__).resolve().parent / "data" / "writes"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CKG = "https://w3id.org/clusterkg/ontology#"
SYN = "https://w3id.org/clusterkg/synthetic/id/"
INFERRED = "https://w3id.org/clusterkg/graph/inferred"
WRITES_GRAPH = "https://w3id.org/clusterkg/synthetic/graph/writes"


def text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


# --- pure parts ---------------------------------------------------------------------------------


def test_quad_data_becomes_trig_with_braces_around_default_graph_triples() -> None:
    trig, names = to_trig(
        "?s <http://e/p> 'a . }' . GRAPH ?g { ?s <http://e/q> [ <http://e/r> 1 ] } ."
        " <http://e/x> <http://e/y> ?o",
        "urn:v:",
    )
    assert names == ["s", "g", "o"]
    assert trig == (
        "{<urn:v:0> <http://e/p> 'a . }' .} GRAPH <urn:v:1> { <urn:v:0> <http://e/q> [ <http://e/r> 1 ] }  "
        "{<http://e/x> <http://e/y> <urn:v:2>}"
    )
    assert len(list(ox.parse(trig, ox.RdfFormat.TRIG))) == 4


def test_template_skips_unbound_and_illegal_quads_and_mints_blank_nodes_per_solution() -> None:
    template = Template.parse(
        "PREFIX ex: <http://e/>", "?s ex:p ?o . ?s ex:q [ ex:r ?o ] . GRAPH ?g { ?s ex:t 1 }"
    )
    a, b, r = n("http://e/a"), n("http://e/b"), n("http://e/r")
    first = template.instantiate({"s": a, "o": ox.Literal("1")})
    assert len(first) == 3  # the GRAPH ?g quad is left out: ?g is unbound
    second = template.instantiate({"s": a, "o": ox.Literal("1")})
    blanks = {q.object for q in first + second if q.predicate == n("http://e/q")}
    assert len(blanks) == 2 and all(isinstance(x, ox.BlankNode) for x in blanks)
    # A literal cannot be a subject: only the quad of the blank node is left.
    assert [q.predicate for q in template.instantiate({"s": ox.Literal("x"), "o": b})] == [r]
    assert len(template.instantiate({"s": a, "o": b, "g": ox.Literal("g")})) == 3  # nor a graph name
    one = ox.Literal("1", datatype=n("http://www.w3.org/2001/XMLSchema#integer"))
    with_graph = template.instantiate({"s": a, "o": b, "g": n("http://e/g")})
    assert ox.Quad(a, n("http://e/t"), one, n("http://e/g")) in with_graph


def test_with_graph_receives_template_triples_outside_graph_blocks() -> None:
    template = Template.parse("", "?s <http://e/p> 1", default_graph=n("http://e/with"))
    [quad] = template.instantiate({"s": n("http://e/a")})
    assert quad.graph_name == n("http://e/with")


def test_insert_data_blank_nodes_are_fresh_and_delete_data_refuses_them() -> None:
    quads = data_quads("", "_:x <http://e/p> _:x", what="INSERT DATA")
    [quad] = quads
    assert quad.subject == quad.object and quad.subject != ox.BlankNode("x")
    with pytest.raises(QueryError, match="blank nodes are not allowed in DELETE DATA"):
        data_quads("", "_:x <http://e/p> 1", what="DELETE DATA")
    with pytest.raises(QueryError, match="variables are not allowed"):
        data_quads("", "?x <http://e/p> 1", what="INSERT DATA")
    with pytest.raises(QueryError, match="blank nodes are not allowed in the DELETE template"):
        Template.parse("", "[] <http://e/p> ?o", what="the DELETE template", allow_blank_nodes=False)


def test_bind_values_writes_escaped_terms_at_the_marker_and_refuses_blank_nodes() -> None:
    query = "SELECT * WHERE {\n    #@values\n    ?s ?p ?o\n}"
    tricky = ox.Literal('say "}" \\ and\nbye', language="en")
    bound = bind_values(query, ["s", "o"], [[n("http://e/a"), tricky], [None, ox.Literal("1")]])
    assert bound == (
        "SELECT * WHERE {\n    VALUES (?s ?o) {\n"
        '      (<http://e/a> "say \\"}\\" \\\\ and\\nbye"@en)\n      (UNDEF "1")\n    }\n    ?s ?p ?o\n}'
    )
    store = ox.Store()
    store.add(ox.Quad(n("http://e/a"), n("http://e/p"), tricky))
    assert len(list(store.query(bound))) == 1  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="cannot bind"):
        bind_values(query, ["s"], [[ox.BlankNode()]])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="exactly one"):
        bind_values("SELECT * {}", ["s"], [])
    with pytest.raises(ValueError, match="bad VALUES variables"):
        bind_values(query, ["s) { } DROP ALL ; (?x"], [])
    with pytest.raises(ValueError, match="bad VALUES variables"):
        bind_values(query, "s", [[n("http://e/a")]])  # type: ignore[call-overload]


def test_bind_values_binds_stored_escape_text_in_a_table_and_refuses_it_as_a_parameter() -> None:
    """A stored literal whose text looks like an escape (backslash, u0041) is bound as written in
    a table (the engine reads it back), but refused as a parameter (engines disagree on it)."""
    escaped = ox.Literal("a\\u0041b")
    store = ox.Store()
    store.add(ox.Quad(n("http://e/a"), n("http://e/p"), escaped))
    bound = bind_values("SELECT ?s WHERE {\n  #@values\n  ?s ?p ?o\n}", ["o"], [[escaped]])
    assert [row["s"] for row in store.query(bound)] == [n("http://e/a")]  # type: ignore[union-attr]
    with pytest.raises(ParameterError):
        bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"o": escaped})


def test_delta_folds_steps_in_order() -> None:
    a = ox.Quad(n("http://e/a"), n("http://e/p"), ox.Literal("1"), n("http://e/g"))
    b = ox.Quad(n("http://e/b"), n("http://e/p"), ox.Literal("2"), n("http://e/g"))
    folded = Delta()
    folded.apply(Step(insert=(a, b)))
    folded.apply(Step(delete=(a,)))
    assert folded.insert == {b} and folded.delete == {a}
    folded.apply(Step(delete=(b,), clear=n("http://e/g"), drop=n("http://e/g")))
    assert folded.insert == set() and folded.graphs == {n("http://e/g"): False}
    folded.apply(Step(insert=(a,)))
    assert folded.insert == {a} and a not in folded.delete and folded.graphs == {n("http://e/g"): True}


def test_needs_staging_only_when_a_later_operation_reads() -> None:
    assert not pipeline.needs_staging(
        split_update("INSERT DATA { <x:a> <x:p> 1 } ; DELETE DATA { <x:a> <x:p> 2 }")
    )
    assert not pipeline.needs_staging(
        split_update("DELETE WHERE { ?s <x:p> 1 } ; INSERT DATA { <x:a> <x:p> 2 }")
    )
    assert pipeline.needs_staging(split_update("INSERT DATA { <x:a> <x:p> 1 } ; DELETE WHERE { ?s <x:p> 1 }"))
    assert pipeline.needs_staging(split_update("INSERT DATA { <x:a> <x:p> 1 } ; COPY <x:g> TO <x:h>"))


def test_commit_update_pins_blank_nodes_of_the_store_by_their_quads() -> None:
    store = ox.Store()
    g, q, sel = n("http://e/g"), n("http://e/quote"), ox.BlankNode("sel")
    exact, kind = n("http://e/exact"), n("http://e/Selector")
    before = {
        ox.Quad(q, n("http://e/hasSelector"), sel, g),
        ox.Quad(sel, exact, ox.Literal("old"), g),
        ox.Quad(sel, n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), kind, g),
    }
    other = ox.BlankNode("other")  # looks alike, but hangs from another quote
    store.extend(
        before
        | {
            ox.Quad(n("http://e/quote2"), n("http://e/hasSelector"), other, g),
            ox.Quad(other, exact, ox.Literal("old"), g),
        }
    )
    new = ox.BlankNode()
    plan = CommitPlan(
        delete={ox.Quad(sel, exact, ox.Literal("old"), g)},
        insert={
            ox.Quad(sel, exact, ox.Literal("new"), g),
            ox.Quad(sel, n("http://e/note"), new, g),
            ox.Quad(new, n("http://e/text"), ox.Literal("n"), g),
            ox.Quad(n("http://e/x"), n("http://e/y"), ox.Literal("plain"), g),
        },
        existing={sel, other},
        described={sel: before},
    )
    update = commit_update(plan)
    assert update.startswith("DELETE {") and "?b0" in update and "INSERT DATA" in update
    store.update(update)
    [changed] = [s for s in store.quads_for_pattern(None, exact, ox.Literal("new"), g)]
    assert changed.subject == sel
    assert list(store.quads_for_pattern(other, exact, ox.Literal("old"), g))  # untouched
    [note] = store.quads_for_pattern(sel, n("http://e/note"), None, g)
    assert isinstance(note.object, ox.BlankNode) and note.object != new  # the engine mints its own
    assert list(store.quads_for_pattern(note.object, n("http://e/text"), ox.Literal("n"), g))
    assert list(store.quads_for_pattern(n("http://e/x"), None, None, g))


def test_commit_update_clears_and_drops_graphs_and_refuses_unknown_blank_nodes() -> None:
    g, h = n("http://e/g"), n("http://e/h")
    keep = ox.Quad(n("http://e/a"), n("http://e/p"), ox.Literal("1"), g)
    plan = CommitPlan(delete={keep}, clear={g, h}, drop={h}, insert={keep}, create={n("http://e/new")})
    update = commit_update(plan)
    assert update.split(" ;\n") == [
        "CLEAR SILENT GRAPH <http://e/g>",
        "DROP SILENT GRAPH <http://e/h>",
        f"INSERT DATA {{\n{quad_block([keep])}\n}}",
        "CREATE SILENT GRAPH <http://e/new>",
    ]
    lost = ox.BlankNode()
    with pytest.raises(RequestError, match="cannot be identified"):
        commit_update(
            CommitPlan(delete={ox.Quad(lost, n("http://e/p"), ox.Literal("1"), g)}, existing={lost})
        )


# --- the API ------------------------------------------------------------------------------------


def update(
    client: TestClient,
    body: str,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response:
    response: httpx.Response = client.post(
        "/sparql",
        params=params or {},
        content=body.encode("utf-8"),
        headers={"Content-Type": "application/sparql-update", **AUTH, **(headers or {})},
    )
    return response


def select(client: TestClient, query: str) -> list[dict[str, str]]:
    answer = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def ask(client: TestClient, query: str) -> bool:
    answer = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def quad_count(client: TestClient) -> int:
    [row] = select(client, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(row["n"])


def is_anchor(client: TestClient, node: str) -> bool:
    return ask(client, f"ASK {{ GRAPH <{INFERRED}> {{ <{node}> a <{CKG}AnchorEnterprise> }} }}")


def test_insert_data_is_written_with_its_inferences(client: TestClient) -> None:
    before = quad_count(client)
    answer = update(client, text("anchor-membership.ru"))
    assert answer.status_code == 204, answer.text
    assert answer.headers["X-Clusterkg-Inserted"] == "8"
    role = f"<{SYN}acme-biomed> <{CKG}clusterRole> <{CKG}anchorFinisherRole>"
    assert ask(client, f"ASK {{ GRAPH <{WRITES_GRAPH}> {{ {role} }} }}")
    assert is_anchor(client, f"{SYN}acme")  # in the inferred graph at once
    assert ask(client, f"ASK {{ GRAPH <{INFERRED}> {{ <{SYN}acme> <{CKG}memberOfCluster> ?c }} }}")
    assert quad_count(client) > before + 8

    # Deleting the membership takes its consequences away in the same step.
    answer = update(client, f"DELETE WHERE {{ GRAPH <{WRITES_GRAPH}> {{ <{SYN}acme-biomed> ?p ?o }} }}")
    assert answer.status_code == 204, answer.text
    assert answer.headers["X-Clusterkg-Deleted"] == "5"
    assert not is_anchor(client, f"{SYN}acme")
    assert ask(client, f"ASK {{ GRAPH <{WRITES_GRAPH}> {{ <{SYN}acme> a <{CKG}Enterprise> }} }}")
    assert is_anchor(client, "https://w3id.org/clusterkg/id/organization/medinzh")  # untouched


def test_modify_with_using_reads_only_the_named_graph(client: TestClient) -> None:
    assert update(client, text("anchor-membership.ru")).status_code == 204
    # USING one graph: the WHERE clause sees only it (medinzh's membership is elsewhere).
    body = f"""PREFIX ckg: <{CKG}>
        DELETE {{ GRAPH <{WRITES_GRAPH}> {{ ?m ckg:clusterRole ckg:anchorFinisherRole }} }}
        INSERT {{ GRAPH <{WRITES_GRAPH}> {{ ?m ckg:clusterRole ckg:supplierRole }} }}
        USING <{WRITES_GRAPH}>
        WHERE {{ ?m ckg:clusterRole ckg:anchorFinisherRole }}"""
    answer = update(client, body)
    assert answer.status_code == 204, answer.text
    assert (answer.headers["X-Clusterkg-Inserted"], answer.headers["X-Clusterkg-Deleted"]) == ("1", "1")
    assert not is_anchor(client, f"{SYN}acme")
    assert ask(client, f"ASK {{ GRAPH <{INFERRED}> {{ <{SYN}acme> a <{CKG}Supplier> }} }}")
    assert is_anchor(client, "https://w3id.org/clusterkg/id/organization/medinzh")


def test_with_and_the_using_graph_uri_parameter(client: TestClient) -> None:
    assert update(client, text("anchor-membership.ru")).status_code == 204
    with_body = f"""PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        WITH <{WRITES_GRAPH}>
        DELETE {{ ?s rdfs:label ?l }} INSERT {{ ?s rdfs:label "Acme (renamed, synthetic)"@en }}
        WHERE {{ ?s rdfs:label ?l FILTER (STRSTARTS(STR(?l), "Acme")) }}"""
    assert update(client, with_body).status_code == 204
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    rows = select(client, f"SELECT ?l WHERE {{ GRAPH <{WRITES_GRAPH}> {{ <{SYN}acme> {label} ?l }} }}")
    assert rows == [{"l": "Acme (renamed, synthetic)"}]
    # using-graph-uri names the WHERE clause's default graph, like USING.
    param_body = f"""DELETE {{ GRAPH <{WRITES_GRAPH}> {{ ?s <{CKG}synthetic> true }} }}
        INSERT {{ GRAPH <{WRITES_GRAPH}> {{ ?s <{CKG}synthetic> true }} }}
        WHERE {{ ?s <{CKG}synthetic> true }}"""
    answer = update(client, param_body, params={"using-graph-uri": WRITES_GRAPH})
    assert answer.status_code == 204 and answer.headers["X-Clusterkg-Inserted"] == "0"
    both = update(
        client,
        f"WITH <{WRITES_GRAPH}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        params={"using-graph-uri": WRITES_GRAPH},
    )
    assert both.status_code == 400 and "USING or WITH" in both.json()["message"]


def test_a_multi_operation_update_reads_what_its_earlier_operations_wrote(client: TestClient) -> None:
    # The second operation finds the membership the first one inserted (staging copy), and the
    # third renames what the second wrote.
    body = (
        text("anchor-membership.ru")
        + f""" ;
        PREFIX ckg: <{CKG}>
        DELETE {{ GRAPH ?g {{ ?m ckg:clusterRole ckg:anchorFinisherRole }} }}
        INSERT {{ GRAPH ?g {{ ?m ckg:clusterRole ckg:supplierRole }} }}
        WHERE {{ GRAPH ?g {{ ?m ckg:synthetic true ; ckg:clusterRole ckg:anchorFinisherRole }} }} ;
        COPY <{WRITES_GRAPH}> TO <{WRITES_GRAPH}-copy> ;
        DROP GRAPH <{WRITES_GRAPH}>"""
    )
    answer = update(client, body)
    assert answer.status_code == 204, answer.text
    assert answer.headers["X-Clusterkg-Inserted"] == "8"
    copy = f"{WRITES_GRAPH}-copy"
    assert ask(
        client, f"ASK {{ GRAPH <{copy}> {{ <{SYN}acme-biomed> <{CKG}clusterRole> <{CKG}supplierRole> }} }}"
    )
    assert not ask(client, f"ASK {{ GRAPH <{copy}> {{ ?m <{CKG}clusterRole> <{CKG}anchorFinisherRole> }} }}")
    assert not ask(client, f"ASK {{ GRAPH <{WRITES_GRAPH}> {{ }} }}")
    assert ask(client, f"ASK {{ GRAPH <{INFERRED}> {{ <{SYN}acme> a <{CKG}Supplier> }} }}")
    assert not is_anchor(client, f"{SYN}acme")


VIOLATIONS = [
    (
        "second-stage-order-1.ru",
        f"{SYN}extra-stage",
        f"{CKG}stageOrder",
        f"stage order 1 is used twice in one value chain (also by {SYN}first-stage):"
        " stage orders are unique within a value chain (ckg:stageOf)",
        f"ASK {{ <{SYN}extra-stage> ?p ?o }}",
    ),
    (
        "membership-without-role.ru",
        f"{SYN}medinzh-second-membership",
        f"{CKG}clusterRole",
        "a cluster membership has a role (ckg:clusterRole), a ckg:ClusterRole such as ckg:anchorRole",
        f"ASK {{ <{SYN}medinzh-second-membership> ?p ?o }}",
    ),
    (
        "holding-share-150.ru",
        f"{SYN}patent-1-medinzh",
        f"{CKG}sharePercent",
        "a holding has at most one share (ckg:sharePercent), a number of per cent from 0 to 100",
        f"ASK {{ <{SYN}patent-1-medinzh> <{CKG}sharePercent> 150 }}",
    ),
    (
        "claim-without-provenance.ru",
        "https://w3id.org/clusterkg/id/claim/unsourced",
        None,
        "claim graph <https://w3id.org/clusterkg/id/claim/unsourced> has no provenance: declare it a"
        " ckg:Claim with prov:wasDerivedFrom a ckg:Quote in the provenance graph"
        " <https://w3id.org/clusterkg/graph/provenance>",
        "ASK { GRAPH <https://w3id.org/clusterkg/id/claim/unsourced> { } }",
    ),
]


@pytest.mark.parametrize(
    ("name", "focus", "path", "message", "probe"), VIOLATIONS, ids=[v[0] for v in VIOLATIONS]
)
def test_a_violating_write_is_refused_with_the_report_and_writes_nothing(
    client: TestClient, name: str, focus: str, path: str | None, message: str, probe: str
) -> None:
    before = quad_count(client)
    answer = update(client, text(name))
    assert answer.status_code == 422, answer.text
    report = answer.json()
    assert report["error"] == "validation-failed"
    found = [
        (v["focus_node"], v["path"], v["message"])
        for v in report["violations"]
        if v["severity"] == "Violation"
    ]
    assert (focus, path, message) in found
    assert "sh:ValidationReport" in report["report_turtle"]

    turtle = update(client, text(name), headers={"Accept": "text/turtle"})
    assert turtle.status_code == 422
    assert turtle.headers["content-type"].startswith("text/turtle")
    graph = ox.Store()
    graph.load(turtle.content, format=ox.RdfFormat.TURTLE)
    results = cast(
        ox.QuerySolutions,
        graph.query(f"""PREFIX sh: <http://www.w3.org/ns/shacl#>
        SELECT ?path ?message WHERE {{ ?r sh:focusNode <{focus}> ; sh:resultMessage ?message
        OPTIONAL {{ ?r sh:resultPath ?path }} }}"""),
    )
    assert (path, message) in [(r["path"].value if r["path"] else None, r["message"].value) for r in results]

    assert quad_count(client) == before  # nothing written, inferences included
    assert not ask(client, probe)


def test_stage_order_violation_names_both_stages(client: TestClient) -> None:
    answer = update(client, text("second-stage-order-1.ru"))
    focus = {v["focus_node"] for v in answer.json()["violations"]}
    assert {f"{SYN}extra-stage", f"{SYN}first-stage"} <= focus


def test_writes_to_the_inferred_and_ontology_graphs_are_refused(client: TestClient) -> None:
    for graph in (INFERRED, "https://w3id.org/clusterkg/graph/ontology"):
        answer = update(client, f"INSERT DATA {{ GRAPH <{graph}> {{ <{SYN}a> <{CKG}synthetic> true }} }}")
        assert answer.status_code == 403
        assert "not allowed" in answer.json()["message"]
    assert update(client, "DROP ALL").status_code == 403


def test_a_missing_graph_fails_unless_silent(client: TestClient) -> None:
    answer = update(client, f"CLEAR GRAPH <{SYN}nothing-here>")
    assert answer.status_code == 400 and "does not exist" in answer.json()["message"]
    assert update(client, f"CLEAR SILENT GRAPH <{SYN}nothing-here>").status_code == 204


def test_blank_nodes_of_the_store_are_changed_in_place(client: TestClient) -> None:
    quote = "https://w3id.org/clusterkg/id/quote/article-grant"
    oa = "http://www.w3.org/ns/oa#"
    [before] = select(client, f"SELECT ?sel WHERE {{ <{quote}> <{oa}hasSelector> ?sel }}")
    body = f"""PREFIX oa: <{oa}>
        DELETE {{ GRAPH ?g {{ ?sel oa:prefix ?x }} }}
        INSERT {{ GRAPH ?g {{ ?sel oa:prefix "Статья"@ru }} }}
        WHERE {{
            GRAPH ?g {{ <{quote}> oa:hasSelector ?sel }}
            OPTIONAL {{ GRAPH ?g {{ ?sel oa:prefix ?x }} }}
        }}"""
    answer = update(client, body)
    assert answer.status_code == 204, answer.text
    assert answer.headers["X-Clusterkg-Inserted"] == "1"
    rows = select(
        client, f"SELECT ?sel ?p WHERE {{ <{quote}> <{oa}hasSelector> ?sel . ?sel <{oa}prefix> ?p }}"
    )
    assert rows == [{"sel": before["sel"], "p": "Статья"}]


def test_writes_need_the_token(client: TestClient) -> None:
    body = text("anchor-membership.ru")
    missing = client.post("/sparql", content=body, headers={"Content-Type": "application/sparql-update"})
    assert missing.status_code == 403
    wrong = update(client, body, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 403
    assert "Bearer" in wrong.json()["message"]
    assert not ask(client, f"ASK {{ <{SYN}acme> ?p ?o }}")


@pytest.fixture()
def read_only_client(fresh_store: Path) -> Iterator[TestClient]:
    """The app without an update token: writes are off."""
    from api import create_app
    from kg.settings import Settings

    with TestClient(create_app(Settings(store=fresh_store, query_timeout_s=10))) as test_client:
        yield test_client


def test_without_a_configured_token_writes_are_off(read_only_client: TestClient) -> None:
    answer = update(read_only_client, text("anchor-membership.ru"))
    assert answer.status_code == 403
    assert "writes are off" in answer.json()["message"]


# --- concurrency --------------------------------------------------------------------------------


def _watch(
    read: Callable[[], tuple[str, ...]], done: threading.Event, seen: list[tuple[str, ...]], limit: int
) -> None:
    """Read until the writer is done (at most ``limit`` times), recording every state seen."""
    for _ in range(limit):
        seen.append(read())
        if done.is_set():
            return


def test_concurrent_readers_never_see_a_half_applied_write(client: TestClient) -> None:
    swap, query = text("swap-stage-orders.ru"), text("stage-orders.rq")

    def read() -> tuple[str, ...]:
        return tuple(sorted(f"{row['a']},{row['b']}" for row in select(client, query)))

    assert update(client, text("ordered-stages.ru")).status_code == 204
    assert read() == ("1,2",)
    done = threading.Event()
    seen: list[list[tuple[str, ...]]] = [[] for _ in range(3)]
    readers = [threading.Thread(target=_watch, args=(read, done, seen[i], 2000)) for i in range(3)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(12):
            answer = update(client, swap)
            assert answer.status_code == 204, answer.text
            assert answer.headers["X-Clusterkg-Inserted"] == "2"
    finally:
        done.set()
        for thread in readers:
            thread.join(timeout=60)
    states = {state for observed in seen for state in observed}
    assert states <= {("1,2",), ("2,1",)}, states
    assert sum(map(len, seen)) > 12
    assert read() == ("1,2",)  # an even number of swaps


def test_on_virtuoso_no_query_runs_while_a_write_is_sent(request: pytest.FixtureRequest) -> None:
    """Virtuoso reads at READ COMMITTED (a query can read one triple before a commit and
    another after it), so the client holds queries back while it sends a write, and that is
    the path an app's query takes: held while the gate is shut, answered once it opens."""
    import asyncio

    from conftest import virtuoso_settings

    from api import create_app

    settings = virtuoso_settings(request.getfixturevalue("virtuoso"), Path("no-store"))
    with TestClient(create_app(settings)) as client:
        app = client.app
        assert isinstance(app, FastAPI)
        gate = app.state.runtime.client.gate
        assert gate is not None
        shut, let_go = threading.Event(), threading.Event()

        async def commit_in_flight() -> None:
            async with gate.hold(exclusive=True, timeout_s=5):
                shut.set()
                while not let_go.is_set():
                    await asyncio.sleep(0.01)

        portal = client.portal
        assert portal is not None
        holder = portal.start_task_soon(commit_in_flight)
        try:
            assert shut.wait(5)
            answers: list[httpx.Response] = []
            query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o = 'gate test') }"
            asking = threading.Thread(
                target=lambda: answers.append(client.get("/sparql", params={"query": query}))
            )
            asking.start()
            asking.join(0.5)
            assert answers == []  # held back while the write is sent
            let_go.set()
            holder.result(5)
            asking.join(10)
        finally:
            let_go.set()
        assert [a.status_code for a in answers] == [200]


def _engine_url(client: TestClient) -> str:
    app = client.app
    assert isinstance(app, FastAPI)
    url: str = app.state.runtime.engine.url
    return url


@pytest.mark.managed_only(
    reason="readers of the managed Oxigraph's snapshot during a commit, read straight from its port"
)
def test_the_commit_is_one_transaction_for_concurrent_readers(client: TestClient) -> None:
    """200 commits of a two-node swap straight to the engine, read by three threads meanwhile."""
    engine = _engine_url(client)
    g, p = n(WRITES_GRAPH), n(f"{CKG}synthetic-test-value")
    a, b = n(f"{SYN}left"), n(f"{SYN}right")

    def state(x: int, y: int) -> set[ox.Quad]:
        return {ox.Quad(a, p, ox.Literal(str(x)), g), ox.Quad(b, p, ox.Literal(str(y)), g)}

    forward = commit_update(CommitPlan(delete=state(1, 2), insert=state(2, 1)))
    backward = commit_update(CommitPlan(delete=state(2, 1), insert=state(1, 2)))
    pattern = f"<{a.value}> <{p.value}> ?x . <{b.value}> <{p.value}> ?y"
    query = f"SELECT ?x ?y WHERE {{ GRAPH <{g.value}> {{ {pattern} }} }}"
    with httpx.Client(base_url=engine, timeout=30, trust_env=False) as http:
        assert (
            http.post("/update", data={"update": f"INSERT DATA {{ {quad_block(state(1, 2))} }}"}).status_code
            == 204
        )

        def read() -> tuple[str, ...]:
            answer = http.post(
                "/query", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
            )
            rows = answer.json()["results"]["bindings"]
            return tuple(sorted(f"{r['x']['value']},{r['y']['value']}" for r in rows))

        done = threading.Event()
        seen: list[list[tuple[str, ...]]] = [[] for _ in range(3)]
        readers = [threading.Thread(target=_watch, args=(read, done, seen[i], 5000)) for i in range(3)]
        for thread in readers:
            thread.start()
        try:
            for i in range(200):
                answer = http.post("/update", data={"update": forward if i % 2 == 0 else backward})
                assert answer.status_code == 204, answer.text
        finally:
            done.set()
            for thread in readers:
                thread.join(timeout=60)
    states = {state for observed in seen for state in observed}
    assert states <= {("1,2",), ("2,1",)}, states
    assert states == {("1,2",), ("2,1",)}  # the readers did run between commits


def _load_dataset(client: TestClient, body: bytes | IO[bytes]) -> None:
    """The engine client's bulk load (the additions-only commit), run on the app's event loop."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def run() -> None:
        await runtime.client.load_dataset(body, timeout_s=60)

    assert client.portal is not None
    client.portal.call(run)


def _count_graph(http: httpx.Client, graph: str) -> str:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    answer = http.post("/query", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    value: str = answer.json()["results"]["bindings"][0]["n"]["value"]
    return value


@pytest.mark.managed_only(
    reason="the one-ingestion bulk commit is the managed Oxigraph's (EngineClient.load_dataset)"
)
def test_an_additions_only_commit_is_one_ingestion_for_concurrent_readers(client: TestClient) -> None:
    """The N-Quads path of an upload (kg.write.commit.write_nquads to a file, bulk-loaded by
    EngineClient.load_dataset): readers counting the graph see nothing or everything."""
    engine = _engine_url(client)
    g, p = n(f"{WRITES_GRAPH}/bulk"), n(f"{CKG}synthetic-test-value")
    size = 20_000
    store = ox.Store()
    store.bulk_extend(ox.Quad(n(f"{SYN}bulk-{i}"), p, ox.Literal(str(i)), g) for i in range(size))
    plan = CommitPlan(bulk=(store,), create={g})
    assert plan.additions_only()
    with httpx.Client(base_url=engine, timeout=60, trust_env=False) as http:
        done = threading.Event()
        seen: list[list[tuple[str, ...]]] = [[] for _ in range(3)]
        readers = [
            threading.Thread(
                target=_watch, args=(lambda: (_count_graph(http, g.value),), done, seen[i], 5000)
            )
            for i in range(3)
        ]
        for thread in readers:
            thread.start()
        try:
            for _ in range(6):
                with tempfile.TemporaryFile() as spool:
                    write_nquads(plan, spool)
                    spool.seek(0)
                    _load_dataset(client, spool)
                assert _count_graph(http, g.value) == str(size)
                assert http.post("/update", data={"update": f"DROP GRAPH <{g.value}>"}).status_code == 204
        finally:
            done.set()
            for thread in readers:
                thread.join(timeout=60)
    states = {state for observed in seen for state in observed}
    assert states <= {("0",), (str(size),)}, states
    assert (str(size),) in states  # the readers did see a loaded state


@pytest.mark.managed_only(
    reason="the one-ingestion bulk commit is the managed Oxigraph's (EngineClient.load_dataset)"
)
def test_a_bulk_load_that_breaks_off_loads_nothing(client: TestClient) -> None:
    """A document malformed after 20k good quads: the engine refuses it and holds none of them."""
    g = n(f"{WRITES_GRAPH}/broken-bulk")
    good = b"".join(
        f'<{SYN}b{i}> <{CKG}synthetic-test-value> "{i}" <{g.value}> .\n'.encode() for i in range(20_000)
    )
    with pytest.raises(QueryError, match="line 20001"):
        _load_dataset(client, good + b'<http://e/s> <http://e/p> "unterminated .\n')
    with httpx.Client(base_url=_engine_url(client), timeout=60, trust_env=False) as http:
        assert _count_graph(http, g.value) == "0"


def test_a_plan_with_deletions_is_not_additions_only() -> None:
    g, p = n(WRITES_GRAPH), n(f"{CKG}synthetic-test-value")
    quad = ox.Quad(n(f"{SYN}x"), p, ox.Literal("1"), g)
    assert not CommitPlan(delete={quad}).additions_only()
    assert not CommitPlan(drop={g}).additions_only()
    assert not CommitPlan(create={g}).additions_only()  # an empty graph needs CREATE GRAPH
