"""``python -m cluster_watching.sim --port N --scenario crashloop [--kubeconfig PATH]``.

Serves the loopback Kubernetes API, writes a kubeconfig pointing at it (default
``.logmesh/k8s-sim/kubeconfig``), prints one JSON line with the URL and the kubeconfig path,
then plays the scenario. Point cluster-watching at it with ``LOGMESH_KUBECONFIG=<path>``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from pathlib import Path

from cluster_watching.sim import ClusterState, SimServer, build
from cluster_watching.sim.scenarios import SCENARIOS


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m cluster_watching.sim", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--scenario", default="crashloop", choices=sorted(SCENARIOS))
    parser.add_argument("--kubeconfig", type=Path, default=Path(".logmesh/k8s-sim/kubeconfig"))
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between scenario steps")
    parser.add_argument("--repeat", type=int, default=0, help="replay the last step this many times (flapping)")
    parser.add_argument("--bookmark-interval", type=float, default=5.0)
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    state = ClusterState()
    scenario = build(args.scenario, state)
    scenario.seed()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with SimServer(state, args.host, args.port, args.bookmark_interval) as server:
        path = server.write_kubeconfig(args.kubeconfig)
        print(json.dumps({"url": server.url, "kubeconfig": str(path.resolve()), "scenario": args.scenario}), flush=True)
        player = asyncio.create_task(scenario.run(args.interval, args.repeat))
        await stop.wait()
        player.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await player


if __name__ == "__main__":
    try:
        asyncio.run(main(parse()))
    except KeyboardInterrupt:
        sys.exit(0)
