"""Bulk parsing of a text stream: one JSON line per message (used by ``logmesh parse``
and ``python -m template_matching.engine``).

Input is read in blocks of whatever has arrived (up to 64 KiB), and each block's complete
lines go to the engine in one call (:meth:`TemplateEngine.render_text`: lines of known
templates are answered in native code, the rest by the Python miner, in order), so a
line piped in is still answered as soon as it arrives."""

from __future__ import annotations

import codecs
import io
import json
from array import array
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TextIO

from .core import EngineConfig, TemplateEngine

_BLOCK = 1 << 16


def _line(cluster: int, template: str, template_id: str, as_json: bool) -> str:
    if as_json:
        return json.dumps({"cluster": str(cluster), "template": template, "template_id": template_id}) + "\n"
    return f"{template_id}\t{template}\n"


def _reader(source: TextIO, universal_newlines: bool) -> Callable[[], str]:
    """A read that returns what has arrived instead of waiting for a full block: a text
    file's ``read(n)`` waits for n characters, which would hold back a piped stream's answers."""
    buffer = getattr(source, "buffer", None)
    read1 = getattr(buffer, "read1", None)
    if not isinstance(source, io.TextIOWrapper) or read1 is None:
        return lambda: source.read(_BLOCK)
    decoder = codecs.getincrementaldecoder(source.encoding)(source.errors or "strict")
    if universal_newlines:
        decoder = io.IncrementalNewlineDecoder(decoder, translate=True)

    def read() -> str:
        while True:
            data = read1(_BLOCK)
            text = decoder.decode(data, final=not data)
            if text or not data:
                return text

    return read


def blocks(source: TextIO, universal_newlines: bool = False) -> Iterator[str]:
    """The complete lines of ``source`` (each ending in "\\n"), a block of them at a time;
    a last line without "\\n" gets one. A text file (io.TextIOWrapper) is read through its
    binary buffer, so ``universal_newlines`` must say how it was opened: ``newline="\\n"``
    (False: sys.stdin on POSIX, ``python -m template_matching.engine``) or ``newline=None``
    (True: "\\r" and "\\r\\n" end lines too, translated to "\\n"). Other sources (StringIO)
    are read as they are."""
    read = _reader(source, universal_newlines)
    carry: list[str] = []
    while True:
        chunk = read()
        if not chunk:
            break
        k = chunk.rfind("\n")
        if k < 0:
            carry.append(chunk)
            continue
        carry.append(chunk[: k + 1])
        yield "".join(carry)
        carry = [chunk[k + 1 :]] if k + 1 < len(chunk) else []
    tail = "".join(carry)
    if tail:
        yield tail + "\n"


def run(
    source: TextIO,
    sink: TextIO,
    final: bool = False,
    as_json: bool = True,
    message_cache: bool = True,
    universal_newlines: bool = False,
    announce_retired: bool = True,
) -> int:
    """Parse every line of ``source``; returns the number of messages. ``message_cache``
    off answers every line through masking and matching (the speed on unseen lines).
    ``universal_newlines``: see :func:`blocks`. ``announce_retired``: see
    :class:`EngineConfig` (a merged template's number is reported again by the template
    that absorbed it, so a consumer keeping each cluster's last template regroups it)."""
    config = EngineConfig(announce_retired=announce_retired and not final)  # final answers are current already
    engine = TemplateEngine(config if message_cache else replace(config, message_cache_size=0))
    if final:
        clusters = array("I")
        for block in blocks(source, universal_newlines):
            clusters.extend(engine.assign_text(block))
        rendered: dict[int, str] = {}
        out = []
        for cluster in clusters:
            text = rendered.get(cluster)
            if text is None:
                seq, tid, template = engine.current(cluster)
                text = rendered[cluster] = _line(seq, template, tid, as_json)
            out.append(text)
            if len(out) >= 4096:
                sink.write("".join(out))
                out.clear()
        sink.write("".join(out))
        return len(clusters)
    n = 0
    for block in blocks(source, universal_newlines):
        sink.write(engine.render_text(block, as_json))
        n += block.count("\n")
    return n
