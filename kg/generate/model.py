"""The seeded generator: the shared vocabulary, then one unit (named graph) per cluster.

:func:`units` yields the shared vocabulary and then the clusters one by one. A cluster's
members are made here (:class:`_Generator`); its cooperation (projects, stages, IP, services)
is :mod:`kg.generate.cooperation`, its indicator series :mod:`kg.generate.indicators`.
Writing units out is :mod:`kg.generate.output`; what the data holds is in :mod:`kg.generate`.

>>> first = next(units(1))
>>> first.graph == SHARED_GRAPH, len(first.triples) > 100
(True, True)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from kg.generate import cooperation, indicators
from kg.generate.base import ClusterState, Maker, Member, Org
from kg.generate.vocabulary import (
    ACTIVITIES,
    CKG,
    DEFAULT_SEED,
    EDUCATION_CODE,
    FIRST_YEAR,
    LABELS_OF_EXCELLENCE,
    LAST_YEAR,
    OKVED2,
    ORG,
    PRODUCTION_CODES,
    QB,
    RESEARCH_CODE,
    RESEARCH_ROLES,
    ROLES,
    SERVICE_CODES,
    SERVICE_ROLES,
    SHARED_GRAPH,
    SKOS,
    SUPPLIER_CODES,
    SUPPLIER_ROLES,
    SYN_GRAPH,
    TIME,
    GenerateError,
    Lit,
    Unit,
    day,
    integer,
    year,
)  # fmt: skip

POOL_SIZE = 60
"""How many organisations of recent clusters wait to join another cluster (bounded memory)."""
COMPANY_ROLES = tuple(r for r in ROLES if r not in RESEARCH_ROLES)


class _Generator(Maker):
    """Makes the shared vocabulary and the clusters, remembering only a bounded pool of
    organisations that later clusters share."""

    def __init__(self, seed: int, tag: str, members: tuple[int, int]) -> None:
        super().__init__(seed, tag)
        self.members = members
        self.pool: list[tuple[Org, str]] = []
        """Organisations open to another cluster, with the cluster they first joined."""

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
        for y in range(FIRST_YEAR, LAST_YEAR + 1):
            n = self.node(u, "instant", str(y), TIME + "Instant")
            u.add(n, TIME + "inXSDgYear", year(y))
        scheme = self.node(u, "scheme", "technologies", SKOS + "ConceptScheme")
        for i in range(1, 5):
            root = self.node(u, "technology", f"t{i}", "Technology")
            u.add(root, SKOS + "inScheme", scheme)
            u.add(scheme, SKOS + "hasTopConcept", root)
            for j in range(1, 4):
                branch = self.node(u, "technology", f"t{i}-{j}", "Technology")
                u.add(branch, SKOS + "inScheme", scheme)
                u.add(branch, SKOS + "broader", root)
                self.other_tech.append(branch)
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
        span = rng.randint(6, 10)
        founded = rng.randint(2006, LAST_YEAR - span)  # before the first year of its series
        dataset = self.node(u, "dataset", c, QB + "DataSet")
        u.add(dataset, QB + "structure", CKG + "statisticsStructure")
        st = ClusterState(cl, c, u, founded, list(range(LAST_YEAR - span + 1, LAST_YEAR + 1)), dataset)
        u.add(cl, CKG + "region", self.pick("region"))
        u.add(cl, CKG + "sector", self.pick("sector"))
        u.add(cl, CKG + "clusterType", CKG + "verticallyIntegratedCluster")
        codes = rng.sample(PRODUCTION_CODES, rng.randint(1, 2))
        for code in codes:
            u.add(cl, CKG + "industryClass", OKVED2 + code)
        for area in rng.sample(self.vocabulary["area"], rng.randint(1, 3)):
            u.add(cl, CKG + "specialisation", area)
        if rng.random() < 0.3:
            u.add(cl, CKG + "smartSpecialisationNiche", self.pick("area"))
        label = rng.random()
        if label < 0.3:
            u.add(cl, CKG + "excellenceLabel", CKG + LABELS_OF_EXCELLENCE[(label < 0.15) + (label < 0.05)])

        own = self._members(st, codes)
        partners = self._shared_members(st)
        self.pool.extend((org, cl) for org in own)
        del self.pool[:-POOL_SIZE]
        if i > 0 and rng.random() < 0.3:
            partners.append(self.iri("cluster", f"c{rng.randrange(i)}"))
        for partner in sorted(set(partners)):
            u.add(cl, CKG + "interClusterInteraction", partner)
        if rng.random() < 0.5:  # an unnamed group: its membership is undated, it is not counted
            g = self.node(u, "group", f"{c}-g", "OrganisationGroup")
            u.add(g, CKG + "groupSize", integer(rng.randint(2, 40)))
            self._membership(st, g, f"{c}-g", (rng.choice(COMPANY_ROLES),), None)

        cooperation.make(self, st)
        indicators.make(self, st)
        return u

    def _members(self, st: ClusterState, codes: list[str]) -> list[Org]:
        """The anchor finisher and the cluster's own organisations, with dated memberships; returns
        those open to other clusters."""
        rng, u, c = self.rng, st.unit, st.slug
        anchor = Org(self.iri("organisation", f"{c}-e0"), "large", ("anchorRole", "finisherRole"),
                     rng.randint(800, 5000), rng.randint(1, 4))  # fmt: skip
        self._organisation(u, anchor, "Enterprise", codes[0], f"{c}-e0")
        for activity in ACTIVITIES[: rng.randint(1, 4)]:
            u.add(anchor.iri, CKG + "retainsActivity", CKG + activity)
        self._join(st, anchor, f"{c}-e0", founding=True)
        own: list[Org] = []
        for m in range(1, rng.randint(*self.members)):
            draw = rng.random()
            category = "research" if m == 2 or draw < 0.18 else "large" if draw < 0.32 else "sme"
            if category == "research":
                roles: tuple[str, ...] = (rng.choice(RESEARCH_ROLES),)
                code = RESEARCH_CODE if roles[0] == RESEARCH_ROLES[0] else EDUCATION_CODE
            else:
                roles = (
                    (rng.choice(SERVICE_ROLES),)
                    if m == 1
                    else tuple(rng.sample(COMPANY_ROLES, rng.choice((1, 1, 2))))
                )
                code = (
                    rng.choice(SERVICE_CODES) if roles[0] in SERVICE_ROLES
                    else rng.choice(SUPPLIER_CODES) if roles[0] in SUPPLIER_ROLES
                    else rng.choice(codes)
                )  # fmt: skip
            employees = {"large": (250, 3000), "sme": (5, 249), "research": (40, 900)}[category]
            org = Org(self.iri("organisation", f"{c}-e{m}"), category, roles, rng.randint(*employees),
                      rng.randint(1, 3) if category == "large" else 1)  # fmt: skip
            kind = ORG + "FormalOrganization" if category == "research" else "Enterprise"
            self._organisation(u, org, kind, code, f"{c}-e{m}")
            self._join(st, org, f"{c}-e{m}", founding=rng.random() < 0.55)
            if (category == "research" or roles[0] in SERVICE_ROLES + SUPPLIER_ROLES) and rng.random() < 0.35:
                org.cap = rng.choice((2, 2, 3))
                own.append(org)
        return own

    def _shared_members(self, st: ClusterState) -> list[str]:
        """Organisations of earlier clusters that join this one; the clusters they came from."""
        rng = self.rng
        if not self.pool:
            return []
        came_from: list[str] = []
        for k, (org, home) in enumerate(rng.sample(self.pool, min(len(self.pool), rng.randint(1, 3)))):
            self._join(st, org, f"{st.slug}-x{k}", founding=False)
            came_from.append(home)
            org.clusters += 1
            if org.clusters >= org.cap:
                self.pool.remove((org, home))
        return came_from

    def _organisation(self, u: Unit, org: Org, cls: str, code: str, slug: str) -> None:
        self.node(u, "organisation", slug, cls)
        u.add(org.iri, CKG + "industryClass", OKVED2 + code)
        for tech in dict.fromkeys(self.technology(through=self.rng.random() < 0.5) for _ in range(2)):
            u.add(org.iri, CKG + "usesTechnology", tech)

    def _join(self, st: ClusterState, org: Org, slug: str, *, founding: bool) -> None:
        """A dated membership: from the founding year or later; about one in five has ended."""
        rng = self.rng
        start = self.date_in(st.founded if founding else rng.randint(st.founded + 1, LAST_YEAR))
        end = None
        if start.year < LAST_YEAR and rng.random() < 0.2 and org.roles[0] != "anchorRole":
            end = self.date_in(rng.randint(start.year + 1, LAST_YEAR))
        st.members.append(Member(org, org.roles, start, end))
        self._membership(st, org.iri, slug, org.roles, (start, end))

    def _membership(self, st: ClusterState, member: str, slug: str, roles: tuple[str, ...],
                    dates: tuple[date, date | None] | None) -> None:  # fmt: skip
        u = st.unit
        mb = self.node(u, "membership", slug, "ClusterMembership")
        u.add(mb, ORG + "member", member)
        u.add(mb, CKG + "cluster", st.iri)
        for role in roles:
            u.add(mb, CKG + "clusterRole", CKG + role)
        if dates is None:
            return
        interval = self.node(u, "interval", slug, TIME + "ProperInterval")
        u.add(mb, ORG + "memberDuring", interval)
        for end, when in zip(("from", "to"), dates, strict=True):
            if when is None:
                continue
            instant = self.node(u, "instant", f"{slug}-{end}", TIME + "Instant")
            u.add(instant, TIME + "inXSDDate", day(when))
            u.add(interval, TIME + ("hasBeginning" if end == "from" else "hasEnd"), instant)


def units(scale: int, *, seed: int = DEFAULT_SEED, tag: str = "", graph: str | None = None) -> Iterator[Unit]:
    """The units of about ``scale`` triples: the shared vocabulary, then one per cluster.

    Clusters have 8-15 organisations below 100k triples (so that small runs hold several),
    15-45 above.

    :param tag: a prefix for every slug, so that two generated sets do not share nodes.
    :param graph: put every unit in this one graph (default: ``graph/shared``, ``graph/cluster-<i>``).
    :raises GenerateError: for a scale below 1 or a graph outside the synthetic graphs.
    """
    if scale < 1:
        raise GenerateError(f"the scale is a number of triples, at least 1, not {scale}")
    if graph is not None and not graph.startswith(SYN_GRAPH):
        raise GenerateError(f"synthetic data goes into graphs under {SYN_GRAPH}, not {graph}")
    gen = _Generator(seed, tag, (8, 16) if scale < 100_000 else (15, 46))
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
