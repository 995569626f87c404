"""The one redaction stage: recall on the generated secret corpus, false redactions on Loghub-2k."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from logmesh_runtime.redaction import Redactor, card_ok
from logmesh_testing.secret_corpus import KINDS, corpus

LOGHUB = Path(__file__).resolve().parents[3] / ".." / "shared" / "datasets" / "loghub-2k"


def test_the_corpus_is_large_and_varied_enough() -> None:
    lines = corpus()
    assert len(lines) >= 200 and len(KINDS) >= 20 and len({e.kind for e in lines}) == len(KINDS)


def test_recall_on_the_secret_corpus_is_at_least_99_percent() -> None:
    redactor = Redactor()
    missed = [e for e in corpus() if e.leaked(redactor.scan(e.line).text)]
    assert len(missed) <= len(corpus()) // 100, [(e.kind, e.line[:80]) for e in missed]


def test_counts_name_the_kind_and_keep_the_context() -> None:
    result = Redactor().scan("db redis://:s3cretPassw0rd@cache:6379 and key AKIAABCDEFGHIJKLMNOP then")
    assert result.counts == Counter({"url-password": 1, "aws-access-key-id": 1})
    assert result.text == "db redis://:[REDACTED:url-password]@cache:6379 and key [REDACTED:aws-access-key-id] then"


def test_ordinary_lines_ids_and_hashes_are_left_alone() -> None:
    redactor = Redactor()
    for line in ["GET /cart 500 in 12ms", "order 1234567890123 shipped", "token bucket refilled", "pass: 3 tests",
                 "blk_4568434182693165548 size 67108864", "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 merged",
                 "Basic authentication enabled", "bearer token", "ts=1727265314123 took 2026 ms",
                 "AppWindowToken{9f4ef63 token=Token{a64f992 ActivityRecord{de9231d}}}"]:
        assert redactor.text(line) == (line, False), line
    assert card_ok("4111111111111111") and not card_ok("4111111111111112") and not card_ok("1127265314037829")


@pytest.mark.skipif(not LOGHUB.is_dir(), reason="Loghub-2k not present (../shared/datasets/loghub-2k)")
def test_false_redactions_on_loghub_2k_stay_under_half_a_percent() -> None:
    redactor = Redactor(emails=False)  # e-mail addresses are PII: masked on purpose, not a false redaction
    lines = [line for path in sorted(LOGHUB.glob("*/*_2k.log")) for line in path.read_text(errors="replace").splitlines()]
    changed = sum(1 for line in lines if redactor.scan(line).counts)
    assert len(lines) >= 30_000 and changed / len(lines) <= 0.005, changed


def test_the_secret_value_prefilter_skips_only_lines_that_cannot_match() -> None:
    redactor = Redactor()
    # a trigger word without a separator after a secret name: nothing to mask, and nothing masked
    assert redactor.text("cache miss for key item:140892") == ("cache miss for key item:140892", False)
    # upper case, spaces around the separator, quotes, and a non-ASCII text (the prefilter stands aside)
    assert redactor.text('DB_PASSWORD = "hunter22"') == ('DB_PASSWORD = "[REDACTED:secret-value]"', True)
    assert redactor.text("the api key is rotated; X-Api-Key: abcdef123")[0].endswith("[REDACTED:secret-value]")
    assert redactor.text("\u017fecret=hunter22 token")[0] == "\u017fecret=[REDACTED:secret-value] token"


def _batch_lines() -> list[str]:
    """Realistic and awkward lines: the load scenario's shapes, the secret corpus, secrets at batch edges."""
    import random

    rng = random.Random(11)
    scenario = (
        "GET /api/items/{n} 200 in {ms}ms", "user {n} logged in from 10.0.{a}.{b}", "cache miss for key item:{n}",
        "payment {n} failed: upstream timeout after {ms}ms", "worker {a} processed job {n} in {ms}ms",
    )
    lines = [scenario[i % 5].format(n=rng.randint(1, 10**6), ms=rng.randint(1, 999), a=rng.randint(0, 255),
                                    b=rng.randint(0, 255)) for i in range(3000)]
    lines += [e.line for e in corpus()]
    lines += [
        "", "4111", "1111 1111", "4111 1111 1111 1111", "x" * 39, "A" * 20 + "b" * 19 + "9", "token",
        "password", "=hunter22", "card 4111-1111-1111-1111 and\nnext line", "multi\nline password=abc123 here",
        "Ünïcödé password=hunter22", "\u017fecret=hunter22", "K\u212aey=value1234", "nul\0password=abc123",
        "SECRET_KEY=" + "Ab1" * 14, "ends with token:", "private key", "ghp_" + "a" * 36, "user@example.com",
    ]
    rng.shuffle(lines)
    return lines


@pytest.mark.parametrize("emails", [True, False])
def test_redacting_a_batch_gives_exactly_what_each_line_gives(emails: bool) -> None:
    redactor = Redactor(emails=emails)
    lines = _batch_lines()
    expected = [redactor.text(line) for line in lines]
    assert redactor.texts(lines) == expected
    for size in (1, 2, 7, 500):  # every batch boundary falls somewhere else
        assert [r for start in range(0, len(lines), size) for r in redactor.texts(lines[start:start + size])] == expected
    assert redactor.texts([]) == []


def test_every_secret_of_the_corpus_is_still_redacted_in_a_batch() -> None:
    redactor = Redactor()
    entries = corpus()
    per_line = {e.line for e in entries if not e.leaked(redactor.text(e.line)[0])}
    padded = [line for e in entries for line in (e.line, "GET /api/items/1 200 in 3ms")]
    masked = redactor.texts(padded)[::2]
    assert {e.line for e, (text, _) in zip(entries, masked, strict=True) if not e.leaked(text)} == per_line
    assert len(per_line) >= len(entries) * 99 // 100


@pytest.mark.skipif(not LOGHUB.is_dir(), reason="Loghub-2k not present (../shared/datasets/loghub-2k)")
def test_redacting_loghub_2k_in_batches_gives_exactly_what_each_line_gives() -> None:
    redactor = Redactor()
    lines = [line for path in sorted(LOGHUB.glob("*/*_2k.log")) for line in path.read_text(errors="replace").splitlines()]
    assert [r for start in range(0, len(lines), 1000) for r in redactor.texts(lines[start:start + 1000])] == [
        redactor.text(line) for line in lines]
