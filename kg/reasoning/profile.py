"""What the OWL 2 reasoning leaves aside: datatypes outside the OWL 2 datatype map.

The ontology's axioms are within OWL 2 RL, but a few of its ranges (``xsd:gYear``,
``xsd:duration``, ``rdf:langString``) and some literals of the data (``xsd:gYear``,
``xsd:gYearMonth``, ``xsd:duration``) use datatypes that OWL 2 does not define
(https://www.w3.org/TR/owl2-syntax/#Datatype_Maps). HermiT runs with
``--ignoreUnsupportedDatatypes`` (:mod:`kg.reasoning.dl`): it drops those range axioms and
reads those literals as opaque values; the OWL 2 RL rules (:mod:`kg.reasoning.rl`) apply no
datatype rule (dt-*) at all. :func:`datatype_gaps` says exactly what that leaves aside, so the
build can print it instead of claiming a clean profile; the SHACL shapes check those values.

>>> from rdflib import Graph
>>> onto = Graph().parse(data='''
...     @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...     <http://e/year> rdfs:range xsd:gYear . <http://e/n> rdfs:range xsd:integer .''', format="turtle")
>>> year = '"2015"^^<http://www.w3.org/2001/XMLSchema#gYear>'
>>> data = Graph().parse(data=f"<http://e/x> <http://e/year> {year} .", format="turtle")
>>> datatype_gaps(onto, data).notes()
['range xsd:gYear of <http://e/year> ignored by HermiT', '1 literal(s) of xsd:gYear read as opaque values']
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

__all__ = ["OWL2_DATATYPES", "DatatypeGaps", "datatype_gaps"]

_XSD_NAMES = (
    "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger long int "
    "short byte unsignedLong unsignedInt unsignedShort unsignedByte double float string "
    "normalizedString token language Name NCName NMTOKEN boolean hexBinary base64Binary anyURI "
    "dateTime dateTimeStamp"
)
OWL2_DATATYPES = frozenset(
    {str(XSD[name]) for name in _XSD_NAMES.split()}
    | {
        "http://www.w3.org/2002/07/owl#real",
        "http://www.w3.org/2002/07/owl#rational",
        str(RDF.PlainLiteral),
        str(RDF.XMLLiteral),
        str(RDFS.Literal),
    }
)
"""The datatypes of the OWL 2 datatype map (OWL 2 Structural Specification, section 4)."""

_SHORT = {str(XSD): "xsd:", str(RDF): "rdf:", "https://w3id.org/clusterkg/ontology#": "ckg:"}


def _short(iri: str) -> str:
    for namespace, prefix in _SHORT.items():
        if iri.startswith(namespace):
            return prefix + iri[len(namespace) :]
    return f"<{iri}>"


@dataclass(frozen=True)
class DatatypeGaps:
    """Range axioms and literals whose datatypes OWL 2 does not define.

    :param ranges: datatype IRI -> the properties whose rdfs:range it is.
    :param literals: datatype IRI -> how many literals of the data have it.
    """

    ranges: dict[str, tuple[str, ...]] = field(default_factory=dict)
    literals: dict[str, int] = field(default_factory=dict)

    def notes(self) -> list[str]:
        """One line per datatype: the ranges HermiT drops, the literals it reads as opaque."""
        lines = [
            f"range {_short(dt)} of {', '.join(_short(p) for p in props)} ignored by HermiT"
            for dt, props in sorted(self.ranges.items())
        ]
        lines += [
            f"{n} literal(s) of {_short(dt)} read as opaque values" for dt, n in sorted(self.literals.items())
        ]
        return lines


def datatype_gaps(ontology: Graph, data: Graph | Dataset) -> DatatypeGaps:
    """The ranges of the ontology and the literals of the data outside the OWL 2 datatype map."""
    ranges: defaultdict[str, set[str]] = defaultdict(set)
    for prop, datatype in ontology.subject_objects(RDFS.range):
        if isinstance(datatype, URIRef) and _is_datatype(datatype) and str(datatype) not in OWL2_DATATYPES:
            ranges[str(datatype)].add(str(prop))
    counts: Counter[str] = Counter()
    triples = data.quads((None, None, None, None)) if isinstance(data, Dataset) else data
    for triple in triples:
        value = triple[2]
        if (
            isinstance(value, Literal)
            and value.datatype is not None
            and str(value.datatype) not in OWL2_DATATYPES
        ):
            counts[str(value.datatype)] += 1
    return DatatypeGaps({dt: tuple(sorted(props)) for dt, props in ranges.items()}, dict(counts))


def _is_datatype(iri: URIRef) -> bool:
    """Whether an IRI names a datatype (of XSD or RDF) rather than a class."""
    return str(iri).startswith((str(XSD), str(RDF)))
