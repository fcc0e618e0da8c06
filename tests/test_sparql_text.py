"""Tests of kg.sparql_text: escapes, tokens, SERVICE/LOAD detection, the allow-list, updates."""

from __future__ import annotations

import contextlib
import doctest
import importlib
import pkgutil
import random
from pathlib import Path

import pytest
import yaml

import kg.sparql_text
from kg.errors import FederationRefused, QueryError
from kg.sparql_text import (
    UpdateOperation,
    decode_escapes,
    enforce_federation,
    inspect,
    invalid_allow_entries,
    resolve_iri,
    split_update,
    tokenize,
)

DATA = Path(__file__).parent / "data" / "sparql_text"
MANIFEST = yaml.safe_load((DATA / "manifest.yaml").read_text(encoding="utf-8"))


def services(text: str) -> list[tuple[str | None, bool]]:
    return [(s.iri, s.silent) for s in inspect(text).services]


def test_doctests() -> None:
    names = sorted(info.name for info in pkgutil.iter_modules(kg.sparql_text.__path__))
    modules = [kg.sparql_text, *(importlib.import_module(f"kg.sparql_text.{name}") for name in names)]
    attempted = 0
    for module in modules:
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 0


# --- escapes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"SE\u0052VICE", "SERVICE"),
        (r"\u0053ERVICE", "SERVICE"),
        (r"<http://127.0.0.1\u003A8080/>", "<http://127.0.0.1:8080/>"),
        (r"'\U0001F600'", "'\U0001f600'"),
        (r"'\u00e9\u00E9'", "'éé'"),
        (r"'a\\b' 'c\nd'", r"'a\\b' 'c\nd'"),  # other backslashes are left alone
        ("no escapes at all", "no escapes at all"),
        (r"'\\\u0041'", r"'\\A'"),  # a pair, then an escape
    ],
)
def test_decode_escapes(text: str, expected: str) -> None:
    assert decode_escapes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        r"\u12",  # too few digits
        r"\u12G4",
        r"SELECT * { } # C:\Users\me",  # \U not followed by 8 hex digits, even in a comment
        r"\U0041",
        r"\uD800",  # a surrogate is not a character
        r"\U00110000",  # beyond U+10FFFF
        r"'\\u0041'",  # engines disagree: a backslash pair then u0041, or a backslash then A
        "\\u",
    ],
)
def test_decode_escapes_refuses(text: str) -> None:
    with pytest.raises(QueryError, match="escape"):
        decode_escapes(text)


# --- tokens ------------------------------------------------------------------------------------


def test_tokenize_kinds() -> None:
    text = (
        'PREFIX ex: <http://e/#x> sElEcT ?x $y WHERE { ?x a ex:a\\~b%20c, ex:, _:b1, [], (), "s\\"", '
        "'t', '''l\n'x'\nm''', \"\"\"d\"\"\", 1, 2.5, .5e3, 'x'@en-GB, 'y'^^ex:t, true . "
        "FILTER(?x != 1 && ?y <= 2 || ?y >= 3 || ?x < ?y) } # comment <http://no/>"
    )
    kinds = [(t.kind, t.text) for t in tokenize(text)]
    assert kinds == [
        ("KEYWORD", "PREFIX"), ("PNAME_NS", "ex:"), ("IRIREF", "<http://e/#x>"), ("KEYWORD", "sElEcT"),
        ("VAR", "?x"), ("VAR", "$y"), ("KEYWORD", "WHERE"), ("PUNCT", "{"), ("VAR", "?x"), ("A", "a"),
        ("PNAME_LN", "ex:a\\~b%20c"), ("PUNCT", ","), ("PNAME_NS", "ex:"), ("PUNCT", ","),
        ("BLANK_NODE_LABEL", "_:b1"), ("PUNCT", ","), ("ANON", "[]"), ("PUNCT", ","), ("NIL", "()"),
        ("PUNCT", ","), ("STRING", '"s\\""'), ("PUNCT", ","), ("STRING", "'t'"), ("PUNCT", ","),
        ("STRING", "'''l\n'x'\nm'''"), ("PUNCT", ","), ("STRING", '"""d"""'), ("PUNCT", ","),
        ("INTEGER", "1"), ("PUNCT", ","), ("DECIMAL", "2.5"), ("PUNCT", ","), ("DOUBLE", ".5e3"),
        ("PUNCT", ","), ("STRING", "'x'"), ("LANGTAG", "@en-GB"), ("PUNCT", ","), ("STRING", "'y'"),
        ("PUNCT", "^^"), ("PNAME_LN", "ex:t"), ("PUNCT", ","), ("KEYWORD", "true"), ("PUNCT", "."),
        ("KEYWORD", "FILTER"), ("PUNCT", "("), ("VAR", "?x"), ("PUNCT", "!="), ("INTEGER", "1"),
        ("PUNCT", "&&"), ("VAR", "?y"), ("PUNCT", "<="), ("INTEGER", "2"), ("PUNCT", "||"), ("VAR", "?y"),
        ("PUNCT", ">="), ("INTEGER", "3"), ("PUNCT", "||"), ("VAR", "?x"), ("PUNCT", "<"), ("VAR", "?y"),
        ("PUNCT", ")"), ("PUNCT", "}"),
    ]  # fmt: skip


