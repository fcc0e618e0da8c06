"""What the synthetic data is made of, and the seeded generator that makes it, unit by unit.

The vocabulary (namespaces, kinds of nodes, roles, IP right types, stages...), the terms and
:class:`Unit` (the triples of one named graph), and :func:`units`, which yields the shared
vocabulary and then one unit per cluster. Writing units out is :mod:`kg.generate.output`;
what the data holds is described in :mod:`kg.generate`.

>>> first = next(units(1))
>>> first.graph == SHARED_GRAPH, len(first.triples) > 100
(True, True)
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kg.errors import KgError

DEFAULT_SEED = 20180501
SYN = "https://w3id.org/clusterkg/synthetic/"
SYN_ID = SYN + "id/"
SYN_GRAPH = SYN + "graph/"
SHARED_GRAPH = SYN_GRAPH + "shared"

CKG = "https://w3id.org/clusterkg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ORG = "http://www.w3.org/ns/org#"
ODRL = "http://www.w3.org/ns/odrl/2/"
TIME = "http://www.w3.org/2006/time#"
UNIT = "http://qudt.org/vocab/unit/"

KINDS = (
    "cluster", "organisation", "group", "membership", "project", "platform", "stage", "task",
    "ip-right", "holding", "licence", "statistic", "segment", "region", "sector", "area",
    "product-class", "technology", "scheme", "instant",
)  # fmt: skip
"""Kinds of synthetic nodes: IRIs are ``synthetic/id/<kind>/<slug>``."""

ROLES = (
    "rawMaterialSupplierRole", "materialSupplierRole", "componentSupplierRole", "supplierRole",
    "productManufacturerRole", "productionServiceProviderRole", "serviceProviderRole",
    "researchOrganisationRole", "educationOrganisationRole", "developmentInstitutionRole",
)  # fmt: skip
IP_TYPES = (
    ("Patent", "PAT"), ("UtilityModel", "UM"), ("IndustrialDesign", "ID"),
    ("SoftwareRegistration", "SW"), ("DatabaseRegistration", "DB"), ("ProductionSecretRight", "KH"),
)  # fmt: skip
STAGE_TYPES = ("rawMaterialStage", "materialStage", "componentStage", "finalAssemblyStage")
ACTIONS = ("use", "reproduce", "distribute", "modify", "sell", "transfer")
ACTIVITIES = ("finalAssembly", "marketing", "sales", "researchAndDevelopment")
TASK_TYPES = ("componentMiniaturisation", "materialPropertyImprovement")


class GenerateError(KgError):
    """The generator was asked for something it cannot make (a bad scale or format)."""


@dataclass(frozen=True, slots=True)
class Lit:
    """An RDF literal: its lexical form and a datatype IRI or a language tag."""

    lexical: str
    datatype: str | None = None
    language: str | None = None


Term = str | Lit
"""An object: an IRI (a plain ``str``) or a literal."""
Triple = tuple[str, str, Term]


@dataclass
class Unit:
    """The triples of one named graph, written as one block."""

    graph: str
    triples: list[Triple] = field(default_factory=list)

    def add(self, s: str, p: str, o: Term) -> None:
        """Add one triple."""
        self.triples.append((s, p, o))


def _int(n: int) -> Lit:
    return Lit(str(n), XSD + "integer")


def _dec(tenths: int) -> Lit:
    return Lit(f"{tenths // 10}.{tenths % 10}", XSD + "decimal")


def _year(y: int) -> Lit:
    return Lit(str(y), XSD + "gYear")


TRUE = Lit("true", XSD + "boolean")
FALSE = Lit("false", XSD + "boolean")


LABELS: dict[str, tuple[str, str]] = {
    "cluster": ("Synthetic cluster", "Синтетический кластер"),
    "organisation": ("Synthetic enterprise", "Синтетическое предприятие"),
    "group": ("Other members of cluster", "Другие участники кластера"),
    "project": ("Cooperation project", "Кластерный проект"),
    "platform": ("Technology platform", "Технологическая платформа"),
    "stage": ("Production stage", "Производственный передел"),
    "task": ("R&D task", "Задача НИОКР"),
    "ip-right": ("IP right", "Право на РИД"),
    "licence": ("Licence", "Лицензия"),
    "segment": ("Product segment", "Продуктовый сегмент"),
    "region": ("Synthetic region", "Синтетический регион"),
    "sector": ("Synthetic sector", "Синтетический сектор"),
    "area": ("Specialisation area", "Направление специализации"),
    "product-class": ("Product class", "Класс изделий"),
    "technology": ("Technology", "Технология"),
    "scheme": ("Synthetic technologies", "Синтетические технологии"),
}
"""Names of the labelled kinds, in English and Russian; a node's label adds its slug."""


