"""cluster-watching: watch-stream throughput (raw JSON vs kubernetes-asyncio typed models) and detection rate.

Both watch paths read the same chunked watch stream of N pod updates from the loopback API
server through kubernetes-asyncio; the peer is the library's default (deserialise into V1Pod).
Usage: .venv/bin/python bench/cluster_watching_bench.py [--events 3000] [--out bench/results/cluster-watching.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kubernetes_asyncio import client, config
from kubernetes_asyncio.watch import Watch

from cluster_watching.buffer import ContextBuffer
from cluster_watching.domain import Detector
from cluster_watching.sim import ClusterState, SimServer
from cluster_watching.sim.scenarios import pod, running, terminated, waiting


def updates(n: int) -> list[dict]:
    out = []
    for i in range(n):
        crashing = i % 4 in (2, 3)
        out.append(pod("bench", f"p{i % 50}", state=waiting("CrashLoopBackOff", "back-off") if crashing else running(),
                       restarts=i // 50, last_state=terminated("Error", 1) if i >= 50 else None))
    return out


async def stream(sim: SimServer, kubeconfig: Path, n: int, typed: bool) -> float:
    configuration = client.Configuration()
    await config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    api = client.ApiClient(configuration)
    core = client.CoreV1Api(api)
    since = sim.state.history[0][0] - 1 if sim.state.history else 0
    watcher = Watch() if typed else Watch(return_type="object")
    seen = 0
    started = time.perf_counter()
    async for event in watcher.stream(core.list_namespaced_pod, "bench", resource_version=str(since), timeout_seconds=60):
        obj = event["object"]
        _ = obj.metadata.name if typed else obj["metadata"]["name"]
        seen += 1
        if seen >= n:
            break
    elapsed = time.perf_counter() - started
    await watcher.close()
    await api.close()
    return elapsed


def detection(objects: list[dict]) -> float:
    detector, buffer = Detector(), ContextBuffer()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    for i, obj in enumerate(objects):
        obj["metadata"]["uid"] = obj["metadata"]["name"]
        now = t0 + timedelta(seconds=i)
        buffer.record_object("pods", "MODIFIED", obj, now)
        for event in detector.on_object("pods", "MODIFIED", obj, now):
            buffer.record_cluster_event(event)
    return time.perf_counter() - started


async def main(n: int, out: Path) -> dict:
    state = ClusterState(history_limit=n + 100)
    objects = updates(n)
    for obj in objects:
        state.put("pods", obj)
    async with SimServer(state) as sim:
        kubeconfig = sim.write_kubeconfig(Path(tempfile.mkdtemp()) / "kubeconfig")
        await stream(sim, kubeconfig, min(n, 200), typed=False)  # warm-up
        raw = min([await stream(sim, kubeconfig, n, typed=False) for _ in range(3)])
        typed = min([await stream(sim, kubeconfig, n, typed=True) for _ in range(3)])
    detect = min(detection([json.loads(json.dumps(o)) for o in objects]) for _ in range(3))
    result = {
        "benchmark": "cluster-watching watch stream and detection",
        "events": n,
        "raw_json_events_per_s": round(n / raw, 1),
        "typed_v1pod_events_per_s": round(n / typed, 1),
        "raw_over_typed_ratio": round(typed / raw, 2),
        "detector_plus_buffer_updates_per_s": round(n / detect, 1),
        "note": "same loopback watch stream through kubernetes-asyncio; best of 3; peer = library default typed models",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/cluster-watching.json"))
    args = parser.parse_args()
    measured = asyncio.run(main(args.events, args.out))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(measured, indent=2) + "\n")
    print(json.dumps(measured, indent=2))
