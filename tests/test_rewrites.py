"""The rewrites of query text for Virtuoso (kg/engine/rewrites.py), as text: each rewrite made where
the construct is real syntax, and never where its words stand inside a string literal (short and
long quotes, escapes), an IRI, a comment or a prefixed name. No engine: the engine-backed proof
is in tests/test_remote_engine.py (``..._through_virtuoso``) and the engine-parametrised suites.
"""

from __future__ import annotations

import pytest

from kg.engine import rewrites
from kg.engine.profiles import profile_for
from kg.engine.rewrites import (
    DESCRIBE_CBD,
    LARGE_UPDATE,
    boolean_variables,
    empty_graph_patterns,
    exists_values_as_in,
    for_virtuoso,
    graph_list_grouped,
    one_base,
    values_language_tags_upper,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
EXISTS_FREE = "{ SELECT ?g { GRAPH ?g { ?kg_s ?kg_p ?kg_o } } GROUP BY ?g }"
IRI_ROW = "{ SELECT (1 AS ?kg_graph) { GRAPH <urn:g> { ?kg_s ?kg_p ?kg_o } } LIMIT 1 }"


def virtuoso(text: str, *, update: bool = False) -> str:
    """The text as sent to Virtuoso, without the pragma in front (checked once below)."""
    sent = for_virtuoso(text, update=update)
    assert sent.startswith(DESCRIBE_CBD)
    return sent[len(DESCRIBE_CBD) :]


# --- each rewrite, where it is syntax -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ASK { GRAPH <urn:g> { } }", f"ASK {{ {IRI_ROW} }}"),
        ("ASK { GRAPH <urn:g> {} }", f"ASK {{ {IRI_ROW} }}"),
        ("ASK{GRAPH<urn:g>{}}", f"ASK{{{IRI_ROW}}}"),
        ("ASK { GRAPH <urn:g> { # nothing here\n } }", f"ASK {{ {IRI_ROW} }}"),
        ("SELECT ?g { GRAPH ?g { } }", f"SELECT ?g {{ {EXISTS_FREE} }}"),
        ("SELECT $g { graph $g { } }", f"SELECT $g {{ {EXISTS_FREE} }}"),
        (
            "SELECT ?g { VALUES ?g { <urn:g> } GRAPH ?g { } }",
            "SELECT ?g { VALUES ?g { <urn:g> } FILTER EXISTS { GRAPH ?g { ?kg_s ?kg_p ?kg_o } } }",
        ),
        (
            "PREFIX ex: <urn:> ASK { GRAPH ex:g { } }",
            "PREFIX ex: <urn:> ASK { { SELECT (1 AS ?kg_graph) { GRAPH ex:g { ?kg_s ?kg_p ?kg_o } } "
            "LIMIT 1 } }",
        ),
    ],
)
def test_an_empty_graph_pattern_is_rewritten(text: str, expected: str) -> None:
    assert empty_graph_patterns(text) == expected
    assert virtuoso(text) == expected


def test_an_empty_graph_pattern_in_an_update_is_data_and_stays() -> None:
    update = "INSERT DATA { GRAPH <urn:g> { } }"
    assert virtuoso(update, update=True) == update


def test_filter_exists_values_becomes_in() -> None:
    text = "SELECT * { ?s ?p ?in FILTER EXISTS { VALUES (?in) { (<urn:a>) (<urn:b>) } } }"
    expected = "SELECT * { ?s ?p ?in FILTER (?in IN (<urn:a>, <urn:b>)) }"
    assert exists_values_as_in(text) == expected
    assert virtuoso(text) == expected
    single = "SELECT * { ?s ?p ?v filter exists { values ?v { <urn:a> ex:b } } }"
    assert exists_values_as_in(single) == "SELECT * { ?s ?p ?v FILTER (?v IN (<urn:a>, ex:b)) }"
    assert exists_values_as_in("ASK { FILTER EXISTS { VALUES ?v { <urn:a> UNDEF } } }") == "ASK {  }"


