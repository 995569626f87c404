"""Generic, dataset-independent variable masking of single log tokens.

A message is split on whitespace into tokens; each token is masked on its own by
:func:`mask_token`. Inside a token the punctuation structure is kept (``ip:port``
becomes ``<*>:<*>``, ``key=value`` becomes ``key=<*>``) and every *piece* between
delimiters that carries a digit (numbers, hex, ids, IPs, versions, timestamps) or is a
boolean/null literal becomes ``<*>``. Paths, URLs, host names, MAC and IPv6 addresses
are masked whole (a URL keeps its scheme). The rules follow the conventions of the
Loghub-2.0 corrected ground truth, but contain nothing specific to one log source.
"""

from __future__ import annotations

import re
from itertools import pairwise

VAR = "<*>"

_DELIMS = "=:,;()\\[\\]{}<>\"'|@#/"
# Characters that separate pieces inside a token; runs of two or more dots and a dot
# that ends a piece ("838)." / "done.") separate too.
_SPLIT = re.compile(r"(\.{2,}|\.(?=[" + _DELIMS + r"]|$)|[" + _DELIMS + r"])")
# Tokens that need no work: no digit, no slash/backslash, no "=", no literal to mask.
_NEEDS_WORK = re.compile(r"[0-9/\\=]|true|false|null", re.IGNORECASE)
_URL = re.compile(r"^([\"'(\[<{]*)([A-Za-z][A-Za-z0-9+.\-]*://)\S*?([\"')\]>},;.:]*)$")
_WIN_PATH = re.compile(r"^([\"'(\[<{]*)[A-Za-z]:\\\S*?([\"')\]>},;:]*)$")
_ADDR = re.compile(  # MAC addresses, IPv6 addresses
    r"^([\"'(\[<{/]*)(?:[0-9A-Fa-f]{1,4}:){4,}[0-9A-Fa-f]{1,4}([\"')\]>},;.:]*)$"
)
# "node-128", "core.3249": an alphabetic stem glued to a number keeps the stem.
_STEM_NUM = re.compile(r"^([A-Za-z]{2,})([-.])[0-9]+$")
# Names that merely contain a short number ("eth1", "ssh2", "jk2_init", "IPv6"), also
# before several words joined by "_" (an event code, "DHCP4_PACKET_SEND"; pass 18d).
_NAME_NUM = re.compile(r"^_*[A-Za-z]{2,}[0-9]{1,2}(?:_?[A-Za-z]+)?(?:_[A-Za-z]+)*$")
# Dotted host names: three or more labels, or two with a common top-level domain.
_HOST = re.compile(
    r"^(?:[A-Za-z0-9\-]+\.){2,}[A-Za-z]{2,}$|^[A-Za-z0-9\-]+\.(?:com|net|org|edu|gov|io|cn|hk|us|uk|de|jp|local)$"
)
_DIGIT = re.compile(r"[0-9]")
_ALLDIGITS = re.compile(r"^[0-9]+$")
_LITERALS = frozenset({"true", "false", "null"})
_BRACKETS = re.compile(r"[(){}<>]|\]\[")


def _mask_piece(piece: str, next_delim: str, after: str) -> str:
    if _DIGIT.search(piece) is None:
        if piece.lower() in _LITERALS:
            return VAR
        if next_delim == ":" and _ALLDIGITS.match(after) and _HOST.match(piece):
            return VAR  # host:port
        return piece
    if next_delim == "=":  # a key such as "r27=" or "PSR0=" is a name, not a value
        return piece
    if _NAME_NUM.match(piece) is not None:
        return piece
    m = _STEM_NUM.match(piece)
    if m is not None:
        return m.group(1) + m.group(2) + VAR
    return VAR


