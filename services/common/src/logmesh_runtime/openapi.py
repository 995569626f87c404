"""OpenAPI 3.1 for a service's HTTP API, built from the routes it registered.

Every route is listed with its methods, path parameters and summary (the handler's docstring).
A handler annotated with ``@typed(...)`` also gets its query parameters, request body and
response body as JSON Schema from pydantic models; errors are always ``{"error": reason}``.
Served at ``GET /openapi.json``; committed under ``docs/openapi/`` (``make schemas``) with a
drift check, like the AsyncAPI document for the topics.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.routing import BaseRoute, Route

F = TypeVar("F", bound=Callable[..., Any])
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
ERROR_SCHEMA = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}


def typed(*, query: type[BaseModel] | None = None, body: type[BaseModel] | None = None,
          response: type[BaseModel] | None = None, status: int = 200) -> Callable[[F], F]:
    """Declare what a handler reads and answers, for its OpenAPI operation."""

    def mark(handler: F) -> F:
        handler.__openapi__ = {"query": query, "body": body, "response": response, "status": status}  # type: ignore[attr-defined]
        return handler

    return mark


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(route: Route, method: str, components: dict[str, Any]) -> dict[str, Any]:
    endpoint = route.endpoint
    doc = inspect.getdoc(endpoint) or ""
    spec: dict[str, Any] = getattr(endpoint, "__openapi__", {})
    operation: dict[str, Any] = {
        "operationId": f"{method}_{getattr(endpoint, '__name__', 'endpoint')}".replace("-", "_"),
        "summary": doc.splitlines()[0] if doc else route.path,
    }
    parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                  for name in _PARAM.findall(route.path)]
    if spec.get("query") is not None:
        query_schema = spec["query"].model_json_schema()
        required = set(query_schema.get("required", []))
        for name, field in query_schema.get("properties", {}).items():
            parameters.append({"name": name, "in": "query", "required": name in required,
                               "schema": {k: v for k, v in field.items() if k != "title"},
                               **({"description": field["description"]} if "description" in field else {})})
    if parameters:
        operation["parameters"] = parameters
    if spec.get("body") is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": _schema(spec["body"], components)}}}
    success: dict[str, Any] = {"description": "OK"}
    if spec.get("response") is not None:
        success["content"] = {"application/json": {"schema": _schema(spec["response"], components)}}
    operation["responses"] = {
        str(spec.get("status", 200)): success,
        "4XX": {"description": "The request cannot be served; the reason names the fix",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "503": {"description": "A dependency is unavailable; retry after Retry-After",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }
    return operation


def document(title: str, routes: Iterable[BaseRoute], version: str = "0.1.0") -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route) or route.path == "/openapi.json":
            continue
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            paths.setdefault(route.path, {})[method.lower()] = _operation(route, method.lower(), components)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"logmesh {title}", "version": version},
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(components.items()))},
    }