@pytest.mark.parametrize(
    "text",
    [
        # a literal compares by value with IN, as a term in VALUES: not the same test
        "ASK { FILTER EXISTS { VALUES ?v { 'a' } } }",
        # two variables, or more than VALUES in the group
        "ASK { FILTER EXISTS { VALUES (?a ?b) { (<urn:a> <urn:b>) } } }",
        "ASK { FILTER EXISTS { VALUES ?v { <urn:a> } ?v ?p ?o } }",
        "ASK { FILTER NOT EXISTS { VALUES ?v { <urn:a> } } }",
    ],
)
def test_filter_exists_values_of_another_shape_stays(text: str) -> None:
    assert exists_values_as_in(text) == text


def test_the_list_of_graphs_is_grouped() -> None:
    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o . } } ORDER BY ?g"
    expected = "SELECT  ?g WHERE { GRAPH ?g { ?s ?p ?o . } } GROUP BY ?g ORDER BY ?g"
    assert graph_list_grouped(text) == expected
    assert virtuoso(text) == expected
    grouped = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    assert graph_list_grouped(grouped) == grouped
    other = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } ?g ?p ?o }"
    assert graph_list_grouped(other) == other


def test_language_tags_in_values_are_upper_case() -> None:
    rest = ' ?s ?p ?o FILTER(?o != "z"@en) }'
    text = 'SELECT * { VALUES (?p ?o) { (<urn:p> "x"@en) (<urn:p> """y"""@en-gb) }' + rest
    expected = 'SELECT * { VALUES (?p ?o) { (<urn:p> "x"@EN) (<urn:p> """y"""@EN-GB) }' + rest
    assert values_language_tags_upper(text) == expected
    assert virtuoso(text) == expected


def test_two_bases_become_one() -> None:
    text = "# the layer's base first\nBASE <http://h/sparql> base <a/> SELECT * { <x> ?p ?o }"
    expected = "# the layer's base first\nBASE <http://h/a/> SELECT * { <x> ?p ?o }"
    assert one_base(text) == expected
    assert virtuoso(text) == expected
    assert virtuoso(text, update=True) == expected
    # a second BASE after a PREFIX changes what the PREFIX resolves against: left as it is
    later = "BASE <http://h/> PREFIX e: <e/> BASE <a/> ASK {}"
    assert one_base(later) == later


def test_describe_is_a_concise_bounded_description() -> None:
    assert for_virtuoso("DESCRIBE <urn:x>") == DESCRIBE_CBD + "DESCRIBE <urn:x>"
    assert profile_for("virtuoso").prepare_query("DESCRIBE <urn:x>", ()) == DESCRIBE_CBD + "DESCRIBE <urn:x>"
    assert profile_for("oxigraph").prepare_query("DESCRIBE <urn:x>", ()) == "DESCRIBE <urn:x>"


def test_variables_holding_booleans_are_found() -> None:
    query = (
        "PREFIX x: <" + XSD + "> SELECT * { BIND(EXISTS { ?a ?b ?c } AS ?e)"
        " BIND((NOT EXISTS { ?a ?b ?c }) AS ?n)"
        " VALUES (?t ?u ?w) { (true '1'^^x:boolean 1) ('0'^^<" + XSD + "boolean> UNDEF false) } }"
    )
    assert boolean_variables(query) == {"e", "n", "t", "u"}


# --- never inside literals, IRIs, comments, prefixed names -------------------------------------

