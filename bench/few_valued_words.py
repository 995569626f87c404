#!/usr/bin/env python3
"""How much of the GA that is lost is lost to few-valued words, and how much a merge at one
word position would cost (issue 15, seventeenth pass a).

Engine templates that differ at exactly one token, a word at that place in each (no
variable), make a *family* (same token count, every other token equal). Each family is
labelled by the ground truth of its lines:

- ``split``: every member's lines belong to one event that no other template holds: merging
  the family at that place would group the event exactly (its lines are the GA an ideal rule
  wins, counted if the event then owns the merged template alone);
- ``distinct``: the members hold different events: merging them would lose the lines of the
  events that are grouped exactly today (what a merge would lose);
- ``mixed``: anything else (counted, not scored).

Each family's place is described by generic features (the token before it, the words' shape,
first/last token, how many members, how even their line counts are), and each candidate
piece of evidence is scored against the two sides: lines and families it would win on the
split side, lines and families it would lose on the distinct side. Held-out corpora are
printed and stored as counts only (never a word or a line).

    .venv/bin/python bench/few_valued_words.py [--out bench/results/few-valued-words.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from generalisation_bench import HELD_OUT, engine_templates, shared_sources  # noqa: E402

from template_matching.engine.core import _PREPOSITIONS  # noqa: E402

VAR = "<*>"
_TRAIL = ",.;:)]}'\""
_LEAD = "([{'\"`"


def _core(word: str) -> str:
    return word.strip(_TRAIL + _LEAD)


def word_shape(word: str) -> str:
    """A coarse shape class of one word."""
    w = _core(word)
    if not w:
        return "symbols"
    if any(ch.isdigit() for ch in w):
        return "digits"
    if any(ch in "-_./@" for ch in w):
        return "joined"
    if w.isupper():
        return "caps"
    if w[0].isupper() and w[1:].islower():
        return "title"
    if w[0].isupper() or any(ch.isupper() for ch in w[1:]):
        return "camel"
    if w.islower():
        return "lower"
    return "other"


_VERB_FORM = re.compile(r"(?:ed|ing|en)$")


def families(templates: list[tuple[str, ...]]) -> dict[tuple, list[tuple[str, ...]]]:
    """Templates equal but at one place, where each holds a word: keyed (n, i, rest)."""
    out: dict[tuple, list[tuple[str, ...]]] = defaultdict(list)
    for t in templates:
        for i, tok in enumerate(t):
            if VAR in tok or not any(ch.isalpha() for ch in tok):
                continue
            out[(len(t), i, t[:i] + t[i + 1 :])].append(t)
    return {k: v for k, v in out.items() if len(v) >= 2}


def describe(key: tuple, members: list[tuple[str, ...]], lines: dict) -> dict:
    n, i, _ = key
    t0 = members[0]
    words = [m[i] for m in members]
    prev = t0[i - 1] if i > 0 else ""
    nxt = t0[i + 1] if i + 1 < n else ""
    counts = sorted(sum(lines[m].values()) for m in members)
    return {
        "n": n,
        "pos": i,
        "first": i == 0,
        "last": i == n - 1,
        "prev": prev,
        "next": nxt,
        "after": list(t0[i + 1 : i + 4]),
        "prev_is_var": VAR in prev,
        "next_is_var": VAR in nxt,
        "prev_label": prev.endswith(":") or prev.endswith("="),
        "words": words,
        "shapes": sorted({word_shape(w) for w in words}),
        "verb_forms": sum(1 for w in words if _VERB_FORM.search(_core(w).lower() or "x") is not None),
        "enclosed": all(w[:1] in _LEAD and w.rstrip(_TRAIL[:5])[-1:] in _TRAIL for w in words),
        "members": len(members),
        "count_ratio": counts[0] / counts[-1],
        "vars_in_template": sum(1 for t in t0 if VAR in t),
        "label_siblings_var": _label_siblings_var(t0, i),
    }


def _separator(tok: str) -> bool:
    """A key's separator from its value: a bare ":" or "=", or a label ending in one."""
    return tok in (":", "=") or (len(tok) > 1 and tok[-1] in ":=" and tok[:-1].isalpha())


