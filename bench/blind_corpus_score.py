#!/usr/bin/env python3
"""Score one generated corpus once (engine stream/final, drain3 default/masked) and write JSON.

Used for the blind (held-out) run of a corpus written before the rules it checks were
changed; the full protocol is bench/generalisation_bench.py.

    python bench/blind_corpus_score.py EdgePlatform bench/results/generalisation-edge-blind.json
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import generalisation_bench as B  # noqa: E402


def main() -> int:
    name, out = sys.argv[1], Path(sys.argv[2])
    shared = Path(ROOT.parent / "shared").resolve()
    sys.path.insert(0, str(shared / "tools"))
    import loghub_eval as H

    from template_matching.engine import EngineConfig

    cfg = EngineConfig()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "bench" / "corpora" / "generate.py"), "--out", tmp, "--only", name],
                       check=True, stdout=subprocess.DEVNULL)
        contents, gt = H.read_structured(H.gt_path(tmp, name, "corrected"))
    stream = B.engine_templates(contents, cfg, False)
    final = B.engine_templates(contents, cfg, True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    report = {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "engine_commit": commit,
        "corpus": name,
        "lines": len(contents),
        "event_types": len(set(gt)),
        "engine_stream": B.score(H, gt, stream),
        "engine_final": B.score(H, gt, final),
        "drain3_default": B.score(H, gt, H.run_drain3(contents, B.DRAIN_GENERIC)[1]),
        "drain3_masked": B.score(H, gt, H.run_drain3(contents, B.DRAIN_MASKED)[1]),
        "convergence": B.convergence(H, gt, stream, final),
    }
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "convergence"}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