def test_tokenize_keywords_positions() -> None:
    tokens = tokenize("select *\nwhere {\n  ?s a ?o }")
    assert [t.keyword for t in tokens] == ["SELECT", None, "WHERE", None, None, None, None, None]
    where = tokens[2]
    assert (where.line, where.column, where.offset) == (2, 1, 9)
    o = tokens[6]
    assert (o.text, o.line, o.column) == ("?o", 3, 8)


def test_tokenize_positions_after_escape_decoding() -> None:
    tokens = tokenize("SELECT * {\n \\u003Fs ?p ?o }")
    assert (tokens[3].text, tokens[3].line, tokens[3].column) == ("?s", 2, 2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * {\n  ?s ?p 'unterminated }", "unterminated or malformed string at line 2, column 9"),
        ('SELECT * { ?s ?p "new\nline" }', "string at line 1, column 18"),
        ("SELECT * { ?s ?p '''never closed }", "string at line 1, column 18"),
        ("SELECT * {\n ?s ?p <http://no/end }", "IRI at line 2, column 8"),
        ("SELECT * { ?s ?p <http://a b/> }", "IRI at line 1, column 18"),
        ("SELECT * { ?s ?p 'bad \\q escape' }", "string at line 1, column 18"),
        ("SELECT * { ?s ?p ~ }", "unexpected character '~' at line 1, column 18"),
        ("SELECT * { ?s ?p ?o ", "unclosed '{' opened at line 1, column 10"),
        ("SELECT * { ?s ?p ?o ) }", r"unbalanced '\)' at line 1, column 21"),
    ],
)
def test_tokenize_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        tokenize(text)


@pytest.mark.parametrize(
    ("text", "iris"),
    [
        ("SELECT * { ?s ?p ?o FILTER(?o<?x&&?s>?o) }", []),  # '<' after an operand: comparisons
        ("SELECT * { ?s ?p ?o FILTER(?o<'x>' ) }", []),
        ("SELECT (?o<'x>' AS ?z) { ?s ?p ?o }", []),
        ("SELECT * { { SELECT (?o<=<http://a> AS ?z) { ?s ?p ?o } } }", ["<http://a>"]),
        ("SELECT * { ?s ?p ?o FILTER(1 + <http://a> < <http://b>) }", ["<http://a>", "<http://b>"]),
        ("SELECT * { ?s ?p (<a> <b>) FILTER(BOUND(?s)) }", ["<a>", "<b>"]),  # a collection, not an expression
        ("SELECT * { ?s ?p ?o } ORDER BY ?o<http://fn>(?o)", ["<http://fn>"]),
        ("SELECT * { ?s <p> ?o FILTER(?o)<s><p><o> }", ["<p>", "<s>", "<p>", "<o>"]),
    ],
)
def test_less_than_or_iri(text: str, iris: list[str]) -> None:
    assert [t.text for t in tokenize(text) if t.kind == "IRIREF"] == iris


# --- SERVICE and LOAD --------------------------------------------------------------------------

