"""Resource endpoints with response models (``/api/clusters``, ``/api/projects/{id}``, ...) on
the founding case: the BioMed cluster, the MedInzh project and its through-technology."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

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
    (anchor,) = roles["anchorFinisherRole"]
    assert (anchor["iri"], anchor["id"], anchor["is_group"]) == (MEDINZH, "medinzh", False)
    rd = [m for m in roles["researchOrganisationRole"] if m["group_size"] is not None]
    assert [(m["is_group"], m["group_size"]) for m in rd] == [(True, 11)]
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
    assert [s["order"] for s in body["stages"]] == [1, 2, 3, 4, 5]
    assert all([a["iri"] for a in s["actors"]] == [PLATFORM_GROUP] for s in body["stages"])
    assert [f["iri"] for f in body["finishers"]] == [MEDINZH]
    assert {MEDINZH, PLATFORM_GROUP} <= iris(body["participants"])
    assert body["ip_rights"] == []


def test_organization(client: TestClient) -> None:
    answer = client.get("/api/organizations/medinzh")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["iri"], body["kind"], body["group_size"]) == (MEDINZH, "enterprise", None)
    assert body["labels"]["ru"] == "Научно-производственное предприятие «МедИнж»"
    assert [(m["cluster"]["id"], m["role"]["iri"].rsplit("#", 1)[-1]) for m in body["memberships"]] == [
        ("biomed", "anchorFinisherRole")
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
    assert answer.json()["error"] == "http-404"


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
    from api.routers.rest import _ip_rights

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
    first, second = _ip_rights(rows)  # type: ignore[arg-type]
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