def _mask_pieces(token: str) -> str:
    m = _URL.match(token)
    if m is not None:
        return m.group(1) + m.group(2) + VAR + m.group(3)
    m = _WIN_PATH.match(token)
    if m is not None:
        return m.group(1) + VAR + m.group(2)
    m = _ADDR.match(token)
    if m is not None:
        return VAR + m.group(2)
    parts = _SPLIT.split(token)
    # parts alternates piece, delimiter, piece, ... (pieces may be empty)
    out: list[str] = []
    n = len(parts)
    i = 0
    while i < n:
        piece = parts[i]
        if piece == "" and i + 2 < n and parts[i + 1] == "/" and parts[i + 2]:
            # an absolute path "/a/b/c" (at token start or after a delimiter): one variable
            j = i + 1
            while j + 1 < n and parts[j] == "/":
                j += 2
            if not (out and out[-1] == VAR):
                out.append(VAR)
            i = j
            if i < n:
                out.append(parts[i])
            i += 1
            continue
        if piece:
            nxt = parts[i + 1] if i + 1 < n else ""
            after = parts[i + 2] if i + 2 < n else ""
            masked = _mask_piece(piece, nxt, after)
            if not (masked == VAR and out and out[-1] == VAR):
                out.append(masked)
        if i + 1 < n:
            out.append(parts[i + 1])
        i += 2
    return "".join(out)


def _value_end(s: str, start: int) -> int:
    """End of a key=value value starting at ``start``: the next top-level ',' or ';'."""
    depth = 0
    i = start
    n = len(s)
    while i < n:
        ch = s[i]
        if ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            if depth == 0:
                return i
            depth -= 1
        elif depth == 0 and ch in ",;":
            return i
        i += 1
    return n


def _mask_value(value: str) -> str:
    if not value:
        return value
    if _DIGIT.search(value) is None or _BRACKETS.search(value):
        # a plain word ("tty=ssh") or a structured value ("Rect(0, ...", "<memory:0,"):
        # mask its pieces like any other token
        return _mask_pieces(value)
    q = value[0]
    if q in "\"'" and len(value) >= 2:
        k = value.find(q, 1)
        if k > 0:
            inner = value[1:k]
            return q + (VAR if inner else "") + q + value[k + 1 :]
    if q == "[" and value.endswith("]") and value.count("[") == 1:
        return "[" + VAR + "]"
    return VAR


def _mask_kv(token: str) -> str:
    out: list[str] = []
    pos = 0
    n = len(token)
    while True:
        eq = token.find("=", pos)
        if eq < 0 or eq + 1 >= n:
            out.append(_mask_pieces(token[pos:]) if pos < n else "")
            break
        # the key with its "=", so that a key like "r27" stays a name
        out.append(_mask_pieces(token[pos : eq + 1]))
        if token[eq + 1] == "=":  # "==" is an operator
            out.append("=")
            pos = eq + 2
            continue
        end = _value_end(token, eq + 1)
        out.append(_mask_value(token[eq + 1 : end]))
        pos = end
        if pos >= n:
            break
    return "".join(out)


# a quoted logfmt message ('msg="Updated phase Running -> Failed"', joined into one token
# by the quoted-value join): the statement's text, masked word by word like a plain line
_MESSAGE_KEYS = ('msg="', 'message="')


def _message_text(token: str) -> str | None:
    for key in _MESSAGE_KEYS:
        if token.startswith(key) and " " in token and token.endswith('"') and len(token) > len(key):
            words = token[len(key) : -1].split(" ")
            return key + " ".join(mask_token(w) for w in words) + '"'
    return None


def mask_token(token: str) -> str:
    """Mask the variable parts of one token (whitespace-free, or a quoted ``key="a b"``)."""
    if _NEEDS_WORK.search(token) is None:
        return token
    text = _message_text(token)
    if text is not None:
        return text
    if "=" in token:
        return _mask_kv(token)
    return _mask_pieces(token)


