"""The sample corpus, shipped inside the package so that `serve --seed-sample` works installed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# A regular package on disk (wheel or checkout): the corpus folder, as the Path ingest takes.
CORPUS = Path(str(files(__name__))) / "corpus"