def _label_siblings_var(t: tuple[str, ...], i: int) -> bool:
    """The word follows a separator, and another separator of the same kind in the template
    is followed by a variable (the template's other fields print values there)."""
    if i == 0 or not _separator(t[i - 1]):
        return False
    kind = t[i - 1][-1]
    return any(
        j != i and _separator(t[j - 1]) and t[j - 1][-1] == kind and VAR in t[j] for j in range(1, len(t))
    )


_KV_VALUE = re.compile(r"""[\w.-]+(?:=|":)(["']?)([A-Za-z][\w-]*)\1(?=[\s,;}\]]|$)""")


def key_values(contents: list[str]) -> set[str]:
    """Words printed anywhere as the value of a ``key=value`` field (or a JSON field)."""
    return {m.group(2) for line in contents for m in _KV_VALUE.finditer(line)}


def covered_words(contents: list[str], tpl: list[str]) -> dict[str, set[str]]:
    """Words of lines at places their (final) template holds a whole-token variable, with
    the templates that cover them."""
    out: dict[str, set[str]] = defaultdict(set)
    for line, t in zip(contents, tpl, strict=True):
        raw, tt = line.split(), t.split()
        if len(raw) != len(tt):
            continue
        for w, x in zip(raw, tt, strict=True):
            if x == VAR:
                out[_core(w)].add(t)
    return out


def analyse(contents: list[str], gt: list[str], config) -> tuple[dict, list[dict]]:
    tpl = engine_templates(contents, config, False)
    kv = key_values(contents)
    covered = covered_words(contents, engine_templates(contents, config, True))
    idx = [j for j, g in enumerate(gt) if g.strip()]
    lines: dict[tuple[str, ...], Counter] = defaultdict(Counter)  # template -> event -> lines
    event_templates: dict[str, Counter] = defaultdict(Counter)
    for j in idx:
        t = tuple(tpl[j].split())
        g = " ".join(gt[j].split())
        lines[t][g] += 1
        event_templates[g][t] += 1

    def exact(event: str) -> bool:
        ts = event_templates[event]
        return len(ts) == 1 and len(lines[next(iter(ts))]) == 1

    fams = families(list(lines))
    out = []
    summary = Counter()
    for key, members in fams.items():
        events = [set(lines[m]) for m in members]
        d = describe(key, members, lines)
        cores = [_core(w) for w in d["words"]]
        d["kv_vocab"] = all(c in kv for c in cores)
        d["covered_elsewhere"] = all(covered.get(c) for c in cores)
        if all(len(e) == 1 for e in events) and len(set().union(*events)) == 1:
            (event,) = events[0]
            owned = set(event_templates[event]) <= set(members)
            d["side"] = "split"
            d["win"] = sum(event_templates[event].values()) if owned else 0
            d["lines"] = sum(sum(lines[m].values()) for m in members)
        elif all(len(e) == 1 for e in events) and len(set().union(*events)) == len(members):
            d["side"] = "distinct"
            d["lose"] = sum(sum(lines[m].values()) for m in members if exact(next(iter(lines[m]))))
            d["lines"] = sum(sum(lines[m].values()) for m in members)
        else:
            d["side"] = "mixed"
            d["lines"] = sum(sum(lines[m].values()) for m in members)
        summary[d["side"] + "_families"] += 1
        summary[d["side"] + "_lines"] += d["lines"]
        summary["win_lines"] += d.get("win", 0)
        summary["lose_lines"] += d.get("lose", 0)
        out.append(d)
    summary["lines"] = len(idx)
    return dict(summary), out


# candidate evidence, each a predicate over one family's description (generic: no program named)
KINDS = {"user", "queue", "topic", "group", "container", "node", "pod", "namespace", "database", "db", "table",
         "bucket", "principal", "host", "tenant", "account", "cluster", "index", "job", "app", "application",
         "volume", "image", "role", "realm", "zone", "region", "partition", "stream", "plugin", "service",
         "module", "backend", "channel", "pool", "instance", "project", "device", "interface", "model",
         "dataset", "pipeline", "task", "worker", "peer", "client", "server", "repo", "repository", "branch",
         "method", "collection", "schema", "shard", "replica", "tag", "key", "file", "disk", "port", "vhost",
         "exchange", "consumer", "producer", "subscription", "deployment", "workflow", "agent", "driver", "provider"}


