"""One ``logmesh up`` per working directory, and the leftovers of a killed one cleaned up.

``up`` writes ``<workdir>/up.lock`` (its pid and its children's pids and commands) once the
stack runs and removes it when it stops. A lock whose owner is alive means another ``up`` is
running there; a lock whose owner is dead is what a SIGKILLed ``up`` leaves behind, together
with its children (they run in their own sessions): those still alive and still running the
command they were started with are stopped, and the operator is told what happened.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOCK_NAME = "up.lock"


class AlreadyRunning(RuntimeError):
    pass


@dataclass(frozen=True)
class Child:
    name: str
    pid: int


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _command(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    return ""


class RunLock:
    def __init__(self, workdir: Path) -> None:
        self.path = workdir / LOCK_NAME

    def acquire(self) -> list[str]:
        """Take the lock; returns what was done about a stale one (lines to show the operator).
        Raises AlreadyRunning if a live ``up`` holds it."""
        notes: list[str] = []
        if self.path.exists():
            try:
                held = json.loads(self.path.read_text())
            except (OSError, ValueError):
                held = {}
            owner = int(held.get("pid") or 0)
            if owner and owner != os.getpid() and _alive(owner) and "logmesh" in _command(owner):
                raise AlreadyRunning(
                    f"another `logmesh up` (pid {owner}, started {held.get('started_at', '?')}) is running in "
                    f"{self.path.parent}; stop it (Ctrl-C there, or kill {owner}) or use --workdir")
            notes.append(f"stale lock {self.path}: the previous `logmesh up` (pid {owner or '?'}) was killed "
                         "without stopping its processes")
            notes.extend(self._stop_leftovers(held.get("children") or []))
            self.path.unlink(missing_ok=True)
        self.write([])
        return notes

    def write(self, children: list[Child]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"pid": os.getpid(), "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "children": [{"name": c.name, "pid": c.pid, "command": _command(c.pid)} for c in children]}
        self.path.write_text(json.dumps(body, indent=2))

    def release(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(self.path.read_text()).get("pid") == os.getpid():
                self.path.unlink()

    @staticmethod
    def _stop_leftovers(children: list[dict[str, Any]]) -> list[str]:
        notes = []
        leftovers = []
        for child in children:
            pid, command = int(child.get("pid") or 0), str(child.get("command") or "")
            # the pid may have been reused since: only a process still running the same command is ours
            if pid and _alive(pid) and command and _command(pid) == command:
                leftovers.append((str(child.get("name")), pid))
        for _name, pid in leftovers:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(pid) for _, pid in leftovers):
            time.sleep(0.2)
        for name, pid in leftovers:
            if _alive(pid):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            notes.append(f"stopped leftover {name} (pid {pid}) that held its port and data files")
        return notes
