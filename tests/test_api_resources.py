"""Resource endpoints with response models (``/api/clusters``, ``/api/projects/{id}``, ...) on
the founding case: the BioMed cluster, the MedInzh project and its through-technology."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from conftest import TOKEN
from fastapi.testclient import TestClient

from kg.sources import founding_case_files

pytestmark = pytest.mark.engines  # against the managed Oxigraph and Virtuoso (tests/engines.py)

ID = "https://w3id.org/clusterkg/id/"
CKG = "https://w3id.org/clusterkg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ODRL = "http://www.w3.org/ns/odrl/2/"
MEDINZH = ID + "organization/medinzh"
PLATFORM_GROUP = ID + "group/medinzh-platform-enterprises"
PROJECT = ID + "project/medinzh-x-ray-endovascular-devices"


def iris(items: list[dict[str, object]]) -> set[object]:
    return {item["iri"] for item in items}


def test_clusters_list_biomed(client: TestClient) -> None:
    answer = client.get("/api/clusters")
    assert answer.status_code == 200
    (biomed,) = [c for c in answer.json()["clusters"] if c["id"] == "biomed"]
    assert biomed["iri"] == ID + "cluster/biomed"
    assert biomed["labels"]["en"] == "BioMed industrial cluster of Penza Oblast"
    assert biomed["region"]["code"] == "RU-PNZ"
    assert biomed["region"]["labels"] == {"en": "Penza Oblast", "ru": "Пензенская область"}
    assert (biomed["participant_count"], biomed["participant_count_as_of"]) == (28, "2018-05")
    assert biomed["type"]["iri"].endswith("#verticallyIntegratedCluster")
    assert len(biomed["specialisations"]) == 3
    assert biomed["links"]["self"] == "/api/clusters/biomed"


def test_cluster_detail(client: TestClient) -> None:
    answer = client.get("/api/clusters/biomed")
    assert answer.status_code == 200
    body = answer.json()
    assert body["participant_count"] == 28
    roles = {r["role"]["iri"].rsplit("#", 1)[-1]: r["members"] for r in body["participants_by_role"]}
    anchors = {m["iri"]: m for m in roles["anchorRole"]}
    assert (anchors[MEDINZH]["id"], anchors[MEDINZH]["is_group"]) == ("medinzh", False)
    assert [m["iri"] for m in roles["finisherRole"]] == [MEDINZH]
    # "11 companies of the cluster": members in no more particular role, not research organisations.
    assert [(m["is_group"], m["group_size"]) for m in roles["participantRole"]] == [(True, 11)]
    assert all(m["group_size"] is None for m in roles["researchOrganisationRole"])
    assert [p["iri"] for p in body["projects"]] == [PROJECT]


def test_project_detail(client: TestClient) -> None:
    answer = client.get("/api/projects/medinzh-x-ray-endovascular-devices")
    assert answer.status_code == 200
    body = answer.json()
    assert body["start_year"] == 2015
    assert body["production_launch_within"] == "P3Y"
    assert body["production_launch_year"] is None
    assert [t["labels"]["en"] for t in body["through_technologies"]] == ["minimally invasive surgery"]
    assert [c["id"] for c in body["clusters"]] == ["biomed"]
    assert [i["iri"] for i in body["initiators"]] == [MEDINZH]
    assert [m["iri"].rsplit("#", 1)[-1] for m in body["innovation_models"]] == ["openInnovationModel"]
    assert body["stage_count"] == 5
    # The article counts the stages but does not order them, nor name the platform's finisher.
    assert [s["order"] for s in body["stages"]] == [None] * 5
    assert all([a["iri"] for a in s["actors"]] == [PLATFORM_GROUP] for s in body["stages"])
    assert body["finishers"] == []
    assert {MEDINZH, PLATFORM_GROUP} <= iris(body["participants"])
    # The article's answer to "who took part in the R&D": 11 companies of the cluster, unnamed.
    (rd,) = body["rd_participants"]
    group = ID + "group/medinzh-project-rd-companies"
    assert (rd["iri"], rd["is_group"], rd["group_size"]) == (group, True, 11)
    assert [i["iri"] for i in body["rd_initiators"]] == [MEDINZH]
    assert body["ip_rights"] == []


def test_organization(client: TestClient) -> None:
    answer = client.get("/api/organizations/medinzh")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["iri"], body["kind"], body["group_size"]) == (MEDINZH, "enterprise", None)
    assert body["labels"]["ru"] == "Научно-производственное предприятие «МедИнж»"
    assert [(m["cluster"]["id"], m["role"]["iri"].rsplit("#", 1)[-1]) for m in body["memberships"]] == [
        ("biomed", "anchorRole"),
        ("biomed", "finisherRole"),
    ]
    assert [p["iri"] for p in body["projects"]] == [PROJECT]
    assert [t["id"] for t in body["technologies"]] == ["minimally-invasive-surgery"]


def test_organization_group(client: TestClient) -> None:
    body = client.get("/api/organizations/medinzh-project-rd-companies").json()
    assert (body["kind"], body["group_size"]) == ("group", 11)
    assert body["iri"] == ID + "group/medinzh-project-rd-companies"


def test_technology_users(client: TestClient) -> None:
    answer = client.get("/api/technologies/minimally-invasive-surgery")
    assert answer.status_code == 200
    body = answer.json()
    assert body["labels"] == {"en": "minimally invasive surgery", "ru": "технология малоинвазивной хирургии"}
    users = {u["iri"]: u["is_group"] for u in body["users"]}
    assert users[MEDINZH] is False
    assert users[PLATFORM_GROUP] is True
    assert [p["iri"] for p in body["projects"]] == [PROJECT]
    assert body["broader"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/clusters/nowhere",
        "/api/clusters/medinzh",
        "/api/projects/biomed",
        "/api/organizations/nobody",
        "/api/technologies/x%3E%20%3Fs",
        "/api/technologies/-bad",
        "/api/projects/" + "a" * 300,
    ],
)
def test_unknown_is_404_json(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert answer.json()["error"] == "not-found"


def test_openapi_has_the_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in (
        "Cluster",
        "ClusterDetail",
        "ClusterList",
        "Organization",
        "Project",
        "Stage",
        "IPRight",
        "Technology",
        "Labels",
        "Ref",
        "Member",
    ):
        assert name in schemas, name
    assert schemas["Project"]["properties"]["start_year"]["description"] == "The year it started."
    ok = spec["paths"]["/api/projects/{id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"] == "#/components/schemas/Project"
    assert "404" in spec["paths"]["/api/clusters/{id}"]["get"]["responses"]


def test_ip_rights_group_holders_and_licences() -> None:
    from api.rest.rows import ip_rights

    def iri(local: str) -> ox.NamedNode:
        return ox.NamedNode(ID + local)

    right = {"right": iri("right/r1"), "type": ox.NamedNode(CKG + "Patent"), "number": ox.Literal("2650000")}
    rows = [
        {
            **right,
            "relation": ox.Literal("holder"),
            "party": iri("organization/a"),
            "share": ox.Literal("60"),
        },
        {
            **right,
            "relation": ox.Literal("holder"),
            "party": iri("organization/b"),
            "share": ox.Literal("40"),
        },
        *(
            {
                **right,
                "relation": ox.Literal("licensee"),
                "party": iri("organization/c"),
                "licence": iri("licence/l1"),
                "licensor": iri("organization/a"),
                "exclusive": ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean")),
                "action": ox.NamedNode(ODRL + action),
            }
            for action in ("use", "reproduce")
        ),
        {"right": iri("right/r2")},
    ]
    first, second = ip_rights(rows)  # type: ignore[arg-type]
    assert (first.type and first.type.iri, first.number) == (CKG + "Patent", "2650000")
    assert [(h.id, h.share_percent) for h in first.holders] == [("a", 60.0), ("b", 40.0)]
    (licence,) = first.licences
    assert (licence.licensee.id, licence.licensor and licence.licensor.id, licence.exclusive) == (
        "c",
        "a",
        False,
    )
    assert licence.actions == [ODRL + "use", ODRL + "reproduce"]
    assert (second.iri, second.holders, second.licences) == (ID + "right/r2", [], [])


# --- Lists, pages, ids, unknown parameters -----------------------------------------------------

KINDS = {
    "clusters": ("clusters", "cluster"),
    "organizations": ("organizations", "organization"),
    "projects": ("projects", "project"),
    "technologies": ("technologies", "technology"),
}


def _link(answer: object, rel: str) -> str | None:
    header = answer.headers.get("link", "")  # type: ignore[attr-defined]
    match = re.search(rf'<([^>]*)>; rel="{rel}"', header)
    return match[1] if match else None


@pytest.mark.parametrize("path", list(KINDS))
def test_every_kind_has_a_list_whose_ids_find_the_resource(client: TestClient, path: str) -> None:
    answer = client.get(f"/api/{path}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["limit"], body["offset"]) == (100, 0)
    rows = body[KINDS[path][0]]
    assert rows
    for row in rows:
        assert row["id"] and row["iri"].endswith("/" + row["id"])
        assert row["links"]["self"] == f"/api/{path}/{row['id']}"
        one = client.get(row["links"]["self"])
        assert one.status_code == 200, one.text
        assert (one.json()["iri"], one.json()["id"]) == (row["iri"], row["id"])
        assert one.json()["labels"] == row["labels"]
    assert _link(answer, "next") is None
    assert _link(answer, "first") is not None


def test_the_organizations_list_has_enterprises_and_groups(client: TestClient) -> None:
    rows = {o["id"]: o for o in client.get("/api/organizations").json()["organizations"]}
    assert (rows["medinzh"]["kind"], rows["medinzh"]["group_size"]) == ("enterprise", None)
    assert rows["medinzh"]["links"]["html"] == "/id/organization/medinzh"
    assert (
        rows["medinzh-project-rd-companies"]["kind"],
        rows["medinzh-project-rd-companies"]["group_size"],
    ) == (
        "group",
        11,
    )
    assert rows["medinzh-project-rd-companies"]["links"]["html"] == "/id/group/medinzh-project-rd-companies"
    typed = {
        q.subject.value
        for path in founding_case_files()
        for q in ox.parse(path=path, format=ox.RdfFormat.TRIG)
        if q.predicate.value.endswith("#type")
        and q.subject.value.startswith((ID + "organization/", ID + "group/"))
    }
    assert {o["iri"] for o in rows.values()} == typed
    (project,) = client.get("/api/projects").json()["projects"]
    assert (project["id"], project["start_year"]) == ("medinzh-x-ray-endovascular-devices", 2015)


def test_pages_follow_the_link_headers(client: TestClient) -> None:
    everything = client.get("/api/organizations").json()["organizations"]
    seen: list[dict[str, object]] = []
    url: str | None = "/api/organizations?limit=3"
    pages = 0
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200
        assert len(answer.json()["organizations"]) <= 3
        seen += answer.json()["organizations"]
        if pages:
            assert _link(answer, "prev") is not None
        url = _link(answer, "next")
        pages += 1
    assert seen == everything
    assert pages == 4
    last = client.get("/api/organizations", params={"limit": 3, "offset": 9})
    assert "offset=6" in (_link(last, "prev") or "")
    assert "offset=0" in (_link(last, "first") or "")
    assert client.get("/api/clusters", params={"offset": 1}).json()["clusters"] == []
    assert _link(client.get("/api/clusters", params={"limit": 1}), "next") is None


@pytest.mark.parametrize(
    "path",
    [
        "/api/clusters",
        "/api/clusters/biomed",
        "/api/organizations",
        "/api/organizations/medinzh",
        "/api/projects",
        "/api/projects/medinzh-x-ray-endovascular-devices",
        "/api/technologies",
        "/api/technologies/minimally-invasive-surgery",
    ],
)
def test_an_unknown_parameter_is_422_naming_it(client: TestClient, path: str) -> None:
    answer = client.get(path, params={"lang": "en"})
    assert answer.status_code == 422
    body = answer.json()
    assert (body["error"], body["parameter"]) == ("parameter-error", "lang")
    accepted = "limit, offset" if path.count("/") == 2 else "none"
    assert body["message"] == f"parameter 'lang': unknown parameter; accepted: {accepted}"


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "1001"}, {"offset": "-1"}, {"limit": "x"}])
def test_bad_pages_are_422(client: TestClient, params: dict[str, str]) -> None:
    answer = client.get("/api/technologies", params=params)
    assert answer.status_code == 422
    assert answer.json()["parameter"] == next(iter(params))


SYNTHETIC = "https://w3id.org/clusterkg/synthetic/id/"
GRAPH = "https://w3id.org/clusterkg/synthetic/graph/case/rest-style"


def test_synthetic_resources_are_listed_and_found_by_their_last_segment(client: TestClient) -> None:
    insert = f"""PREFIX ckg: <{CKG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA {{ GRAPH <{GRAPH}> {{
  <{SYNTHETIC}technology/demo-tech> a ckg:Technology ; ckg:synthetic true ; rdfs:label "demo technology"@en .
  <https://example.org/elsewhere/tech> a ckg:Technology ; rdfs:label "a technology elsewhere"@en .
}} }}"""
    answer = client.post(
        "/sparql",
        content=insert.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code in (200, 204), answer.text
    rows = {t["id"]: t for t in client.get("/api/technologies").json()["technologies"]}
    assert set(rows) == {"minimally-invasive-surgery", "demo-tech"}  # the IRI elsewhere has no {id}
    assert rows["demo-tech"]["iri"] == SYNTHETIC + "technology/demo-tech"
    assert rows["demo-tech"]["links"] == {"self": "/api/technologies/demo-tech"}
    one = client.get("/api/technologies/demo-tech")
    assert one.status_code == 200
    assert one.json()["iri"] == SYNTHETIC + "technology/demo-tech"
