"""Evaluation over the golden set: category accuracy, root-cause fact recall, latency, cost.

Every run also scores a naive peer in the same run — the category implied by the alert name or
cluster event reason alone — so the report carries a ratio, not only an absolute number.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from llm_analysis.analyzer import ProgressStream, analyse_with_llm
from llm_analysis.domain import assemble, deterministic_result, run_diagnosis
from llm_analysis.golden import GoldenCase
from llm_analysis.ports import LlmClient
from llm_analysis.rules import CLUSTER_REASONS, category_from_alertname
from llm_analysis.settings import LlmAnalysisSettings
from logmesh_contracts import AnalysisResult, utcnow

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def fact_found(fact: str, text: str) -> bool:
    """A fact counts when every word of it starts a word of the analysis text (order- and case-free)."""
    wanted = _words(fact)
    have = _words(text)
    return bool(wanted) and all(any(h.startswith(w) for h in have) for w in wanted)


def analysis_text(result: AnalysisResult) -> str:
    return " ".join([result.root_cause, *result.diagnosis, *result.actions, *(c.excerpt for c in result.evidence)])


def must_not_violations(must_not: list[str], result: AnalysisResult) -> list[str]:
    """Forbidden strings (case-insensitive) anywhere in the published result."""
    text = result.model_dump_json().lower()
    return [m for m in must_not if m.lower() in text]


def naive_category(case: GoldenCase) -> str:
    """The peer: the alert name or cluster reason alone, no evidence."""
    incident = case.incident
    reason = incident.labels.get("event.reason")
    return (category_from_alertname(incident.alertname) or
            (CLUSTER_REASONS[reason][0] if reason in CLUSTER_REASONS else None) or "unknown")


async def _noop(_event: Any) -> None:
    return None


async def analyse_case(case: GoldenCase, llm: LlmClient | None, settings: LlmAnalysisSettings) -> AnalysisResult:
    started = time.perf_counter()
    ctx = assemble(case.incident, case.parts)
    diagnosis = run_diagnosis(ctx)
    latencies = {"diagnosis": (time.perf_counter() - started) * 1000}
    if llm is None:
        latencies["total"] = (time.perf_counter() - started) * 1000
        return deterministic_result(ctx, diagnosis, utcnow(), latencies=latencies)
    progress = ProgressStream(case.incident.incident_id, _noop, 0, 10_000)
    return await analyse_with_llm(ctx, diagnosis, llm, settings, settings.must_redact(), progress, latencies, started)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 3)


def llm_outcome(result: AnalysisResult) -> str | None:
    """What became of the model's answer: accepted, or why the deterministic floor stood."""
    if result.model is None and result.prompt_tokens == 0:
        return None  # no model was asked
    if result.status == "complete":
        return "accepted"
    note = next((d for d in reversed(result.diagnosis)
                 if d.startswith(("model answer not used", "LLM output rejected", "LLM unavailable"))), "")
    if note.startswith("model answer not used"):
        return "floor:weaker-than-rules"
    if note.startswith("LLM output rejected"):
        return "floor:invalid-output"
    return "floor:unavailable"


async def evaluate(cases: list[GoldenCase], llm: LlmClient | None, settings: LlmAnalysisSettings,
                   tier: str, on_row: Callable[[int, dict[str, Any]], None] | None = None) -> dict[str, Any]:
    rows = []
    for case in cases:
        t0 = time.perf_counter()
        result = await analyse_case(case, llm, settings)
        elapsed = (time.perf_counter() - t0) * 1000
        text = analysis_text(result)
        found = [f for f in case.facts if fact_found(f, text)]
        violations = must_not_violations(case.must_not, result)
        alert_only = run_diagnosis(assemble(case.incident, [])).category  # the same rules without any evidence
        rows.append({
            "id": case.id, "source": case.source, "difficulty": case.difficulty,
            "expected": case.category, "got": result.category, "correct": result.category == case.category,
            "naive": naive_category(case), "alert_only": alert_only, "facts": len(case.facts), "facts_found": len(found),
            "missing_facts": [f for f in case.facts if f not in found],
            "must_not": len(case.must_not), "must_not_violations": violations, "confidence": result.confidence,
            "status": result.status, "model": result.model, "latency_ms": round(elapsed, 3),
            "prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
            "cost_usd": result.cost_usd, "llm_outcome": llm_outcome(result),
            "fallback_reason": next((d for d in reversed(result.diagnosis) if d.startswith(
                ("model answer not used", "LLM output rejected", "LLM unavailable"))), None),
        })
        if on_row:
            on_row(len(rows), rows[-1])
    return summarise(rows, tier)


