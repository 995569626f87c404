"""``logmesh k8s-sim``: run the loopback Kubernetes API server (same as ``python -m cluster_watching.sim``)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The loopback Kubernetes API server for demos and tests.", invoke_without_command=True)


@app.callback()
def k8s_sim(
    port: Annotated[int, typer.Option(help="0 picks a free port.")] = 0,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    scenario: Annotated[str, typer.Option(help="crashloop or quiet.")] = "crashloop",
    kubeconfig: Annotated[Path, typer.Option(help="Where to write the kubeconfig.")] = Path(".logmesh/k8s-sim/kubeconfig"),
    interval: Annotated[float, typer.Option(help="Seconds between scenario steps.")] = 3.0,
    repeat: Annotated[int, typer.Option(help="Replay the last step this many times.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output (the default is JSON too).")] = False,
) -> None:
    """Serve pods/events/nodes/... list+watch, pod logs and LogAnalysisJob status; print URL and kubeconfig path."""
    from cluster_watching.sim.__main__ import main, parse

    del as_json  # the one line printed at start is JSON either way
    args = parse(["--port", str(port), "--host", host, "--scenario", scenario, "--kubeconfig", str(kubeconfig),
                  "--interval", str(interval), "--repeat", str(repeat)])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(args))
