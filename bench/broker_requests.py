"""Kafka requests per second the idle mesh sends the embedded broker, by client id and request type.

Starts the whole embedded stack (Tansu and the seven services), lets it settle, then reads the broker's
socket reads with ``strace`` for ``--seconds``: Tansu reads each request's 4-byte length, then the
request, whose header starts with the api key and the client id. Needs ``strace`` and ptrace rights.
Code of another commit runs with ``--ref`` (its ``services/*/src`` first on PYTHONPATH, as
``bench/loadtest_ab.py`` does).

    .venv/bin/python bench/broker_requests.py [--ref REF] [--settle-s 20] [--seconds 10] [--out FILE]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from baseline_sources import extract_sources

ROOT = Path(__file__).resolve().parents[1]
API_KEYS = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit", 9: "OffsetFetch",
            10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup",
            18: "ApiVersions", 19: "CreateTopics", 22: "InitProducerId"}
# one recvfrom's bytes as strace -xx prints them (a call that was interrupted prints them on its "resumed" line),
# then the size asked for and the size read
READ = re.compile(r'"((?:\\x[0-9a-f]{2})+)"(?:\.\.\.)?, (\d+), [^)]*\) = (\d+)')

STACK = """
import json, sys, time
from pathlib import Path
from logmesh_devstack.demo import DEMO_TOKEN
from logmesh_devstack.stack import Stack, temporary_workdir
with temporary_workdir() as workdir:
    stack = Stack(workdir=workdir, service_env={"alert-intake": {"LOGMESH_INTAKE_TOKENS": DEMO_TOKEN}})
    stack.start()
    try:
        print(json.dumps({"broker": stack.broker.proc.pid}), flush=True)
        sys.stdin.readline()
    finally:
        stack.stop()
"""


def count(trace: str, seconds: float) -> dict:
    by_type: collections.Counter[str] = collections.Counter()
    by_client: collections.Counter[tuple[str, str]] = collections.Counter()
    for line in trace.splitlines():
        if "recvfrom" not in line and "resumed" not in line:
            continue
        match = READ.search(line)
        if not match or int(match.group(3)) <= 4:  # the length prefix
            continue
        data = bytes(int(h, 16) for h in match.group(1).split("\\x")[1:])
        api = API_KEYS.get(int.from_bytes(data[0:2], "big"), str(int.from_bytes(data[0:2], "big")))
        client = data[10:10 + int.from_bytes(data[8:10], "big")].decode("latin-1")
        by_type[api] += 1
        by_client[(client, api)] += 1
    return {"requests_per_s": round(sum(by_type.values()) / seconds, 1),
            "by_type": {k: round(v / seconds, 1) for k, v in by_type.most_common()},
            "by_client": {f"{c} {a}": round(v / seconds, 1) for (c, a), v in sorted(by_client.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", help="git ref whose services run (default: this tree)")
    parser.add_argument("--settle-s", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "broker-requests.json")
    args = parser.parse_args()
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="broker-requests-") as tmp:
        if args.ref:
            paths = extract_sources(args.ref, Path(tmp))
            env["PYTHONPATH"] = os.pathsep.join([*paths, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        stack = subprocess.Popen([sys.executable, "-c", STACK], env=env, cwd=ROOT, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert stack.stdout is not None and stack.stdin is not None
            broker = json.loads(stack.stdout.readline())["broker"]
            time.sleep(args.settle_s)
            trace = Path(tmp) / "strace.txt"
            subprocess.run(["timeout", "-s", "INT", str(args.seconds), "strace", "-qq", "-f", "-p", str(broker),
                            "-e", "trace=recvfrom", "-s", "48", "-xx", "-o", str(trace)], check=False)
            result = count(trace.read_text(), args.seconds)
        finally:
            if stack.stdin:
                stack.stdin.write("\n")
                stack.stdin.flush()
            stack.wait(60)
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "ref": args.ref or "this tree",
              "settle_s": args.settle_s, "seconds": args.seconds, **result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