EVIL = "http://127.0.0.1:9/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * { SERVICE <http://127.0.0.1:9/> {} }", [(EVIL, False)]),
        ("SELECT * { sErViCe <http://127.0.0.1:9/> {} }", [(EVIL, False)]),
        ("SELECT * { SeRvIcE SiLeNt <http://127.0.0.1:9/> {} }", [(EVIL, True)]),
        ("SELECT*{SERVICE<http://127.0.0.1:9/>{}}", [(EVIL, False)]),
        ("SELECT * { SERVICE # <http://no/>\n  <http://127.0.0.1:9/> {} }", [(EVIL, False)]),
        ("SELECT * { SERVICE SILENT# x\n#y\n<http://127.0.0.1:9/> {} }", [(EVIL, True)]),
        (
            "SELECT * { ?s <http://a/#x> 'a # b' . SERVICE <http://127.0.0.1:9/#f> {} }",
            [(EVIL + "#f", False)],
        ),
        ("SELECT * { ?s ?p 'SERVICE <http://no/> {}', \"SERVICE <http://no/> {}\" }", []),
        ("SELECT * { ?s ?p '''\nSERVICE <http://no/> {}\n''' }", []),
        ('SELECT * { ?s ?p """x\n" SERVICE <http://no/> {} "\n""" }', []),
        ("SELECT * { <http://no/SERVICE> <http://no/#SERVICE> ?o }", []),
        ("PREFIX service: <http://no/> SELECT * { ?s service:p ?o }", []),
        (r"SELECT * { \u0053ERVICE <http://127.0.0.1:9/> {} }", [(EVIL, False)]),
        (r"SELECT * { SE\u0052VICE SI\u004CENT <http://127.0.0.1:9/> {} }", [(EVIL, True)]),
        (r"SELECT * { SERVICE <http\u003A//127.0.0.1\u003A9\u002F> {} }", [(EVIL, False)]),
        (r"SELECT * { SERVICE <http://\u0031\u0032\u0037.0.0.1:9/> {} }", [(EVIL, False)]),
        ("PREFIX ex: <http://127.0.0.1:9/> SELECT * { SERVICE ex:sparql {} }", [(EVIL + "sparql", False)]),
        ("PREFIX ex: <http://127.0.0.1:9/> SELECT * { SERVICE ex: {} }", [(EVIL, False)]),
        ("PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE :a\\/b%20 {} }", [(EVIL + "a/b%20", False)]),
        ("BASE <http://127.0.0.1:9/x/y> SELECT * { SERVICE <../sparql> {} }", [(EVIL + "sparql", False)]),
        ("BASE <http://a/> PREFIX p: <//127.0.0.1:9/> SELECT * { SERVICE p:s {} }", [(EVIL + "s", False)]),
        ("SELECT * { SERVICE <sparql> {} }", [("sparql", False)]),  # relative, no BASE: stays relative
        ("SELECT * { SERVICE ?x {} SERVICE SILENT $y {} }", [(None, False), (None, True)]),
        ("SELECT * { { { SERVICE <http://127.0.0.1:9/> {} } } }", [(EVIL, False)]),
        ("SELECT * { { SELECT * { SERVICE <http://127.0.0.1:9/> {} } } }", [(EVIL, False)]),
        ("SELECT * { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> {} } }", [(EVIL, False)]),
        ("SELECT * { FILTER(NOT EXISTS { SERVICE <http://127.0.0.1:9/> {} }) }", [(EVIL, False)]),
        ("SELECT * { OPTIONAL { SERVICE <http://127.0.0.1:9/> {} } }", [(EVIL, False)]),
        ("SELECT * { ?s ?p ?o MINUS { SERVICE <http://127.0.0.1:9/> {} } }", [(EVIL, False)]),
        ("SELECT * { {} UNION { SERVICE <http://127.0.0.1:9/> {} } }", [(EVIL, False)]),
        ("ASK { GRAPH ?g { SERVICE <http://127.0.0.1:9/> {} } }", [(EVIL, False)]),
        (
            "SELECT * { SERVICE <http://a/> { SERVICE SILENT <http://b/> {} } SERVICE ?c {} }",
            [("http://a/", False), ("http://b/", True), (None, False)],
        ),
        ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", [(EVIL, False)]),
        # Oxigraph 0.5 matches keywords without a word boundary and splits 'ex:a.b.c' after 'ex:a.b'.
        (
            "PREFIX ex: <http://e/> SELECT * { ?s ?p ex:a.b.SERVICE <http://127.0.0.1:9/> {} }",
            [(EVIL, False)],
        ),
        (
            "PREFIX ex: <http://127.0.0.1:9/> PREFIX SERVICEex: <http://no/> SELECT * { SERVICEex:s {} }",
            [(EVIL + "s", False)],
        ),
        (
            "PREFIX ex: <http://127.0.0.1:9/> PREFIX SERVICESILENTex: <http://no/>"
            " SELECT * { SERVICESILENTex:s {} }",
            [(EVIL + "s", True)],
        ),
        (
            "PREFIX ex: <http://127.0.0.1:9/> PREFIX SILENTex: <http://other/>"
            " SELECT * { SERVICE SILENTex:s {} }",
            [("http://other/s", False), (EVIL + "s", True)],
        ),
        (
            "PREFIX : <http://127.0.0.1:9/> PREFIX service: <http://no/> SELECT * { service:s {} }",
            [(EVIL + "s", False)],
        ),
    ],
)
def test_service_detection(text: str, expected: list[tuple[str | None, bool]]) -> None:
    assert services(text) == expected


