#!/usr/bin/env python3
"""Templates that name nothing: per Loghub-2k dataset and own corpus, the templates whose
literal part (the text outside ``<*>``) holds no word, the lines they hold, and how many
ground-truth event types those lines come from. Such a template (``<*> <*> <*>: <*>``)
groups lines by punctuation alone; the sixteenth pass's collapse guards exist to keep their
count at what the data itself prints (a line of values only).

Scored in ``logmesh parse``'s default mode (stream, retired numbers announced), templates as
the line's cluster ends (``--final``'s view of the same run). Held-out corpora are reported as
counts only: no template text, no line.

    .venv/bin/python bench/wordless_templates.py LABEL [--out bench/results/wordless-templates.json] [--show 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generalisation_bench import HELD_OUT, shared_sources  # noqa: E402


def wordless_rows(contents: list[str], truth: list[str], config) -> tuple[dict, list[tuple[int, int, str]]]:
    from template_matching.engine import TemplateEngine
    from template_matching.engine.core import has_literal_word

    engine = TemplateEngine(config)
    clusters = [engine.assign(line.replace("\r", " ").replace("\n", " "))[0] for line in contents]
    final = [engine.current(c)[2] for c in clusters]
    lines: Counter[str] = Counter()
    events: defaultdict[str, set[str]] = defaultdict(set)
    for template, event in zip(final, truth, strict=True):
        if not has_literal_word(template):
            lines[template] += 1
            events[template].add(event)
    examples = [(n, len(events[t]), t) for t, n in lines.most_common()]
    row = {
        "templates": len(set(final)),
        "wordless_templates": len(lines),
        "wordless_lines": sum(lines.values()),
        "largest_wordless_lines": max(lines.values(), default=0),
        "event_types_in_wordless": len(set().union(*events.values())) if events else 0,
    }
    return row, examples


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("label")
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "wordless-templates.json"))
    ap.add_argument("--show", type=int, default=0, help="largest wordless templates to print per readable source")
    args = ap.parse_args()
    from template_matching.engine import EngineConfig

    config = EngineConfig(announce_retired=True)
    rows = {}
    for name, (contents, truth) in shared_sources(args.shared).items():
        row, examples = wordless_rows(contents, truth, config)
        rows[name] = row
        print(f"{name:22s} templates {row['templates']:5d}  wordless {row['wordless_templates']:3d}"
              f"  lines {row['wordless_lines']:5d}  largest {row['largest_wordless_lines']:5d}"
              f"  event types {row['event_types_in_wordless']:3d}", flush=True)
        if name not in HELD_OUT:
            for n, kinds, template in examples[: args.show]:
                print(f"      {n:5d} lines {kinds:3d} types  {template[:150]}")
    total = {k: sum(r[k] for r in rows.values()) for k in ("wordless_templates", "wordless_lines")}
    print(f"{'all':22s} wordless {total['wordless_templates']} lines {total['wordless_lines']}")
    out = Path(args.out)
    runs = json.loads(out.read_text()) if out.exists() else {}
    runs[args.label] = {"total": total, "sources": rows}
    out.write_text(json.dumps(runs, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