HOSTILE = [
    # short and long quotes, both kinds, with escapes of the quote and of the backslash
    "SELECT ?x { BIND('GRAPH ?g { }' AS ?x) }",
    'SELECT ?x { BIND("GRAPH <urn:g> {}" AS ?x) }',
    'SELECT ?x { BIND("say \\"GRAPH ?g { }\\" \\\\" AS ?x) }',
    "SELECT ?x { BIND('it\\'s GRAPH ?g {}' AS ?x) }",
    'SELECT ?x { BIND("""GRAPH ?g {\n}\nFILTER EXISTS { VALUES ?v { <urn:a> } }""" AS ?x) }',
    "SELECT ?x { BIND('''SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }''' AS ?x) }",
    "SELECT ?x { BIND('''VALUES ?v { \"a\"@en } ''' AS ?x) }",
    'SELECT ?x { BIND("GRAPH ?g { } \\u0041" AS ?x) }',
    # comments
    "SELECT ?x { ?x ?p ?o } # GRAPH ?g { }",
    "SELECT ?x {\n # FILTER EXISTS { VALUES ?v { <urn:a> } }\n ?x ?p ?o }",
    "SELECT ?x { ?x ?p ?o # SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }\n}",
    "# BASE <http://a/> BASE <b/>\nSELECT ?x { ?x ?p ?o }",
    # IRIs (the words in an IRI, an IRI that ends where a pattern would begin)
    "SELECT ?x { ?x <urn:GRAPH?g={}> ?o }",
    'SELECT ?x { ?x ?p <http://h/VALUES?x={"a"@en}> }',
    # prefixed names and variables named like keywords
    "PREFIX GRAPH: <urn:> SELECT ?x { ?x GRAPH:g ?o }",
    "PREFIX ex: <urn:> SELECT ?GRAPH { ?GRAPH ex:GRAPH ?o }",
    # a language tag outside VALUES, a literal looking like a tagged one inside
    'SELECT ?x { ?x ?p "a"@en VALUES ?x { "b@en" } }',
    # text the lexer cannot read is sent as it is
    "SELECT ?x { GRAPH ?g { } 'unterminated }",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_nothing_is_rewritten_inside_literals_iris_comments_or_names(text: str) -> None:
    assert virtuoso(text) == text
    assert virtuoso(text, update=True) == text
    for rewrite in (
        empty_graph_patterns,
        exists_values_as_in,
        graph_list_grouped,
        values_language_tags_upper,
        one_base,
    ):
        assert rewrite(text) == text, rewrite.__name__


def test_a_rewrite_keeps_the_literals_and_comments_around_it() -> None:
    text = (
        "SELECT ?x ?label { # GRAPH ?g { } in a comment\n"
        "  BIND('GRAPH ?g { }' AS ?label) GRAPH ?g { } \n"
        "  VALUES ?o { \"VALUES ?x { 'y'@en }\"@en }\n"
        "}"
    )
    expected = (
        "SELECT ?x ?label { # GRAPH ?g { } in a comment\n"
        f"  BIND('GRAPH ?g {{ }}' AS ?label) {EXISTS_FREE} \n"
        "  VALUES ?o { \"VALUES ?x { 'y'@en }\"@EN }\n"
        "}"
    )
    assert virtuoso(text) == expected


def test_no_boolean_variables_from_literals_or_comments() -> None:
    assert boolean_variables("SELECT ?v { ?s ?p 'BIND(EXISTS { ?a ?b ?c } AS ?v)' }") == frozenset()
    assert boolean_variables("SELECT ?v { ?s ?p ?v } # VALUES ?v { true }") == frozenset()
    assert boolean_variables("SELECT * { BIND(COALESCE(?x, EXISTS { ?a ?b '}' }) AS ?v) }") == frozenset()


def test_a_large_update_is_not_tokenized(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise AssertionError("tokenized")

    monkeypatch.setattr(rewrites, "_read", refuse)
    body = "<urn:s> <urn:p> 'VALUES ?v { \"x\"@en } GRAPH ?g { }' .\n" * (LARGE_UPDATE // 40)
    update = f"BASE <http://h/sparql> BASE <a/> INSERT DATA {{ {body} }}"
    sent = virtuoso(update, update=True)
    assert sent.startswith("BASE <http://h/a/> INSERT DATA {")
    assert sent.endswith(f"{body} }}")


def test_comments_between_the_tokens_of_a_construct_do_not_hide_it() -> None:
    exists = "ASK { ?s ?p ?v FILTER EXISTS # c {\n { # c }\n VALUES # c\n ?v { <urn:a> } } }"
    assert virtuoso(exists) == "ASK { ?s ?p ?v FILTER (?v IN (<urn:a>)) }"
    listing = "SELECT DISTINCT # c\n ?g # c\n WHERE # c\n { # c\n GRAPH ?g { ?s ?p ?o } }"
    assert (
        virtuoso(listing) == "SELECT  # c\n ?g # c\n WHERE # c\n { # c\n GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    )
    tags = "SELECT * { VALUES # c\n ?o { 'x'@en } }"
    assert virtuoso(tags) == "SELECT * { VALUES # c\n ?o { 'x'@EN } }"
