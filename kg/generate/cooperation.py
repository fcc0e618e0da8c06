"""Cooperation inside one synthetic cluster: projects, platforms and stages, IP rights, licences, services.

What each management task of the issue finds here, by construction:

- projects start in a year their participants were members (joined by its end, not yet left);
  about two in five started since 2014 follow the open-innovation model and take in a recent
  member, who has no earlier project with the others;
- every project forms a platform of 3-4 stages: the anchor finishes the last; about two in five
  of the other stages have a single supplier; research organisations act at some stages (the R&D
  partner), the others have none; some stages use a technology of their own besides the
  project's through-technology;
- IP rights come from projects, held by one, two or three parties (shares sum to at most 100);
  about half are licensed, always to another party than the licensor;
- each service firm provides its services to several other members.
"""

from __future__ import annotations

from kg.generate.base import ClusterState, Maker, Member
from kg.generate.indicators import observation
from kg.generate.vocabulary import (
    ACTIONS,
    CKG,
    FALSE,
    IP_TYPES,
    LAST_YEAR,
    ODRL,
    SERVICE_ROLES,
    STAGE_TYPES,
    TASK_TYPES,
    TRUE,
    Lit,
    dec,
    integer,
    year,
)  # fmt: skip


def make(mk: Maker, st: ClusterState) -> None:
    """The cluster's projects, then its services."""
    for p in range(mk.rng.randint(2, 3 + len(st.members) // 8)):
        _project(mk, st, f"{st.slug}-p{p}")
    _services(mk, st)


def _project(mk: Maker, st: ClusterState, slug: str) -> None:
    rng, u = mk.rng, st.unit
    anchor = st.members[0]
    start = rng.randint(max(st.founded + 1, 2008), LAST_YEAR)
    active = [m for m in st.active(start) if m is not anchor]
    if len(active) < 2:
        return
    open_model = start >= 2014 and rng.random() < 0.4
    participants = rng.sample(active, rng.randint(2, min(6, len(active))))
    newcomers = [m for m in active if m.start.year >= start - 1 and m not in participants]
    if open_model and newcomers:
        participants.append(rng.choice(newcomers))
    launch = start + rng.randint(0, 4)

    pj = mk.node(u, "project", slug, "CooperationProject")
    u.add(pj, CKG + "projectOfCluster", st.iri)
    u.add(pj, CKG + "initiatedBy", anchor.org.iri)
    for m in participants:
        u.add(pj, CKG + "hasParticipant", m.org.iri)
    u.add(pj, CKG + "startYear", year(start))
    u.add(pj, CKG + "productionLaunchYear", year(launch))
    u.add(pj, CKG + "throughTechnology", mk.technology())
    if open_model:
        u.add(pj, CKG + "innovationModel", CKG + "openInnovationModel")
    elif rng.random() < 0.3:
        u.add(pj, CKG + "innovationModel", CKG + "closedInnovationModel")
    observation(mk, st, f"{slug}-rd", pj, "rdParticipantCount", start, value=integer(len(participants) + 1))

    research = [m for m in participants if m.org.category == "research"]
    companies = [m for m in participants if m.org.category != "research"] or participants
    task = mk.node(u, "task", slug, "RDTask")
    u.add(task, CKG + "taskType", CKG + rng.choice(TASK_TYPES))
    u.add(task, CKG + "withinProject", pj)
    for m in (research or companies)[:2]:
        u.add(task, CKG + "assignedTo", m.org.iri)

    pl = mk.node(u, "platform", slug, "TechnologyPlatform")
    n_stages = rng.randint(3, 4)
    u.add(pj, CKG + "formsPlatform", pl)
    u.add(pl, CKG + "stageCount", integer(n_stages))
    u.add(pl, CKG + "finisher", anchor.org.iri)
    u.add(pl, CKG + "targetProductClass", mk.pick("product-class"))
    stages = [mk.node(u, "stage", f"{slug}-s{s}", "ProductionStage") for s in range(1, n_stages + 1)]
    for s, (stage, stage_type) in enumerate(zip(stages, STAGE_TYPES[4 - n_stages :], strict=True), start=1):
        u.add(stage, CKG + "stageOf", pl)
        u.add(stage, CKG + "stageOrder", integer(s))
        u.add(stage, CKG + "stageType", CKG + stage_type)
        if s < n_stages:
            u.add(stage, CKG + "nextStage", stages[s])
        actors = [anchor] if s == n_stages else _stage_actors(mk, companies, research)
        for m in actors:
            u.add(m.org.iri, CKG + "actsAtStage", stage)
        if s < n_stages and rng.random() < 0.5:
            u.add(stage, CKG + "stageUsesTechnology", mk.technology(through=False))
    for r in range(rng.randint(1, 3)):
        _right(mk, st, f"{slug}-r{r}", pj, start, launch, [anchor, *participants])


def _stage_actors(mk: Maker, companies: list[Member], research: list[Member]) -> list[Member]:
    """A single supplier, or two or three; sometimes a research organisation besides (the R&D partner)."""
    rng = mk.rng
    single = rng.random() < 0.4 or len(companies) < 2
    actors = (
        [rng.choice(companies)] if single else rng.sample(companies, rng.randint(2, min(3, len(companies))))
    )
    partner = rng.choice(research) if research and rng.random() < 0.4 else None
    if partner is not None and partner not in actors:
        actors.append(partner)
    return actors


def _right(
    mk: Maker, st: ClusterState, slug: str, pj: str, start: int, launch: int, parties: list[Member]
) -> None:
    rng, u = mk.rng, st.unit
    cls, code = rng.choice(IP_TYPES)
    ip = mk.node(u, "ip-right", slug, cls)
    registered = rng.randint(start, min(launch + 2, LAST_YEAR))
    u.add(ip, CKG + "registrationNumber", Lit(f"SYN-{code}-{rng.randrange(10**7):07d}"))
    u.add(ip, CKG + "registrationYear", year(registered))
    u.add(ip, CKG + "originProject", pj)
    if cls == "Patent":
        st.patents[registered] = st.patents.get(registered, 0) + 1
    count = min(rng.choice((1, 2, 2, 3)), len(parties))
    holders = [m.org.iri for m in rng.sample(parties, count)]
    total = 1000 if rng.random() < 0.8 else rng.randint(500, 990)  # tenths of a per cent
    cuts = sorted(rng.sample(range(1, total), len(holders) - 1))
    shares = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    for h, (holder, share) in enumerate(zip(holders, shares, strict=True)):
        hd = mk.node(u, "holding", f"{slug}-h{h}", "IPHolding")
        u.add(ip, CKG + "hasHolding", hd)
        u.add(hd, CKG + "holder", holder)
        u.add(hd, CKG + "sharePercent", dec(share))
    others = [m.org.iri for m in parties if m.org.iri != holders[0]]
    if others and rng.random() < 0.5:
        # An ODRL agreement between two participants: parties and target on it, actions on its permission.
        lic = mk.node(u, "licence", slug, "Licence")
        u.add(lic, ODRL + "target", ip)
        u.add(lic, ODRL + "assigner", holders[0])
        u.add(lic, ODRL + "assignee", rng.choice(others))
        permission = mk.node(u, "licence", f"{slug}-permission", ODRL + "Permission")
        u.add(lic, ODRL + "permission", permission)
        for action in rng.sample(ACTIONS, rng.randint(1, 3)):
            u.add(permission, ODRL + "action", ODRL + action)
        u.add(lic, CKG + "exclusiveLicence", TRUE if rng.random() < 0.3 else FALSE)


def _services(mk: Maker, st: ClusterState) -> None:
    """Each service firm serves three to eight other members whose membership overlapped its own."""
    rng = mk.rng
    for firm in st.members:
        if not set(firm.roles) & set(SERVICE_ROLES):
            continue
        clients = [
            m for m in st.members
            if m.org is not firm.org and (firm.end is None or m.start < firm.end)
            and (m.end is None or firm.start < m.end)
        ]  # fmt: skip
        for m in rng.sample(clients, min(len(clients), rng.randint(3, 8))):
            st.unit.add(firm.org.iri, CKG + "providesServiceTo", m.org.iri)
