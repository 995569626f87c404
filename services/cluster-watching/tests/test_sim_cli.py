"""``python -m cluster_watching.sim`` serves, writes a kubeconfig, and plays its scenario."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path


def test_sim_cli_serves_and_writes_a_kubeconfig(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc" / "kubeconfig"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cluster_watching.sim", "--port", "0", "--scenario", "crashloop",
         "--interval", "0.2", "--kubeconfig", str(kubeconfig)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert Path(info["kubeconfig"]) == kubeconfig.resolve() and kubeconfig.exists()
        assert info["url"] in kubeconfig.read_text()
        with urllib.request.urlopen(info["url"] + "/api/v1/namespaces/shop/pods", timeout=5) as response:
            names = [p["metadata"]["name"] for p in json.load(response)["items"]]
        assert "checkout-6d8f7c9b5-x2k4q" in names
    finally:
        proc.terminate()
        assert proc.wait(10) == 0
