"""``python -m template_matching.engine [--final] [--text] [--no-message-cache] [--announce-retired]``: the
``logmesh parse`` command without the CLI framework (starts faster; see cli_parse.py for the
options)."""

from __future__ import annotations

import sys

from .stream import run

_FLAGS = frozenset({"--final", "--stream", "--text", "--no-message-cache", "--announce-retired"})


def _parse(argv: list[str]) -> tuple[bool, bool, bool, bool]:
    """(final, as_json, message_cache, announce_retired)."""
    if set(argv) <= _FLAGS and not {"--final", "--stream"} <= set(argv):
        # the plain flags without argparse: importing it costs as much CPU as parsing a few
        # thousand lines, and this entry point is there to start fast
        return (
            "--final" in argv,
            "--text" not in argv,
            "--no-message-cache" not in argv,
            "--announce-retired" in argv,
        )
    import argparse

    ap = argparse.ArgumentParser(prog="python -m template_matching.engine", description=__doc__)
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--final", action="store_true", help="answer at end of input with final templates")
    mode.add_argument("--stream", action="store_true", help="answer each line at once (default)")
    ap.add_argument("--text", action="store_true", help="'template_id<TAB>template' instead of JSON")
    ap.add_argument("--no-message-cache", action="store_true", help="answer repeated lines without the cache")
    ap.add_argument(
        "--announce-retired",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="report a merged template's number again under the template that absorbed it, so the stream "
        "regroups as --final (default; --no-announce-retired keeps each line's first answer only)",
    )
    args = ap.parse_args(argv)
    return args.final, not args.text, not args.no_message_cache, args.announce_retired


def main(argv: list[str] | None = None) -> None:
    final, as_json, message_cache, announce_retired = _parse(sys.argv[1:] if argv is None else argv)
    source = open(sys.stdin.fileno(), encoding="utf-8", errors="replace", newline="\n", closefd=False)  # noqa: SIM115
    sink = open(  # noqa: SIM115
        sys.stdout.fileno(), "w", encoding="utf-8", closefd=False, buffering=1 if sys.stdout.isatty() else -1
    )
    try:
        run(source, sink, final=final, as_json=as_json, message_cache=message_cache, announce_retired=announce_retired)
    finally:
        sink.flush()


if __name__ == "__main__":
    main()
