"""HNSW for the embedded store, built off the request path and swapped in.

The engine's optimize() holds the GIL for the whole build (minutes at 200k points), so it runs
in a child process on a copy of the shard; writes made meanwhile are replayed onto the copy, and
the copy replaces the shard under the exclusive lock (the length of one shard load).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import qdrant_edge as qe

if TYPE_CHECKING:
    from app.kb.store.edge import EdgeStore

log = logging.getLogger(__name__)
STATE_FILE = "cryptorag-index.json"
# The child that builds the index; the folder of the copy is appended.
CHILD = [sys.executable, "-m", "app.kb.store.indexing"]


def _building(path: Path) -> Path:
    return path.with_name(path.name + ".indexing")


def _old(path: Path) -> Path:
    return path.with_name(path.name + ".old")


def recover(path: Path) -> None:
    """Finish or undo a swap that a crash interrupted; drop a half-built copy."""
    if not path.exists() and _old(path).exists():
        _old(path).rename(path)
    shutil.rmtree(_old(path), ignore_errors=True)
    shutil.rmtree(_building(path), ignore_errors=True)


def indexed_points(path: Path) -> int:
    """Points the last index build covered (0 when none ran)."""
    try:
        return int(json.loads((path / STATE_FILE).read_text())["indexed_points"])
    except (OSError, ValueError, KeyError):
        return 0


class Indexer:
    """Starts a build when the writes since the last one pass a threshold and go quiet."""

    def __init__(self, store: EdgeStore, threshold: int, quiet_s: float) -> None:
        self.store = store
        self.threshold = threshold
        self.quiet_s = quiet_s
        self.journal: list[qe.UpdateOperation] | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.thread: threading.Thread | None = None
        self.timer: threading.Timer | None = None
        self.stopping = False
        self.builds = 0
        self.last_build_s: float | None = None

    def unindexed(self) -> int:
        """Points written since the last build (re-written ones count once per write)."""
        return max(0, self.store.count() - indexed_points(self.store.path))

    def written(self, operation: qe.UpdateOperation) -> None:
        """Called under the store's write lock after every write."""
        if self.journal is not None:
            self.journal.append(operation)
        self.poke()

    def poke(self) -> None:
        """Check again once writes have been quiet for a while."""
        if self.stopping:
            return
        if self.timer is not None:
            self.timer.cancel()
        self.timer = threading.Timer(self.quiet_s, self._check)
        self.timer.daemon = True
        self.timer.start()

    def stats(self) -> dict[str, Any]:
        """Index state for `stats`."""
        return {
            "indexing": self.thread is not None and self.thread.is_alive(),
            "unindexed_points": self.unindexed(),
            "index_builds": self.builds,
            "last_index_build_s": self.last_build_s,
        }

    def stop(self) -> None:
        """Cancel a pending check and kill a running build (the copy is dropped)."""
        self.stopping = True
        if self.timer is not None:
            self.timer.cancel()
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
        if self.thread is not None:
            self.thread.join()

    def _check(self) -> None:
        if self.stopping or (self.thread is not None and self.thread.is_alive()):
            return
        if self.unindexed() < self.threshold:
            return
        self.thread = threading.Thread(target=self._build, name="edge-index", daemon=True)
        self.thread.start()

    def _build(self) -> None:
        store, path = self.store, self.store.path
        target = _building(path)
        start = time.perf_counter()
        try:
            with store.write_lock:
                shutil.rmtree(target, ignore_errors=True)
                store.flush()
                shutil.copytree(path, target)
                self.journal = []
                count = store.count()
            log.info("building the HNSW index over %d points in a child process", count)
            self.child = subprocess.Popen([*CHILD, str(target)])
            if self.child.wait() != 0 or self.stopping:
                raise RuntimeError(f"index build exited with {self.child.returncode}")
            with store.write_lock:
                built = qe.EdgeShard.load(str(target))
                for operation in self.journal:
                    built.update(operation)
                built.flush()
                built.close()
                (target / STATE_FILE).write_text(json.dumps({"indexed_points": count}))
                with store.lock.write():
                    store._shard.close()
                    path.rename(_old(path))
                    target.rename(path)
                    store.shard = qe.EdgeShard.load(str(path))
                self.journal = None
            shutil.rmtree(_old(path), ignore_errors=True)
            self.builds += 1
            self.last_build_s = round(time.perf_counter() - start, 1)
            log.info("HNSW index swapped in after %.1f s", self.last_build_s)
        except Exception:
            if not self.stopping:
                log.exception("index build failed; queries stay on the previous index")
            self.journal = None
            shutil.rmtree(target, ignore_errors=True)
        finally:
            self.child = None


def build(path: Path) -> None:
    """Run the engine's optimizers on a shard folder (in a child process)."""
    shard = qe.EdgeShard.load(str(path))
    shard.optimize()
    shard.flush()
    shard.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
