"""`cryptorag dataset build` and `cryptorag dataset stats`, run as a user would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from datasets import load_dataset

from tests.conftest import DEV_EVAL
from tests.support.cli import run_cli as _run

pytestmark = pytest.mark.integration


def test_build_and_stats_on_the_sample_corpus(tmp_path: Path, sample_data: Path) -> None:
    data, out = tmp_path / "data", tmp_path / "ds"
    shutil.copytree(sample_data, data)  # the sample corpus, ingested once per run
    torch = {"CRYPTORAG_EMBEDDING_BACKEND": "torch"}  # the vectors sample_data was built with
    evals = DEV_EVAL / "questions.jsonl"
    args = ["dataset", "build", "--out", str(out), "-g", "templates", "-g", "rag=20"]
    args += ["-g", "feedback", "--exclude-questions", str(evals), "--seed", "7"]
    for fmt in ("alpaca", "sharegpt", "openai", "preference"):
        args += ["--format", fmt]
    built = _run(args, data, **torch)
    assert built.returncode == 0, built.stderr
    assert "wrote" in built.stdout and "evaluation_question" in built.stdout
    info = json.loads((out / "dataset_info.json").read_text("utf-8"))
    assert set(info) == {
        f"cryptorag_{f}_{s}"
        for f in ("alpaca", "sharegpt", "openai", "preference")
        for s in ("train", "validation")
    }
    for entry in info.values():
        path = out / entry["file_name"]
        if path.read_text("utf-8").strip() not in ("", "[]"):
            ds = load_dataset("json", data_files=str(path), split="train", cache_dir=str(tmp_path))
            assert ds.num_rows > 0
    stats = _run(["dataset", "stats", str(out), "--json"], data)
    assert stats.returncode == 0, stats.stderr
    s = json.loads(stats.stdout)
    assert s["by_generator"]["rag"]["train"] + s["by_generator"]["rag"].get("validation", 0) == 20
    assert s["seed"] == 7 and "--exclude-questions" in s["command"]
    card = _run(["dataset", "stats", str(out)], data).stdout
    assert card == (out / "README.md").read_text("utf-8") + "\n"


def test_clear_errors(tmp_path: Path) -> None:
    llm = _run(["dataset", "build", "--out", str(tmp_path / "x"), "-g", "llm"], tmp_path)
    assert llm.returncode == 2 and "CRYPTORAG_LLM_BASE_URL" in llm.stderr
    bad = _run(["dataset", "build", "--out", str(tmp_path / "x"), "-g", "poems"], tmp_path)
    assert bad.returncode == 2 and "unknown generator 'poems'" in bad.stderr
    missing = _run(["dataset", "stats", str(tmp_path / "nothing")], tmp_path)
    assert missing.returncode == 2 and "not a dataset folder" in missing.stderr
    for result in (llm, bad, missing):
        assert "Traceback" not in result.stderr
