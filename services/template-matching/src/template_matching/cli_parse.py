"""``logmesh parse``: log messages on stdin -> one JSON line per message on stdout.

Each output line is ``{"cluster": "<id>", "template": "<template with <*>>",
"template_id": "<stable id>"}``. Runs the template engine with its one generic
configuration (no per-source settings); also runnable as
``python -m template_matching.cli_parse``.

The work is done by :func:`template_matching.engine.stream.run`, which
``python -m template_matching.engine`` also runs without this typer wrapper
(faster start; the benchmark uses it). Two output modes:

* default (``--stream``): every line is answered as soon as it is read, with the
  template known at that moment (online; later lines may generalise it);
* ``--final``: the input is mined line by line exactly as in stream mode, but output
  waits for end of input and gives every line the template its cluster ended with
  (the usual offline evaluation of an online miner). Holds one reference per line.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from template_matching.engine.stream import run


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
    message_cache: Annotated[
        bool,
        typer.Option(
            "--message-cache/--no-message-cache",
            help="answer a line seen before from the exact-message cache (default), or mask and match every line.",
        ),
    ] = True,
    announce_retired: Annotated[
        bool,
        typer.Option(
            "--announce-retired/--no-announce-retired",
            help="stream: when a template is merged into another, report its number again on the absorbing "
            "template's next line, so a consumer keeping each cluster's last template regroups as --final (default).",
        ),
    ] = True,
) -> None:
    """Mine log templates from messages on stdin; one result line per message."""
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    try:
        run(
            sys.stdin, sys.stdout, final=final, as_json=as_json, message_cache=message_cache,
            announce_retired=announce_retired,
        )
    finally:
        sys.stdout.flush()


if __name__ == "__main__":
    typer.run(parse)
