"""Similar-case retrieval benchmark for knowledge-storage.

Loads the labelled set (services/knowledge-storage/bench_data/incident_pairs.jsonl: past cases,
new incidents paired with a case of the same root cause, distractors), stores every case in a
local-mode Qdrant through the service's own CaseBase, validates them, and asks for similar
cases for every new incident exactly as the service does on incidents.opened.

Reports, per embedding option (hashing = default; MiniLM when the 'semantic' extra is installed;
a naive alert-name baseline as the peer):
  recall@5       share of incidents with a case of the same root cause among the top 5
  pair_recall@5  share of incidents whose own paired case is among the top 5
  precision@5    share of the top 5 with the same root cause
  mrr            mean reciprocal rank of the first same-root-cause case
  served_*       the same with the service's threshold applied (what llm-analysis receives),
                 and wrong_served: share of served cases with another root cause
  latency        per lookup (embed + Qdrant query + past-feedback scan), p50/p95 ms

    .venv/bin/python bench/knowledge_retrieval.py [--threshold 0.75] [--out bench/results/knowledge-retrieval.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from knowledge_storage.adapters.embedders import HashingEmbedder
from knowledge_storage.adapters.qdrant import QdrantCaseStore
from knowledge_storage.cases import CaseBase
from logmesh_contracts import AnalysisResult, Citation, Feedback, Incident, K8sRef

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "services/knowledge-storage/bench_data/incident_pairs.jsonl"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
K = 5


def load() -> tuple[list[dict], list[dict]]:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    return [r for r in rows if r["type"] in ("case", "distractor")], [r for r in rows if r["type"] == "query"]


def as_result(row: dict, i: int) -> AnalysisResult:
    return AnalysisResult(
        event_id=f"r-{row['incident_id']}", incident_id=row["incident_id"], completed_at=NOW - timedelta(hours=i),
        title=row["title"], severity=row["severity"], target=K8sRef(namespace=row["namespace"], service=row["service"]),
        alertname=row["alertname"], category=row["category"], root_cause=row["root_cause"], confidence=0.8,
        evidence=[Citation(ref=f"log:{n}", excerpt=e) for n, e in enumerate(row["evidence"])], model="bench-model",
    )


def as_incident(row: dict) -> Incident:
    return Incident(
        event_id=f"o-{row['incident_id']}", incident_id=row["incident_id"], opened_at=NOW, source="alert",
        title=row["title"], severity=row["severity"], category_hint=row["category_hint"],
        target=K8sRef(namespace=row["namespace"], service=row["service"]), window_start=NOW, window_end=NOW,
        alertname=row["alertname"], evidence_deadline=NOW + timedelta(seconds=10),
    )


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def score(queries: list[dict], family: dict[str, str], ranked: dict[str, list[tuple[str, float]]],
          threshold: float | None) -> dict[str, float]:
    recall = pair = precision = rr = served_recall = wrong = served_total = 0.0
    for q in queries:
        ids = [i for i, _ in ranked[q["incident_id"]][:K]]
        same = [family[i] == q["family"] for i in ids]
        recall += any(same)
        pair += q["pair"] in ids
        precision += sum(same) / K
        rr += next((1 / (n + 1) for n, s in enumerate(same) if s), 0.0)
        if threshold is not None:
            served = [(i, s) for i, s in ranked[q["incident_id"]][:K] if s >= threshold]
            served_recall += any(family[i] == q["family"] for i, _ in served)
            wrong += sum(family[i] != q["family"] for i, _ in served)
            served_total += len(served)
    n = len(queries)
    out = {"recall@5": recall / n, "pair_recall@5": pair / n, "precision@5": precision / n, "mrr": rr / n}
    if threshold is not None:
        out.update({"threshold": threshold, "served_recall@5": served_recall / n,
                    "served_per_incident": served_total / n,
                    "wrong_served": (wrong / served_total) if served_total else 0.0})
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


def run_embedder(name: str, embedder: Any, cases: list[dict], queries: list[dict], threshold: float) -> dict:
    family = {c["incident_id"]: c["family"] for c in cases}
    with tempfile.TemporaryDirectory() as tmp:
        store = QdrantCaseStore(str(Path(tmp) / "qdrant"), prefix="", embedding_model=embedder.model_id,
                                dim=embedder.dim)
        base = CaseBase(store, embedder)
        base.ensure_schema()
        started = time.perf_counter()
        for i, row in enumerate(cases):
            base.store_result(as_result(row, i))
            base.apply_feedback(Feedback(event_id=f"f-{row['incident_id']}", incident_id=row["incident_id"],
                                         verdict="correct", given_by="bench", given_at=NOW, channel="http"))
        store_s = time.perf_counter() - started
        incidents = [as_incident(q) for q in queries]
        base.similar(incidents[0], top_n=K, threshold=-1.0, same_namespace=False, feedback_items=3)  # warm-up
        ranked: dict[str, list[tuple[str, float]]] = {}
        latencies: list[float] = []
        embed_latencies: list[float] = []
        for incident in incidents:
            t0 = time.perf_counter()
            hits, _ = base.similar(incident, top_n=K, threshold=-1.0, same_namespace=False, feedback_items=3)
            latencies.append((time.perf_counter() - t0) * 1000)
            ranked[incident.incident_id] = [(h.payload["incident_id"], h.score) for h in hits]
            t1 = time.perf_counter()
            embedder.embed([incident.title])
            embed_latencies.append((time.perf_counter() - t1) * 1000)
        store.close()
    top1_same = [r[0][1] for q in queries if (r := ranked[q["incident_id"]]) and family[r[0][0]] == q["family"]]
    top1_other = [r[0][1] for q in queries if (r := ranked[q["incident_id"]]) and family[r[0][0]] != q["family"]]
    result = {
        "embedding_model": embedder.model_id,
        **score(queries, family, ranked, threshold),
        "latency_ms": {"p50": round(statistics.median(latencies), 2), "p95": round(pct(latencies, 0.95), 2),
                       "embed_p50": round(statistics.median(embed_latencies), 2)},
        "store_s_per_case": round(store_s / len(cases), 4),
        "top1_score_same_root_cause_mean": round(statistics.mean(top1_same), 3) if top1_same else None,
        "top1_score_other_root_cause_mean": round(statistics.mean(top1_other), 3) if top1_other else None,
    }
    # the threshold that keeps recall while serving little else: the sweep tells how scores are spread
    result["threshold_sweep"] = {
        f"{t:.2f}": {k: v for k, v in score(queries, family, ranked, t).items()
                     if k in ("served_recall@5", "served_per_incident", "wrong_served")}
        for t in (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
    }
    print(f"{name:<10} recall@5={result['recall@5']:.3f} pair={result['pair_recall@5']:.3f} "
          f"p@5={result['precision@5']:.3f} served@{threshold}={result['served_recall@5']:.3f} "
          f"wrong={result['wrong_served']:.3f} p50={result['latency_ms']['p50']}ms", flush=True)
    return result


def latency_at_scale(embedder: Any, cases: list[dict], queries: list[dict], size: int) -> dict:
    """Lookup latency with ``size`` validated cases in local-mode Qdrant (the dataset's cases, repeated
    with new ids), which is what bounds how large a local case base may grow."""
    from knowledge_storage import domain

    with tempfile.TemporaryDirectory() as tmp:
        store = QdrantCaseStore(str(Path(tmp) / "qdrant"), prefix="", embedding_model=embedder.model_id,
                                dim=embedder.dim)
        base = CaseBase(store, embedder)
        base.ensure_schema()
        started = time.perf_counter()
        for start in range(0, size, 256):
            rows = []
            for n in range(start, min(size, start + 256)):
                row = dict(cases[n % len(cases)], incident_id=f"scale-{n}")
                result = as_result(row, n)
                text = domain.case_text(result)
                payload = {**domain.case_payload(result, text, embedder.model_id, NOW), "validation": domain.VALIDATED}
                rows.append((row["incident_id"], text, payload))
            vectors = embedder.embed([t for _, t, _ in rows])
            store.upsert_cases([(i, v, p) for (i, _, p), v in zip(rows, vectors, strict=True)])
        load_s = time.perf_counter() - started
        latencies = []
        for q in queries[:40]:
            t0 = time.perf_counter()
            base.similar(as_incident(q), top_n=K, threshold=0.75, same_namespace=False, feedback_items=3)
            latencies.append((time.perf_counter() - t0) * 1000)
        store.close()
    out = {"cases": size, "load_s": round(load_s, 1), "p50_ms": round(statistics.median(latencies), 1),
           "p95_ms": round(pct(latencies, 0.95), 1)}
    print(f"scale      {size} cases: lookup p50={out['p50_ms']}ms p95={out['p95_ms']}ms", flush=True)
    return out


def alertname_baseline(cases: list[dict], queries: list[dict]) -> dict:
    """The peer: what matching on alert name (then category) and recency gives without any embedding."""
    family = {c["incident_id"]: c["family"] for c in cases}
    ranked = {}
    import random

    shuffled = list(cases)
    random.Random(1).shuffle(shuffled)  # ties broken arbitrarily, not by dataset order
    for q in queries:
        scored = sorted(shuffled, key=lambda c: (-(c["alertname"] == q["alertname"]) - 0.5 * (c["category"] == q["category_hint"])))
        ranked[q["incident_id"]] = [(c["incident_id"], 1.0) for c in scored[:K]]
    return {"embedding_model": "none (alert name + category match)", **score(queries, family, ranked, None)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threshold", type=float, default=0.75)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/knowledge-retrieval.json")
    parser.add_argument("--skip-semantic", action="store_true")
    parser.add_argument("--scale", type=int, default=5000, help="Case-base size for the latency-at-scale run (0 skips).")
    args = parser.parse_args()
    cases, queries = load()
    print(f"{len(cases)} cases, {len(queries)} new incidents ({sum(c['type'] == 'case' for c in cases)} pairs)", flush=True)
    results: dict[str, Any] = {"alertname-baseline": alertname_baseline(cases, queries)}
    b = results["alertname-baseline"]
    print(f"baseline   recall@5={b['recall@5']:.3f} pair={b['pair_recall@5']:.3f} p@5={b['precision@5']:.3f}")
    results["hashing"] = run_embedder("hashing", HashingEmbedder(1024), cases, queries, args.threshold)
    if args.scale:
        results["hashing"]["latency_at_scale"] = latency_at_scale(HashingEmbedder(1024), cases, queries, args.scale)
    if not args.skip_semantic:
        try:
            from knowledge_storage.adapters.embedders import SentenceTransformerEmbedder

            minilm = SentenceTransformerEmbedder()
        except Exception as exc:  # the 'semantic' extra is optional
            results["minilm"] = {"skipped": f"not installed: {exc}"}
        else:
            results["minilm"] = run_embedder("minilm", minilm, cases, queries, args.threshold)
    results["litellm"] = {"skipped": "only the loopback test server is reachable here; its vectors are hashes of "
                                     "the text, not a quality measure (the adapter is covered by tests)"}
    ratios = {}
    for name in ("hashing", "minilm"):
        r = results.get(name, {})
        if "recall@5" in r and b["precision@5"]:
            ratios[f"{name}_vs_baseline_precision@5"] = round(r["precision@5"] / b["precision@5"], 2)
    if "recall@5" in results.get("minilm", {}):
        ratios["hashing_vs_minilm_precision@5"] = round(results["hashing"]["precision@5"] / results["minilm"]["precision@5"], 2)
        ratios["hashing_vs_minilm_latency_p50"] = round(results["hashing"]["latency_ms"]["p50"]
                                                        / results["minilm"]["latency_ms"]["p50"], 2)
    report = {
        "benchmark": "knowledge-retrieval",
        "dataset": {"file": str(DATA.relative_to(ROOT)), "cases": len(cases), "incidents": len(queries),
                    "root_causes": len({c["family"] for c in cases})},
        "k": K,
        "threshold": args.threshold,
        "qdrant": "local mode (qdrant-client, pure Python)",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "results": results,
        "ratios": ratios,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
