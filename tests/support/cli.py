"""The installed `cryptorag` command, run in a subprocess as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "cryptorag"


def cli_env(data: Path, **extra: str) -> dict[str, str]:
    """This environment with the data dir set, the model hub offline, and `extra` on top."""
    return {**os.environ, "CRYPTORAG_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1", **extra}


def run_cli(
    args: list[str], data: Path, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess[str]:
    """`cryptorag ARGS` on the data dir; its status and output (the timeout is a backstop
    against a hang, not a deadline the command is expected to meet)."""
    return subprocess.run(
        [str(BIN), *args], env=cli_env(data, **env), capture_output=True, text=True, timeout=timeout
    )
