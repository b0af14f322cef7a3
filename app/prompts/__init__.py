"""The prompt templates, shipped inside the package so that an installed wheel has them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# A regular package on disk (wheel or checkout): its folder, as the Path the settings take.
FOLDER = Path(str(files(__name__)))