# the words whose next word pass 23b takes for the statement's object
PREPOSITIONS = set(_PREPOSITIONS)


def _bracket_closed_by_value(d: dict) -> bool:
    """The words open a square bracket that a later token holding a value closes ("[hls @ <*>]")."""
    if not all(w[:1] == "[" and "]" not in w and w[1:2].isalpha() for w in d["words"]):
        return False
    for tok in d["after"]:
        if "]" in tok:
            return VAR in tok
    return False


def _prev_core(d: dict) -> str:
    return d["prev"].strip(_TRAIL + _LEAD).lower()


CANDIDATES = {
    "prev_kind_noun": lambda d: _prev_core(d) in KINDS and not d["prev"].endswith(":"),
    "prev_kind_any": lambda d: _prev_core(d) in KINDS,
    "prev_label": lambda d: d["prev_label"],
    "kv_vocab": lambda d: d["kv_vocab"] and not d["first"],
    "covered_elsewhere": lambda d: d["covered_elsewhere"] and not d["first"],
    "email": lambda d: all(re.match(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$", _core(w)) for w in d["words"]),
    "digits_only_differ": lambda d: len({re.sub(r"[0-9]+", "#", w) for w in d["words"]}) == 1
    and all(any(ch.isdigit() for ch in w) for w in d["words"]),
    "lower_only": lambda d: d["shapes"] == ["lower"],
    "lower_no_verbform": lambda d: d["shapes"] == ["lower"] and d["verb_forms"] == 0,
    "no_verbform": lambda d: d["verb_forms"] == 0,
    "last_token": lambda d: d["last"],
    "last_no_verbform": lambda d: d["last"] and d["verb_forms"] == 0,
    "enclosed": lambda d: d["enclosed"],
    "prev_var": lambda d: d["prev_is_var"],
    "next_var": lambda d: d["next_is_var"],
    "members>=3": lambda d: d["members"] >= 3,
    "members>=3_no_verbform": lambda d: d["members"] >= 3 and d["verb_forms"] == 0,
    "even_counts": lambda d: d["count_ratio"] >= 0.5,
    "even_no_verbform": lambda d: d["count_ratio"] >= 0.5 and d["verb_forms"] == 0,
    "camel": lambda d: all(re.search(r"[a-z][A-Z]", _core(w)) for w in d["words"]),
    "camel_or_caps_code": lambda d: all(re.search(r"[a-z][A-Z]", _core(w)) or re.match(r"^[A-Z][A-Z0-9_]*$", _core(w)) for w in d["words"]),
    "label_siblings_var": lambda d: d["label_siblings_var"],
    "last_after_label": lambda d: d["last"] and d["prev"].endswith(":") and d["prev"][:-1].isalpha(),
    "last_after_label_title": lambda d: d["last"] and d["prev"].endswith(":") and d["prev"][:-1].isalpha()
    and all(re.match(r"^[A-Z][a-z]+$", _core(w)) for w in d["words"]),
    "quoted_code": lambda d: all(re.match(r"""^(["'])[A-Z][A-Z0-9_]*\1[,.;:)]*$""", w) for w in d["words"]),
    "square_word": lambda d: all(re.match(r"^\[[A-Za-z][\w.-]*\][,.;:]?$", w) for w in d["words"]),
    "qualified_class": lambda d: all(re.match(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\.[A-Z][A-Za-z0-9_$]*$", _core(w)) for w in d["words"]),
    # pass 22d
    "plural_after_value": lambda d: d["prev_is_var"] and len({_core(w).lower().removesuffix("es").removesuffix("s") for w in d["words"]}) == 1,
    "plural_any": lambda d: len({_core(w).lower().removesuffix("es").removesuffix("s") for w in d["words"]}) == 1,
    "quoted_word_any_case": lambda d: all(re.match(r"""^(["'])[A-Za-z][\w.-]*\1[,.;:)]*$""", w) for w in d["words"]),
    "quoted_label": lambda d: all(re.match(r"""^(["'])[A-Za-z][\w .-]*\1:$""", w) for w in d["words"]),
    "snake_mixed_case": lambda d: all(re.match(r"^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+$", _core(w)) and re.search(r"[a-z]", _core(w)) and re.search(r"[A-Z]", _core(w)) for w in d["words"]),
    "snake_any": lambda d: all(re.match(r"^[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+$", _core(w)) for w in d["words"]),
    "next_is_at": lambda d: d["next"] == "@",
    "first_bracket_closed_by_value": lambda d: d["first"] and _bracket_closed_by_value(d),
    "erlang_binary": lambda d: any(w.startswith('<<"') for w in d["words"]),
    "lower_prev_noun_word": lambda d: d["shapes"] == ["lower"] and d["verb_forms"] == 0 and d["prev"].isalpha()
    and d["prev"].islower(),
    # pass 23b: the object of a preposition or an article, not a verb form ("on shop from", "in I frame");
    # with "to" and "as" too (the two distinct families: "to spawn" / "to destroy", "as bytes" / "as values")
    "prep_object_with_to_as": lambda d: d["prev"] in PREPOSITIONS | {"to", "as"} and d["verb_forms"] == 0,
    "prep_object_any_place": lambda d: d["prev"] in PREPOSITIONS and d["verb_forms"] == 0
    and not (d["prev"] == "from" and d["next"] == "to"),
    "prep_object": lambda d: d["prev"] in PREPOSITIONS and d["verb_forms"] == 0 and not d["last"]
    and not (d["prev"] == "from" and d["next"] == "to"),
}


# candidates about a word that may open the line (pass 22d: "[hls @ <*>]", a context's name)
FIRST_OK = {"next_is_at", "first_bracket_closed_by_value"}


def score(fams: list[dict]) -> dict:
    out = {}
    CANDIDATES["any (not first word)"] = lambda d: True
    for name, pred in CANDIDATES.items():
        hit = [d for d in fams if d["side"] in ("split", "distinct") and (not d["first"] or name in FIRST_OK) and pred(d)]
        out[name] = {
            "split_families": sum(1 for d in hit if d["side"] == "split"),
            "split_win_lines": sum(d.get("win", 0) for d in hit),
            "distinct_families": sum(1 for d in hit if d["side"] == "distinct"),
            "distinct_lose_lines": sum(d.get("lose", 0) for d in hit),
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "few-valued-words.json"))
    ap.add_argument("--examples", default="", help="write the read sources' families here (words, no held-out)")
    ap.add_argument("--sources", default="", help="comma-separated subset")
    ap.add_argument("--held-out-counts", action="store_true", help="score the candidates on the held out too (counts)")
    args = ap.parse_args()
    from template_matching.engine import EngineConfig

    config = EngineConfig(announce_retired=True)
    sources = shared_sources(args.shared)
    wanted = [s for s in args.sources.split(",") if s] or list(sources)
    report: dict = {"sources": {}, "evidence_read": {}}
    read_fams, held_fams, examples = [], [], {}
    for name in wanted:
        contents, gt = sources[name]
        summary, fams = analyse(contents, gt, config)
        report["sources"][name] = summary
        print(f"{name:22s} " + " ".join(f"{k}={v}" for k, v in sorted(summary.items())), flush=True)
        if name not in HELD_OUT:
            read_fams += fams
            examples[name] = fams
        else:
            held_fams += fams
    report["evidence_read"] = score(read_fams)
    # the held-out corpora's families are counted in "sources"; with --held-out-counts the five
    # together are scored per candidate (counts only, never a word), once the candidates are
    # written, to check a mechanism's reach before a rule (pass 22d)
    groups = ["evidence_read"]
    if args.held_out_counts:
        report["evidence_held_out_counts"] = score(held_fams)
        groups.append("evidence_held_out_counts")
    for group in groups:
        print(group)
        for k, v in report[group].items():
            print(f"  {k:26s} " + " ".join(f"{a}={b}" for a, b in v.items()))
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    if args.examples:
        Path(args.examples).write_text(json.dumps(examples, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
