"""``logmesh parse``: log messages on stdin -> one JSON line per message on stdout.

Each output line is ``{"cluster": "<id>", "template": "<template with <*>>",
"template_id": "<stable id>"}``. Runs the template engine with its one generic
configuration (no per-source settings); also runnable as
``python -m template_matching.cli_parse``.

Two output modes:

* default (``--stream``): every line is answered as soon as it is read, with the
  template known at that moment (online; later lines may generalise it);
* ``--final``: the input is mined line by line exactly as in stream mode, but output
  waits for end of input and gives every line the template its cluster ended with
  (the usual offline evaluation of an online miner). Holds one reference per line.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, TextIO

import typer

from template_matching.engine import TemplateEngine


def _line(cluster: int, template: str, template_id: str, as_json: bool) -> str:
    if as_json:
        return (
            '{"cluster": "%d", "template": %s, "template_id": "%s"}\n'
            % (cluster, json.dumps(template, ensure_ascii=False), template_id)
        )
    return f"{template_id}\t{template}\n"


def run(source: TextIO, sink: TextIO, final: bool = False, as_json: bool = True) -> int:
    """Parse every line of ``source``; returns the number of messages."""
    engine = TemplateEngine()
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


def parse(
    final: Annotated[
        bool,
        typer.Option(
            "--final/--stream",
            help="--stream (default): answer each line at once with the template known then; "
            "--final: answer at end of input with each line's final template.",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option("--json/--text", help="JSON lines (default) or 'template_id<TAB>template'."),
    ] = True,
) -> None:
    """Mine log templates from messages on stdin; one result line per message."""
    source = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", newline="\n", closefd=False)  # noqa: SIM115
    sink = open(  # noqa: SIM115
        sys.stdout.fileno(), "w", encoding="utf-8", closefd=False, buffering=1 if sys.stdout.isatty() else -1
    )
    try:
        run(source, sink, final=final, as_json=as_json)
    finally:
        sink.flush()


if __name__ == "__main__":
    typer.run(parse)
