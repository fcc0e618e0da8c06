"""Statistics as W3C RDF Data Cube: the integrity constraints of the QB spec (section 11) as build checks.

``ontology/checks/qb-ic*-violation.rq`` hold IC-1..IC-21 (IC-14, "every measure present",
replaced by our own: a value or bounds, never both, lower not above upper). Each check passes
the founding case and catches a crafted bad example: a small synthetic TriG over the ontology,
with OWL 2 RL inferences materialised as the build does. Every failing example must fail
exactly the checks it names, so a check that also fires on good parts of the example is
caught too.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import make_store

import ontology
from kg.build import run_checks
from kg.sources import load_sources

PREFIXES = """
@prefix ckg:  <https://w3id.org/clusterkg/ontology#> .
@prefix qb:   <http://purl.org/linked-data/cube#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix syn:  <https://w3id.org/clusterkg/synthetic/id/> .
@prefix syng: <https://w3id.org/clusterkg/synthetic/graph/> .
"""

# A good cube: one dataset of the statistics structure, two observations differing in time.
GOOD = """
syng:cube {
    syn:cluster a ckg:Cluster ; ckg:synthetic true .
    syn:ds a qb:DataSet ; ckg:synthetic true ; qb:structure ckg:statisticsStructure .
    syn:t2019 a time:Instant ; ckg:synthetic true ; time:inXSDgYear "2019"^^xsd:gYear .
    syn:t2020 a time:Instant ; ckg:synthetic true ; time:inXSDgYear "2020"^^xsd:gYear .
    syn:obs-2019 a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
        ckg:statisticAbout syn:cluster ; ckg:indicator ckg:employment ; ckg:referenceTime syn:t2019 ;
        ckg:value 100 ; ckg:unit unit:NUM .
    syn:obs-2020 a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
        ckg:statisticAbout syn:cluster ; ckg:indicator ckg:employment ; ckg:referenceTime syn:t2020 ;
        ckg:minInclusive 100 ; ckg:maxExclusive 200 ; ckg:unit unit:NUM .
}
"""

# A second structure with a measure dimension and a hierarchical code list, for IC-15..IC-17, IC-20, IC-21.
MEASURE_CUBE = """
syng:measure-cube {
    qb:measureType rdfs:range qb:MeasureProperty .  # as QB states it
    syn:dim-area a qb:DimensionProperty ; rdfs:range skos:Concept ; qb:codeList syn:areas .
    syn:m1 a qb:MeasureProperty ; rdfs:range xsd:decimal .
    syn:m2 a qb:MeasureProperty ; rdfs:range xsd:decimal .
    syn:mdsd a qb:DataStructureDefinition ; ckg:synthetic true ;
        qb:component [ qb:dimension syn:dim-area ] , [ qb:dimension qb:measureType ] ,
            [ qb:measure syn:m1 ] , [ qb:measure syn:m2 ] .
    syn:areas a qb:HierarchicalCodeList ; ckg:synthetic true ;
        qb:hierarchyRoot syn:country ; qb:parentChildProperty skos:narrower .
    syn:country a skos:Concept ; ckg:synthetic true ; skos:narrower syn:region .
    syn:region a skos:Concept ; ckg:synthetic true .
    syn:mds a qb:DataSet ; ckg:synthetic true ; qb:structure syn:mdsd .
    syn:mo1 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ;
        syn:dim-area syn:region ; syn:dim-area2 syn:district ; qb:measureType syn:m1 ; syn:m1 1.0 .
    syn:mo2 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ;
        syn:dim-area syn:region ; syn:dim-area2 syn:district ; qb:measureType syn:m2 ; syn:m2 2.0 .
    # A code list read backwards along skos:broader.
    syn:inverse-areas a qb:HierarchicalCodeList ; ckg:synthetic true ;
        qb:hierarchyRoot syn:country ; qb:parentChildProperty [ owl:inverseOf skos:broader ] .
    syn:dim-area2 a qb:DimensionProperty ; rdfs:range skos:Concept ; qb:codeList syn:inverse-areas .
    syn:mdsd qb:component [ qb:dimension syn:dim-area2 ] .
    syn:district a skos:Concept ; ckg:synthetic true ; skos:broader syn:country .
}
"""

# name -> (extra TriG, the checks it must fail (file stems without "-violation.rq"), base cube)
CASES: dict[str, tuple[str, set[str], str]] = {
    "observation without a dataset": (
        """syng:bad { syn:obs-x a ckg:Statistic ; ckg:synthetic true ;
            ckg:statisticAbout syn:cluster ; ckg:indicator ckg:patentCount ; ckg:referenceTime syn:t2019 ;
            ckg:value 3 ; ckg:unit unit:NUM . }""",
        {"qb-ic01-unique-dataset"},
        GOOD,
    ),
    "observation in two datasets": (
        """syng:bad { syn:ds2 a qb:DataSet ; ckg:synthetic true ; qb:structure ckg:statisticsStructure .
            syn:obs-2019 qb:dataSet syn:ds2 . }""",
        {"qb-ic01-unique-dataset"},
        GOOD,
    ),
    "dataset without a structure": (
        """syng:bad { syn:ds-empty a qb:DataSet ; ckg:synthetic true . }""",
        {"qb-ic02-unique-dsd"},
        GOOD,
    ),
    "structure without a measure": (
        """syng:bad { syn:dim-a a qb:DimensionProperty ; rdfs:range xsd:string .
            syn:dsd-x a qb:DataStructureDefinition ; ckg:synthetic true ;
                qb:component [ qb:dimension syn:dim-a ] . }""",
        {"qb-ic03-dsd-includes-measure"},
        GOOD,
    ),
    "dimension without a range": (
        """syng:bad { syn:dim-b a qb:DimensionProperty . }""",
        {"qb-ic04-dimensions-have-range"},
        GOOD,
    ),
    "concept dimension without a code list": (
        """syng:bad { syn:dim-c a qb:DimensionProperty ; rdfs:range skos:Concept . }""",
        {"qb-ic05-concept-dimensions-have-code-lists"},
        GOOD,
    ),
    "optional dimension": (
        """syng:bad { syn:dim-d a qb:DimensionProperty ; rdfs:range xsd:string . syn:m a qb:MeasureProperty .
            syn:dsd-y a qb:DataStructureDefinition ; ckg:synthetic true ;
                qb:component [ qb:dimension syn:dim-d ; qb:componentRequired false ] ,
                    [ qb:measure syn:m ] . }""",
        {"qb-ic06-only-attributes-optional"},
        GOOD,
    ),
    "slice key of no structure": (
        """syng:bad { syn:key-a a qb:SliceKey ; ckg:synthetic true . }""",
        {"qb-ic07-slice-keys-declared"},
        GOOD,
    ),
    "slice key with a property its structure lacks": (
        """syng:bad { ckg:statisticsStructure qb:sliceKey syn:key-b .
            syn:key-b a qb:SliceKey ; ckg:synthetic true ; qb:componentProperty syn:elsewhere . }""",
        {"qb-ic08-slice-keys-consistent"},
        GOOD,
    ),
    "slice without a structure": (
        """syng:bad { syn:slice-a a qb:Slice ; ckg:synthetic true . }""",
        {"qb-ic09-unique-slice-structure"},
        GOOD,
    ),
    "slice missing a dimension of its key": (
        """syng:bad { ckg:statisticsStructure qb:sliceKey syn:key-c .
            syn:key-c a qb:SliceKey ; ckg:synthetic true ; qb:componentProperty ckg:indicator .
            syn:slice-b a qb:Slice ; ckg:synthetic true ; qb:sliceStructure syn:key-c . }""",
        {"qb-ic10-slice-dimensions-complete"},
        GOOD,
    ),
    "observation without a time": (
        """syng:bad { syn:obs-x a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
            ckg:statisticAbout syn:cluster ; ckg:indicator ckg:patentCount ;
            ckg:value 3 ; ckg:unit unit:NUM . }""",
        {"qb-ic11-all-dimensions-required"},
        GOOD,
    ),
    "two observations with the same key": (
        """syng:bad { syn:obs-x a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
            ckg:statisticAbout syn:cluster ; ckg:indicator ckg:employment ; ckg:referenceTime syn:t2019 ;
            ckg:value 120 ; ckg:unit unit:NUM . }""",
        {"qb-ic12-no-duplicate-observations"},
        GOOD,
    ),
    "two observations with the same key in another structure": (
        """syng:bad { syn:mo3 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ;
            syn:dim-area2 syn:district ; syn:dim-area syn:region ; qb:measureType syn:m1 ; syn:m1 3.0 . }""",
        {"qb-ic12-no-duplicate-observations", "qb-ic17-all-measures-present-in-measure-cube"},
        MEASURE_CUBE,
    ),
    "observation without its unit": (
        """syng:bad { syn:obs-x a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
            ckg:statisticAbout syn:cluster ; ckg:indicator ckg:patentCount ; ckg:referenceTime syn:t2019 ;
            ckg:value 3 . }""",
        {"qb-ic13-required-attributes"},
        GOOD,
    ),
    "observation with neither value nor bound": (
        """syng:bad { syn:obs-x a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
            ckg:statisticAbout syn:cluster ; ckg:indicator ckg:patentCount ; ckg:referenceTime syn:t2019 ;
            ckg:unit unit:NUM . }""",
        {"qb-ic14-value-or-bounds"},
        GOOD,
    ),
    "observation with a value and a bound": (
        """syng:bad { syn:obs-2019 ckg:minInclusive 90 . }""",
        {"qb-ic14-value-or-bounds"},
        GOOD,
    ),
    "observation with an empty range": (
        """syng:bad { syn:obs-x a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
            ckg:statisticAbout syn:cluster ; ckg:indicator ckg:patentCount ; ckg:referenceTime syn:t2019 ;
            ckg:minExclusive 5 ; ckg:maxInclusive 5 ; ckg:unit unit:NUM . }""",
        {"qb-ic14-value-or-bounds"},
        GOOD,
    ),
    "measure type without its measure": (
        """syng:bad { syn:mo3 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ;
            syn:dim-area2 syn:district ; syn:dim-area syn:country ; qb:measureType syn:m1 ; syn:m2 3.0 .
            syn:mo4 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ;
            syn:dim-area2 syn:district ; syn:dim-area syn:country ; qb:measureType syn:m2 ; syn:m2 4.0 . }""",
        {"qb-ic15-measure-dimension-consistent", "qb-ic16-single-measure"},
        MEASURE_CUBE,
    ),
    "two measures on a measure-type observation": (
        """syng:bad { syn:mo1 syn:m2 5.0 . }""",
        {"qb-ic16-single-measure"},
        MEASURE_CUBE,
    ),
    "a measure missing in a measure cube": (
        """syng:bad { syn:mo3 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ;
            syn:dim-area2 syn:district ; syn:dim-area syn:country ; qb:measureType syn:m1 ; syn:m1 3.0 . }""",
        {"qb-ic17-all-measures-present-in-measure-cube"},
        MEASURE_CUBE,
    ),
    "slice observation of another dataset": (
        """syng:bad { syn:other-ds a qb:DataSet ; ckg:synthetic true ; qb:structure ckg:statisticsStructure ;
            qb:slice syn:slice-c .
            ckg:statisticsStructure qb:sliceKey syn:key-d .
            syn:key-d a qb:SliceKey ; ckg:synthetic true .
            syn:slice-c a qb:Slice ; ckg:synthetic true ; qb:sliceStructure syn:key-d ;
                qb:observation syn:obs-2019 . }""",
        {"qb-ic18-consistent-dataset-links"},
        GOOD,
    ),
    "indicator outside the indicator scheme": (
        """syng:bad { syn:made-up a skos:Concept ; ckg:synthetic true .
            syn:obs-x a ckg:Statistic ; ckg:synthetic true ; qb:dataSet syn:ds ;
            ckg:statisticAbout syn:cluster ; ckg:indicator syn:made-up ; ckg:referenceTime syn:t2019 ;
            ckg:value 3 ; ckg:unit unit:NUM . }""",
        {"qb-ic19-codes-from-code-list"},
        GOOD,
    ),
    "code outside the hierarchy": (
        """syng:bad { syn:elsewhere a skos:Concept ; ckg:synthetic true .
            syn:mo3 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ; syn:dim-area2 syn:country ;
            syn:dim-area syn:elsewhere ; qb:measureType syn:m1 ; syn:m1 3.0 .
            syn:mo4 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ; syn:dim-area2 syn:country ;
            syn:dim-area syn:elsewhere ; qb:measureType syn:m2 ; syn:m2 4.0 . }""",
        {"qb-ic20-codes-from-hierarchy"},
        MEASURE_CUBE,
    ),
    "code outside the inverse hierarchy": (
        """syng:bad { syn:stray a skos:Concept ; ckg:synthetic true .
            syn:mo3 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ; syn:dim-area2 syn:stray ;
            syn:dim-area syn:country ; qb:measureType syn:m1 ; syn:m1 3.0 .
            syn:mo4 a qb:Observation ; ckg:synthetic true ; qb:dataSet syn:mds ; syn:dim-area2 syn:stray ;
            syn:dim-area syn:country ; qb:measureType syn:m2 ; syn:m2 4.0 . }""",
        {"qb-ic21-codes-from-inverse-hierarchy"},
        MEASURE_CUBE,
    ),
    "a position on the time no source states": (
        """syng:bad { ckg:referenceTimeNotStated time:inXSDgYear "2018"^^xsd:gYear . }""",
        {"reference-time-not-stated"},
        GOOD,
    ),
}


def failing_checks(store: ox.Store) -> set[str]:
    return {name.removesuffix("-violation.rq") for name in run_checks(store)}


def store_of(tmp_path: Path, *trig: str) -> ox.Store:
    path = tmp_path / "cube.trig"
    path.write_text(PREFIXES + "\n".join(trig), encoding="utf-8")
    return make_store(load_sources([path]))


def test_every_qb_integrity_constraint_has_its_check() -> None:
    names = {p.name for p in ontology.check_files()}
    for number in range(1, 22):
        assert sum(n.startswith(f"qb-ic{number:02d}-") for n in names) == 1, number
    tested = set().union(*(checks for _, checks, _ in CASES.values()))
    assert {n.removesuffix("-violation.rq") for n in names if n.startswith("qb-ic")} <= tested


def test_the_founding_case_passes_every_check(biomed_store: ox.Store) -> None:
    assert failing_checks(biomed_store) == set()


@pytest.mark.parametrize("base", [GOOD, MEASURE_CUBE], ids=["statistics", "measure-cube"])
def test_the_good_cubes_pass_every_check(tmp_path: Path, base: str) -> None:
    assert failing_checks(store_of(tmp_path, base)) == set()


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_example_fails_exactly_its_checks(tmp_path: Path, case: str) -> None:
    extra, expected, base = CASES[case]
    assert failing_checks(store_of(tmp_path, base, extra)) == expected


def test_the_founding_statistics_are_observations_of_one_dataset(biomed_store: ox.Store) -> None:
    rows = biomed_store.query(
        """PREFIX qb: <http://purl.org/linked-data/cube#>
        PREFIX ckg: <https://w3id.org/clusterkg/ontology#>
        SELECT ?obs ?ds ?time WHERE {
          ?obs a qb:Observation ; qb:dataSet ?ds ; ckg:referenceTime ?time .
          ?ds qb:structure ckg:statisticsStructure .
        }""",
        use_default_graph_as_union=True,
    )
    assert isinstance(rows, ox.QuerySolutions)
    found = {(r["obs"].value.rsplit("/", 1)[1], r["time"].value.rsplit("/", 1)[1]) for r in rows}
    assert found == {
        ("biomed-participants-2018-05", "2018-05"),
        ("biomed-high-tech-share-2018-05", "2018-05"),
        ("biomed-import-share", "ontology#referenceTimeNotStated"),
        ("medinzh-project-rd-companies", "ontology#referenceTimeNotStated"),
    }
