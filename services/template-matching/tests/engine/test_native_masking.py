"""The native masking pass (template_native, Rust) must equal the Python reference
(masking.mask_token + TemplateEngine._mask_reference) token for token, on every line."""

from __future__ import annotations

import csv
import importlib.util
import random
import re
import sys
from pathlib import Path

import pytest
import template_native

from template_matching.engine import TemplateEngine, mask_token

ROOT = Path(__file__).resolve().parents[4]
LOGHUB = ROOT.parent / "shared" / "datasets" / "loghub-2k"
TESTS = Path(__file__).resolve().parents[1]

ALPHABET = "abcXYZ019_-.:/\\=,;()[]{}<>\"'|@#$%&*+!?~^` \u017féßü中\u00a0\u2003\x1c\x1f\x85"
FRAGMENTS = [
    "http://",
    "HTTPS://a.b/c?x=1",
    "C:\\Windows\\x",
    "fe80::1",
    "2001:db8:0:0:0:0:2:1",
    "00:1a:2B:3c:4d:5e",
    "10.0.0.1:8080",
    "host.example.com:443",
    "a.b.local:9",
    "key=",
    '="a b c"',
    "==",
    "true",
    "FALSE",
    "Null",
    "fal\u017fe",
    "node-128",
    "core.3249",
    "eth1",
    "jk2_init",
    "DHCP4_PACKET_SEND",
    "x12_y_",
    "_IPv6",
    "ssh2",
    "blk_-123",
    "/var/log/x.log",
    "//",
    "...",
    "done.",
    "838).",
    "[1, 2, 3]",
    "Jul",
    "Sun",
    "04:12:02",
    "2005",
    "10,",
    "0x1F",
    "r27=",
    "PSR0=5",
    "'q'",
    '""',
    "[x]",
    "<memory:0,",
    "Rect(0,",
    "][",
    "@",
    "#12",
    "|",
    "v1.2.3",
    "-",
    "12:34:56.789Z",
    "a:b:c:d:e:",
    "1:2:3:4:5::",
    "12345:1:2:3:4",
    "(http://x/y),",
    "{a=1;b=[2]}",
    "x=(1,2),y=3",
    'a="1"b',
    'msg="x',
    '\\"y\\"',
    'z\\""',
    '\\"',
    'k="\\"q\\"',
    'msg="Created pod: web-1[0].build (web-1-2)"',
    'message="node n-3 phase Running -> Failed"',
    'msg="a  b"',
    'msg=" "',
    "+sdown",
]


def _reference_tokens(line: str) -> tuple[str, ...]:
    return TemplateEngine()._mask_reference(line)


def _random_token(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.5:
            parts.append(rng.choice(FRAGMENTS))
        else:
            parts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8))))
    return "".join(parts)


def _fuzzed_lines(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(_random_token(rng) for _ in range(rng.randint(1, 12))) for _ in range(count)]


def _corpus_lines() -> list[str]:
    spec = importlib.util.spec_from_file_location("logmesh_bench_corpora", ROOT / "bench" / "corpora" / "generate.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return [msg for name in mod.CORPORA for msg, _, _ in mod.generate(name, 1500, 15)]


def _unit_test_lines() -> list[str]:
    """Every string literal in this service's tests: the cases the engine was written for."""
    out = []
    for path in TESTS.rglob("*.py"):
        for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'', path.read_text()):
            out.append(m.group(1) if m.group(1) is not None else m.group(2))
    return out


def _assert_equal(lines: list[str]) -> None:
    engine = TemplateEngine()
    bad = [
        (line, engine._mask(line), _reference_tokens(line))
        for line in lines
        if engine._mask(line) != _reference_tokens(line)
    ]
    assert not bad, f"{len(bad)} of {len(lines)} lines differ, first: {bad[:3]}"


def test_tokens_equal_reference_on_fuzzed_tokens():
    rng = random.Random(15)
    tokens = [_random_token(rng) for _ in range(40_000)] + FRAGMENTS
    tokens = [t for tok in tokens for t in tok.split()]
    bad = [
        (t, template_native.mask_token(t), mask_token(t))
        for t in tokens
        if template_native.mask_token(t) != mask_token(t)
    ]
    assert not bad, f"{len(bad)} of {len(tokens)} tokens differ, first: {bad[:5]}"


def test_lines_equal_reference_on_fuzzed_lines():
    _assert_equal(_fuzzed_lines(8_000, 21))


def test_lines_equal_reference_on_generated_corpora():
    _assert_equal(_corpus_lines())


def test_lines_equal_reference_on_unit_test_strings():
    lines = _unit_test_lines()
    assert len(lines) > 200
    _assert_equal(lines)


def test_split_matches_python_whitespace():
    line = "a\u00a0b\x1cc\x85d\u2003e\u3000f\tg\n h"
    toks, _ = template_native.mask_line(line)
    assert toks == line.split()


@pytest.mark.skipif(
    not LOGHUB.is_dir(), reason=f"needs the shared Loghub-2k data at {LOGHUB} (absent in a plain clone)"
)
def test_lines_equal_reference_on_loghub_2k():
    lines = []
    for path in sorted(LOGHUB.glob("*/*_2k.log_structured_corrected.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            lines += [row["Content"] for row in csv.DictReader(fh)]
    assert len(lines) >= 16_000
    _assert_equal(lines)
