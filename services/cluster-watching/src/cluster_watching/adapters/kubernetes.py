"""The Kubernetes port over kubernetes-asyncio: kubeconfig, in-cluster, or not configured."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.watch import Watch

from cluster_watching.ports import Gone, KubernetesUnavailable, NotConfigured, Obj, ResourceMissing

CRDS = {"loganalysisjobs": ("logmesh.io", "v1alpha1"), "goldenlogsamples": ("logmesh.io", "v1alpha1"),
        # cert-manager's Certificate: expiry and issuance status without reading the Secret
        "certificates": ("cert-manager.io", "v1")}
_CORE_NAMESPACED = {"pods": "pod", "events": "event", "services": "service", "endpoints": "endpoints",
                    "configmaps": "config_map"}
_CORE_CLUSTER = {"nodes": "node", "namespaces": "namespace"}
_ERRORS = (aiohttp.ClientError, OSError, TimeoutError)


def _unavailable(exc: BaseException) -> KubernetesUnavailable:
    if isinstance(exc, ApiException):
        return KubernetesUnavailable(f"API server answered {exc.status} {exc.reason}")
    return KubernetesUnavailable(f"API server unreachable: {type(exc).__name__}: {exc}")


class NotConfiguredKubernetes:
    """The embedded default: no cluster. Every call says so; the service still runs."""

    configured = False
    description = "not configured"

    async def version(self) -> str:
        raise NotConfigured("kubernetes not configured (set LOGMESH_KUBECONFIG to a path or 'in-cluster')")

    async def list(self, kind: str, namespace: str | None = None, **_: Any) -> tuple[list[Obj], str]:
        return await self.version(), ""  # type: ignore[return-value]

    async def watch(self, kind: str, namespace: str | None, resource_version: str, timeout_s: int) -> AsyncIterator[Obj]:
        await self.version()
        yield {}

    async def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        await self.version()
        return None

    async def pod_log(self, namespace: str, name: str, container: str | None, *, tail: int,
                      previous: bool = False) -> str:
        return await self.version()

    async def patch_status(self, kind: str, namespace: str, name: str, status: Obj) -> Obj:
        await self.version()
        return {}

    async def close(self) -> None:
        return None


class ApiKubernetes:
    """kubernetes-asyncio against a real (or the loopback) API server, in raw JSON."""

    configured = True

    def __init__(self, api_client: client.ApiClient, description: str, request_timeout_s: float = 15.0) -> None:
        self.api = api_client
        self.description = description
        self.timeout = request_timeout_s
        self.core = client.CoreV1Api(api_client)
        self.networking = client.NetworkingV1Api(api_client)
        self.autoscaling = client.AutoscalingV2Api(api_client)
        self.apps = client.AppsV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)
        self.versions = client.VersionApi(api_client)

    @classmethod
    async def connect(cls, kubeconfig: str, context: str | None = None, request_timeout_s: float = 15.0) -> ApiKubernetes:
        configuration = client.Configuration()
        if kubeconfig == "in-cluster":
            config.load_incluster_config(client_configuration=configuration)
            description = "in-cluster"
        else:
            await config.load_kube_config(config_file=kubeconfig, context=context,
                                          client_configuration=configuration)
            description = f"kubeconfig {kubeconfig}"
        return cls(client.ApiClient(configuration), f"{description} ({configuration.host})", request_timeout_s)

    # ------------------------------------------------------------------ calls
    def _list_call(self, kind: str, namespace: str | None) -> tuple[Callable[..., Awaitable[Any]], tuple[Any, ...]]:
        if kind in _CORE_NAMESPACED:
            name = _CORE_NAMESPACED[kind]
            if namespace:
                return getattr(self.core, f"list_namespaced_{name}"), (namespace,)
            return getattr(self.core, f"list_{name}_for_all_namespaces"), ()
        if kind in _CORE_CLUSTER:
            return getattr(self.core, f"list_{_CORE_CLUSTER[kind]}"), ()
        if kind == "networkpolicies":
            if namespace:
                return self.networking.list_namespaced_network_policy, (namespace,)
            return self.networking.list_network_policy_for_all_namespaces, ()
        if kind == "replicasets":
            if namespace:
                return self.apps.list_namespaced_replica_set, (namespace,)
            return self.apps.list_replica_set_for_all_namespaces, ()
        if kind == "horizontalpodautoscalers":
            if namespace:
                return self.autoscaling.list_namespaced_horizontal_pod_autoscaler, (namespace,)
            return self.autoscaling.list_horizontal_pod_autoscaler_for_all_namespaces, ()
        if kind in CRDS:
            group, version = CRDS[kind]
            if namespace:
                return self.custom.list_namespaced_custom_object, (group, version, namespace, kind)
            return self.custom.list_cluster_custom_object, (group, version, kind)
        raise ValueError(f"unsupported kind {kind!r}")

    async def _raw(self, call: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        try:
            response = await call(*args, _preload_content=False, _request_timeout=self.timeout, **kwargs)
            try:
                body = await response.read()
                status = response.status
            finally:
                response.release()
        except ApiException as exc:
            raise _unavailable(exc) from exc
        except _ERRORS as exc:
            raise _unavailable(exc) from exc
        if status == 404:
            return None
        if status == 410:
            raise Gone(body[:200].decode(errors="replace"))
        if not 200 <= status < 300:
            raise KubernetesUnavailable(f"API server answered {status}: {body[:300].decode(errors='replace')}")
        return json.loads(body)

    async def version(self) -> str:
        info = await self._raw(self.versions.get_code)
        return (info or {}).get("gitVersion", "unknown")

    async def list(self, kind: str, namespace: str | None = None, *, label_selector: str | None = None,
                   field_selector: str | None = None) -> tuple[list[Obj], str]:
        call, args = self._list_call(kind, namespace)
        kwargs = {k: v for k, v in (("label_selector", label_selector), ("field_selector", field_selector)) if v}
        body = await self._raw(call, *args, **kwargs)
        if body is None:
            raise ResourceMissing(f"the API server does not serve {kind} (404); are its CRDs installed?")
        return list(body.get("items") or []), str((body.get("metadata") or {}).get("resourceVersion") or "")

    async def watch(self, kind: str, namespace: str | None, resource_version: str, timeout_s: int) -> AsyncIterator[Obj]:
        call, args = self._list_call(kind, namespace)
        watcher = Watch(return_type="object")
        try:
            stream = watcher.stream(
                call, *args, resource_version=resource_version, allow_watch_bookmarks=True,
                timeout_seconds=timeout_s, _request_timeout=(10, timeout_s + 30),
            )
            async for event in stream:
                yield {"type": event["type"], "object": event["raw_object"]}
        except ApiException as exc:
            if exc.status == 410:
                raise Gone(str(exc.reason)) from exc
            if exc.status == 404:
                raise ResourceMissing(f"the API server does not serve {kind} (404)") from exc
            raise _unavailable(exc) from exc
        except _ERRORS as exc:
            raise _unavailable(exc) from exc
        finally:
            await watcher.close()

    async def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        if kind in _CORE_NAMESPACED:
            return await self._raw(getattr(self.core, f"read_namespaced_{_CORE_NAMESPACED[kind]}"), name, namespace)
        if kind in _CORE_CLUSTER:
            return await self._raw(getattr(self.core, f"read_{_CORE_CLUSTER[kind]}"), name)
        if kind == "networkpolicies":
            return await self._raw(self.networking.read_namespaced_network_policy, name, namespace)
        if kind == "replicasets":
            return await self._raw(self.apps.read_namespaced_replica_set, name, namespace)
        if kind in CRDS:
            group, version = CRDS[kind]
            return await self._raw(self.custom.get_namespaced_custom_object, group, version, namespace, kind, name)
        raise ValueError(f"unsupported kind {kind!r}")

    async def pod_log(self, namespace: str, name: str, container: str | None, *, tail: int,
                      previous: bool = False) -> str:
        kwargs: dict[str, Any] = {"tail_lines": tail, "previous": previous}
        if container:
            kwargs["container"] = container
        try:
            response: Any = await self.core.read_namespaced_pod_log(  # the raw response: _preload_content=False
                name, namespace, _preload_content=False, _request_timeout=self.timeout, **kwargs)
            try:
                body, status = await response.read(), response.status
            finally:
                response.release()
        except (ApiException, *_ERRORS) as exc:
            raise _unavailable(exc) from exc
        text = body.decode("utf-8", errors="replace")
        if status == 400 and previous:
            return ""  # no previous container: nothing to show, not an outage
        if not 200 <= status < 300:
            raise KubernetesUnavailable(f"pod log answered {status}: {text[:300]}")
        return text

    async def patch_status(self, kind: str, namespace: str, name: str, status: Obj) -> Obj:
        group, version = CRDS[kind]
        try:
            return await self.custom.patch_namespaced_custom_object_status(
                group, version, namespace, kind, name, {"status": status},
                _content_type="application/merge-patch+json", _request_timeout=self.timeout,  # type: ignore[call-arg]
            )
        except ApiException as exc:
            if exc.status == 404:
                return {}
            raise _unavailable(exc) from exc
        except _ERRORS as exc:
            raise _unavailable(exc) from exc

    async def close(self) -> None:
        await self.api.close()


async def connect(kubeconfig: str | None, context: str | None = None, request_timeout_s: float = 15.0) -> Any:
    """``None``/``none`` → not configured; ``in-cluster``; otherwise a kubeconfig path."""
    if not kubeconfig or kubeconfig.strip().lower() in ("none", "off", "false"):
        return NotConfiguredKubernetes()
    return await ApiKubernetes.connect(kubeconfig.strip(), context, request_timeout_s)
