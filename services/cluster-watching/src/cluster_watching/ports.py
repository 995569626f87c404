"""The one outside dependency besides the mesh: a Kubernetes API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

Obj = dict[str, Any]


class KubernetesUnavailable(Exception):
    """The API server could not be reached or answered with a server error."""


class NotConfigured(KubernetesUnavailable):
    """No kubeconfig and not in a cluster: nothing to watch."""


class ResourceMissing(KubernetesUnavailable):
    """The API server does not serve this resource (404 on a list), e.g. the CRDs are not installed."""


class Gone(Exception):
    """HTTP 410: the resourceVersion is too old; list again."""


class Kubernetes(Protocol):
    """Read-only access (plus status patches of our own custom resources), in API JSON shapes."""

    configured: bool
    description: str

    async def version(self) -> str: ...

    async def list(self, kind: str, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None) -> tuple[list[Obj], str]:
        """Items and the list's resourceVersion."""
        ...

    def watch(self, kind: str, namespace: str | None, resource_version: str, timeout_s: int) -> AsyncIterator[Obj]:
        """``{"type", "object"}`` events after ``resource_version``, BOOKMARKs included; raises Gone on 410."""
        ...

    async def get(self, kind: str, namespace: str | None, name: str) -> Obj | None: ...

    async def pod_log(self, namespace: str, name: str, container: str | None, *, tail: int,
                      previous: bool = False) -> str: ...

    async def patch_status(self, kind: str, namespace: str, name: str, status: Obj) -> Obj: ...

    async def close(self) -> None: ...
