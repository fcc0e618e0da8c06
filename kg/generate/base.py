"""The seeded maker of synthetic nodes and what it knows about the cluster it is making.

:class:`Maker` holds the one ``random.Random`` all data comes from and makes typed, labelled,
synthetic nodes; :class:`Org`, :class:`Member` and :class:`ClusterState` are what the parts of
one cluster (members, cooperation, indicators) share while it is made.

>>> m = Maker(1, "t-")
>>> u = Unit("g")
>>> m.node(u, "cluster", "c0", "Cluster") == SYN_ID + "cluster/t-c0", len(u.triples)
(True, 4)
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from kg.generate.vocabulary import CKG, LABELS, RDF, RDFS, SYN_ID, TRUE, Lit, Unit


@dataclass
class Org:
    """An organisation: its kind for the counts (large, SME, research or education) and its size."""

    iri: str
    category: str
    """``large``, ``sme`` or ``research`` (research and education organisations)."""
    roles: tuple[str, ...]
    employees: int
    establishments: int
    clusters: int = 1
    """How many clusters it is a member of so far."""
    cap: int = 1
    """How many clusters it may join (2 or 3 for organisations shared between clusters)."""


@dataclass
class Member:
    """One membership of an organisation in the cluster being made, with its dates."""

    org: Org
    roles: tuple[str, ...]
    start: date
    end: date | None

    def active(self, on: date) -> bool:
        """A member on that day: joined by then and not yet left.

        >>> m = Member(Org("o", "sme", (), 10, 1), (), date(2015, 3, 1), date(2019, 6, 30))
        >>> m.active(date(2015, 12, 31)), m.active(date(2019, 12, 31)), m.active(date(2014, 12, 31))
        (True, False, False)
        """
        return self.start <= on and (self.end is None or on < self.end)


@dataclass
class ClusterState:
    """The cluster being made: its node, graph, members, years and dataset."""

    iri: str
    slug: str
    unit: Unit
    founded: int
    years: list[int]
    dataset: str
    members: list[Member] = field(default_factory=list)
    patents: dict[int, int] = field(default_factory=dict)
    """Patents of the cluster's IP rights by registration year."""

    def active(self, y: int, *, by_end: bool = True) -> list[Member]:
        """The members on 31 December of ``y`` (or on 1 January with ``by_end=False``)."""
        on = date(y, 12, 31) if by_end else date(y, 1, 1)
        return [m for m in self.members if m.active(on)]


class Maker:
    """Makes nodes; all randomness comes from one seeded ``random.Random``."""

    def __init__(self, seed: int, tag: str) -> None:
        self.rng = random.Random(seed)
        self.tag = tag
        self.vocabulary: dict[str, list[str]] = {}
        self.through: list[str] = []
        self.other_tech: list[str] = []

    def iri(self, kind: str, slug: str) -> str:
        """The IRI of a synthetic node."""
        return f"{SYN_ID}{kind}/{self.tag}{slug}"

    def node(self, u: Unit, kind: str, slug: str, cls: str) -> str:
        """A new node: typed (``cls`` is a ckg: name or an IRI), marked synthetic, named if its kind is."""
        n = self.iri(kind, slug)
        u.add(n, RDF + "type", cls if "://" in cls else CKG + cls)
        u.add(n, CKG + "synthetic", TRUE)
        if kind in LABELS:
            en, ru = LABELS[kind]
            u.add(n, RDFS + "label", Lit(f"{en} {self.tag}{slug}", language="en"))
            u.add(n, RDFS + "label", Lit(f"{ru} {self.tag}{slug}", language="ru"))
        return n

    def pick(self, kind: str) -> str:
        """A random node of the shared vocabulary."""
        return self.rng.choice(self.vocabulary[kind])

    def technology(self, *, through: bool = True) -> str:
        """A technology, the first ones far more often (a few are used everywhere: niches)."""
        pool = self.through if through else self.other_tech
        return self.rng.choices(pool, weights=[1 / (k + 1) for k in range(len(pool))])[0]

    def date_in(self, y: int) -> date:
        """A day of the year ``y``."""
        return date(y, 1, 1) + timedelta(days=self.rng.randrange(365))

    def instant(self, y: int) -> str:
        """The shared reference instant of the year ``y``."""
        return self.iri("instant", str(y))