def test_service_position() -> None:
    found = inspect("SELECT * {\n  ?s ?p ?o .\n  OPTIONAL { service <http://a/> {} } }").services
    assert [(s.line, s.column) for s in found] == [(3, 14)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Oxigraph reads these as SERVICE calls: they are refused rather than misread.
        ("SELECT * { SERVICESILENT<http://127.0.0.1:9/>{} }", "unknown keyword 'SERVICESILENT'"),
        ("SELECT * { ?s ?p trueSERVICE SILENT <http://127.0.0.1:9/> {} }", "unknown keyword 'trueSERVICE'"),
        ("PREFIX ex: <http://127.0.0.1:9/> SELECT * { SERVICEex:s {} }", "undeclared prefix 'SERVICEex:'"),
        ("PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:s {} }", "undeclared prefix 'SERVICE:'"),
        ("PREFIX:<http://127.0.0.1:9/> SELECT * { SERVICE :s {} }", "expected SELECT, CONSTRUCT"),
        ("LOADSILENT<http://127.0.0.1:9/>", "expected SELECT, CONSTRUCT, DESCRIBE, ASK or an update"),
        # Oxigraph decodes escapes only inside strings and IRIs: refuse text read differently.
        (r"SELECT * { ?s ?p 'a\u005C' SERVICE <http://127.0.0.1:9/> {} }", "escape sequences"),
        (r"SELECT * { ?s ?p 'a\u0027 # ' SERVICE <http://127.0.0.1:9/> {} }", "escape sequences"),
        ("SELECT * { ?s ?p ?o } # \\u000A SERVICE <http://127.0.0.1:9/> {}", "escape sequences"),
        (r"SELECT * { ?s ?p <http://a/\u003E> }", "escape sequences"),
        (r"SELECT * { ?s ?p 'a\u000Ab' }", "escape sequences"),
        # Other text that cannot be read safely.
        ("SELECT * { SERVICE {} }", "expected an IRI for SERVICE"),
        ("SELECT * { SERVICE 'x' {} }", "expected an IRI for SERVICE"),
        ("SELECT * { SERVICE ex:a {} }", "undeclared prefix 'ex:'"),
        ("SELECT * { ?s ?p ?o } LOAD <http://127.0.0.1:9/>", "unexpected LOAD"),
        ("SELECT * { PREFIX ex: <http://a/> }", "unexpected PREFIX"),
        ("SELECT * { ?s A ?o }", "unknown keyword 'A'"),
        ("SELECT * { ?s ?p << ?a ?b ?c >> }", "malformed IRI"),
        ("PREFIX ex <http://a/> SELECT * {}", "expected a prefix name after PREFIX"),
        ("BASE ex: SELECT * {}", "expected an IRI after BASE"),
    ],
)
def test_refused_as_unreadable(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        inspect(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LOAD <file:///etc/passwd>", [("file:///etc/passwd", False, None)]),
        ("load silent <http://a/d.ttl> into graph <http://g/>", [("http://a/d.ttl", True, "http://g/")]),
        (
            "PREFIX ex: <http://a/> LOAD SILENT ex:d.ttl INTO GRAPH ex:g ; LOAD <http://b/>",
            [("http://a/d.ttl", True, "http://a/g"), ("http://b/", False, None)],
        ),
        ("BASE <http://a/b/> LOAD <../c>", [("http://a/c", False, None)]),
        ("LOAD#x\n<http://a/>", [("http://a/", False, None)]),
        (
            "PREFIX ex: <http://a/> PREFIX SILENTex: <http://b/> LOAD SILENTex:x",
            [("http://a/x", True, None), ("http://b/x", False, None)],
        ),
    ],
)
def test_load_detection(text: str, expected: list[tuple[str, bool, str | None]]) -> None:
    assert [(load.iri, load.silent, load.into) for load in inspect(text).loads] == expected


def test_inspect_query() -> None:
    found = inspect("BASE <http://b/> PREFIX ex: <x/> PREFIX : <http://e/> construct { ?s ?p ?o } WHERE {}")
    assert (found.kind, found.form, found.base) == ("query", "CONSTRUCT", "http://b/")
    assert found.prefixes == {"ex": "http://b/x/", "": "http://e/"}
    assert (found.services, found.loads, found.operations) == ([], [], [])
    assert inspect("ASK {}").form == "ASK"
    assert inspect("DESCRIBE <http://a>").form == "DESCRIBE"


def test_inspect_update() -> None:
    found = inspect(
        "PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b ex:c } ; DELETE WHERE { ?s ?p ?o } ;"
        " LOAD <http://l/> ; BASE <http://b/> CLEAR ALL ; DROP DEFAULT ; CREATE GRAPH <g> ;"
        " ADD <a> TO <b> ; MOVE DEFAULT TO <c> ; COPY <c> TO DEFAULT ;"
        " WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o } ;"
    )
    assert (found.kind, found.form, found.base) == ("update", None, "http://b/")
    assert found.operations == [
        "INSERT DATA", "DELETE WHERE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "MODIFY",
    ]  # fmt: skip
    assert inspect("").kind == "update"
    assert inspect("# only a comment\nPREFIX ex: <http://e/>").operations == []


# --- the corpus, and rdflib ---------------------------------------------------------------------


def _ours(name: str) -> tuple[list[str], list[str]]:
    found = inspect((DATA / name).read_text(encoding="utf-8"))
    return sorted({s.iri or "?" for s in found.services}), [load.iri for load in found.loads]


def _rdflib(name: str) -> tuple[list[str], list[str]]:
    from rdflib.plugins.sparql import prepareQuery, prepareUpdate
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import Variable

    text = (DATA / name).read_text(encoding="utf-8")
    prepared = prepareUpdate(text) if name.endswith(".ru") else prepareQuery(text)
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                found.add("?" if isinstance(term, Variable) else str(term))
            for value in node.values():
                walk(value)
        elif isinstance(node, list | tuple):
            for value in node:
                walk(value)

    walk(prepared.algebra)
    operations = prepared.algebra if name.endswith(".ru") else []
    loads = [str(op["iri"]) for op in operations if op.name == "Load"]
    return sorted(found), loads


