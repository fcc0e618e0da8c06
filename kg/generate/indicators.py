"""Indicator series of one synthetic cluster, as RDF Data Cube observations of its own dataset.

Every observation is a ``ckg:Statistic`` in the cluster's ``qb:DataSet`` (structure
``ckg:statisticsStructure``), about a subject, of an indicator, in a unit, at a year's instant.
For each year of the cluster's series (6-10 years up to 2023), on 31 December:

- ``participantCount``: the named organisations whose dated membership covers that day (the
  undated group of "other members" is not counted), split exactly into
  ``smeParticipantCount`` + ``largeEnterpriseParticipantCount`` + ``researchEducationParticipantCount``;
- ``employment`` and ``establishmentCount``: the sums over those members (each member's staff
  grows or shrinks at the cluster's rate); in the first year sometimes only a range of
  employment (from ... to ..., a multiple of 100 on each side);
- ``averageMonthlyWage`` in roubles (cur:RUB), growing 4-10 % a year;
- ``locationQuotient`` (unitless, a random walk above 0.3; in the first year sometimes only a
  bound, "more than ..."), ``patentCount`` (at least the patents of the cluster's IP rights
  registered that year), ``clusterDevelopmentIndex`` (0-1, from size and specialisation).

Besides: a product segment's import share (a range in per cent) and the high-tech output share.
"""

from __future__ import annotations

from kg.generate.base import ClusterState, Maker
from kg.generate.vocabulary import CKG, CUR, QB, UNIT, Lit, dec, integer

UNITS = {
    "participantCount": UNIT + "NUM", "smeParticipantCount": UNIT + "NUM",
    "largeEnterpriseParticipantCount": UNIT + "NUM", "researchEducationParticipantCount": UNIT + "NUM",
    "rdParticipantCount": UNIT + "NUM", "employment": UNIT + "NUM", "establishmentCount": UNIT + "NUM",
    "patentCount": UNIT + "NUM", "averageMonthlyWage": CUR + "RUB", "locationQuotient": UNIT + "UNITLESS",
    "clusterDevelopmentIndex": UNIT + "UNITLESS", "importShare": UNIT + "PERCENT",
    "highTechOutputShare": UNIT + "PERCENT",
}  # fmt: skip
"""The unit of each indicator the generator uses."""


def observation(
    mk: Maker, st: ClusterState, slug: str, about: str, indicator: str, y: int,
    *, value: Lit | None = None, bounds: dict[str, Lit] | None = None,
) -> None:  # fmt: skip
    """One observation: a value, or bounds (``minInclusive``, ``maxExclusive``...: ckg: names)."""
    u = st.unit
    obs = mk.node(u, "statistic", slug, "Statistic")
    u.add(obs, QB + "dataSet", st.dataset)
    u.add(obs, CKG + "statisticAbout", about)
    u.add(obs, CKG + "indicator", CKG + indicator)
    u.add(obs, CKG + "unit", UNITS[indicator])
    if value is not None:
        u.add(obs, CKG + "value", value)
    for name, bound in (bounds or {}).items():
        u.add(obs, CKG + name, bound)
    u.add(obs, CKG + "referenceTime", mk.instant(y))


def make(mk: Maker, st: ClusterState) -> None:
    """The cluster's yearly series, its segment's import share and its high-tech output share."""
    rng, c, last = mk.rng, st.slug, st.years[-1]
    seg = mk.node(st.unit, "segment", f"{c}-seg", "ProductSegment")
    st.unit.add(seg, CKG + "segmentOf", st.iri)
    low = rng.randint(0, 900)
    bounds = {"minInclusive": dec(low), "maxInclusive": dec(rng.randint(low, 1000))}
    observation(mk, st, f"{c}-import", seg, "importShare", last, bounds=bounds)
    observation(mk, st, f"{c}-hightech", st.iri, "highTechOutputShare", last, value=dec(rng.randint(0, 1000)))

    growth = rng.randint(-20, 60) / 1000
    wage, wage_growth = rng.randint(280, 550) * 100, rng.randint(40, 100) / 1000
    lq = rng.randint(70, 250)  # hundredths
    for k, y in enumerate(st.years):
        active = st.active(y)
        by_kind = {
            kind: sum(1 for m in active if m.org.category == kind) for kind in ("sme", "large", "research")
        }
        employment = sum(round(m.org.employees * (1 + growth) ** k) for m in active)
        lq = max(30, lq + rng.randint(-12, 15))
        index = min(
            1000, 150 + min(450, len(active) * 12) + max(0, min(250, (lq - 100) * 2)) + rng.randint(0, 100)
        )
        series: list[tuple[str, str, Lit | dict[str, Lit]]] = [
            ("members", "participantCount", integer(len(active))),
            ("sme", "smeParticipantCount", integer(by_kind["sme"])),
            ("large", "largeEnterpriseParticipantCount", integer(by_kind["large"])),
            ("research", "researchEducationParticipantCount", integer(by_kind["research"])),
            ("establishments", "establishmentCount", integer(sum(m.org.establishments for m in active))),
            ("wage", "averageMonthlyWage", integer(round(wage * (1 + wage_growth) ** k / 100) * 100)),
            ("patents", "patentCount", integer(rng.randint(0, 2 + len(active) // 5) + st.patents.get(y, 0))),
            ("development", "clusterDevelopmentIndex", dec(index, 3)),
        ]  # fmt: skip
        if k == 0 and rng.random() < 0.3:
            floor = employment // 100 * 100
            series.append(
                (
                    "employment",
                    "employment",
                    {"minInclusive": integer(floor), "maxInclusive": integer(floor + 100)},
                )
            )
        else:
            series.append(("employment", "employment", integer(employment)))
        if k == 0 and rng.random() < 0.3:
            series.append(("lq", "locationQuotient", {"minExclusive": dec(max(0, lq // 10 - 1), 1)}))
        else:
            series.append(("lq", "locationQuotient", dec(lq, 2)))
        for short, indicator, measure in series:
            if isinstance(measure, Lit):
                observation(mk, st, f"{c}-{y}-{short}", st.iri, indicator, y, value=measure)
            else:
                observation(mk, st, f"{c}-{y}-{short}", st.iri, indicator, y, bounds=measure)
