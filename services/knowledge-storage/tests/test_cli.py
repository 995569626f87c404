"""`logmesh cases ...` against the store the environment names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from knowledge_storage.cli import app


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, qdrant_location: str, tmp_path: Path) -> None:
    key = "LOGMESH_QDRANT_URL" if qdrant_location.startswith("http") else "LOGMESH_QDRANT_PATH"
    monkeypatch.setenv(key, qdrant_location)
    monkeypatch.setenv("LOGMESH_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LOGMESH_HASHING_DIM", "512")
    monkeypatch.setenv("LOGMESH_COLLECTION_PREFIX", "t_")
    monkeypatch.chdir(tmp_path)  # no .logmesh/endpoints.json of a running mesh here


def test_export_import_stats_delete(env: None, open_cases: Any, make: Any, tmp_path: Path) -> None:
    cases = open_cases()
    cases.ensure_schema()
    cases.store_result(make.result("c1"))
    cases.apply_feedback(make.verdict("c1"))
    cases.store_result(make.result("c2"))
    cases.store.close()
    runner = CliRunner()
    out = tmp_path / "cases.jsonl"

    exported = runner.invoke(app, ["export", "--out", str(out), "--json"])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output) == {"file": str(out), "cases": 2}

    stats = runner.invoke(app, ["stats", "--json"])
    assert json.loads(stats.output)["overall"]["validated"] == 1

    assert runner.invoke(app, ["delete", "c1", "--json"]).exit_code == 0
    assert runner.invoke(app, ["delete", "c1"]).exit_code == 1

    imported = runner.invoke(app, ["import", str(out), "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output) == {"cases": 2, "verdicts": 1, "skipped": 0}
    assert json.loads(runner.invoke(app, ["stats", "--json"]).output)["overall"]["validated"] == 1

    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    failed = runner.invoke(app, ["import", str(bad)])
    assert failed.exit_code == 2 and "line 1" in failed.output


def test_a_held_local_store_is_explained_and_a_running_mesh_is_asked_over_http(
        env: None, open_cases: Any, qdrant_location: str, tmp_path: Path) -> None:
    if qdrant_location.startswith("http"):
        pytest.skip("a Qdrant server is never held by one process")
    held = open_cases()  # what the running knowledge-storage does with the local directory
    try:
        result = CliRunner().invoke(app, ["stats"])
        assert result.exit_code == 2 and "held by a running knowledge-storage" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        # where `logmesh up` wrote its addresses, the command asks the running service instead
        (tmp_path / ".logmesh").mkdir()
        (tmp_path / ".logmesh" / "endpoints.json").write_text(json.dumps({"knowledge-storage": "http://127.0.0.1:1"}))
        asked = CliRunner().invoke(app, ["stats"])
        assert asked.exit_code == 1 and "cannot reach http://127.0.0.1:1/stats" in asked.output
    finally:
        held.store.close()
