"""Generic, dataset-independent variable masking of single log tokens.

A message is split on whitespace into tokens; each token is masked on its own by
:func:`mask_token`. Inside a token the punctuation structure is kept (``ip:port``
becomes ``<*>:<*>``, ``key=value`` becomes ``key=<*>``) and every *piece* between
delimiters that carries a digit (numbers, hex, ids, IPs, versions, timestamps) or is a
boolean/null literal becomes ``<*>``. Paths and URLs are masked whole (a URL keeps its
scheme). The rules follow the conventions of the Loghub-2.0 corrected ground truth,
but contain nothing specific to one log source.
"""

from __future__ import annotations

import re

VAR = "<*>"

# Characters that separate pieces inside a token; runs of two or more dots too
# ("space.........0" keeps its dots, masks the 0).
_SPLIT = re.compile(r"(\.{2,}|[=:,;()\[\]{}<>\"'|@#/])")
# Tokens that need no work: no digit, no slash/backslash, no literal worth masking.
_NEEDS_WORK = re.compile(r"[0-9/\\]|true|false|null", re.IGNORECASE)
_URL = re.compile(r"^([\"'(\[<{]*)([A-Za-z][A-Za-z0-9+.\-]*://)\S*?([\"')\]>},;.:]*)$")
_WIN_PATH = re.compile(r"^([\"'(\[<{]*)[A-Za-z]:\\\S*?([\"')\]>},;:]*)$")
# "node-128", "core.3249": an alphabetic stem glued to a number keeps the stem.
_STEM_NUM = re.compile(r"^([A-Za-z]{2,})([-.])[0-9]+$")
_DIGIT = re.compile(r"[0-9]")
_LITERALS = frozenset({"true", "false", "null"})


def _mask_piece(piece: str, next_delim: str) -> str:
    if _DIGIT.search(piece) is None:
        if piece.lower() in _LITERALS:
            return VAR
        return piece
    if next_delim == "=":  # a key such as "r27=" or "PSR0=" is a name, not a value
        return piece
    m = _STEM_NUM.match(piece)
    if m is not None:
        return m.group(1) + m.group(2) + VAR
    return VAR


def mask_token(token: str) -> str:
    """Mask the variable parts of one whitespace-free token."""
    if _NEEDS_WORK.search(token) is None:
        return token
    m = _URL.match(token)
    if m is not None:
        return m.group(1) + m.group(2) + VAR + m.group(3)
    m = _WIN_PATH.match(token)
    if m is not None:
        return m.group(1) + VAR + m.group(2)
    parts = _SPLIT.split(token)
    # parts alternates piece, delimiter, piece, ... (pieces may be empty)
    out: list[str] = []
    n = len(parts)
    i = 0
    while i < n:
        piece = parts[i]
        if i + 1 < n and parts[i + 1] == "/" and piece == "" and i + 2 < n and parts[i + 2]:
            # an absolute path "/a/b/c" (at token start or after a delimiter): one variable
            j = i + 1
            while j + 1 < n and parts[j] == "/":
                j += 2
            out.append(VAR)
            i = j
            if i < n:
                out.append(parts[i])
            i += 1
            continue
        if piece:
            nxt = parts[i + 1] if i + 1 < n else ""
            masked = _mask_piece(piece, nxt)
            if masked == VAR and out and out[-1] == VAR:
                pass  # never two variables glued together
            else:
                out.append(masked)
        if i + 1 < n:
            out.append(parts[i + 1])
        i += 2
    return "".join(out)


def mask_tokens(tokens: list[str]) -> list[str]:
    return [mask_token(t) for t in tokens]
