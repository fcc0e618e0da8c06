"""The core package's own SPARQL, one ``.rq`` file per query, read on demand.

>>> "SELECT" in load("stats-graphs")
True
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


@cache
def load(name: str) -> str:
    """The text of ``kg/rq/<name>.rq``."""
    return (HERE / f"{name}.rq").read_text(encoding="utf-8")
