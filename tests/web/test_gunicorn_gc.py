"""gunicorn.conf.py freezes what a worker has loaded before it serves (issue 19): a full
garbage collection no longer walks the app's ~175,000 long-lived objects (85-110 ms, GIL held)."""

from __future__ import annotations

import gc
import os
import runpy
from pathlib import Path
from unittest import mock

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


class Worker:
    pass


def test_a_worker_freezes_what_it_loaded_before_serving(app):
    with mock.patch.dict(os.environ):  # the file sets TALON_DESK_WORKERS for gunicorn's workers
        hook = runpy.run_path(str(CONF))["post_worker_init"]
    assert gc.get_freeze_count() == 0
    try:
        hook(Worker())
        frozen = gc.get_freeze_count()
        assert frozen > 50_000  # the app and everything imported (this test process's too)
        # what a full collection walks: the generations, the frozen objects left out
        assert len(gc.get_objects()) < frozen / 10
    finally:
        gc.unfreeze()
    # and garbage made afterwards is still collected
    class Node:
        pass
    try:
        hook(Worker())
        cycle = Node()
        cycle.me = cycle
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
