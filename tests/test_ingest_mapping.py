"""The mapping (loading it, and what it makes of small templates): quads, problems, references."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import yaml
from rdflib import URIRef
from rdflib.namespace import RDF

from kg.ingest import MappedCase, Mapping, MappingError, Problem, load_mapping, map_case, read_template
from kg.ingest.mapping_loader import DEFAULT_MAPPING
from kg.ingest.vocabulary import vocabulary_of
from kg.namespaces import CKG
from kg.sources import load_ontology

ID = "https://w3id.org/clusterkg/id/"
SYN = "https://w3id.org/clusterkg/synthetic/"
CKG_NS = str(CKG)
XSD = "http://www.w3.org/2001/XMLSchema#"
TIME = "http://www.w3.org/2006/time#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TEXT = "Вступление.\nКластер объединяет\n12 предприятий и   институты развития. Конец.\n"
Rows = list[dict[str, str]]


@pytest.fixture(scope="module")
def mapping() -> Mapping:
    return load_mapping()


def base() -> dict[str, Rows]:
    return {
        "case": [{"key": "demo", "label_en": "Demo case", "provenance": "required"}],
        "sources": [{"key": "doc", "type": "fabio:Article", "language": "ru", "text_file": "doc.txt"}],
        "quotes": [{"key": "q1", "source": "doc", "text": "Кластер объединяет 12 предприятий"}],
        "clusters": [{"key": "c", "label_en": "C", "quote": "q1"}],
        "organisations": [
            {"key": "a", "label_en": "A", "quote": "q1"},
            {"key": "b", "label_en": "B", "quote": "q1"},
        ],
    }


def make(folder: Path, sheets: dict[str, Rows]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        headers = list(dict.fromkeys(key for row in rows for key in row))
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(headers)
            writer.writerows([row.get(h, "") for h in headers] for row in rows)
    (folder / "doc.txt").write_text(TEXT, encoding="utf-8")
    return folder


def run(
    tmp_path: Path,
    mapping: Mapping,
    known: Callable[[set[str]], set[str]] = lambda iris: set(),
    **sheets: Rows,
) -> MappedCase:
    folder = make(tmp_path / "case", {**base(), **sheets})
    return map_case(read_template(folder), mapping, known=known)


def triples(case: MappedCase, subject: str) -> set[tuple[str, str, str]]:
    return {
        (q.predicate.value, q.object.value, q.graph_name.value)  # type: ignore[union-attr]
        for q in case.quads
        if q.subject.value == subject
    }


def test_a_good_template_maps_to_claim_graphs(tmp_path: Path, mapping: Mapping) -> None:
    memberships = [
        {
            "key": "m1",
            "member": "a",
            "cluster": "c",
            "role": "anchorFinisherRole",
            "from": "2015",
            "to": "31.05.2018",
        },
    ]
    memberships[0]["quote"] = "q1"
    case = run(tmp_path, mapping, memberships=memberships)
    assert case.problems == ()
    claim = ID + "claim/q1"
    m1 = ID + "membership/m1"
    assert triples(case, m1) == {
        (TYPE, CKG_NS + "ClusterMembership", claim),
        ("http://www.w3.org/ns/org#member", ID + "organization/a", claim),
        (CKG_NS + "cluster", ID + "cluster/c", claim),
        (CKG_NS + "clusterRole", CKG_NS + "anchorFinisherRole", claim),
        ("http://www.w3.org/ns/org#memberDuring", m1 + "#during", claim),
    }
    assert triples(case, m1 + "#during") == {
        (TYPE, TIME + "ProperInterval", claim),
        (TIME + "hasBeginning", m1 + "#start", claim),
        (TIME + "hasEnd", m1 + "#end", claim),
    }
    start = {q.object for q in case.quads if q.subject.value == m1 + "#start"}
    assert ox.Literal("2015", datatype=ox.NamedNode(XSD + "gYear")) in start
    end = {q.object for q in case.quads if q.subject.value == m1 + "#end"}
    assert ox.Literal("2018-05-31", datatype=ox.NamedNode(XSD + "date")) in end
    assert case.claim_graphs == frozenset({ox.NamedNode(claim)})
    assert case.case_graph == ox.NamedNode("https://w3id.org/clusterkg/graph/case/demo")
    assert case.origins[m1] == ("memberships", 2)
    assert case.origins[ID + "organization/b"] == ("organisations", 3)
    assert not any(
        isinstance(t, ox.BlankNode) for q in case.quads for t in (q.subject, q.object, q.graph_name)
    )


def test_the_case_graph_describes_the_case_and_its_sources(tmp_path: Path, mapping: Mapping) -> None:
    case = run(tmp_path, mapping)
    described = triples(case, case.case_graph.value)
    g = case.case_graph.value
    assert (TYPE, "http://rdfs.org/ns/void#Dataset", g) in described
    assert ("http://purl.org/dc/terms/hasPart", ID + "claim/q1", g) in described
    source = triples(case, ID + "source/doc")
    assert (TYPE, CKG_NS + "SourceDocument", g) in source
    assert (TYPE, "http://purl.org/spar/fabio/Article", g) in source
    assert ("http://purl.org/dc/terms/language", "ru", g) in source
    import hashlib

    digest = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()
    assert (CKG_NS + "textSha256", digest, g) in source
    exact = next(q.object for q in case.quads if q.predicate.value == "http://www.w3.org/ns/oa#exact")
    assert exact == ox.Literal("Кластер объединяет 12 предприятий", language="ru")
    assert all(
        q.graph_name == case.provenance_graph for q in case.quads if q.subject.value.startswith(ID + "quote/")
    )


HOLDERS = {"ip_rights": [{"key": "ip1", "type": "Patent", "quote": "q1"}]}
CHAIN = {"value_chains": [{"key": "vc1", "label_en": "V", "quote": "q1"}]}
MEMBER = {"key": "m1", "member": "a", "cluster": "c", "role": "supplierRole", "quote": "q1"}

PROBLEMS: list[tuple[str, dict[str, Rows], tuple[str, int | None, str | None, str | None], list[str]]] = [
    (
        "unknown role",
        {"memberships": [{**MEMBER, "role": "anchr"}]},
        ("memberships", 2, "role", "anchr"),
        ["one of: anchorFinisherRole", "supplierRole", "researchOrganisationRole"],
    ),
    (
        "a date that does not parse",
        {"memberships": [{**MEMBER, "from": "31.02.2018"}]},
        ("memberships", 2, "from", "31.02.2018"),
        ["a year (2015), a year and month (2018-05) or a date (2018-05-31 or 31.05.2018)"],
    ),
    (
        "a share over 100",
        {**HOLDERS, "ip_holders": [{"right": "ip1", "holder": "a", "share": "120", "quote": "q1"}]},
        ("ip_holders", 2, "share", "120"),
        ["a number from 0 to 100"],
    ),
    (
        "shares of one right over 100",
        {
            **HOLDERS,
            "ip_holders": [
                {"right": "ip1", "holder": "a", "share": "60", "quote": "q1"},
                {"right": "ip1", "holder": "b", "share": "50,5", "quote": "q1"},
            ],
        },
        ("ip_holders", 3, "share", "50,5"),
        ["sum to at most 100 per right", "those of ip1 sum to 110.5"],
    ),
    (
        "a reference to an organisation that exists nowhere",
        {"memberships": [{**MEMBER, "member": "ghost"}]},
        ("memberships", 2, "member", "ghost"),
        ["a node defined in this template or already in the graph", "og:ghost", "organisations sheet"],
    ),
    (
        "a missing quote",
        {
            "clusters": [
                {"key": "c", "label_en": "C", "quote": "q1"},
                {"key": "d", "label_en": "D", "quote": ""},
            ]
        },
        ("clusters", 3, "quote", ""),
        ["the key of the quote that states this row (the case requires provenance)"],
    ),
    (
        "a quote that is not in the quotes sheet",
        {
            "clusters": [
                {"key": "c", "label_en": "C", "quote": "q1"},
                {"key": "d", "label_en": "D", "quote": "q9"},
            ]
        },
        ("clusters", 3, "quote", "q9"),
        ["the key of a quote in the quotes sheet"],
    ),
    (
        "a stage order that repeats in a value chain",
        {
            **CHAIN,
            "stages": [
                {"key": "s1", "value_chain": "vc1", "order": "1", "quote": "q1"},
                {"key": "s2", "value_chain": "vc:vc1", "order": "1", "quote": "q1"},
            ],
        },
        ("stages", 3, "order", "1"),
        ["an order not used by another row of the same value_chain (row 2 has order 1 in vc:vc1)"],
    ),
    (
        "a duplicate key",
        {
            "organisations": [
                {"key": "a", "quote": "q1"},
                {"key": "b", "quote": "q1"},
                {"key": "a", "quote": "q1"},
            ]
        },
        ("organisations", 4, "key", "a"),
        ["a key used once in the template (organisations row 2 has it)"],
    ),
    (
        "a missing required value",
        {"memberships": [{**MEMBER, "role": ""}]},
        ("memberships", 2, "role", ""),
        ["a value: this column is required"],
    ),
    (
        "an unknown sheet",
        {"clusterz": [{"key": "x"}]},
        ("clusterz", None, None, "clusterz"),
        ["one of the sheets: case, sources, quotes, clusters, organisations"],
    ),
    (
        "an unknown column",
        {"organisations": [{"key": "a", "lable_en": "A", "quote": "q1"}, {"key": "b", "quote": "q1"}]},
        ("organisations", 1, "lable_en", "lable_en"),
        ["one of the columns of organisations: key, type, label_ru, label_en"],
    ),
    (
        "a missing required column",
        {"memberships": [{"key": "m1", "member": "a", "cluster": "c", "quote": "q1"}]},
        ("memberships", 1, "role", None),
        ["a column 'role' (the sheet has: key, member, cluster, quote)"],
    ),
    (
        "a quote not found in its source's text",
        {"quotes": [{"key": "q1", "source": "doc", "text": "Кластер объединяет 13 предприятий"}]},
        ("quotes", 2, "text", "Кластер объединяет 13 предприятий"),
        ["a passage found verbatim in doc.txt (white space folded)"],
    ),
    (
        "a quote that no row names",
        {
            "quotes": [
                {"key": "q1", "source": "doc", "text": "Кластер объединяет 12 предприятий"},
                {"key": "q2", "source": "doc", "text": "институты развития"},
            ]
        },
        ("quotes", 3, "key", "q2"),
        ["a quote that some row names as its support (none does)"],
    ),
    (
        "an unknown prefix",
        {
            "organisations": [
                {"key": "a", "quote": "q1"},
                {"key": "b", "quote": "q1"},
                {"key": "xyz:d", "quote": "q1"},
            ]
        },
        ("organisations", 4, "key", "xyz:d"),
        ["a known prefix before ':' (one of: ", "grp, ", "og, "],
    ),
    (
        "a key that is not a slug",
        {
            "organisations": [
                {"key": "a", "quote": "q1"},
                {"key": "b", "quote": "q1"},
                {"key": "МедИнж", "quote": "q1"},
            ]
        },
        ("organisations", 4, "key", "МедИнж"),
        ["a slug of Latin letters, digits, '-', '_' and '.' such as 'medinzh'"],
    ),
    (
        "a text file that is not there",
        {"sources": [{"key": "doc", "type": "fabio:Article", "language": "ru", "text_file": "nowhere.txt"}]},
        ("sources", 2, "text_file", "nowhere.txt"),
        ["the name of a UTF-8 text file (no folders) next to the template"],
    ),
    (
        "a property the ontology does not have",
        {
            "statements": [
                {"subject": "cl:c", "property": "ckg:clusterColour", "object": "cl:c", "quote": "q1"}
            ]
        },
        ("statements", 2, "property", "ckg:clusterColour"),
        ["a property of the ontology, written prefix:name, such as ckg:sector"],
    ),
    (
        "a class the ontology does not have",
        {"entities": [{"key": "rdtask:t", "type": "ckg:RDTsk", "label_en": "T", "quote": "q1"}]},
        ("entities", 2, "type", "ckg:RDTsk"),
        ["a class of the ontology, written prefix:Name, such as ckg:RDTask"],
    ),
    (
        "a literal for an object property",
        {"statements": [{"subject": "cl:c", "property": "ckg:sector", "value": "biomedical", "quote": "q1"}]},
        ("statements", 2, "value", "biomedical"),
        ["an object, not a value: ckg:sector links to nodes"],
    ),
    (
        "text without a language where the ontology wants one",
        {
            "statements": [
                {"subject": "cl:c", "property": "ckg:specialisationStatement", "value": "x", "quote": "q1"}
            ]
        },
        ("statements", 2, "language", ""),
        ["a language tag such as ru: ckg:specialisationStatement takes text in a language"],
    ),
    (
        "a case key that is not a slug",
        {"case": [{"key": "demo case"}]},
        ("case", 2, "key", "demo case"),
        ["a slug of Latin letters, digits, '-', '_' and '.' such as 'demo-case'"],
    ),
]


@pytest.mark.parametrize(
    ("sheets", "where", "expected"), [p[1:] for p in PROBLEMS], ids=[p[0] for p in PROBLEMS]
)
def test_each_problem_names_sheet_row_column_value_and_what_was_expected(
    tmp_path: Path,
    mapping: Mapping,
    sheets: dict[str, Rows],
    where: tuple[str, int | None, str | None, str | None],
    expected: list[str],
) -> None:
    case = run(tmp_path, mapping, **sheets)
    assert len(case.problems) == 1, [p.line() for p in case.problems]
    problem = case.problems[0]
    assert (problem.sheet, problem.row, problem.column, problem.value) == where
    for text in expected:
        assert text in problem.expected


def test_every_problem_is_reported_at_once(tmp_path: Path, mapping: Mapping) -> None:
    sheets = {name: rows for _, rows_by_sheet, _, _ in PROBLEMS[:9] for name, rows in rows_by_sheet.items()}
    sheets["memberships"] = [
        {**MEMBER, "role": "anchr"},
        {**MEMBER, "key": "m2", "from": "31.02.2018"},
        {**MEMBER, "key": "m3", "member": "ghost"},
    ]
    sheets["ip_holders"] = [
        {"right": "ip1", "holder": "a", "share": "120", "quote": "q1"},
        {"right": "ip1", "holder": "b", "share": "50", "quote": ""},
    ]
    case = run(tmp_path, mapping, **sheets)
    places = {(p.sheet, p.row, p.column) for p in case.problems}
    assert places >= {
        ("memberships", 2, "role"),
        ("memberships", 3, "from"),
        ("memberships", 4, "member"),
        ("ip_holders", 2, "share"),
        ("ip_holders", 3, "quote"),
        ("stages", 3, "order"),
        ("organisations", 4, "key"),
    }
    assert len(case.problems) >= 7
    order = [(p.sheet, p.row) for p in case.problems]
    sheet_order = [s.name for s in mapping.sheets]
    assert order == sorted(order, key=lambda sr: (sheet_order.index(sr[0]), sr[1] or 0))


def test_known_is_asked_once_for_what_the_template_does_not_define(tmp_path: Path, mapping: Mapping) -> None:
    asked: list[set[str]] = []

    def known(iris: set[str]) -> set[str]:
        asked.append(set(iris))
        return {ID + "organization/existing"} & iris

    memberships = [
        {**MEMBER, "member": "existing"},
        {**MEMBER, "key": "m2", "cluster": "elsewhere"},
        {**MEMBER, "key": "m3", "role": "ckg:researchOrganisationRole"},
    ]
    case = run(tmp_path, mapping, known, memberships=memberships)
    assert asked == [{ID + "organization/existing", ID + "cluster/elsewhere"}]
    assert [(p.sheet, p.row, p.column, p.value) for p in case.problems] == [
        ("memberships", 3, "cluster", "elsewhere")
    ]
    assert ("http://www.w3.org/ns/org#member", ID + "organization/existing", ID + "claim/q1") in triples(
        case, ID + "membership/m1"
    )


def test_known_is_not_asked_when_everything_is_defined(tmp_path: Path, mapping: Mapping) -> None:
    asked: list[set[str]] = []
    run(tmp_path, mapping, lambda iris: asked.append(iris) or set())
    assert asked == []


def test_rows_without_a_quote_go_to_the_case_graph_when_provenance_is_optional(
    tmp_path: Path, mapping: Mapping
) -> None:
    clusters = [{"key": "c", "label_en": "C", "quote": "q1"}, {"key": "d", "label_en": "D"}]
    case_row = [{"key": "demo", "provenance": "optional"}]
    case = run(tmp_path, mapping, case=case_row, clusters=clusters)
    assert case.problems == ()
    assert (TYPE, CKG_NS + "Cluster", case.case_graph.value) in triples(case, ID + "cluster/d")


def test_a_synthetic_case_lives_in_the_synthetic_namespace(tmp_path: Path, mapping: Mapping) -> None:
    asked: list[set[str]] = []
    case_row = [{"key": "demo", "synthetic": "true"}]
    clusters = [{"key": "c", "label_en": "C", "region": "XZ-R01", "quote": "q1"}]
    case = run(tmp_path, mapping, lambda iris: asked.append(iris) or iris, case=case_row, clusters=clusters)
    assert case.problems == ()
    assert case.synthetic
    assert case.case_graph == ox.NamedNode(SYN + "graph/case/demo")
    assert case.provenance_graph == ox.NamedNode(SYN + "graph/provenance")
    assert case.claim_graphs == frozenset({ox.NamedNode(SYN + "graph/claim/q1")})
    assert asked == [{SYN + "id/region/XZ-R01"}]
    typed = {q.subject for q in case.quads if q.predicate.value == TYPE}
    flagged = {q.subject for q in case.quads if q.predicate.value == CKG_NS + "synthetic"}
    assert typed == flagged
    assert ox.NamedNode(SYN + "id/cluster/c") in typed
    assert all(t.value.startswith(SYN) for q in case.quads for t in (q.subject, q.graph_name))


def test_a_synthetic_case_cannot_refer_to_real_nodes(tmp_path: Path, mapping: Mapping) -> None:
    case_row = [{"key": "demo", "synthetic": "true"}]
    clusters = [
        {"key": "c", "label_en": "C", "region": "https://w3id.org/clusterkg/id/region/RU-PNZ", "quote": "q1"}
    ]
    case = run(tmp_path, mapping, lambda iris: iris, case=case_row, clusters=clusters)
    assert [(p.sheet, p.row, p.column) for p in case.problems] == [("clusters", 2, "region")]
    assert "a synthetic node or an ontology term" in case.problems[0].expected


def test_statement_literals_take_the_datatype_the_ontology_gives(tmp_path: Path, mapping: Mapping) -> None:
    statements = [
        {"subject": "pj:p", "property": "ckg:startYear", "value": "2015", "quote": "q1"},
        {"subject": "pj:p", "property": "ckg:productionLaunchWithin", "value": "P3Y", "quote": "q1"},
        {
            "subject": "pj:p",
            "property": "dct:issued",
            "value": "2016",
            "datatype": "xsd:gYear",
            "quote": "q1",
        },
        {"subject": "pj:p", "property": "skos:scopeNote", "value": "note", "language": "en", "quote": "q1"},
    ]
    projects = [{"key": "p", "label_en": "P", "quote": "q1"}]
    case = run(tmp_path, mapping, projects=projects, statements=statements)
    assert case.problems == ()
    objects = {q.object for q in case.quads if q.subject.value == ID + "project/p"}
    assert objects >= {
        ox.Literal("2015", datatype=ox.NamedNode(XSD + "gYear")),
        ox.Literal("P3Y", datatype=ox.NamedNode(XSD + "duration")),
        ox.Literal("2016", datatype=ox.NamedNode(XSD + "gYear")),
        ox.Literal("note", language="en"),
    }


def test_problem_line_and_dict() -> None:
    problem = Problem("memberships", 4, "role", "anchr", "one of: anchorFinisherRole, supplierRole")
    assert (
        problem.line()
        == "memberships row 4, column role: 'anchr' — expected one of: anchorFinisherRole, supplierRole"
    )
    assert problem.as_dict()["row"] == 4
    assert problem.as_dict()["line"] == problem.line()


# --- the mapping file -------------------------------------------------------------------------


def _packaged() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEFAULT_MAPPING.read_text(encoding="utf-8"))
    return data


def _edit(data: dict[str, Any], path: str, value: object) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[key]
    data[last] = value


MALFORMED = [
    ("sheets.memberships.columns.role.enumm", "cluster-role", "unknown key; allowed here:"),
    ("sheets.memberships.columns.role.enum", "roles", "unknown enumeration 'roles'"),
    ("sheets.memberships.columns.role.property", "ckg:clusterRol", "is not a property of the ontology"),
    ("sheets.memberships.columns.member.ref", "orgz", "unknown prefix 'orgz'"),
    ("sheets.memberships.columns.member.required", "yes please", "expected a bool"),
    (
        "sheets.ip_holders.columns.share.sum_max",
        {"per": "rigth", "max": 100},
        "no column 'rigth' in this sheet",
    ),
    ("sheets.organisations.columns.type.default", "Enterprize", "expected one of: Enterprise"),
    ("enumerations.cluster-role.instances_of", "ckg:ClusterRoles", "is not a class of the ontology"),
    ("sheets.stages.kind", "table", "expected one of rows, case, sources, quotes"),
    ("version", 2, "expected 1"),
]


@pytest.mark.parametrize(("key", "value", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_mapping_is_refused_with_file_and_key(
    tmp_path: Path, key: str, value: object, message: str
) -> None:
    data = _packaged()
    _edit(data, key, value)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    assert raised.value.path == path
    assert raised.value.key == key
    assert str(raised.value).startswith(f"{path}: {key}: ")
    assert message in str(raised.value)


def test_a_mapping_that_is_not_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("version: 1\nsheets:\n  case: {kind: case\n", encoding="utf-8")
    with pytest.raises(MappingError, match=r"mapping.yaml: line \d+: not valid YAML"):
        load_mapping(path)


def test_a_new_column_is_a_change_to_the_mapping(tmp_path: Path) -> None:
    data = _packaged()
    data["sheets"]["organisations"]["columns"]["comment_en"] = {"property": "rdfs:comment", "lang": "en"}
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    extended = load_mapping(path)
    organisations = [
        {"key": "a", "comment_en": "founded by engineers", "quote": "q1"},
        {"key": "b", "quote": "q1"},
    ]
    case = run(tmp_path, extended, organisations=organisations)
    assert case.problems == ()
    comment = "http://www.w3.org/2000/01/rdf-schema#comment"
    assert (comment, "founded by engineers", ID + "claim/q1") in triples(case, ID + "organization/a")


def test_a_role_added_to_the_ontology_is_allowed_without_a_code_change(tmp_path: Path) -> None:
    ontology = load_ontology()
    ontology.add((URIRef(CKG_NS + "incubatorRole"), RDF.type, CKG.ClusterRole))
    extended = load_mapping(vocabulary=vocabulary_of(ontology))
    roles = [v.short for v in extended.enumerations["cluster-role"].values]
    assert "incubatorRole" in roles
    case = run(tmp_path, extended, memberships=[{**MEMBER, "role": "incubatorRole"}])
    assert case.problems == ()
    assert (CKG_NS + "clusterRole", CKG_NS + "incubatorRole", ID + "claim/q1") in triples(
        case, ID + "membership/m1"
    )


# --- Codes to join on, datasets of statistics, dates (issue 13) ---------------------------------

OKVED = "https://w3id.org/clusterkg/id/okved2/"
QB = "http://purl.org/linked-data/cube#"
LOADED_CLASSES = {OKVED + "32.50", "https://w3id.org/clusterkg/id/nace-rev2/32.50"}


def classification(iris: set[str]) -> set[str]:
    """The graph as far as these tests need it: the classification's concepts and a region."""
    return iris & (LOADED_CLASSES | {ID + "region/RU-PNZ"})


