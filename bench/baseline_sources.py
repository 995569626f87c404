"""A commit's Python sources for the A/B benches: its ``services/*/src`` and ``contracts/src``, extracted with
``git archive``, to go first on PYTHONPATH of variant A (the native extensions stay this tree's)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def extract_sources(ref: str, folder: Path) -> list[str]:
    """Extract ``ref``'s service and contract sources into ``folder``; their import paths, services first."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "services", "contracts/src"],
                             capture_output=True, check=True).stdout
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return [str(p) for p in sorted((folder / "services").glob("*/src"))] + [str(folder / "contracts/src")]
