"""notification: analysis-result-to-Slack latency and throughput, against a direct Slack post in the same run.

Phases (one embedded Tansu broker, fresh topics, the loopback Slack Web API, the real slack_sdk client):

* ``direct_post``   peer: ``SlackSink.final`` (one chat.postMessage through slack_sdk) called in a loop, no mesh
* ``mesh_latency``  the notification service in-process: one ``AnalysisResult`` published at a time, time from
                    the publish call until the loopback Slack API receives that incident's chat.postMessage
                    (consume + write-ahead record + post + record, all acks=all)
* ``mesh_burst``    N results published at once; time until every incident has its Slack message

Writes bench/results/notification.json.

    .venv/bin/python bench/notification_bench.py [--incidents 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from logmesh_contracts import AnalysisResult, Citation, K8sRef
from logmesh_contracts.topics import ANALYSIS_RESULTS
from logmesh_devstack.stack import EmbeddedBroker, create_topics
from notification.adapters.slack import SlackSink
from notification.domain import notice_from_result
from notification.testing.harness import TOKEN, make_settings, running
from notification.testing.slack_server import LoopbackSlack


def make_result(incident_id: str) -> AnalysisResult:
    return AnalysisResult(
        event_id=f"{incident_id}-r", incident_id=incident_id, completed_at=datetime.now(UTC),
        title="checkout is crash-looping", severity="warning", category="pod-crash",
        root_cause="the JVM heap is too small for the new cache", confidence=0.8,
        target=K8sRef(namespace="shop", pod="checkout-1"),
        evidence=[Citation(ref=f"log:shop/checkout-1#{i}", excerpt="java.lang.OutOfMemoryError: Java heap space")
                  for i in range(5)],
        actions=["raise the memory limit", "cap the cache size"],
    )


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def posted_at(slack: LoopbackSlack, incident_id: str) -> float | None:
    for call in slack.calls_of("chat.postMessage"):
        if (call.params.get("metadata") or {}).get("event_payload", {}).get("incident_id") == incident_id:
            return call.at
    return None


async def main(incidents: int) -> dict[str, object]:
    broker = EmbeddedBroker().start()
    try:
        prefix = f"b{uuid.uuid4().hex[:8]}."
        await create_topics(broker.bootstrap, prefix)
        async with LoopbackSlack(token=TOKEN) as slack:
            # peer: the Slack post alone
            sink = SlackSink(TOKEN, "#alerts", slack.base_url)
            direct = []
            for i in range(incidents):
                notice = notice_from_result(make_result(f"direct-{i}"))
                started = time.perf_counter()
                await sink.final(notice, None)
                direct.append(time.perf_counter() - started)

            settings = make_settings(broker.bootstrap, prefix, Path(tempfile.mkdtemp()), slack,
                                     file_sink=False, reaction_poll_interval_s=0)
            async with running(settings) as svc:
                latencies = []
                for i in range(incidents):
                    incident = f"lat-{i}"
                    started = time.monotonic()
                    await svc.service.mesh.publish(ANALYSIS_RESULTS, make_result(incident), key=incident)
                    deadline = started + 30
                    while (at := posted_at(slack, incident)) is None:
                        if time.monotonic() > deadline:
                            raise TimeoutError(incident)
                        await asyncio.sleep(0.002)
                    latencies.append(at - started)

                burst_ids = [f"burst-{i}" for i in range(incidents)]
                started = time.monotonic()
                await svc.service.mesh.publish_many(ANALYSIS_RESULTS, [(i, make_result(i)) for i in burst_ids])
                deadline = started + 120
                while any(posted_at(slack, i) is None for i in burst_ids):
                    if time.monotonic() > deadline:
                        raise TimeoutError("burst")
                    await asyncio.sleep(0.01)
                burst_s = max(posted_at(slack, i) for i in burst_ids) - started  # type: ignore[type-var]
    finally:
        broker.stop()

    direct_stats = percentiles(direct)
    mesh_stats = percentiles(latencies)
    return {
        "benchmark": "notification",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "incidents": incidents,
        "direct_post": {**direct_stats, "per_s": round(incidents / sum(direct), 1)},
        "mesh_latency": mesh_stats,
        "mesh_burst": {"seconds": round(burst_s, 3), "per_s": round(incidents / burst_s, 1)},
        "ratios": {
            "mesh_p50_over_direct_p50": round(mesh_stats["p50_ms"] / direct_stats["p50_ms"], 2),
            "burst_rate_over_direct_rate": round((incidents / burst_s) / (incidents / sum(direct)), 2),
        },
        "notes": "mesh path = consume + write-ahead record (acks=all) + chat.postMessage + record (acks=all); "
                 "the peer is the chat.postMessage alone through the same slack_sdk client and loopback API.",
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=60)
    args = parser.parse_args()
    outcome = asyncio.run(main(args.incidents))
    out = Path(__file__).parent / "results" / "notification.json"
    out.write_text(json.dumps(outcome, indent=2) + "\n")
    print(json.dumps(outcome, indent=2))