def test_region_industry_class_dataset_and_bounds_load(tmp_path: Path, mapping: Mapping) -> None:
    case = run(
        tmp_path,
        mapping,
        classification,
        clusters=[
            {
                "key": "c",
                "label_en": "C",
                "region": "RU-PNZ",
                "industry_class": "32.50|nace:32.50",
                "quote": "q1",
            }
        ],
        organisations=[{"key": "a", "label_en": "A", "industry_class": "32.50", "quote": "q1"}],
        datasets=[{"key": "d", "label_en": "D", "structure": "ckg:statisticsStructure", "source": "doc"}],
        statistics=[
            {
                "key": "s",
                "subject": "c",
                "indicator": "employment",
                "min_inclusive": "10",
                "max_exclusive": "20",
                "unit": "unit:NUM",
                "dataset": "d",
                "date": "2018",
                "quote": "q1",
            },
            {
                "key": "w",
                "subject": "c",
                "indicator": "averageMonthlyWage",
                "value": "45000",
                "unit": "cur:RUB",
                "dataset": "d",
                "time": "ckg:referenceTimeNotStated",
                "quote": "q1",
            },
        ],
    )
    assert case.problems == ()
    claim = ID + "claim/q1"
    assert (CKG_NS + "region", ID + "region/RU-PNZ", claim) in triples(case, ID + "cluster/c")
    assert (CKG_NS + "industryClass", OKVED + "32.50", claim) in triples(case, ID + "cluster/c")
    assert (CKG_NS + "industryClass", "https://w3id.org/clusterkg/id/nace-rev2/32.50", claim) in triples(
        case, ID + "cluster/c"
    )
    assert (CKG_NS + "industryClass", OKVED + "32.50", claim) in triples(case, ID + "organization/a")
    dataset = triples(case, ID + "dataset/d")
    assert (TYPE, QB + "DataSet", case.case_graph.value) in dataset
    assert (QB + "structure", CKG_NS + "statisticsStructure", case.case_graph.value) in dataset
    s = triples(case, ID + "statistic/s")
    assert (QB + "dataSet", ID + "dataset/d", claim) in s
    assert (CKG_NS + "maxExclusive", "20", claim) in s
    w = triples(case, ID + "statistic/w")
    assert (CKG_NS + "unit", "http://qudt.org/vocab/currency/RUB", claim) in w
    assert (CKG_NS + "referenceTime", CKG_NS + "referenceTimeNotStated", claim) in w