def summarise(rows: list[dict[str, Any]], tier: str) -> dict[str, Any]:
    n = len(rows)
    correct = sum(r["correct"] for r in rows)
    naive_correct = sum(r["naive"] == r["expected"] for r in rows)
    facts = sum(r["facts"] for r in rows)
    found = sum(r["facts_found"] for r in rows)
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "correct": 0})
    by_difficulty: dict[str, dict[str, int]] = defaultdict(lambda: {"n": 0, "correct": 0})
    for r in rows:
        by_category[r["expected"]]["n"] += 1
        by_category[r["expected"]]["correct"] += int(r["correct"])
        by_difficulty[r["difficulty"]]["n"] += 1
        by_difficulty[r["difficulty"]]["correct"] += int(r["correct"])
    latencies = [r["latency_ms"] for r in rows]
    accuracy = correct / n if n else 0.0
    naive = naive_correct / n if n else 0.0
    return {
        "tier": tier,
        "cases": n,
        "category_accuracy": round(accuracy, 4),
        "root_cause_fact_recall": round(found / facts, 4) if facts else None,
        "naive_alertname_accuracy": round(naive, 4),
        # the rules given the alert alone, and how often the evidence changed their answer
        "alert_only_accuracy": round(sum(r.get("alert_only") == r["expected"] for r in rows) / n, 4) if n else 0.0,
        "evidence_changed_answer": sum(r.get("alert_only") != r["got"] for r in rows),
        "accuracy_ratio_vs_naive": round(accuracy / naive, 3) if naive else None,
        "latency_ms": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95),
                       "mean": round(statistics.fmean(latencies), 3) if latencies else 0.0},
        "tokens": {"prompt": sum(r["prompt_tokens"] for r in rows),
                   "completion": sum(r["completion_tokens"] for r in rows)},
        "cost_usd": round(sum(r["cost_usd"] for r in rows), 6),
        "degraded": sum(r["status"] == "degraded" for r in rows),
        "llm_outcomes": dict(sorted(Counter(r["llm_outcome"] for r in rows if r.get("llm_outcome")).items())),
        "must_not_checks": sum(r.get("must_not", 0) for r in rows),
        "must_not_violations": sum(len(r.get("must_not_violations", [])) for r in rows),
        "by_category": {k: dict(v) for k, v in sorted(by_category.items())},
        "by_difficulty": {k: dict(v) for k, v in sorted(by_difficulty.items())},
        "failures": [{"id": r["id"], "expected": r["expected"], "got": r["got"]} for r in rows if not r["correct"]],
        "rows": rows,
    }


def render_table(report: dict[str, Any]) -> str:
    lines = [
        f"tier: {report['tier']}   cases: {report['cases']}",
        f"category accuracy      {report['category_accuracy']:.1%}   (naive alert-name peer "
        f"{report['naive_alertname_accuracy']:.1%}, ratio {report['accuracy_ratio_vs_naive']})",
        f"rules on the alert alone {report.get('alert_only_accuracy', 0):.1%}   evidence changed "
        f"{report.get('evidence_changed_answer', 0)} answer(s)",
        f"root-cause fact recall {report['root_cause_fact_recall'] if report['root_cause_fact_recall'] is None else format(report['root_cause_fact_recall'], '.1%')}",
        f"latency ms             p50 {report['latency_ms']['p50']}  p95 {report['latency_ms']['p95']}",
        f"tokens                 prompt {report['tokens']['prompt']}  completion {report['tokens']['completion']}",
        f"cost                   ${report['cost_usd']:.6f}   degraded {report['degraded']}",
        f"must-not violations    {report['must_not_violations']} of {report['must_not_checks']} checks",
        "",
        f"{'category':<18} {'n':>3} {'correct':>8}",
    ]
    for category, counts in report["by_category"].items():
        lines.append(f"{category:<18} {counts['n']:>3} {counts['correct']:>8}")
    if report["failures"]:
        lines.append("")
        lines.append("misses: " + ", ".join(f"{f['id']} ({f['expected']} -> {f['got']})" for f in report["failures"]))
    return "\n".join(lines)
