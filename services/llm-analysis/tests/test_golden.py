"""The golden set and `logmesh eval` on the deterministic tier."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from llm_analysis.cli import eval_command
from llm_analysis.golden import bundled, load_paths

REPO = Path(__file__).resolve().parents[3]


def test_golden_set_is_large_and_covers_every_category() -> None:
    cases = bundled()
    assert len(cases) >= 40
    assert len({c.id for c in cases}) == len(cases)
    from logmesh_contracts import CATEGORIES

    assert {c.category for c in cases} == set(CATEGORIES)
    assert any(c.source == "GoldenLogSample" for c in cases)


def test_golden_log_samples_from_the_crd_examples_load() -> None:
    examples = REPO / "deploy" / "crds" / "examples.yaml"
    if not examples.exists():
        return
    cases = [c for c in load_paths([examples]) if c.source == "GoldenLogSample"]
    assert cases and all(c.parts and c.parts[0].items for c in cases)


def test_logmesh_eval_reports_the_deterministic_tier(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(eval_command)
    out = tmp_path / "llm-eval.json"
    result = CliRunner().invoke(app, ["--json", "--deterministic", "--output", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    (tier,) = report["tiers"]
    assert tier["tier"] == "deterministic" and tier["cases"] >= 40
    assert tier["category_accuracy"] >= 0.9
    assert tier["root_cause_fact_recall"] >= 0.8
    assert tier["category_accuracy"] > tier["naive_alertname_accuracy"]
    assert json.loads(out.read_text())["tiers"][0]["category_accuracy"] == tier["category_accuracy"]


def test_the_blind_set_meets_the_issue_targets_and_never_leaks() -> None:
    """The blind set (written before the rules changed): category >= .90, facts >= .80, no must-not violation."""
    blind = Path(__file__).resolve().parents[1] / "src" / "llm_analysis" / "golden" / "blind"
    cases = load_paths([blind])
    assert len(cases) >= 40 and sum(bool(c.must_not) for c in cases) >= 5
    assert not {c.id for c in cases} & {c.id for c in bundled()}  # a separate set, not loaded with the bundled one
    app = typer.Typer()
    app.command()(eval_command)
    result = CliRunner().invoke(app, ["--json", "--deterministic", "--golden", str(blind)])
    assert result.exit_code == 0, result.output
    (tier,) = json.loads(result.stdout)["tiers"]
    assert tier["category_accuracy"] >= 0.9 and tier["root_cause_fact_recall"] >= 0.8
    assert tier["must_not_checks"] >= 5 and tier["must_not_violations"] == 0
    assert tier["category_accuracy"] > tier["naive_alertname_accuracy"]
