"""Redaction recall on the generated secret corpus at every stage, and false redactions on Loghub-2k.

Stages, each through the service's own code path (pure domain functions, no I/O):

  runtime        logmesh_runtime.redaction.Redactor.scan, the one stage itself
  ingestion      ingestion.domain.Normaliser.normalise: the line as a record's message
  alert-intake   alert_intake.domain.webhook_alerts: the line as an alert's description annotation
  evidence       cluster_watching.evidence.redact: the line as a log line of an evidence part
  prompt         llm_analysis.domain.build_messages (redact on, the default): the line in an evidence item

Recall: corpus lines whose secret (or any 12-character piece of it) no longer appears.
False redactions: Loghub-2k lines (16 systems x 2,000, no secrets known) the runtime stage changed;
reported for secret kinds and separately for e-mail addresses (PII, redacted on purpose).
Also CPU time per line (process time) for each stage and for the Loghub pass.

    .venv/bin/python bench/redaction.py [--loghub /work/shared/datasets/loghub-2k] [--out bench/results/redaction.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alert_intake.domain import webhook_alerts
from cluster_watching.evidence import redact as evidence_redact
from ingestion.domain import Limits, Normaliser
from llm_analysis.domain import assemble, build_messages, make_incident, opening_from_alert, run_diagnosis
from llm_analysis.testing import alert
from logmesh_contracts import EvidenceItem, EvidencePart, utcnow
from logmesh_runtime.redaction import Redactor
from logmesh_testing.secret_corpus import KINDS, corpus

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def stage_runtime() -> Callable[[str], str]:
    redactor = Redactor()
    return lambda line: redactor.scan(line).text


def stage_ingestion() -> Callable[[str], str]:
    normaliser = Normaliser(Limits(max_message_bytes=1 << 20), Redactor())

    def run(line: str) -> str:
        record = normaliser.normalise({"org": "o", "message": line}, event_id="e1", received_at=NOW)
        return record.message

    return run


def stage_alert_intake() -> Callable[[str], str]:
    def run(line: str) -> str:
        document = {"version": "4", "status": "firing", "receiver": "r", "groupKey": "g", "alerts": [{
            "status": "firing", "labels": {"alertname": "X", "namespace": "shop"},
            "annotations": {"description": line}, "startsAt": NOW.isoformat()}]}
        (item,) = webhook_alerts(document, received_at=NOW, org="o").alerts
        return item.model_dump_json()

    return run


def stage_prompt() -> Callable[[str], str]:
    opening = opening_from_alert(alert(), 900)
    assert opening is not None
    incident = make_incident(opening, "inc-1", 5, utcnow())

    def run(line: str) -> str:
        part = EvidencePart(event_id="p1", incident_id="inc-1", kind="logs", provider="t", collected_at=utcnow(),
                            items=[EvidenceItem(ref="log:0", title="lines", body=line)])
        ctx = assemble(incident, [part])
        messages, _ = build_messages(ctx, run_diagnosis(ctx), redact=True, max_chars=64_000, canary="c")
        text = "\n".join(m["content"] for m in messages)
        return text + "\n" + text.replace("\\n", "\n").replace('\\"', '"')  # the JSON-escaped and the plain form

    return run


STAGES: dict[str, Callable[[], Callable[[str], str]]] = {
    "runtime": stage_runtime, "ingestion": stage_ingestion, "alert-intake": stage_alert_intake,
    "evidence": lambda: evidence_redact, "prompt": stage_prompt,
}


def recall(stage: Callable[[str], str]) -> dict[str, Any]:
    lines = corpus()
    missed: Counter[str] = Counter()
    started = time.process_time()
    for entry in lines:
        if entry.leaked(stage(entry.line)):
            missed[entry.kind] += 1
    cpu = time.process_time() - started
    return {"lines": len(lines), "missed": sum(missed.values()), "recall": 1 - sum(missed.values()) / len(lines),
            "missed_by_kind": dict(missed), "cpu_us_per_line": round(cpu / len(lines) * 1e6, 1)}


def loghub(root: Path) -> dict[str, Any] | None:
    files = sorted(root.glob("*/*_2k.log"))
    if not files:
        return None
    redactor = Redactor()
    total = changed_secret = changed_email = 0
    kinds: Counter[str] = Counter()
    per_system: dict[str, int] = {}
    examples: list[str] = []
    cpu = 0.0
    for path in files:
        lines = path.read_text(errors="replace").splitlines()
        started = time.process_time()
        results = [redactor.scan(line) for line in lines]
        cpu += time.process_time() - started
        hits = 0
        for result in results:
            total += 1
            kinds.update(result.counts)
            secret_kinds = set(result.counts) - {"email"}
            if secret_kinds:
                changed_secret += 1
                hits += 1
                if len(examples) < 10:
                    examples.append(result.text[:200])
            elif result.counts:
                changed_email += 1
        per_system[path.parent.name] = hits
    return {"lines": total, "false_redaction_lines": changed_secret,
            "false_redaction_rate": changed_secret / total, "email_lines": changed_email,
            "rate_with_emails": (changed_secret + changed_email) / total, "by_kind": dict(kinds),
            "by_system": per_system, "examples": examples, "cpu_us_per_line": round(cpu / total * 1e6, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loghub", type=Path, default=Path("/work/shared/datasets/loghub-2k"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/redaction.json"))
    args = parser.parse_args()
    stages = {name: recall(make()) for name, make in STAGES.items()}
    for name, figures in stages.items():
        print(f"{name:13s} recall {figures['recall']:.4f} ({figures['missed']} of {figures['lines']} missed) "
              f"{figures['cpu_us_per_line']} us/line  {figures['missed_by_kind'] or ''}")
    false = loghub(args.loghub)
    if false is None:
        print(f"Loghub-2k not found under {args.loghub}: false-redaction figure skipped")
    else:
        print(f"loghub-2k     {false['false_redaction_lines']} of {false['lines']} lines falsely redacted "
              f"({false['false_redaction_rate']:.4%}); with e-mails {false['rate_with_emails']:.4%}; "
              f"{false['cpu_us_per_line']} us/line")
    result = {"bench": "redaction", "at": datetime.now(UTC).isoformat(), "python": platform.python_version(),
              "corpus": {"lines": len(corpus()), "kinds": len(KINDS)}, "stages": stages, "loghub_2k": false}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