@pytest.mark.parametrize(
    ("sheets", "where", "expected"),
    [
        (
            {"organisations": [{"key": "a", "label_en": "A", "industry_class": "99.99", "quote": "q1"}]},
            ("organisations", 2, "industry_class", "99.99"),
            "okved2:99.99 is in neither",
        ),
        (
            {"clusters": [{"key": "c", "label_en": "C", "region": "RU-XXX", "quote": "q1"}]},
            ("clusters", 2, "region", "RU-XXX"),
            "region:RU-XXX is in neither",
        ),
        (
            {
                "memberships": [
                    {
                        "key": "m",
                        "member": "a",
                        "cluster": "c",
                        "role": "anchorRole",
                        "from": "31.02.2018",
                        "quote": "q1",
                    }
                ]
            },
            ("memberships", 2, "from", "31.02.2018"),
            "",
        ),
        (
            {
                "statistics": [
                    {
                        "key": "s",
                        "subject": "c",
                        "indicator": "employment",
                        "value": "10",
                        "unit": "unit:NUM",
                        "dataset": "nowhere",
                        "quote": "q1",
                    }
                ]
            },
            ("statistics", 2, "dataset", "nowhere"),
            "ds:nowhere is in neither",
        ),
    ],
    ids=["unknown OKVED 2 code", "unknown region", "impossible date", "unknown dataset"],
)
def test_a_bad_code_date_or_dataset_is_reported_with_sheet_row_and_column(
    tmp_path: Path,
    mapping: Mapping,
    sheets: dict[str, Rows],
    where: tuple[str, int, str, str],
    expected: str,
) -> None:
    case = run(tmp_path, mapping, classification, **sheets)
    assert [(p.sheet, p.row, p.column, p.value) for p in case.problems] == [where]
    assert expected in case.problems[0].expected


def test_a_synthetic_case_may_use_the_industry_classification(tmp_path: Path, mapping: Mapping) -> None:
    sheets = base()
    sheets["case"] = [{"key": "demo", "label_en": "Demo", "synthetic": "true", "provenance": "required"}]
    sheets["organisations"] = [{"key": "a", "label_en": "A", "industry_class": "32.50", "quote": "q1"}]
    folder = make(tmp_path / "case", sheets)
    case = map_case(read_template(folder), mapping, known=classification)
    assert case.problems == ()
    synthetic_a = "https://w3id.org/clusterkg/synthetic/id/organization/a"
    assert any(
        p == CKG_NS + "industryClass" and o == OKVED + "32.50" for p, o, _ in triples(case, synthetic_a)
    )
