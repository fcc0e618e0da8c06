"""What synthetic data is made of: namespaces, kinds of nodes, roles, codes, terms and units.

Nothing here draws a random number; :mod:`kg.generate.model` does.

>>> dec(1234, 2), dec(5, 1), dec(-7, 1)
(Lit(lexical='12.34', datatype='http://www.w3.org/2001/XMLSchema#decimal', language=None), \
Lit(lexical='0.5', datatype='http://www.w3.org/2001/XMLSchema#decimal', language=None), \
Lit(lexical='-0.7', datatype='http://www.w3.org/2001/XMLSchema#decimal', language=None))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
CUR = "http://qudt.org/vocab/currency/"
QB = "http://purl.org/linked-data/cube#"
OKVED2 = "https://w3id.org/clusterkg/id/okved2/"
"""Concepts of OKVED 2 (ОК 029-2014), in the reference graph the model keeps (not synthetic)."""

KINDS = (
    "cluster", "organisation", "group", "membership", "project", "platform", "stage", "task",
    "ip-right", "holding", "licence", "statistic", "segment", "region", "sector", "area",
    "product-class", "technology", "scheme", "instant", "interval", "dataset",
)  # fmt: skip
"""Kinds of synthetic nodes: IRIs are ``synthetic/id/<kind>/<slug>``."""

SUPPLIER_ROLES = ("rawMaterialSupplierRole", "materialSupplierRole", "componentSupplierRole", "supplierRole")
SERVICE_ROLES = ("productionServiceProviderRole", "serviceProviderRole")
RESEARCH_ROLES = ("researchOrganisationRole", "educationOrganisationRole")
ROLES = (
    *SUPPLIER_ROLES,
    "productManufacturerRole",
    *SERVICE_ROLES,
    *RESEARCH_ROLES,
    "developmentInstitutionRole",
)
IP_TYPES = (
    ("Patent", "PAT"), ("UtilityModel", "UM"), ("IndustrialDesign", "ID"),
    ("SoftwareRegistration", "SW"), ("DatabaseRegistration", "DB"), ("ProductionSecretRight", "KH"),
)  # fmt: skip
STAGE_TYPES = ("rawMaterialStage", "materialStage", "componentStage", "finalAssemblyStage")
ACTIONS = ("use", "reproduce", "distribute", "modify", "sell", "transfer")
ACTIVITIES = ("finalAssembly", "marketing", "sales", "researchAndDevelopment")
TASK_TYPES = ("componentMiniaturisation", "materialPropertyImprovement")
LABELS_OF_EXCELLENCE = ("bronzeLabel", "silverLabel", "goldLabel")

PRODUCTION_CODES = ("21.20", "22.29", "25.62", "26.60", "32.50")
"""OKVED 2 classes of manufacturers and clusters (the codes the contract gives the synthetic case)."""
SUPPLIER_CODES = ("22.29", "25.62")
SERVICE_CODES = ("71.20", "25.62")
RESEARCH_CODE, EDUCATION_CODE = "72.19", "85.22"

FIRST_YEAR, LAST_YEAR = 2005, 2023
"""Years of the shared reference instants; indicator series end in :data:`LAST_YEAR`."""


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


def integer(n: int) -> Lit:
    """An ``xsd:integer``."""
    return Lit(str(n), XSD + "integer")


def dec(units: int, places: int = 1) -> Lit:
    """An ``xsd:decimal`` of ``units`` hundredths (``places=2``), tenths (``places=1``)..."""
    sign, units = ("-", -units) if units < 0 else ("", units)
    whole, frac = divmod(units, 10**places)
    return Lit(f"{sign}{whole}.{frac:0{places}d}", XSD + "decimal")


def year(y: int) -> Lit:
    """An ``xsd:gYear``."""
    return Lit(str(y), XSD + "gYear")


def day(d: date) -> Lit:
    """An ``xsd:date``."""
    return Lit(d.isoformat(), XSD + "date")


TRUE = Lit("true", XSD + "boolean")
FALSE = Lit("false", XSD + "boolean")

LABELS: dict[str, tuple[str, str]] = {
    "cluster": ("Synthetic cluster", "Синтетический кластер"),
    "organisation": ("Synthetic organisation", "Синтетическая организация"),
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
    "dataset": ("Indicators of synthetic cluster", "Показатели синтетического кластера"),
}
"""Names of the labelled kinds, in English and Russian; a node's label adds its slug."""
