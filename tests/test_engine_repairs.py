"""kg.engine.repairs: Virtuoso's lossy literals repaired term by term, with the same outcome as
reading the whole answer, whatever text its literals hold."""

from __future__ import annotations

import json
import random

import pytest

from kg.engine.repairs import XSD, _repair_document, repair_json_results

HOSTILE_TEXTS = [
    "plain",
    "braces { and } inside",
    '{"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "1"}',
    'a "bnode" named in text',
    "XMLSchema#duration",
    "back\\slash and \\u0041 and \\",
    'quote " and }{ together',
    "кластер «БиоМед» — передел",
    "\t\n\r",
    "",
]
DATATYPES = ["boolean", "duration", "integer", "string", "gYear"]


def _term(rng: random.Random) -> dict[str, str]:
    kind = rng.choice(["uri", "literal", "typed-literal", "bnode", "lang"])
    if kind == "uri":
        return {"type": "uri", "value": "https://example.org/" + rng.choice(["a", "b{", "c}"])}
    if kind == "bnode":
        return {"type": "bnode", "value": f"nodeID://b{rng.randint(0, 99999)}"}
    if kind == "lang":
        return {"type": "literal", "xml:lang": "ru", "value": rng.choice(HOSTILE_TEXTS)}
    if kind == "literal":
        return {"type": "literal", "value": rng.choice(HOSTILE_TEXTS)}
    datatype = rng.choice(DATATYPES)
    value = rng.choice(["0", "1", "36", "-3", "true", *HOSTILE_TEXTS])
    term = {"type": "typed-literal", "datatype": XSD + datatype, "value": value}
    if rng.random() < 0.5:  # members in another order than Virtuoso writes them
        term = dict(reversed(list(term.items())))
    return term


def _document(rng: random.Random, style: str) -> bytes:
    rows = [{name: _term(rng) for name in ("s", "p", "o")} for _ in range(rng.randint(0, 12))]
    document = {"head": {"link": [], "vars": ["s", "p", "o"]}, "results": {"bindings": rows}}
    if style == "virtuoso":  # spaces and tabs as Virtuoso 7.2.5 writes them
        return json.dumps(document, ensure_ascii=False, separators=(" ,\t", ": ")).encode("utf-8")
    if style == "ascii":
        return json.dumps(document).encode("ascii")
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.parametrize("style", ["virtuoso", "ascii", "compact"])
def test_repairing_term_by_term_reads_as_repairing_the_whole_document(style: str) -> None:
    rng = random.Random(f"repair-{style}")
    repaired_some = 0
    for _ in range(400):
        body = _document(rng, style)
        fast = repair_json_results(body)
        assert json.loads(fast) == json.loads(_repair_document(body, frozenset()))
        repaired_some += fast != body
    assert repaired_some > 100  # the generated answers do need repairs


def test_lossy_literals_are_repaired_and_lookalike_text_is_not() -> None:
    text = HOSTILE_TEXTS[2]  # a whole boolean term written as a literal's text
    body = json.dumps(
        {
            "results": {
                "bindings": [
                    {
                        "b": {"type": "typed-literal", "datatype": XSD + "boolean", "value": "1"},
                        "d": {"type": "typed-literal", "datatype": XSD + "duration", "value": "14"},
                        "n": {"type": "bnode", "value": "nodeID://b10006"},
                        "t": {"type": "literal", "value": text},
                    }
                ]
            }
        }
    ).encode()
    row = json.loads(repair_json_results(body))["results"]["bindings"][0]
    assert [row[k]["value"] for k in "bdnt"] == ["true", "P1Y2M", "b10006", text]


def test_an_answer_without_lossy_terms_is_passed_on_as_it_came() -> None:
    body = b'{ "head": { "vars": ["s"] }, "results": { "bindings": [ '
    body += b'{ "s": { "type": "uri", "value": "a" }} ] } }'
    assert repair_json_results(body) is body


def test_a_cut_answer_is_left_for_the_reader_to_refuse() -> None:
    whole = _document(random.Random("cut"), "virtuoso")
    for end in range(0, len(whole), 7):
        cut = whole[:end]
        assert isinstance(repair_json_results(cut), bytes)  # no error here: parsing it refuses it


def test_booleans_of_the_query_turn_its_integers_into_booleans() -> None:
    body = json.dumps(
        {
            "results": {
                "bindings": [{"e": {"type": "typed-literal", "datatype": XSD + "integer", "value": "0"}}]
            }
        }
    ).encode()
    term = json.loads(repair_json_results(body, frozenset({"e"})))["results"]["bindings"][0]["e"]
    assert term == {"type": "typed-literal", "datatype": XSD + "boolean", "value": "false"}