def test_corpus_is_large_enough() -> None:
    files = sorted(p.name for p in DATA.iterdir() if p.suffix in (".rq", ".ru"))
    assert len(files) >= 40
    assert files == sorted(entry["file"] for entry in MANIFEST)


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_corpus_targets(entry: dict[str, object]) -> None:
    assert _ours(str(entry["file"])) == (entry["services"], entry["loads"])


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_corpus_agrees_with_rdflib(entry: dict[str, object]) -> None:
    name = str(entry["file"])
    if "rdflib_differs" in entry:  # keep the manifest honest: rdflib still differs there
        try:
            theirs = _rdflib(name)
        except Exception:  # rdflib raises all sorts of errors on these files
            return
        assert theirs != _ours(name)
        return
    assert _rdflib(name) == _ours(name)


# --- IRI resolution (RFC 3986 §5.4) ------------------------------------------------------------

RFC_BASE = "http://a/b/c/d;p?q"


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"), ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"), ("//g", "http://g"), ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"), ("g#s", "http://a/b/c/g#s"), ("g?y#s", "http://a/b/c/g?y#s"),
        (";x", "http://a/b/c/;x"), ("g;x", "http://a/b/c/g;x"), ("g;x?y#s", "http://a/b/c/g;x?y#s"),
        ("", "http://a/b/c/d;p?q"), (".", "http://a/b/c/"), ("./", "http://a/b/c/"), ("..", "http://a/b/"),
        ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"), ("../../", "http://a/"),
        ("../../g", "http://a/g"),
        # abnormal examples
        ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"), ("/./g", "http://a/g"),
        ("/../g", "http://a/g"), ("g.", "http://a/b/c/g."), (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."),
        ("..g", "http://a/b/c/..g"), ("./../g", "http://a/b/g"), ("./g/.", "http://a/b/c/g/"),
        ("g/./h", "http://a/b/c/g/h"), ("g/../h", "http://a/b/c/h"), ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
        ("g;x=1/../y", "http://a/b/c/y"), ("g?y/./x", "http://a/b/c/g?y/./x"), ("g?y/../x", "http://a/b/c/g?y/../x"),
        ("g#s/./x", "http://a/b/c/g#s/./x"), ("g#s/../x", "http://a/b/c/g#s/../x"), ("http:g", "http:g"),
    ],
)  # fmt: skip
def test_resolve_iri_rfc3986(reference: str, expected: str) -> None:
    assert resolve_iri(RFC_BASE, reference) == expected


def test_resolve_iri_edge_cases() -> None:
    assert resolve_iri(None, "../x") == "../x"
    assert resolve_iri("http://a", "b") == "http://a/b"  # empty base path with an authority
    assert resolve_iri("urn:x:y", "#f") == "urn:x:y#f"
    assert resolve_iri("http://a/b", "HTTP://EVIL/../x") == "HTTP://EVIL/x"


# --- the allow-list -----------------------------------------------------------------------------


def refusal(text: str, allow: list[str]) -> str | None:
    try:
        enforce_federation(inspect(text), allow)
    except FederationRefused as e:
        return str(e)
    return None


def service(iri: str) -> str:
    return f"SELECT * {{ SERVICE <{iri}> {{}} }}"


@pytest.mark.parametrize(
    ("iri", "allow"),
    [
        ("https://example.org/sparql", ["https://example.org/sparql"]),
        ("https://example.org/sparql/v2", ["https://example.org/sparql"]),
        ("https://example.org/sparql?query=x", ["https://example.org/sparql"]),
        ("https://example.org/sparql#frag", ["https://example.org/sparql"]),
        ("HTTPS://EXAMPLE.ORG/sparql", ["https://example.org/sparql"]),
        ("https://example.org:443/sparql", ["https://example.org/sparql"]),
        ("https://example.org/sparql", ["https://Example.ORG:443/sparql"]),
        ("http://example.org:80/x", ["http://example.org"]),
        ("http://example.org/anything/at/all", ["http://example.org/"]),
        ("https://example.org/sparql/", ["https://example.org/sparql/"]),
        ("http://127.0.0.1:8080/sparql", ["http://127.0.0.1:8080/sparql"]),
        ("http://[::1]:8080/sparql", ["http://[::1]:8080/"]),
        ("https://example.org/sparql", ["http://other.org/", " https://example.org/sparql "]),
        ("http://anything.example:1234/x", ["*"]),
        ("http://127.0.0.1/", ["*"]),  # "*" allows loopback too: documented
        ("http://user:pw@example.org/a/../b", ["*"]),  # and anything else over http(s)
    ],
)
def test_allowed(iri: str, allow: list[str]) -> None:
    assert refusal(service(iri), allow) is None
    assert refusal(f"LOAD <{iri}>", allow) is None


