"""The scheme builder and its SVG drawing (``api/explorer/scheme.py``), on hand-made query rows."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

import pyoxigraph as ox

from api.explorer.drawing import wrap
from api.explorer.roster import build_roster, render_roster
from api.explorer.scheme import build_schemes, render_scheme
from kg.entities import Entity, Label

E = "http://example.org/"
SVG = "{http://www.w3.org/2000/svg}"
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
FALSE = ox.Literal("false", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
NASTY = 'A <b>&"quoted" firm'


Cells = dict[str, ox.NamedNode | ox.Literal]


def _row(order: int, actor: str | None = None, *, group: bool = False) -> Cells:
    row: Cells = {
        "project": ox.NamedNode(E + "project/p"),
        "projectLabelEn": ox.Literal("Project P", language="en"),
        "platform": ox.NamedNode(E + "platform/f"),
        "stageCount": ox.Literal("3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        "stage": ox.NamedNode(f"{E}stage/s{order}"),
        "stageOrder": ox.Literal(
            str(order), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
        ),
        "stageLabelEn": ox.Literal(f"stage {order} of 3", language="en"),
        "stageLabelRu": ox.Literal(f"передел {order} из 3", language="ru"),
        "finisher": ox.NamedNode(E + "org/anchor"),
        "finisherLabelEn": ox.Literal("Anchor Ltd", language="en"),
        "finisherLabelRu": ox.Literal("«Якорь»", language="ru"),
    }
    if actor is not None:
        row["actor"] = ox.NamedNode(f"{E}org/{abs(hash(actor))}")
        row["actorLabelEn"] = ox.Literal(actor, language="en")
        row["actorIsGroup"] = TRUE if group else FALSE
    return row


ROWS = [_row(1, "Maker One"), _row(2, NASTY), _row(2, "suppliers", group=True), _row(3)]


def _texts(element: ET.Element) -> str:
    return " ".join(" ".join(t.itertext()) for t in element.iter(SVG + "text"))


def test_stages_are_ordered_by_stage_order_whatever_the_row_order() -> None:
    for seed in range(5):
        rows = list(ROWS)
        random.Random(seed).shuffle(rows)
        (scheme,) = build_schemes(rows)
        assert [s.order for s in scheme.stages] == [1, 2, 3]
        assert [s.iri for s in scheme.stages] == [f"{E}stage/s{n}" for n in (1, 2, 3)]
        assert scheme.stage_count == 3
        assert scheme.finisher is not None and scheme.finisher.text("ru") == "«Якорь»"


def test_actors_and_groups_are_kept_per_stage() -> None:
    (scheme,) = build_schemes(ROWS)
    second = scheme.stages[1]
    assert [(a.text("en"), a.is_group) for a in second.actors] == [(NASTY, False), ("suppliers", True)]
    assert scheme.stages[2].actors == ()
    assert not scheme.stages_named  # no stage has a kind: the source only counts them


def test_the_svg_draws_columns_in_order_groups_dashed_and_the_finisher() -> None:
    tech = (Entity(E + "tech/t", Label(en="through tech", ru="сквозная")),)
    (scheme,) = build_schemes(list(reversed(ROWS)), tech)
    svg = render_scheme(scheme, "en")
    root = ET.fromstring(svg)  # well-formed XML, so every label was escaped
    stages = [g for g in root.iter(SVG + "g") if g.get("class") == "stage"]
    assert [g.get("data-order") for g in stages] == ["1", "2", "3"]
    xs = [float(g.find(SVG + "rect").get("x", "")) for g in stages]  # type: ignore[union-attr]
    assert xs == sorted(xs)
    assert NASTY in _texts(root)
    assert "&lt;b&gt;&amp;&#34;quoted&#34;" in svg  # markupsafe writes " as &#34;
    groups = [g for g in root.iter(SVG + "g") if g.get("class") == "actor group"]
    assert len(groups) == 1
    assert groups[0].find(SVG + "rect").get("stroke-dasharray")  # type: ignore[union-attr]
    (finisher,) = [g for g in root.iter(SVG + "g") if g.get("class") == "finisher"]
    assert "final assembly" in _texts(finisher) and "Anchor Ltd" in _texts(finisher)
    (band,) = [g for g in root.iter(SVG + "g") if g.get("class") == "through-technology"]
    assert _texts(band) == "through-technology: through tech"
    assert len([line for line in root.iter(SVG + "line") if line.get("class") == "flow"]) >= 3
    assert "финишная сборка" in render_scheme(scheme, "ru")


def test_the_roster_groups_members_by_role_with_sizes() -> None:
    role = ox.NamedNode(E + "role/r")
    rows: list[Cells] = [
        {
            "cluster": ox.NamedNode(E + "cluster/c"),
            "clusterLabelEn": ox.Literal("Cluster C", language="en"),
            "role": role,
            "roleLabelEn": ox.Literal("researcher", language="en"),
            "participant": ox.NamedNode(E + f"g/{n}"),
            "labelEn": ox.Literal(label, language="en"),
            "isGroup": TRUE,
        }
        for n, label in ((1, "eleven firms"), (2, NASTY))
    ]
    rows[0]["groupSize"] = ox.Literal("11")
    roster = build_roster(rows)
    assert roster is not None and roster.cluster.text("en") == "Cluster C"
    assert [(m.text("en"), m.group_size) for m in roster.roles[0].members] == [
        ("eleven firms", 11),
        (NASTY, None),
    ]
    root = ET.fromstring(render_roster(roster, "en"))
    assert "(11 organisations)" in _texts(root) and "members: 2" in _texts(root)
    assert build_roster([]) is None


def test_wrap_keeps_words_and_width() -> None:
    lines = wrap("production and service enterprises at the 5 technological stages", 160)
    assert " ".join(lines) == "production and service enterprises at the 5 technological stages"
    assert all(len(line) <= 22 for line in lines)
    assert wrap("", 100) == [""]
