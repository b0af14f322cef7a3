"""Folders built once per test run, however many pytest-xdist workers ask for them.

Each xdist worker has session fixtures of its own; an expensive folder (an ingested store) is
built by the first worker that asks, under a file lock, and the others wait for it and use the
same folder (the xdist docs' recipe). Nobody writes into it: tests and workers copy it. Without
xdist it is an ordinary folder of the session's temporary directory.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from filelock import FileLock

_BUILT = ".built"  # written last: a folder without it is the leftover of a failed build


def run_root(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder of the whole run: the workers' common parent under xdist."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> Path:
    """The folder `name` of this run, built by `build(folder)` in the first worker that asks."""
    folder = run_root(factory) / name
    with FileLock(f"{folder}.lock"):
        if not (folder / _BUILT).exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / _BUILT).touch()
    return folder


@contextmanager
def outside_tests(folder: Path) -> Iterator[None]:
    """No CRYPTORAG_* variable and `folder` as working directory: settings read here see no
    developer's environment or .env (session fixtures run before a test's own isolation)."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("CRYPTORAG_"):
                mp.delenv(key)
        mp.chdir(folder)
        yield
