"""api.main: the app of a served process, configured from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_SERVED = """
import gc
from api.main import app_from_env
before = gc.get_freeze_count()
app = app_from_env()
print(before, gc.get_freeze_count(), type(app).__name__, app.state.settings.store)
"""


def test_the_served_app_sets_what_it_was_made_of_beyond_the_collector(tmp_path: Path) -> None:
    """The objects of imports and the app live as long as the server: frozen (``gc.freeze``), a
    full collection does not walk them on a request's time."""
    env = {**os.environ, "CLUSTERKG_STORE": str(tmp_path / "store")}
    done = subprocess.run(
        [sys.executable, "-c", _SERVED], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    before, after, kind, store = done.stdout.split()
    assert int(before) == 0
    assert int(after) > 50_000  # modules, the app, its routes and models
    assert kind == "ExpressApp"
    assert store == str(tmp_path / "store")
