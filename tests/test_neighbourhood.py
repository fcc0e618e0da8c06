"""The neighbourhood of a write: what the shapes and the rules read backwards (kg.write.reach), and
the rounds over a real engine, which follow a hub's incoming quads only along those.

The hub is a cluster with many memberships and a technology platform with many stages, put in
the store by a Graph Store upload (tests/hubs.py).
"""

from __future__ import annotations

import warnings

import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg import validation
from kg.sources import load_ontology
from kg.write.checks import ROUNDS, knowledge
from kg.write.neighbourhood import Local, Neighbourhood, fetch
from kg.write.reach import EVERYTHING, Reach, rule_reach, shape_reach
from kg.write.readers import EngineReader
from tests import hubs

with warnings.catch_warnings():
    # starlette 1.x warns on import that it wants httpx2; see tests/test_writes.py.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

CKG = "https://w3id.org/clusterkg/ontology#"
ORG = "http://www.w3.org/ns/org#"


def names(reach: Reach) -> set[str]:
    return {p.value for p in reach.backward}


def test_the_shapes_read_backwards_only_the_value_chain_and_ip_holding_links() -> None:
    reach = shape_reach(validation.load_shapes())
    assert not reach.every
    # the other stages of a chain (uniqueOrder); the holdings of a right (sharesSum, the
    # inverse path of IPHoldingShape-right); the permissions of an ODRL policy (PermissionShape
    # targets the objects of odrl:permission); a membership's interval (the interval shapes
    # target the objects of org:memberDuring); an industry class's scheme (a SPARQL constraint
    # reads the value's skos:inScheme); the rest are datatype properties of those nodes
    links = {CKG + p for p in ("stageOf", "holdingOf", "hasHolding")} | {
        "http://www.w3.org/ns/odrl/2/permission",
        ORG + "memberDuring",
        "http://www.w3.org/2004/02/skos/core#inScheme",
    }
    assert links <= names(reach)
    assert {CKG + p for p in ("stageOrder", "stageCount", "sharePercent")} | links == names(reach)


def test_the_rules_read_backwards_inverses_chains_and_their_sub_properties() -> None:
    reach = rule_reach(load_ontology())
    found = names(reach)
    assert {ORG + "member", ORG + "hasMembership", CKG + "formsPlatform", CKG + "platformOf"} <= found
    assert CKG + "initiatedBy" in found  # a sub-property of ckg:hasParticipant, an inverse
    assert CKG + "actsAtStage" in found  # first link of a property chain
    assert "http://www.w3.org/2002/07/owl#sameAs" in found
    # what hubs are made of: nothing reads these from object to subject
    for hub_link in ("cluster", "unit", "region", "referenceTime", "throughTechnology", "clusterRole"):
        assert CKG + hub_link not in found


def test_a_variable_predicate_read_backwards_makes_the_shapes_follow_everything() -> None:
    shapes = validation.load_shapes()
    loose = Graph()
    loose += shapes
    loose.parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:sparql [ sh:select "SELECT $this WHERE { ?x ?p $this }" ] .""",
        format="turtle",
    )
    assert shape_reach(loose).every


def local_hood(store: ox.Store, seed: str, backward: Reach) -> set[str]:
    return {q.subject.value for q in Local(store).around(ox.NamedNode(seed), backward, opened=False)}


def test_local_quads_follow_incoming_links_only_along_the_reach() -> None:
    store = ox.Store()
    g = ox.NamedNode("http://e/g")
    hub, stage = ox.NamedNode("http://e/hub"), ox.NamedNode("http://e/stage")
    for i in range(5):
        store.add(ox.Quad(ox.NamedNode(f"http://e/m{i}"), ox.NamedNode(CKG + "cluster"), hub, g))
    store.add(ox.Quad(stage, ox.NamedNode(CKG + "stageOf"), hub, g))
    blank = ox.BlankNode()
    store.add(ox.Quad(hub, ox.NamedNode("http://e/p"), blank, g))
    store.add(ox.Quad(blank, ox.NamedNode("http://e/q"), ox.Literal("x"), g))
    reach = Reach(frozenset({ox.NamedNode(CKG + "stageOf")}))
    assert local_hood(store, hub.value, reach) == {hub.value, stage.value, str(blank.value)}
    assert len(local_hood(store, hub.value, EVERYTHING)) == 8


def fetched(
    client: TestClient, seed: str, backward: Reach, opened: frozenset[ox.NamedNode] = frozenset()
) -> Neighbourhood:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    reader = EngineReader(runtime.client, timeout_s=10, max_rows=100_000)
    know = knowledge()

    async def run() -> Neighbourhood:
        return await fetch(
            reader,
            [ox.NamedNode(seed)],
            rounds=ROUNDS,
            ontology_terms=know.terms,
            backward=backward,
            opened=opened,
        )

    assert client.portal is not None
    return client.portal.call(run)


# aiohttp warns when the engine client sends a body over 1 MiB as one string (kg/engine/client.py)
LARGE_BODY = "ignore:Sending a large body directly:ResourceWarning"


@pytest.fixture()
def hub_client(client: TestClient) -> TestClient:
    hubs.upload(client)
    return client


@pytest.mark.filterwarnings(LARGE_BODY)
def test_a_hub_is_not_followed_backwards_along_what_nothing_reads(hub_client: TestClient) -> None:
    reach = knowledge().reach
    hood = fetched(hub_client, hubs.membership(0), reach)
    assert hood.distance[ox.NamedNode(hubs.CLUSTER)] == 1
    others = {ox.NamedNode(hubs.membership(i)) for i in range(1, hubs.SIZE)}
    assert not others & hood.distance.keys()
    assert len(hood.quads) < 60
    # the same fetch, following everything backwards (the old rule), takes the whole hub in
    everything = fetched(hub_client, hubs.membership(0), EVERYTHING)
    assert others <= everything.distance.keys()


@pytest.mark.filterwarnings(LARGE_BODY)
def test_the_other_stages_of_a_chain_are_followed_whatever_their_number(hub_client: TestClient) -> None:
    hood = fetched(hub_client, hubs.stage(0), knowledge().reach)
    stages = {ox.NamedNode(hubs.stage(i)) for i in range(hubs.STAGES)}
    assert stages <= hood.distance.keys()
    order = ox.NamedNode(CKG + "stageOrder")
    assert {q.subject for q in hood.quads if q.predicate == order} == stages  # their orders too


@pytest.mark.filterwarnings(LARGE_BODY)
def test_an_open_hub_has_all_its_incoming_quads_followed(hub_client: TestClient) -> None:
    cluster = ox.NamedNode(hubs.CLUSTER)
    hood = fetched(hub_client, hubs.CLUSTER, knowledge().reach, opened=frozenset({cluster}))
    members = {ox.NamedNode(hubs.membership(i)) for i in range(hubs.SIZE)}
    assert {n for n, d in hood.distance.items() if d == 1} >= members