@pytest.mark.parametrize(
    ("iri", "allow", "reason"),
    [
        ("https://example.org/sparql", [], "not on the allow-list"),
        ("https://example.org/sparql2", ["https://example.org/sparql"], "not on the allow-list"),
        ("https://example.org/sparq", ["https://example.org/sparql"], "not on the allow-list"),
        ("https://example.org/", ["https://example.org/sparql"], "not on the allow-list"),
        ("https://example.org/sparql", ["https://example.org/sparql/"], "not on the allow-list"),
        ("http://example.org/sparql", ["https://example.org/sparql"], "not on the allow-list"),
        ("https://example.org:8443/sparql", ["https://example.org/sparql"], "not on the allow-list"),
        ("https://example.org.evil.org/sparql", ["https://example.org/sparql"], "not on the allow-list"),
        ("https://evil.org/example.org/sparql", ["https://example.org/"], "not on the allow-list"),
        ("https://sub.example.org/sparql", ["https://example.org/"], "not on the allow-list"),
        ("http://2130706433/", ["http://127.0.0.1/"], "not on the allow-list"),
        ("http://example.org@evil.org/", ["http://example.org/"], "user information"),
        ("http://user:pw@example.org/", ["http://example.org/"], "user information"),
        ("http://ex%61mple.org/", ["http://example.org/"], "percent-encoded"),
        ("http://example.org./", ["http://example.org/"], "host is malformed"),
        ("http://exämple.org/", ["http://example.org/"], "not ASCII"),
        ("http://example.org:99999/", ["http://example.org/"], "port is malformed"),
        ("http://example.org:8o/", ["http://example.org/"], "port is malformed"),
        ("https://example.org/sparql/../admin", ["https://example.org/sparql"], "'..' segments"),
        ("https://example.org/sparql/%2E%2e/admin", ["https://example.org/sparql"], "'..' segments"),
        ("https://example.org/./sparql", ["https://example.org/"], "'..' segments"),
        ("http:example.org/sparql", ["http://example.org/"], "not a well-formed"),
        ("http:///example.org/sparql", ["http://example.org/"], "host is malformed"),
        ("ftp://example.org/", ["*"], "not an http(s) IRI"),
        ("urn:x:y", ["*", "urn:x:y"], "not an http(s) IRI"),
        ("sparql", ["*"], "not an absolute IRI"),
        ("//example.org/sparql", ["*"], "not an absolute IRI"),
        ("file:///etc/passwd", ["*"], "file: IRIs are never allowed"),
        ("FILE:///etc/passwd", ["file:///etc/passwd", "*"], "file: IRIs are never allowed"),
    ],
)
def test_refused(iri: str, allow: list[str], reason: str) -> None:
    for text in (service(iri), f"LOAD <{iri}>", f"LOAD SILENT <{iri}>"):
        message = refusal(text, allow)
        assert message is not None
        assert f"<{iri}>" in message
        assert reason in message
        if "file:" not in reason:
            assert "CLUSTERKG_SERVICE_ALLOW" in message


def test_refused_variable_and_silent() -> None:
    message = refusal("SELECT * { SERVICE SILENT ?endpoint {} }", ["*"])
    assert message is not None
    assert "variable" in message
    assert "CLUSTERKG_SERVICE_ALLOW" in message
    assert refusal("SELECT * { SERVICE SILENT <http://a/> {} }", []) is not None
    # Every target is checked, not only the first.
    assert refusal(service("http://a/") + " ; ", ["http://a/"]) is None
    text = "SELECT * { SERVICE <http://a/> {} SERVICE <http://b/> {} }"
    assert "<http://b/>" in (refusal(text, ["http://a/"]) or "")


def test_relative_iri_with_base_is_checked_resolved() -> None:
    text = "BASE <http://evil.org/> SELECT * { SERVICE <sparql> {} }"
    assert "<http://evil.org/sparql>" in (refusal(text, ["http://good.org/"]) or "")
    assert refusal(text, ["http://evil.org/sparql"]) is None


def test_invalid_allow_entries() -> None:
    entries = ["*", "https://example.org/sparql", "example.org", "ftp://x/", "https://x/?a=1", "file:///"]
    assert invalid_allow_entries(entries) == ["example.org", "ftp://x/", "https://x/?a=1", "file:///"]
    # An entry that can never match refuses nothing more and allows nothing.
    assert refusal(service("https://x/"), ["https://x/?a=1"]) is not None


# --- updates ------------------------------------------------------------------------------------


def test_split_insert_delete_data() -> None:
    text = (
        "PREFIX ex: <http://e/>\n"
        'INSERT DATA { ex:a ex:b \'x;}{\' . GRAPH ex:g { ex:c ex:d """two\n;lines}""" } } ;\n'
        "DELETE DATA { ex:a ex:b ex:c # a comment }\n}"
    )
    insert, delete = split_update(text)
    assert insert.kind == "INSERT DATA"
    assert insert.data == ' ex:a ex:b \'x;}{\' . GRAPH ex:g { ex:c ex:d """two\n;lines}""" } '
    assert insert.prologue == "PREFIX ex: <http://e/>"
    assert insert.text.startswith("INSERT DATA {") and insert.text.endswith("} }")
    assert delete.kind == "DELETE DATA"
    assert delete.data == " ex:a ex:b ex:c # a comment }\n"


def test_split_delete_where() -> None:
    (op,) = split_update("DELETE WHERE { ?s ?p ?o . GRAPH ?g { ?s ?q 'a{b' } }")
    assert (op.kind, op.where) == ("DELETE WHERE", " ?s ?p ?o . GRAPH ?g { ?s ?q 'a{b' } ")
    assert op.data is None


