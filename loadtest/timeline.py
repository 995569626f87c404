"""A saturation run's timeline (``scenario.py --timeline FILE``): where the cores work and where they wait.

Two sources, joined on ``time.monotonic()`` (one clock for every process on the host):

* a sampler process (``python loadtest/timeline.py sample …``) reads every ~20 ms, per watched process, each
  thread's ``/proc/PID/task/TID/schedstat``: nanoseconds on a CPU and nanoseconds runnable but waiting for one,
  by thread name; and the host's busy and idle ticks from ``/proc/stat`` (other sessions' work included);
* the record-path services, started with ``timeline_hooks`` first on their PYTHONPATH, append one JSON line per
  poll step (fetch, prepare, settle, rest, publish, the insert in chDB's thread) to a file each.

``summarise`` turns both into 50 ms bins of cores used and cores waiting per process, each stage's first and last
record, and per poll its size and step times.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

HOOKS = Path(__file__).resolve().parent / "timeline_hooks"
BIN_S = 0.05


def hooked_env(events_file: Path) -> dict[str, str]:
    """Environment for a service whose poll steps go to ``events_file``."""
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(HOOKS), os.environ.get("PYTHONPATH", "")])),
            "LOGMESH_TIMELINE_EVENTS": str(events_file)}


def _threads(pid: int) -> list[tuple[int, str, int, int]]:
    """(tid, name, ns on a CPU, ns waiting for one) of each live thread."""
    rows = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return rows
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                on_cpu, waiting, _ = f.read().split()
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
        except (OSError, ValueError):
            continue
        rows.append((int(tid), name, int(on_cpu), int(waiting)))
    return rows


def _host_ticks() -> tuple[int, int]:
    """(busy, idle) clock ticks of all CPUs since boot."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]) - idle, idle


