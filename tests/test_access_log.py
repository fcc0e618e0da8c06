"""api.access_log: one JSON line per request on standard error, once the server configured it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from api.access_log import query_hash

ROOT = Path(__file__).resolve().parents[1]
_SERVER = """
import logging
from api import access_log
access_log.configure()
logging.getLogger("clusterkg.access").info('{"method": "GET", "path": "/sparql"}')
logging.getLogger("clusterkg.access").debug("below the level: not written")
print(logging.logThreads, logging.logProcesses, logging.logMultiprocessing)
"""


def test_configure_writes_each_message_as_one_line_on_standard_error() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SERVER], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert [json.loads(line) for line in done.stderr.splitlines()] == [{"method": "GET", "path": "/sparql"}]
    # the names and ids of the thread and the process are not looked up for each record
    assert done.stdout.split() == ["False", "False", "False"]


def test_a_query_hash_is_short_stable_and_not_the_text() -> None:
    assert query_hash("SELECT * { ?s ?p ?o }") == query_hash("SELECT * { ?s ?p ?o }")
    assert query_hash("SELECT * { ?s ?p ?o }") != query_hash("SELECT * { ?s ?p ?o . }")
    assert len(query_hash("x")) == 16
