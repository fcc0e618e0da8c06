"""Shared fixtures: the founding case loaded into an in-memory Oxigraph store, with inferences."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.namespaces import ONTOLOGY_GRAPH
from kg.sources import SourceSet, founding_case_files, load_sources
from kg.store import load_dataset, load_graph

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"


def make_store(sources: SourceSet, *, materialise: bool = True) -> ox.Store:
    """An in-memory store holding the ontology and the dataset, with OWL 2 RL inferences."""
    from kg.reasoning import rl

    store = ox.Store()
    load_graph(store, sources.ontology, str(ONTOLOGY_GRAPH))
    load_dataset(store, sources.dataset)
    if materialise:
        rl.materialise(store)
    return store


@pytest.fixture(scope="session")
def biomed_sources() -> SourceSet:
    """The founding case's sources (ontology + kg/data/biomed)."""
    return load_sources(founding_case_files())


@pytest.fixture(scope="session")
def biomed_store(biomed_sources: SourceSet) -> ox.Store:
    """The founding case in an in-memory Oxigraph store, inferences materialised."""
    return make_store(biomed_sources)