def test_split_modify() -> None:
    text = (
        "PREFIX ex: <http://e/> WITH ex:g DELETE { ?s ex:p ?o } INSERT { ?s ex:q ?o }"
        " USING ex:u1 USING NAMED ex:u2 USING <http://u3/>"
        " WHERE { ?s ex:p ?o { SELECT ?s { ?s ?p ';' } } FILTER(?o < 3) }"
    )
    (op,) = split_update(text)
    assert op.kind == "MODIFY"
    assert op.with_iri == "http://e/g"
    assert op.delete_template == " ?s ex:p ?o "
    assert op.insert_template == " ?s ex:q ?o "
    assert op.using == ["http://e/u1", "http://u3/"]
    assert op.using_named == ["http://e/u2"]
    assert op.where == " ?s ex:p ?o { SELECT ?s { ?s ?p ';' } } FILTER(?o < 3) "
    (insert_only,) = split_update("INSERT { <a> <b> <c> } WHERE {}")
    assert insert_only.delete_template is None
    assert (insert_only.insert_template, insert_only.where) == (" <a> <b> <c> ", "")


def test_split_prologues_accumulate() -> None:
    text = (
        "PREFIX a: <http://a/>\nINSERT DATA { a:x a:y a:z } ;\n"
        "BASE <http://b/>\nPREFIX c: <c/>\nDELETE DATA { <x> c:y a:z } ;\n"
        "PREFIX a: <http://a2/> CLEAR GRAPH a:g"
    )
    first, second, third = split_update(text)
    assert first.prologue == "PREFIX a: <http://a/>"
    assert second.prologue == "PREFIX a: <http://a/>\nBASE <http://b/>\nPREFIX c: <c/>"
    assert third.prologue.endswith("\nPREFIX a: <http://a2/>")
    assert third.target == "http://a2/g"
    # Re-running a part with its prologue reads the same IRIs.
    rerun = split_update(f"{second.prologue}\nDELETE DATA {{{second.data}}}")
    assert rerun[0].data == second.data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LOAD <http://a/>", ("LOAD", False, "http://a/", "DEFAULT")),
        ("LOAD SILENT <http://a/> INTO GRAPH <http://g/>", ("LOAD", True, "http://a/", "http://g/")),
        ("CLEAR GRAPH <http://g/>", ("CLEAR", False, None, "http://g/")),
        ("CLEAR SILENT DEFAULT", ("CLEAR", True, None, "DEFAULT")),
        ("DROP NAMED", ("DROP", False, None, "NAMED")),
        ("drop silent all", ("DROP", True, None, "ALL")),
        ("CREATE GRAPH <http://g/>", ("CREATE", False, None, "http://g/")),
        ("ADD DEFAULT TO GRAPH <http://g/>", ("ADD", False, "DEFAULT", "http://g/")),
        ("MOVE SILENT <http://a/> TO DEFAULT", ("MOVE", True, "http://a/", "DEFAULT")),
        ("PREFIX ex: <http://e/> COPY GRAPH ex:a TO ex:b", ("COPY", False, "http://e/a", "http://e/b")),
    ],
)
def test_split_graph_management(text: str, expected: tuple[str, bool, str | None, str]) -> None:
    (op,) = split_update(text)
    assert (op.kind, op.silent, op.source, op.target) == expected
    assert text.endswith(op.text)
    assert op.text.upper().startswith(expected[0])


def test_split_several_operations() -> None:
    text = "INSERT DATA { <a> <b> '} ; LOAD <x> ; {' } ; LOAD <http://l/> ; DROP ALL ;"
    assert [op.kind for op in split_update(text)] == ["INSERT DATA", "LOAD", "DROP"]
    assert split_update("") == []
    assert split_update("PREFIX ex: <http://e/>") == []


def _rebuild(op: UpdateOperation) -> str:
    """An operation re-written from the parts split_update extracted."""

    def ref(graph: str | None) -> str:
        return graph if graph in ("DEFAULT", "NAMED", "ALL") else f"GRAPH <{graph}>"

    silent = " SILENT" if op.silent else ""
    if op.kind in ("INSERT DATA", "DELETE DATA"):
        body = f"{op.kind} {{{op.data}}}"
    elif op.kind == "DELETE WHERE":
        body = f"DELETE WHERE {{{op.where}}}"
    elif op.kind == "MODIFY":
        body = f"WITH <{op.with_iri}> " if op.with_iri else ""
        body += f"DELETE {{{op.delete_template}}} " if op.delete_template is not None else ""
        body += f"INSERT {{{op.insert_template}}} " if op.insert_template is not None else ""
        body += "".join(f"USING <{iri}> " for iri in op.using)
        body += "".join(f"USING NAMED <{iri}> " for iri in op.using_named)
        body += f"WHERE {{{op.where}}}"
    elif op.kind in ("CLEAR", "DROP", "CREATE"):
        body = f"{op.kind}{silent} {ref(op.target)}"
    else:
        body = f"{op.kind}{silent} {ref(op.source)} TO {ref(op.target)}"
    return f"{op.prologue}\n{body}"


