"""One command for a synthetic multi-cluster case: generate it beside the store, build the store with it.

``clusterkg generate --scale N --load`` writes ``synthetic-<N>-<seed>.trig`` in the folder of
the store and builds the store from the founding case plus that file (:func:`kg.build.build`):

- up to :data:`FULL_MAX` triples the synthetic file goes through the whole build like any data
  (provenance, SHACL, OWL 2 RL, QC checks), and through the OWL DL check (HermiT) up to
  :data:`DL_MAX` triples: HermiT takes minutes beyond;
- above :data:`FULL_MAX` the build's SHACL validation (which grows faster than linearly: about
  10 s at 10k, 20-40 s at 20k triples on a shared machine) would take hours at 1M: the shapes
  then validate the founding case and a sample, the first graphs of the same seeded stream
  (the shared vocabulary and the first clusters, about :data:`SAMPLE` triples, byte-identical
  to the start of the file); the whole file is bulk-loaded into the store, reasoned over and
  QC-checked; the OWL DL check is skipped.

What was skipped is said on the terminal and in the result.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from kg import validation
from kg.build import BuildResult, build
from kg.generate.model import units
from kg.generate.output import Written, generate_file, terminal_progress, write
from kg.generate.vocabulary import DEFAULT_SEED, Unit
from kg.progress import Progress
from kg.settings import Settings
from kg.sources import founding_case_files, load_sources

FULL_MAX = 10_000
"""Largest synthetic file that goes through the whole build (SHACL included)."""
DL_MAX = 5_000
"""Largest synthetic file the OWL DL check (HermiT) reads."""
SAMPLE = 8_000
"""About how many triples of a larger file the SHACL shapes validate (its first graphs)."""


@dataclass(frozen=True)
class Loaded:
    """What ``generate --load`` made: the file, what it holds, the build, and what was checked."""

    data: Path
    written: Written
    build: BuildResult
    shacl: str
    """``all`` or ``a sample of N triples``."""


def data_path(store: Path, scale: int, seed: int) -> Path:
    """Where the synthetic file goes: beside the store directory.

    >>> data_path(Path("/srv/kg/store"), 20_000, 7)
    PosixPath('/srv/kg/synthetic-20000-7.trig')
    """
    return store.resolve().parent / f"synthetic-{scale}-{seed}.trig"


def validate_sample(scale: int, seed: int, size: int = SAMPLE) -> int:
    """Validate the first graphs of the stream (about ``size`` triples) with the founding case.

    :returns: the number of synthetic triples validated.
    :raises ValidationFailed: when the shapes find a violation.
    """
    picked: list[Unit] = []
    total = 0
    for unit in units(scale, seed=seed):  # a generator: only the first units are made
        if picked and total + len(unit.triples) > size:
            break
        picked.append(unit)
        total += len(unit.triples)
    with tempfile.TemporaryDirectory(prefix="clusterkg-sample-") as folder:
        path = Path(folder) / "synthetic-sample.trig"
        with path.open("wb") as out:
            written = write(picked, out, "trig")
        sources = load_sources([*founding_case_files(), path])
        validation.validate(sources.dataset, ontology=sources.ontology).raise_if_invalid()
    return written.triples


def generate_and_build(
    settings: Settings,
    scale: int,
    *,
    seed: int = DEFAULT_SEED,
    progress: Progress,
    console: Console | None = None,
    full_max: int = FULL_MAX,
    dl_max: int = DL_MAX,
    sample: int = SAMPLE,
) -> Loaded:
    """Generate about ``scale`` triples beside ``settings.store`` and build the store with them.

    :raises KgError: (a subclass naming the problem) when generating or any build step fails;
        the existing store is then untouched.
    """
    data = data_path(settings.store, scale, seed)
    with terminal_progress(scale, console) as report:
        written = generate_file(data, scale, seed=seed, progress=report)
    progress.note(f"wrote {written.triples} synthetic triples in {written.graphs} graphs to {data}")
    if written.triples <= full_max:
        skip_dl = settings.skip_dl or written.triples > dl_max
        if skip_dl and not settings.skip_dl:
            progress.note(f"skipping the OWL DL check: HermiT is too slow above {dl_max} triples")
        result = build(settings.model_copy(update={"skip_dl": skip_dl}), extra=[data], progress=progress)
        return Loaded(data, written, result, "all")
    with progress.step(f"Validating the founding case and the first ~{sample} synthetic triples (SHACL)"):
        checked = validate_sample(scale, seed, sample)
    progress.note(
        f"above {full_max} triples the shapes validate a sample ({checked} triples, the first graphs); "
        "the whole file is bulk-loaded, reasoned over and QC-checked; OWL DL check skipped"
    )
    result = build(settings.model_copy(update={"skip_dl": True}), bulk=[data], progress=progress)
    return Loaded(data, written, result, f"a sample of {checked} triples")
