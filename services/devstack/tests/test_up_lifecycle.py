"""`logmesh up` never wedges: SIGTERM and SIGINT stop every child, a killed run's lock and
leftover processes are detected, explained and cleaned up, a second `up` in the same place is
refused, and each run starts from fresh state with the embedded in-memory broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.e2e, pytest.mark.timeout(300)]

LOGMESH = str(Path(sys.executable).with_name("logmesh"))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").exists() and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


class Up:
    """`logmesh up` with one light service, in ``cwd``, output in files so nothing blocks."""

    def __init__(self, cwd: Path, name: str, sigint_ignored: bool = False) -> None:
        self.cwd, self.out, self.err = cwd, cwd / f"{name}.out", cwd / f"{name}.err"
        self.proc = subprocess.Popen(
            [LOGMESH, "up", "--services", "alert-intake"], cwd=cwd,
            stdout=self.out.open("w"), stderr=self.err.open("w"),
            env={k: v for k, v in os.environ.items() if k != "LOGMESH_KAFKA_BOOTSTRAP"},
            # how a shell starts a background job (`logmesh up &`): SIGINT ignored
            preexec_fn=(lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)) if sigint_ignored else None,
        )

    def wait_up(self, timeout_s: float = 90) -> list[int]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"up exited {self.proc.returncode}: {self.err.read_text()}"
            if "mesh is up" in self.out.read_text():
                lock = json.loads((self.cwd / ".logmesh" / "up.lock").read_text())
                return [child["pid"] for child in lock["children"]]
            time.sleep(0.3)
        raise AssertionError(f"up did not come up: {self.out.read_text()} {self.err.read_text()}")


def test_signals_stale_lock_and_fresh_state(tmp_path: Path) -> None:
    first = Up(tmp_path, "first")
    children = first.wait_up()
    assert len(children) == 2  # alert-intake and the broker
    assert (tmp_path / ".logmesh" / "endpoints.json").exists()
    first.proc.send_signal(signal.SIGTERM)
    first.proc.wait(60)
    assert not any(alive(pid) for pid in children)
    assert not (tmp_path / ".logmesh" / "up.lock").exists()
    assert not (tmp_path / ".logmesh" / "endpoints.json").exists()  # no stale addresses for other commands

    killed = Up(tmp_path, "killed")
    orphans = killed.wait_up()
    assert "fresh state: removed" in killed.out.read_text()  # the first run's data went with its broker
    killed.proc.kill()
    killed.proc.wait(10)
    assert all(alive(pid) for pid in orphans)  # what SIGKILL leaves behind

    third = Up(tmp_path, "third", sigint_ignored=True)
    third.wait_up()
    explained = third.err.read_text()
    assert "stale lock" in explained and "was killed" in explained and "stopped leftover alert-intake" in explained
    assert not any(alive(pid) for pid in orphans)

    refused = subprocess.run([LOGMESH, "up", "--services", "alert-intake"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=60)
    assert refused.returncode == 1 and "another `logmesh up`" in refused.stderr and "Traceback" not in refused.stderr

    children = json.loads((tmp_path / ".logmesh" / "up.lock").read_text())["children"]
    third.proc.send_signal(signal.SIGINT)
    third.proc.wait(60)
    assert not any(alive(child["pid"]) for child in children)
    assert "Traceback" not in third.err.read_text()


def test_demo_without_an_analysis_fails(tmp_path: Path) -> None:
    done = subprocess.run([LOGMESH, "up", "--demo", "--services", "ingestion", "--demo-timeout", "3"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180,
                          env={k: v for k, v in os.environ.items() if k != "LOGMESH_KAFKA_BOOTSTRAP"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "produced no analysis" in done.stderr and "Traceback" not in done.stderr
    assert "accepted 400 of 400" in done.stdout  # the part that could run did
    assert not (tmp_path / ".logmesh" / "up.lock").exists()