class _Generator:
    """Makes the units; all randomness comes from one seeded ``random.Random``."""

    def __init__(self, seed: int, tag: str) -> None:
        self.rng = random.Random(seed)
        self.tag = tag
        self.vocabulary: dict[str, list[str]] = {}
        self.through: list[str] = []

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

    def shared(self, graph: str) -> Unit:
        """The vocabulary every cluster draws on."""
        u = Unit(graph)
        for kind, cls, count in (
            ("region", "Region", 20), ("sector", "Sector", 4), ("area", "SpecialisationArea", 12),
            ("product-class", "ProductClass", 10),
        ):  # fmt: skip
            self.vocabulary[kind] = [self.node(u, kind, f"{kind[0]}{k}", cls) for k in range(1, count + 1)]
        for k, region in enumerate(self.vocabulary["region"], start=1):
            u.add(region, CKG + "iso3166Code", Lit(f"XZ-R{k:02d}"))
        self.vocabulary["instant"] = []
        for y in range(2012, 2024):
            n = self.node(u, "instant", f"{y}-05", TIME + "Instant")
            u.add(n, TIME + "inXSDgYearMonth", Lit(f"{y}-05", XSD + "gYearMonth"))
            self.vocabulary["instant"].append(n)
        scheme = self.node(u, "scheme", "technologies", SKOS + "ConceptScheme")
        for i in range(1, 4):
            root = self.node(u, "technology", f"t{i}", "Technology")
            u.add(root, SKOS + "inScheme", scheme)
            u.add(scheme, SKOS + "hasTopConcept", root)
            for j in range(1, 3):
                branch = self.node(u, "technology", f"t{i}-{j}", "Technology")
                u.add(branch, SKOS + "inScheme", scheme)
                u.add(branch, SKOS + "broader", root)
                for k in range(1, 4):
                    leaf = self.node(u, "technology", f"t{i}-{j}-{k}", "ThroughTechnology")
                    u.add(leaf, SKOS + "inScheme", scheme)
                    u.add(leaf, SKOS + "broader", branch)
                    self.through.append(leaf)
        return u

    def cluster(self, i: int, graph: str) -> Unit:
        """One cluster with everything about it, in its own graph."""
        rng, u, c = self.rng, Unit(graph), f"c{i}"
        cl = self.node(u, "cluster", c, "Cluster")
        u.add(cl, CKG + "region", self.pick("region"))
        u.add(cl, CKG + "sector", self.pick("sector"))
        u.add(cl, CKG + "clusterType", CKG + "verticallyIntegratedCluster")
        for area in rng.sample(self.vocabulary["area"], rng.randint(1, 3)):
            u.add(cl, CKG + "specialisation", area)
        if rng.random() < 0.3:
            u.add(cl, CKG + "smartSpecialisationNiche", self.pick("area"))
        for j in sorted(rng.sample(range(i), min(i, rng.randint(0, 2)))):
            u.add(cl, CKG + "interClusterInteraction", self.iri("cluster", f"c{j}"))

        members: list[str] = []
        for m in range(rng.randint(6, 14)):
            e = self.node(u, "organisation", f"{c}-e{m}", "Enterprise")
            members.append(e)
            if m == 0:
                for activity in ACTIVITIES[: rng.randint(1, 4)]:
                    u.add(e, CKG + "retainsActivity", CKG + activity)
            roles = ["anchorRole", "finisherRole"] if m == 0 else rng.sample(ROLES, rng.choice((1, 1, 2)))
            self._membership(u, cl, e, f"{c}-e{m}", roles)
        if rng.random() < 0.5:
            g = self.node(u, "group", f"{c}-g", "OrganisationGroup")
            u.add(g, CKG + "groupSize", _int(rng.randint(2, 40)))
            self._membership(u, cl, g, f"{c}-g", [rng.choice(ROLES)])

        seg = self.node(u, "segment", f"{c}-seg", "ProductSegment")
        u.add(seg, CKG + "segmentOf", cl)
        low = rng.randint(0, 900)
        self._statistic(u, f"{c}-import", seg, "importShare", "PERCENT", span=(low, rng.randint(low, 1000)))
        self._statistic(u, f"{c}-members", cl, "participantCount", "NUM", value=_int(len(members)))
        self._statistic(
            u, f"{c}-hightech", cl, "highTechOutputShare", "PERCENT", value=_dec(rng.randint(0, 1000))
        )
        for p in range(rng.randint(1, 3)):
            self._project(u, cl, f"{c}-p{p}", members)
        return u

    def _membership(self, u: Unit, cl: str, member: str, slug: str, roles: Iterable[str]) -> None:
        mb = self.node(u, "membership", slug, "ClusterMembership")
        u.add(mb, ORG + "member", member)
        u.add(mb, CKG + "cluster", cl)
        for role in roles:
            u.add(mb, CKG + "clusterRole", CKG + role)

    def _statistic(
        self, u: Unit, slug: str, about: str, indicator: str, unit: str,
        *, value: Lit | None = None, span: tuple[int, int] | None = None,
    ) -> None:  # fmt: skip
        """A statistic: a value, or a range of tenths ``span`` (min <= max)."""
        st = self.node(u, "statistic", slug, "Statistic")
        u.add(st, CKG + "statisticAbout", about)
        u.add(st, CKG + "indicator", CKG + indicator)
        u.add(st, CKG + "unit", UNIT + unit)
        if value is not None:
            u.add(st, CKG + "value", value)
        if span is not None:
            u.add(st, CKG + "minInclusive", _dec(span[0]))
            u.add(st, CKG + "maxInclusive", _dec(span[1]))
        u.add(st, CKG + "referenceTime", self.pick("instant"))

    def _project(self, u: Unit, cl: str, slug: str, members: list[str]) -> None:
        rng = self.rng
        pj = self.node(u, "project", slug, "CooperationProject")
        anchor = members[0]
        participants = rng.sample(members[1:], rng.randint(2, min(5, len(members) - 1)))
        start = rng.randint(2008, 2020)
        launch = start + rng.randint(0, 5)
        u.add(pj, CKG + "projectOfCluster", cl)
        u.add(pj, CKG + "initiatedBy", anchor)
        for e in participants:
            u.add(pj, CKG + "hasParticipant", e)
        u.add(pj, CKG + "startYear", _year(start))
        u.add(pj, CKG + "productionLaunchYear", _year(launch))
        u.add(pj, CKG + "throughTechnology", rng.choice(self.through))
        self._statistic(u, f"{slug}-rd", pj, "rdParticipantCount", "NUM", value=_int(len(participants) + 1))

        task = self.node(u, "task", slug, "RDTask")
        u.add(task, CKG + "taskType", CKG + rng.choice(TASK_TYPES))
        u.add(task, CKG + "withinProject", pj)
        for e in participants[:2]:
            u.add(task, CKG + "assignedTo", e)

        pl = self.node(u, "platform", slug, "TechnologyPlatform")
        n_stages = rng.randint(3, 4)
        u.add(pj, CKG + "formsPlatform", pl)
        u.add(pl, CKG + "stageCount", _int(n_stages))
        u.add(pl, CKG + "finisher", anchor)
        u.add(pl, CKG + "targetProductClass", self.pick("product-class"))
        stages = [self.node(u, "stage", f"{slug}-s{s}", "ProductionStage") for s in range(1, n_stages + 1)]
        for s, (st, stage_type) in enumerate(zip(stages, STAGE_TYPES[4 - n_stages :], strict=True), start=1):
            u.add(st, CKG + "stageOf", pl)
            u.add(st, CKG + "stageOrder", _int(s))
            u.add(st, CKG + "stageType", CKG + stage_type)
            if s < n_stages:
                u.add(st, CKG + "nextStage", stages[s])
            u.add(anchor if s == n_stages else rng.choice(participants), CKG + "actsAtStage", st)
        for r in range(rng.randint(1, 3)):
            self._right(u, f"{slug}-r{r}", pj, start, launch, [anchor, *participants])

    def _right(self, u: Unit, slug: str, pj: str, start: int, launch: int, parties: list[str]) -> None:
        rng = self.rng
        cls, code = rng.choice(IP_TYPES)
        ip = self.node(u, "ip-right", slug, cls)
        u.add(ip, CKG + "registrationNumber", Lit(f"SYN-{code}-{rng.randrange(10**7):07d}"))
        u.add(ip, CKG + "registrationYear", _year(rng.randint(start, launch + 2)))
        u.add(ip, CKG + "originProject", pj)
        holders = rng.sample(parties, rng.randint(1, min(3, len(parties))))
        total = 1000 if rng.random() < 0.8 else rng.randint(500, 990)  # tenths of a per cent
        cuts = sorted(rng.sample(range(1, total), len(holders) - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        for h, (holder, share) in enumerate(zip(holders, shares, strict=True)):
            hd = self.node(u, "holding", f"{slug}-h{h}", "IPHolding")
            u.add(ip, CKG + "hasHolding", hd)
            u.add(hd, CKG + "holder", holder)
            u.add(hd, CKG + "sharePercent", _dec(share))
        if rng.random() < 0.5:
            # An ODRL agreement: parties and target on it, the actions on its permission.
            lic = self.node(u, "licence", slug, "Licence")
            u.add(lic, ODRL + "target", ip)
            u.add(lic, ODRL + "assigner", holders[0])
            u.add(lic, ODRL + "assignee", rng.choice(parties))
            permission = self.node(u, "licence", f"{slug}-permission", ODRL + "Permission")
            u.add(lic, ODRL + "permission", permission)
            for action in rng.sample(ACTIONS, rng.randint(1, 3)):
                u.add(permission, ODRL + "action", ODRL + action)
            u.add(lic, CKG + "exclusiveLicence", TRUE if rng.random() < 0.3 else FALSE)


def units(scale: int, *, seed: int = DEFAULT_SEED, tag: str = "", graph: str | None = None) -> Iterator[Unit]:
    """The units of about ``scale`` triples: the shared vocabulary, then one per cluster.

    :param tag: a prefix for every slug, so that two generated sets do not share nodes.
    :param graph: put every unit in this one graph (default: ``graph/shared``, ``graph/cluster-<i>``).
    :raises GenerateError: for a scale below 1 or a graph outside the synthetic graphs.
    """
    if scale < 1:
        raise GenerateError(f"the scale is a number of triples, at least 1, not {scale}")
    if graph is not None and not graph.startswith(SYN_GRAPH):
        raise GenerateError(f"synthetic data goes into graphs under {SYN_GRAPH}, not {graph}")
    gen = _Generator(seed, tag)
    shared = gen.shared(graph or SHARED_GRAPH)
    count = len(shared.triples)
    yield shared
    i = 0
    while count < scale:
        unit = gen.cluster(i, graph or f"{SYN_GRAPH}cluster-{tag}{i}")
        after = count + len(unit.triples)
        if after > scale and after - scale > scale - count:
            return
        yield unit
        count = after
        i += 1
