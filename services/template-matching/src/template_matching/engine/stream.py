"""Bulk parsing of a text stream: one JSON line per message (used by ``logmesh parse``
and ``python -m template_matching.engine``)."""

from __future__ import annotations

import json
from typing import TextIO

from .core import EngineConfig, TemplateEngine


def _line(cluster: int, template: str, template_id: str, as_json: bool) -> str:
    if as_json:
        return json.dumps({"cluster": str(cluster), "template": template, "template_id": template_id}) + "\n"
    return f"{template_id}\t{template}\n"


def run(
    source: TextIO, sink: TextIO, final: bool = False, as_json: bool = True, message_cache: bool = True
) -> int:
    """Parse every line of ``source``; returns the number of messages. ``message_cache``
    off answers every line through masking and matching (the speed on unseen lines)."""
    engine = TemplateEngine(EngineConfig() if message_cache else EngineConfig(message_cache_size=0))
    assign = engine.assign
    rendered: dict[tuple[int, str], str] = {}
    n = 0
    if final:
        clusters: list[int] = []
        keep = clusters.append
        for raw in source:
            keep(assign(raw.rstrip("\r\n"))[0])
        out = []
        for cluster in clusters:
            key = (cluster, "")
            text = rendered.get(key)
            if text is None:
                seq, tid, template = engine.current(cluster)
                text = rendered[key] = _line(seq, template, tid, as_json)
            out.append(text)
            if len(out) >= 4096:
                sink.write("".join(out))
                out.clear()
        sink.write("".join(out))
        return len(clusters)
    write = sink.write
    for raw in source:
        cluster, template = assign(raw.rstrip("\r\n"))
        key = (cluster, template)
        text = rendered.get(key)
        if text is None:
            seq, tid, template = engine.current(cluster)
            text = rendered[key] = _line(seq, template, tid, as_json)
        write(text)
        n += 1
    return n