def sample(out: Path, interval_s: float, pids: dict[str, int]) -> None:
    """Sample until SIGTERM, then write every sample to ``out``. Threads that exit keep their last figures."""
    stop = False

    def on_term(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    last: dict[str, dict[int, tuple[str, int, int]]] = {name: {} for name in pids}
    samples = []
    while not stop:
        now = time.monotonic()
        row: dict[str, Any] = {"t": now, "host": _host_ticks()}
        for name, pid in pids.items():
            seen = last[name]
            for tid, thread, on_cpu, waiting in _threads(pid):
                seen[tid] = (thread, on_cpu, waiting)
            by_thread: dict[str, int] = {}
            for thread, on_cpu, _ in seen.values():
                by_thread[thread] = by_thread.get(thread, 0) + on_cpu
            row[name] = {"cpu_ns": sum(v[1] for v in seen.values()), "wait_ns": sum(v[2] for v in seen.values()),
                         "threads": by_thread}
        samples.append(row)
        time.sleep(max(0.0, interval_s - (time.monotonic() - now)))
    out.write_text(json.dumps({"ticks_per_s": os.sysconf("SC_CLK_TCK"), "samples": samples}))


def read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def summarise(samples: dict[str, Any], events: dict[str, list[dict[str, Any]]], start: float, end: float,
              produced_s: float, stored_at: list[tuple[float, int]]) -> dict[str, Any]:
    """The run from the first record offered (``start``) to the last row stored (``end``), monotonic seconds."""
    rows = samples["samples"]
    processes = [k for k in rows[0] if k not in ("t", "host")] if rows else []
    bins: list[dict[str, Any]] = []
    edges = [start + i * BIN_S for i in range(int((end - start) / BIN_S) + 2)]
    for lo, hi in itertools.pairwise(edges):
        before = _at(rows, lo)
        after = _at(rows, hi)
        if before is None or after is None or after["t"] <= before["t"]:
            continue
        span = after["t"] - before["t"]
        busy = after["host"][0] - before["host"][0]
        idle = after["host"][1] - before["host"][1]
        entry: dict[str, Any] = {"t": round(lo - start, 3),
                                 "host_busy_cores": round(busy / max(busy + idle, 1) * (os.cpu_count() or 1), 2)}
        for name in processes:
            entry[name] = round((after[name]["cpu_ns"] - before[name]["cpu_ns"]) / 1e9 / span, 2)
            entry[name + ":waiting"] = round((after[name]["wait_ns"] - before[name]["wait_ns"]) / 1e9 / span, 2)
        bins.append(entry)
    total = {name: _delta(rows, name, start, end) for name in processes}
    threads = {name: _thread_delta(rows, name, start, end) for name in processes}
    polls = {service: _polls(evts, start) for service, evts in events.items()}
    stages = {service: _stage_span(evts, start) for service, evts in events.items()}
    record_path = [n for n in processes if n in ("producer", "broker", "ingestion", "template-matching")]
    lows = [b for b in bins if sum(b[n] for n in record_path) < 1.5]
    return {
        "bin_s": BIN_S,
        "run_s": round(end - start, 3),
        "producer_s": round(produced_s, 3),
        "cpu_s": {name: round(v[0], 3) for name, v in total.items()},
        "waiting_for_cpu_s": {name: round(v[1], 3) for name, v in total.items()},
        "cpu_s_by_thread": threads,
        "record_path_cores_mean": round(sum(v[0] for n, v in total.items() if n in record_path) / (end - start), 2),
        "bins_with_record_path_under_1_5_cores": f"{len(lows)} of {len(bins)}",
        "stages": stages,
        "stored_rows_at": [(round(t, 3), n) for t, n in stored_at],
        "polls": polls,
        "fetches": {service: _fetches(evts, start) for service, evts in events.items()},
        "writes": {service: _writes(evts, start) for service, evts in events.items()},
        "bins": bins,
    }


def _fetches(events: list[dict[str, Any]], start: float) -> list[dict[str, Any]]:
    """Each record-path fetch request: sent and answered (seconds into the run), the bytes it asked the broker to
    hold for, and the records the consumer knew were waiting at the broker when it sent it."""
    return [{"sent": round(e["start"] - start, 3), "answered": round(e["end"] - start, 3), "min_bytes": e["min_bytes"],
             "known_waiting": e["known_waiting"]}
            for e in events if e["kind"] == "fetch" and e["end"] >= start]


def _writes(events: list[dict[str, Any]], start: float) -> list[dict[str, Any]]:
    """Each publish and each write besides the logs insert (templates, anomalies): when it started, how long it
    took from its call to its answer (the loop's turns included), and how many it wrote."""
    return [{"what": e["kind"], "start": round(e["start"] - start, 3), "wall_s": round(e["end"] - e["start"], 3),
             "n": e.get("n")}
            for e in events if e["kind"] in ("publish", "upsert_templates", "insert_anomalies") and e["end"] >= start]


def _at(rows: list[dict[str, Any]], t: float) -> dict[str, Any] | None:
    """The sample nearest ``t``."""
    best = None
    for row in rows:
        if best is None or abs(row["t"] - t) < abs(best["t"] - t):
            best = row
        elif row["t"] > t:
            break
    return best


def _delta(rows: list[dict[str, Any]], name: str, start: float, end: float) -> tuple[float, float]:
    a, b = _at(rows, start), _at(rows, end)
    if a is None or b is None:
        return 0.0, 0.0
    return (b[name]["cpu_ns"] - a[name]["cpu_ns"]) / 1e9, (b[name]["wait_ns"] - a[name]["wait_ns"]) / 1e9


def _thread_delta(rows: list[dict[str, Any]], name: str, start: float, end: float) -> dict[str, float]:
    a, b = _at(rows, start), _at(rows, end)
    if a is None or b is None:
        return {}
    spent = {t: (ns - a[name]["threads"].get(t, 0)) / 1e9 for t, ns in b[name]["threads"].items()}
    return {t: round(s, 3) for t, s in sorted(spent.items(), key=lambda kv: -kv[1]) if s >= 0.005}


def _stage_span(events: list[dict[str, Any]], start: float) -> dict[str, Any]:
    polls = [e for e in events if e["kind"] == "poll" and e["start"] >= start - 1]
    rests = [e for e in events if e["kind"] == "rest" and e["end"] >= start]
    if not polls:
        return {}
    return {"first_poll_returned": round(polls[0]["end"] - start, 3),
            "last_poll_returned": round(polls[-1]["end"] - start, 3),
            "last_rest_done": round(rests[-1]["end"] - start, 3) if rests else None,
            "records_polled": sum(e["n"] for e in polls)}


def _polls(events: list[dict[str, Any]], start: float) -> list[dict[str, Any]]:
    """Per poll in order: when it returned and its size, then its prepare, the settle of the poll before, and its
    own rest (the insert or publish) and, for template-matching, the insert in chDB's thread."""
    def rel(t: float) -> float:
        return round(t - start, 3)

    by_kind: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event["end"] >= start - 1:
            by_kind.setdefault(event["kind"], []).append(event)
    polls = by_kind.get("poll", [])
    out = []
    for i, poll in enumerate(polls):
        entry: dict[str, Any] = {"returned": rel(poll["end"]), "fetch_wait_s": round(poll["end"] - poll["start"], 3),
                                 "fetch_thread_cpu_s": round(poll.get("thread_cpu", 0.0), 3),
                                 "n": poll["n"], "fetched_bytes_since_last_poll": poll.get("fetched_bytes")}
        # a poll's settle waits for the rest of the poll before it: the first poll has none
        for kind, index in (("prepare", i), ("settle", i - 1), ("rest", i), ("insert_in_chdb_thread", i),
                            ("native_block", i)):
            matching = by_kind.get(kind, [])
            if 0 <= index < len(matching):
                step = matching[index]
                entry[kind] = {"start": rel(step["start"]), "wall_s": round(step["end"] - step["start"], 3)}
                if step.get("thread_cpu") is not None:
                    entry[kind]["thread_cpu_s"] = round(step["thread_cpu"], 3)
        out.append(entry)
    return out


def main() -> None:
    if len(sys.argv) < 4 or sys.argv[1] != "sample":
        raise SystemExit("usage: timeline.py sample OUT INTERVAL_S NAME=PID ...")
    pids = {name: int(pid) for name, _, pid in (arg.partition("=") for arg in sys.argv[4:])}
    sample(Path(sys.argv[2]), float(sys.argv[3]), pids)


if __name__ == "__main__":
    main()
