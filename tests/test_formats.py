"""The format table (kg/formats.py) agrees with pyoxigraph and rdflib, and its views stay consistent."""

from __future__ import annotations

import io

import pyoxigraph as ox
import pytest
import rdflib

from kg import formats
from kg.formats import FORMATS, GENERIC_EXTENSIONS, GENERIC_MEDIA_TYPES, RDF_FORMATS, RESULT_FORMATS, Format

NT = b'<http://example.org/s> <http://example.org/p> "o" .\n'
SELECT = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"1"}}]}}'


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.name)
def test_each_format_agrees_with_pyoxigraph(fmt: Format) -> None:
    assert fmt.media_type == fmt.oxigraph.media_type.split(";")[0]
    assert fmt.extensions[0] == "." + fmt.oxigraph.file_extension
    if fmt.name != "jsonld":  # pyoxigraph gives JSON-LD an IRI under .../formats/data/
        assert fmt.iri == fmt.oxigraph.iri
    if isinstance(fmt.oxigraph, ox.RdfFormat):
        assert fmt.oxigraph.supports_datasets == (fmt.kind == "dataset")
        for media_type in fmt.media_types:
            assert ox.RdfFormat.from_media_type(media_type) == fmt.oxigraph, media_type
        for extension in fmt.extensions:
            assert ox.RdfFormat.from_extension(extension[1:]) == fmt.oxigraph, extension


@pytest.mark.parametrize("fmt", RDF_FORMATS.values(), ids=lambda f: f.name)
def test_rdflib_reads_what_pyoxigraph_writes_under_the_rdflib_name(fmt: Format) -> None:
    written = ox.serialize(ox.parse(NT, ox.RdfFormat.N_TRIPLES), format=fmt.rdf)
    assert written is not None
    graph = rdflib.Dataset() if fmt.kind == "dataset" else rdflib.Graph()
    graph.parse(data=written, format=fmt.rdflib)
    assert {str(o) for o in graph.objects()} == {"o"}


@pytest.mark.parametrize("fmt", RESULT_FORMATS.values(), ids=lambda f: f.name)
def test_rdflib_reads_results_under_the_rdflib_name(fmt: Format) -> None:
    parsed = ox.parse_query_results(SELECT, ox.QueryResultsFormat.JSON)
    assert isinstance(parsed, ox.QuerySolutions)
    written = parsed.serialize(format=fmt.results)
    assert written is not None
    result = rdflib.query.Result.parse(source=io.BytesIO(written), format=fmt.rdflib)
    assert [str(row[0]) for row in result] == ["1"]


@pytest.mark.parametrize("family", [RESULT_FORMATS, RDF_FORMATS], ids=["results", "rdf"])
def test_names_and_media_types_are_unambiguous_within_a_family(family: dict[str, Format]) -> None:
    names = [name for f in family.values() for name in f.names]
    media_types = [m for f in family.values() for m in f.media_types]
    extensions = [e for f in family.values() for e in f.extensions]
    assert len(names) == len(set(names))
    assert len(media_types) == len(set(media_types))
    assert len(extensions) == len(set(extensions))
    assert all(name == name.lower() for name in names)


def test_generic_types_answer_but_are_never_read() -> None:
    for media_type in GENERIC_MEDIA_TYPES:
        assert formats.readable(media_type) is None
        assert media_type not in formats.readable_types()
        assert formats.by_media_type(media_type, RDF_FORMATS) or formats.by_media_type(
            media_type, RESULT_FORMATS
        )
    for extension in GENERIC_EXTENSIONS:
        assert formats.by_extension(extension) is None
        assert formats.by_extension(extension, generic=True) is not None


def test_every_specific_media_type_of_an_rdf_format_is_readable() -> None:
    for fmt in RDF_FORMATS.values():
        for media_type in fmt.media_types:
            if media_type not in GENERIC_MEDIA_TYPES:
                assert formats.readable(media_type) == fmt


def test_lookups_refuse_what_is_not_in_the_family() -> None:
    with pytest.raises(ValueError, match="unknown results format 'turtle'"):
        formats.results_format("turtle")
    with pytest.raises(ValueError, match="unknown RDF format 'xml'"):
        formats.rdf_format("xml")
    with pytest.raises(ValueError, match="not an RDF format"):
        _ = formats.get("csv").rdf
    with pytest.raises(ValueError, match="unknown format"):
        formats.get("html")