_MONTHS = frozenset(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"])
_WEEKDAYS = frozenset(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
DATE_WORDS = _MONTHS | _WEEKDAYS
_DAY = re.compile(r"^[0-9]{1,2},?$")
_YEAR = re.compile(r"^[0-9]{4}\W*$")
_CLOCK = re.compile(r"^[0-9]{1,2}:[0-9]{2}(:[0-9]{2})?(\.[0-9]+)?\W*$")


def collapse_dates(raw: list[str], masked: list[str]) -> list[str]:
    """A date written with spaces ("Sun Jul 10 04:12:02 2005") is one value: the
    phrase becomes one token (the masked clock time when it has one, else ``<*>``).
    Lone month or weekday names are variables too."""
    out: list[str] = []
    n = len(raw)
    i = 0
    while i < n:
        tok = raw[i]
        if tok not in DATE_WORDS:
            out.append(masked[i])
            i += 1
            continue
        j = i + 1
        if tok in _WEEKDAYS and j < n and raw[j] in _MONTHS:
            j += 1
        if j < n and _DAY.match(raw[j]):
            j += 1
        clock = None
        if j < n and _CLOCK.match(raw[j]):
            clock = masked[j]
            j += 1
        if j < n and _YEAR.match(raw[j]) and clock is not None:
            j += 1
        out.append(clock if clock is not None else VAR)
        i = j
    return out


# ---------------------------------------------------------------- JSON records
# A log line that is one JSON object ({"level":"info","ts":...,"msg":"a b",...}) is split
# into one token per key and one per value instead of on whitespace (a compact record has
# whitespace only inside its strings). Keys stay constant words ('{"level":', ',"ts":');
# a value is masked like a key=value value; the message of the record (the value of a
# top-level "msg" or "message" key) is the event text and is split into its words; a
# nested object whose keys are all field names (identifiers: "resource", "apiGroup") is split
# the same way, its keys words of the record ('{"resource":'), since which fields an object
# holds is the statement's shape just as at the top level; an object with another key
# ("Service/shop/web", "Content-Type": a map of names) and an array are one value each. See
# docs/decisions/template-engine.md, "JSON records" and "Sixteenth pass".
_JSON_WS = " \t\r\n"
_MSG_KEYS = frozenset({'"msg"', '"message"'})


class _NotRecord(Exception):
    pass


class _NotFields(Exception):
    """A nested object with a key that is no field name: a map of names, one value."""


_FIELD_NAME = re.compile(r'"[A-Za-z_][A-Za-z0-9_]*"\Z')


class _Record:
    __slots__ = ("depth", "masked", "n", "pend", "raw", "s")

    def __init__(self, s: str) -> None:
        self.s = s
        self.n = len(s)
        self.raw: list[str] = []
        self.masked: list[str] = []
        self.pend = ""  # structure ("{", ",") that opens the next key token
        self.depth = 0  # objects open around the current one (0: the record itself)

    def ws(self, i: int) -> int:
        while i < self.n and self.s[i] in _JSON_WS:
            i += 1
        if i >= self.n:
            raise _NotRecord
        return i

    def string_end(self, i: int) -> int:
        """Index after the string that starts at ``i`` (a quote)."""
        s = self.s
        i += 1
        while i < self.n:
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if c == '"':
                return i + 1
            i += 1
        raise _NotRecord

    def emit(self, raw: str, masked: str) -> None:
        self.raw.append(raw)
        self.masked.append(masked)

    def obj(self, i: int) -> int:
        """The record's fields, from its "{" at ``i``; index after its "}"."""
        s = self.s
        self.pend = "{"
        i = self.ws(i + 1)
        while True:
            if s[i] != '"':
                raise _NotRecord
            j = self.string_end(i)
            key = s[i:j]
            i = self.ws(j)
            if s[i] != ":":
                raise _NotRecord
            if self.depth and _FIELD_NAME.match(key) is None:
                raise _NotFields
            self.emit(self.pend + key + ":", self.pend + key + ":")
            i = self.ws(self.value(self.ws(i + 1), key))
            if s[i] == ",":
                self.pend = ","
                i = self.ws(i + 1)
                continue
            if s[i] == "}":
                self.raw[-1] += "}"
                self.masked[-1] += "}"
                return i + 1
            raise _NotRecord

    def nested_end(self, i: int) -> int:
        """Index after the array or object that opens at ``i`` (strings skipped)."""
        s = self.s
        j = i + 1
        level = 1
        while level:
            if j >= self.n:
                raise _NotRecord
            ch = s[j]
            if ch == '"':
                j = self.string_end(j)
                continue
            if ch in "[{":
                level += 1
            elif ch in "]}":
                level -= 1
            j += 1
        return j

    def value(self, i: int, key: str) -> int:
        s = self.s
        c = s[i]
        if c == '"':
            j = self.string_end(i)
            text = s[i:j]
            if key in _MSG_KEYS and self.depth == 0:
                for w in text.split():
                    self.emit(w, mask_token(w))
            else:
                # an empty string is the field's value too (a template's '"<*>"' must
                # cover it: a variable stands for at least one character)
                self.emit(text, '"<*>"' if text == '""' else _mask_value(text))
            return j
        if c == "{" and s[self.ws(i + 1)] != "}":
            kept = len(self.raw)
            self.depth += 1
            try:
                return self.obj(i)
            except _NotFields:
                del self.raw[kept:], self.masked[kept:]
            finally:
                self.depth -= 1
        if c == "[" or c == "{":
            # an array (or an empty object) is one value
            j = self.nested_end(i)
            text = s[i:j]
            if c == "[":
                self.emit(text, "[]" if text[1:-1].strip(_JSON_WS) == "" else "[" + VAR + "]")
            else:
                self.emit(text, _mask_value(text))
            return j
        j = i
        while j < self.n and s[j] not in ",}]" and s[j] not in _JSON_WS:
            j += 1
        if j == i:
            raise _NotRecord
        self.emit(s[i:j], _mask_value(s[i:j]))
        return j


def json_record(message: str) -> tuple[list[str], list[str]] | None:
    """(raw tokens, masked tokens) of a line that is one JSON object, else None."""
    s = message.strip(_JSON_WS)
    if len(s) < 4 or s[0] != "{" or s[1] not in '"' + _JSON_WS or s[-1] != "}":
        return None
    rec = _Record(s)
    try:
        end = rec.obj(0)
    except _NotRecord:
        return None
    if end != len(s):
        return None
    return rec.raw, rec.masked


def render_tokens(tokens: tuple[str, ...] | list[str]) -> str:
    """Template text: tokens joined by spaces; the tokens of a JSON record (first token
    '{"key":') are joined as they were written, without a space after a key or before
    the next ',"key":', so that the text of a compact record is the record's text."""
    if not tokens or not tokens[0].startswith('{"'):
        return " ".join(tokens)
    out = [tokens[0]]
    for prev, tok in pairwise(tokens):
        if not (prev.endswith('":') or tok.startswith(",")):
            out.append(" ")
        out.append(tok)
    return "".join(out)


def is_json_tokens(tokens: tuple[str, ...] | list[str]) -> bool:
    """Whether tokens are those of a JSON record (the first is the first key, '{"k":')."""
    return bool(tokens) and tokens[0].startswith('{"') and tokens[0].endswith('":')


_MSG_KEY_TOKENS = frozenset({',"msg":', ',"message":'})
_FIRST_MSG_KEY_TOKENS = frozenset({'{"msg":', '{"message":'})


def json_value_at(tokens: tuple[str, ...], i: int) -> bool:
    """Whether position ``i`` of a JSON record's tokens holds a field's value (not a key,
    not a word of the record's message). Two lines of one statement differ there in
    values only: the key names the field, and the event text is the message."""
    if i == 0 or not is_json_tokens(tokens):
        return False
    key = tokens[i - 1]
    if not (key.endswith('":') and key[:1] in "{,"):
        return False
    if key in _MSG_KEY_TOKENS or (i == 1 and key in _FIRST_MSG_KEY_TOKENS):
        return False
    t = tokens[i]
    return not (t.startswith('{"') and t.endswith('":'))
