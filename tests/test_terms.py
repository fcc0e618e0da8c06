"""The one parser of typed literals, language tags, IRIs and CURIEs (:mod:`kg.terms`): vectors
of what each datatype takes and refuses, per XSD 1.1, BCP 47 (RFC 5646) and RFC 3987, and the
REST parameters and ingest cells agreeing with it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import queries
from kg import terms
from kg.errors import ParameterError
from kg.ingest import values
from kg.ingest.problems import CellError

XSD = terms.XSD
CKG = "https://w3id.org/clusterkg/ontology#"

ACCEPTED: list[tuple[str, str, str]] = [
    ("integer", "28", "28"),
    ("integer", "+007", "7"),
    ("integer", "-0", "0"),
    ("integer", "-12", "-12"),
    ("integer", "9" * 5000, "9" * 5000),  # beyond Python's int() digit limit
    ("decimal", "60.5", "60.5"),
    ("decimal", "+.5", ".5"),
    ("decimal", "5.", "5."),
    ("decimal", "-0.0", "-0.0"),
    ("boolean", "true", "true"),
    ("boolean", "0", "false"),
    ("gYear", "2015", "2015"),
    ("gYear", "-0044", "-0044"),
    ("gYear", "12015", "12015"),
    ("gYear", "0000", "0000"),
    ("gYear", "2015Z", "2015Z"),
    ("gYear", "2015-14:00", "2015-14:00"),
    ("gYearMonth", "2018-05", "2018-05"),
    ("date", "2018-05-31", "2018-05-31"),
    ("date", "2000-02-29", "2000-02-29"),
    ("date", "-0004-02-29", "-0004-02-29"),
    ("date", "2018-05-31+03:00", "2018-05-31+03:00"),
    ("duration", "P3Y", "P3Y"),
    ("duration", "P1Y6M", "P1Y6M"),
    ("duration", "-PT36H", "-PT36H"),
    ("duration", "PT1.5S", "PT1.5S"),
    ("duration", "P0D", "P0D"),
]
REFUSED: list[tuple[str, str]] = [
    ("integer", ""),
    ("integer", "1.5"),
    ("integer", "٣"),  # an Arabic-Indic digit: \d, but no XSD digit
    ("integer", "1_000"),
    ("decimal", "1e5"),
    ("decimal", "NaN"),
    ("decimal", "INF"),
    ("decimal", "."),
    ("decimal", "1,5"),
    ("boolean", "True"),
    ("boolean", "yes"),
    ("gYear", "15"),
    ("gYear", "02015"),
    ("gYear", "+2015"),
    ("gYear", "2015-05"),
    ("gYear", "٢٠١٥"),
    ("gYear", "2015\n"),
    ("gYear", "2015+15:00"),
    ("gYearMonth", "2018-13"),
    ("gYearMonth", "2018-5"),
    ("date", "2018-5-1"),
    ("date", "2018-04-31"),
    ("date", "1900-02-29"),
    ("date", "-0001-02-29"),
    ("date", "2018-13-01"),
    ("duration", "P"),
    ("duration", "PT"),
    ("duration", "P1YT"),
    ("duration", "P2W"),  # ISO 8601 weeks are no XSD duration
    ("duration", "P1.5Y"),
    ("duration", "PT1D"),
]


@pytest.mark.parametrize(("datatype", "text", "lexical"), ACCEPTED)
def test_literals_that_fit(datatype: str, text: str, lexical: str) -> None:
    assert terms.literal(text, XSD + datatype) == ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))


@pytest.mark.parametrize(("datatype", "text"), REFUSED)
def test_literals_that_do_not_fit_say_what_was_expected(datatype: str, text: str) -> None:
    with pytest.raises(terms.TermError) as err:
        terms.literal(text, XSD + datatype)
    assert err.value.text == text
    assert f"xsd:{datatype}" in err.value.expected
    assert str(err.value).startswith(f"expected {err.value.expected}; got ")


LANGUAGE_TAGS = [
    "ru",
    "en-GB",
    "zh-Hant-CN",
    "zh-yue-HK",
    "sr-Latn-RS",
    "es-419",
    "de-CH-1901",
    "sl-rozaj-biske",
    "en-a-bbb-x-a-ccc",
    "qaa-Qaaa-QM-x-southern",
    "x-private",
    "i-klingon",
    "en-GB-oed",
    "art-lojban",
    "abcd",
    "abcdefgh",
]
NOT_LANGUAGE_TAGS = [
    "",
    "e",
    "abcdefghi",
    "123",
    "en-",
    "en--GB",
    "en_GB",
    "a-DE",
    "x",
    "en-x",
    "ru\n",
    "en-ß",
]


@pytest.mark.parametrize("tag", LANGUAGE_TAGS)
def test_bcp47_tags_are_taken_and_lower_cased(tag: str) -> None:
    assert terms.language_tag(tag) == tag.lower()
    assert terms.lang_string(f"x@{tag}") == ox.Literal("x", language=tag)


@pytest.mark.parametrize("tag", NOT_LANGUAGE_TAGS)
def test_malformed_language_tags_are_refused(tag: str) -> None:
    with pytest.raises(terms.TermError, match="BCP 47"):
        terms.language_tag(tag)


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("https://w3id.org/clusterkg/id/cluster/biomed", "https://w3id.org/clusterkg/id/cluster/biomed"),
        ("urn:isbn:9780000000000", "urn:isbn:9780000000000"),
        ("http://a/é", "http://a/é"),
        ("ckg:anchorFinisherRole", CKG + "anchorFinisherRole"),
        ("skos:broader", "http://www.w3.org/2004/02/skos/core#broader"),
        ("xsd:gYear", XSD + "gYear"),
    ],
)
def test_iris_and_curies(text: str, iri: str) -> None:
    assert terms.iri(text) == ox.NamedNode(iri)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "_:b0",
        ":x",
        "1:x",
        "http://[x",
        "a%:b",
        "é:x",
        "biomed",
        "http://a/b c",
        "<http://a/b>",
        "ckg:",
        "ckg:a b",
    ],
)
def test_bad_iris_are_refused(text: str) -> None:
    with pytest.raises(terms.TermError, match=r"IRI|CURIE"):
        terms.iri(text)


def test_compact_is_the_inverse_of_expand() -> None:
    for local in ("Cluster", "anchorFinisherRole", "a.b-c_d", "2015"):
        curie = terms.compact(CKG + local)
        assert curie == f"ckg:{local}"
        assert terms.expand(curie) == CKG + local
    assert terms.compact(CKG + "a/b") is None
    assert terms.compact("https://example.org/x") is None


# --- Both callers read the same way -------------------------------------------------------------

PARAM_TYPES = {
    "integer": "integer",
    "decimal": "decimal",
    "gYear": "year",
    "date": "date",
    "duration": "duration",
}


@pytest.mark.parametrize(("datatype", "text", "lexical"), [a for a in ACCEPTED if a[0] in PARAM_TYPES])
def test_parameters_and_cells_take_what_the_parser_takes(datatype: str, text: str, lexical: str) -> None:
    term = queries.to_term(queries.Param("p", PARAM_TYPES[datatype]), text)
    assert term == ox.Literal(lexical, datatype=ox.NamedNode(XSD + datatype))
    cell = values.parse_xsd(text, XSD + datatype)
    assert cell.datatype == XSD + datatype


@pytest.mark.parametrize(("datatype", "text"), [r for r in REFUSED if r[0] in PARAM_TYPES and r[1] != "1,5"])
def test_parameters_and_cells_refuse_what_the_parser_refuses(datatype: str, text: str) -> None:
    with pytest.raises(ParameterError) as err:
        queries.to_term(queries.Param("p", PARAM_TYPES[datatype]), text)
    assert err.value.parameter == "p"
    with pytest.raises(CellError):
        values.parse_xsd(text, XSD + datatype)


@pytest.mark.parametrize("tag", LANGUAGE_TAGS)
def test_language_tags_agree(tag: str) -> None:
    assert values.language_tag(tag) == tag.lower()
    assert queries.to_term(queries.Param("p", "langstring"), f"МедИнж@{tag}") == ox.Literal(
        "МедИнж", language=tag
    )
