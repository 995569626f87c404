#!/usr/bin/env python3
"""Failure table of one generated corpus: every event type the engine does not group exactly.

For each mis-grouped event type (a ground-truth event whose lines do not form exactly one
predicted group holding nothing else), in stream and in final mode: its lines, the predicted
groups its lines fall into (largest first) and the event types those groups also hold.
Companion of bench/blind_corpus_score.py (same engine calls, same default configuration),
for reading where a blind score comes from.

    python bench/blind_failure_table.py CloudPlatform bench/results/generalisation-cloud-blind-failures.md
"""

from __future__ import annotations

import csv
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import generalisation_bench as B  # noqa: E402

SHOWN_GROUPS = 4
WIDTH = 220


def cut(text: str) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def failures(event_ids: list[str], templates: list[str]) -> list[tuple[int, str, Counter, set[str]]]:
    """(lines, event id, predicted template -> lines, other event ids sharing those groups),
    largest event type first."""
    by_event: dict[str, Counter] = defaultdict(Counter)
    by_template: dict[str, set[str]] = defaultdict(set)
    for e, t in zip(event_ids, templates, strict=True):
        by_event[e][t] += 1
        by_template[t].add(e)
    out = []
    for e, groups in by_event.items():
        others = set().union(*(by_template[t] for t in groups)) - {e}
        if len(groups) > 1 or others:
            out.append((sum(groups.values()), e, groups, others))
    out.sort(key=lambda r: (-r[0], r[1]))
    return out


def main() -> int:
    name, out = sys.argv[1], Path(sys.argv[2])
    from template_matching.engine import EngineConfig

    cfg = EngineConfig()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "bench" / "corpora" / "generate.py"), "--out", tmp, "--only", name],
                       check=True, stdout=subprocess.DEVNULL)
        with open(Path(tmp) / name / f"{name}_2k.log_structured_corrected.csv", encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    contents = [r["Content"] for r in rows]
    event_ids = [r["EventId"] for r in rows]
    gt = {r["EventId"]: r["EventTemplate"] for r in rows}
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    md = [
        f"# {name}: event types the engine does not group exactly",
        "",
        f"Generated {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} by `bench/blind_failure_table.py` "
        f"at commit {commit[:12]}; engine default configuration, stream (harness `cmd:` semantics, no "
        f"announcing) and final, as in bench/blind_corpus_score.py. {len(contents)} lines, {len(gt)} event types.",
    ]
    for mode in ("stream", "final"):
        templates = B.engine_templates(contents, cfg, mode == "final")
        fails = failures(event_ids, templates)
        md += ["", f"## {mode}: {len(fails)} event types, {sum(f[0] for f in fails)} lines", ""]
        for lines, e, groups, others in fails:
            md += [
                f"### {e} ({lines} lines, {len(groups)} groups"
                + (f", groups shared with {', '.join(sorted(others, key=lambda x: int(x[1:])))}" if others else "") + ")",
                "",
                f"- truth: `{cut(gt[e])}`",
            ]
            md += [f"- {k} lines: `{cut(t)}`" for t, k in groups.most_common(SHOWN_GROUPS)]
            if len(groups) > SHOWN_GROUPS:
                md.append(f"- {len(groups) - SHOWN_GROUPS} more groups, {sum(k for _, k in groups.most_common()[SHOWN_GROUPS:])} lines")
            md.append("")
    out.write_text("\n".join(md).rstrip("\n") + "\n", encoding="utf-8")
    print(f"{out}: {len(md)} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