def test_split_parts_rebuild_the_same_update() -> None:
    """Running the operations rebuilt from their parts changes the store as the original does."""
    pyoxigraph = pytest.importorskip("pyoxigraph")
    seed = "INSERT DATA { <http://e/s> <http://e/p> 1 . GRAPH <http://e/g> { <http://e/s> <http://e/p> 2 } }"
    text = (
        "PREFIX ex: <http://e/>\n"
        'INSERT DATA { ex:a ex:b \'x;}{\' , """two\n;lines}""" . GRAPH ex:g2 { ex:c ex:d ex:e } } ;\n'
        "DELETE DATA { ex:a ex:b 'x;}{' } ;\n"
        "WITH ex:g DELETE { ?s ex:p ?o } INSERT { ?s ex:q ?o . GRAPH ex:g3 { ?s ex:r '}' } }"
        " USING ex:g USING NAMED ex:g2 WHERE { ?s ex:p ?o FILTER(?o < 3) } ;\n"
        "DELETE WHERE { GRAPH ex:g2 { ?s ?p ?o } } ;\n"
        "COPY GRAPH ex:g3 TO ex:g4 ; ADD DEFAULT TO ex:g4 ; MOVE SILENT ex:g4 TO GRAPH ex:g5 ;\n"
        "CREATE SILENT GRAPH ex:g6 ; CLEAR SILENT GRAPH ex:nothing ; DROP SILENT GRAPH ex:g3"
    )
    whole, parts = pyoxigraph.Store(), pyoxigraph.Store()
    for store in (whole, parts):
        store.update(seed)
    whole.update(text)
    for op in split_update(text):
        parts.update(_rebuild(op))
    assert set(parts) == set(whole)
    assert len(set(whole)) > 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT * {}", "expected an update, found a SELECT query"),
        ("INSERT DATA { <a> <b> <c> } DROP ALL", "expected ';' between update operations"),
        ("INSERT DATA { <a> <b> <c> } ; ; DROP ALL", "expected an update operation at line 1, column 31"),
        ("INSERTDATA { <a> <b> <c> }", "expected SELECT, CONSTRUCT"),
        ("INSERT DATA <a>", "expected '{' to open INSERT DATA"),
        ("DELETE { <a> <b> <c> }", "expected WHERE"),
        ("WITH <g> WHERE {}", "expected DELETE or INSERT"),
        ("LOAD <a> INTO <g>", "expected GRAPH after INTO"),
        ("CLEAR <g>", "expected GRAPH <iri> or DEFAULT, NAMED, ALL"),
        ("ADD <a> <b>", "expected TO in ADD"),
        ("CREATE DEFAULT", "expected GRAPH <iri>"),
        ("INSERT DATA { ex:a ex:b ex:c }", "undeclared prefix 'ex:'"),
        ("INSERT DATA { <a> <b> <c> } ; PREFIX x: <y> LOAD <z> ; SELECT", "expected an update operation"),
    ],
)
def test_split_update_errors(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        split_update(text)


# --- robustness ---------------------------------------------------------------------------------


def test_mutations_raise_only_query_errors() -> None:
    """Random edits of the corpus either read or raise QueryError: never another exception."""
    rng = random.Random(20240611)
    texts = [p.read_text(encoding="utf-8") for p in sorted(DATA.iterdir()) if p.suffix in (".rq", ".ru")]
    alphabet = "{}()[]<>'\"#\\:;.?$@_ \n-^|&!=*/+aSERVICEsilent0u"
    for _ in range(600):
        text = list(rng.choice(texts))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text))
            action = rng.random()
            if action < 0.4:
                text[at] = rng.choice(alphabet)
            elif action < 0.7:
                text.insert(at, rng.choice(alphabet))
            else:
                del text[at]
        mutated = "".join(text)
        with contextlib.suppress(QueryError):
            tokenize(mutated)
        try:
            found = inspect(mutated)
        except QueryError:
            continue
        with contextlib.suppress(FederationRefused):
            enforce_federation(found, ["*"])
        if found.kind == "update":
            split_update(mutated)


def test_large_input_is_linear() -> None:
    body = " ".join(f"?s{i} <http://e/p{i}> 'v{i}' ." for i in range(5000))
    # 5,000 triple patterns are over the default chain limit (the engine would take seconds).
    found = inspect(f"SELECT * {{ {body} SERVICE <http://a/> {{}} }}", nesting_limit=10_000)
    assert [s.iri for s in found.services] == ["http://a/"]
    with pytest.raises(QueryError):
        inspect("SELECT * { ?s ?p '''" + "''a" * 20000)
    # Runs of name characters and dots once made every token rescan the run for a ':'.
    with pytest.raises(QueryError, match="undeclared prefix"):
        inspect("SELECT * { ?s ?p ex:" + "a." * 50000 + " }", nesting_limit=100_000)
    assert inspect("SELECT * { ?s ?p " + "a-" * 50000 + " }").services == []
