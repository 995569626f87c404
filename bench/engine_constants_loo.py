#!/usr/bin/env python3
"""Leave-one-source-out choice of the template engine's constants over every source we have.

Sources: the 16 Loghub-2k datasets (corrected ground truth, ``../shared/tools/loghub_eval.py``)
and the corpora written for this project (bench/corpora/generate.py, fixed seed). For each
held-out source the constants (similarity, min_word_values, tail_values, list_run) are chosen
from a grid by the mean GA of the other sources (tie-break mean FGA, then mean PA, then the
fewest constants changed from the defaults), and the held-out source is scored with them.
Mode: stream as ``logmesh parse`` runs by default (each line answered at once, retired template
numbers announced; the harness's ``cmd:`` semantics: a line gets the last template emitted for
its cluster). Beside it: the current defaults, and Loghub-only leave-one-out (constants chosen
on the Loghub datasets other than the held-out one, as bench/generalisation_bench.py does, over
the same grid). For the best single configuration over all sources: which event types change
against the defaults (splits fixed, keyword variants newly merged, ...).

Writes bench/results/engine-constants-loo.{json,md}; ``--json`` prints the JSON report on
stdout instead of the markdown. Progress goes to stderr. Re-run on any engine with one command:

    .venv/bin/python bench/engine_constants_loo.py [--shared ../shared] [--json] [--wide]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import blind_failure_table as F  # noqa: E402
import generalisation_bench as B  # noqa: E402

RESULTS = ROOT / "bench" / "results"
GRID: dict[str, tuple] = {
    "similarity": (0.4, 0.5, 0.6),
    "min_word_values": (2, 3, 4, 5),
    "tail_values": (2, 3),
    "list_run": (4, 6, 9),
}
# --wide: more values of each constant, and record_share; 5*6*5*6*6 = 5400 combinations, too many
# to score whole (about 1.3 CPU s each), so searched coarse to fine (see search)
WIDE_GRID: dict[str, tuple] = {
    "similarity": (0.3, 0.4, 0.5, 0.6, 0.7),
    "min_word_values": (2, 3, 4, 5, 6, 8),
    "tail_values": (0, 2, 3, 4, 5),
    "list_run": (0, 2, 4, 6, 9, 12),
    "record_share": (0.5, 0.6, 0.67, 0.75, 0.8, 0.9),
}
TIE_BREAK = ("GA", "FGA", "PA")

Config = dict[str, float | int]
Scores = dict[str, dict[str, float]]  # source -> metric -> value


# ------------------------------------------------------------------ selection (pure)


def grid_configs(grid: dict[str, tuple]) -> list[Config]:
    return [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]


def fit_grid(grid: dict[str, tuple], fields: dict[str, object]) -> tuple[dict[str, tuple], list[str]]:
    """The grid's axes the engine's configuration still has, each with its current default among
    its values (so the defaults are always scored), and the names it no longer has (the engine
    changes under this script: it is re-run on each merged engine)."""
    fitted = {}
    for k, values in grid.items():
        if k in fields:
            d = fields[k]
            fitted[k] = tuple(values) if d in values else (*values, d)
    return fitted, [k for k in grid if k not in fields]


def key(config: Config) -> str:
    return ",".join(f"{k}={v}" for k, v in config.items())


def mean(scores: Scores, sources: Iterable[str], metric: str) -> float:
    sources = list(sources)
    return sum(scores[s][metric] for s in sources) / len(sources)


def distance(config: Config, default: Config) -> int:
    """Constants changed from the defaults: among equal scores, the smallest change wins."""
    return sum(1 for k, v in config.items() if default.get(k) != v)


Weights = Callable[[str], float]


def rank(scores: Scores, config: Config, sources: Sequence[str], default: Config,
         weights: Weights | None = None) -> tuple:
    """Sort key of a configuration: mean GA over ``sources``, then mean FGA, then mean PA, then
    fewest constants changed from ``default``. Means are rounded to 1e-9 so that configurations
    with identical answers tie exactly. ``weights``: per-source weight (default: each counts once)."""
    w = weights or (lambda _s: 1.0)
    total = sum(w(s) for s in sources)
    means = tuple(round(sum(w(s) * scores[s][m] for s in sources) / total, 9) for m in TIE_BREAK)
    return (*means, -distance(config, default))


def choose(table: Sequence[Scores], configs: Sequence[Config], sources: Sequence[str], default: Config,
           weights: Weights | None = None) -> int:
    """Index of the best configuration over ``sources`` by :func:`rank`; the first in grid order
    among equals."""
    return max(range(len(configs)), key=lambda i: (rank(table[i], configs[i], sources, default, weights), -i))


def search(lookup: Callable[[Config], Scores], grid: dict[str, tuple], sources: Sequence[str], default: Config,
           weights: Weights | None = None, passes: int = 4) -> Config:
    """Coarse to fine, for grids too large to score whole: from the defaults, move one constant
    at a time to its best value by :func:`rank` (others fixed) until nothing moves; then score
    every combination of each constant's two best values around that point. ``lookup`` scores a
    configuration on every source (cache it: the searches of different held-out sources mostly
    visit the same configurations)."""
    def best_of(candidates: list[Config]) -> Config:
        return max(candidates, key=lambda c: rank(lookup(c), c, sources, default, weights))  # first among equals

    current = dict(default)
    for _ in range(passes):
        before = dict(current)
        for k, values in grid.items():
            current = best_of([{**current, k: v} for v in values])
        if current == before:
            break
    top2 = {}
    for k, values in grid.items():
        ranked = sorted(values, key=lambda v: rank(lookup({**current, k: v}), {**current, k: v}, sources, default,
                                                   weights), reverse=True)
        top2[k] = sorted({current[k], ranked[0], ranked[1] if len(ranked) > 1 else ranked[0]}, key=values.index)
    fine = [dict(zip(top2, vs, strict=True)) for vs in itertools.product(*top2.values())]
    return best_of([current, *fine])


def leave_one_out(select: Callable[[list[str], Weights | None], Config], pool: Sequence[str],
                  held_out: Sequence[str],
                  weights_for: Callable[[str], Weights] | None = None) -> dict[str, Config]:
    """held-out source -> configuration ``select`` chooses on ``pool`` without it."""
    return {h: select([s for s in pool if s != h], weights_for(h) if weights_for else None) for h in held_out}


def balanced_weights(loghub: Sequence[str], corpora: Sequence[str]) -> Callable[[str], Callable[[str], float]]:
    """Weights that give Loghub and the corpora half the mean each, whichever source is held out."""
    def for_held(h: str) -> Callable[[str], float]:
        n_l = len([s for s in loghub if s != h])
        n_c = len([s for s in corpora if s != h])
        return lambda s: 0.5 / n_l if s in loghub else 0.5 / n_c
    return for_held


# ------------------------------------------------------------------ event-type changes (pure)


def event_changes(gt: list[str], before: list[str], after: list[str]) -> dict[str, list[dict]]:
    """Event types whose grouping differs between two predictions, by class: split_fixed /
    merge_fixed (wrong before, exact after), newly_merged / newly_split (exact before, wrong
    after), changed (wrong in both, differently). Lines with an empty truth are left out, as
    the evaluator does."""
    idx = [i for i, t in enumerate(gt) if t.strip()]
    g = [norm_ws(gt[i]) for i in idx]
    fb = {e: (groups, others) for _, e, groups, others in F.failures(g, [before[i] for i in idx])}
    fa = {e: (groups, others) for _, e, groups, others in F.failures(g, [after[i] for i in idx])}
    lines: dict[str, int] = {}
    for e in g:
        lines[e] = lines.get(e, 0) + 1
    out: dict[str, list[dict]] = {"split_fixed": [], "merge_fixed": [], "newly_merged": [], "newly_split": [],
                                  "changed": []}

    def row(e: str, side: tuple) -> dict:
        groups, others = side
        return {"event": e, "lines": lines[e], "groups": len(groups), "merged_with": sorted(others)}

    for e in lines:
        b, a = fb.get(e), fa.get(e)
        if b and not a:
            out["split_fixed" if len(b[0]) > 1 else "merge_fixed"].append(
                {**row(e, ({None: 0}, set())), "groups_before": len(b[0]), "merged_with_before": sorted(b[1])})
        elif a and not b:
            out["newly_merged" if a[1] else "newly_split"].append(row(e, a))
        elif a and b and (len(a[0]) != len(b[0]) or a[1] != b[1]):
            out["changed"].append({**row(e, a), "groups_before": len(b[0]), "merged_with_before": sorted(b[1])})
    for rows in out.values():
        rows.sort(key=lambda r: (-r["lines"], r["event"]))
    return out


def norm_ws(text: str) -> str:
    """The evaluator's whitespace normalisation of a ground-truth template."""
    return " ".join(text.split())


# ------------------------------------------------------------------ scoring (engine, I/O)


def engine_config(config: Config, final: bool = False):
    from template_matching.engine import EngineConfig

    # logmesh parse's default stream announces retired numbers; final answers are current already
    return dataclasses.replace(EngineConfig(announce_retired=not final), **config)


class Scorer:
    """Stream scores of a configuration on every source, computed once per configuration."""

    def __init__(self, H, sources: dict[str, tuple[list[str], list[str]]]) -> None:
        self.H, self.sources = H, sources
        self.cache: dict[str, tuple[Config, Scores]] = {}
        self.t0 = time.process_time()

    def __call__(self, config: Config) -> Scores:
        k = key(config)
        if k not in self.cache:
            ec = engine_config(config)
            self.cache[k] = (dict(config), {
                s: B.score(self.H, gt, B.engine_templates(c, ec, False)) for s, (c, gt) in self.sources.items()
            })
            n = len(self.cache)
            if n == 1 or n % 10 == 0:
                print(f"scored {n} configurations ({time.process_time() - self.t0:.0f} CPU s), last {k}",
                      file=sys.stderr, flush=True)
        return self.cache[k][1]


# ------------------------------------------------------------------ report


def summarise(rows: dict[str, dict], loghub: list[str], corpora: list[str]) -> dict:
    def avg(names: list[str]) -> dict:
        return {m: sum(rows[n][m] for n in names) / len(names) for m in B.METRICS}

    return {"loghub": avg(loghub), "corpora": avg(corpora), "all": avg(loghub + corpora)}


def build_report(H, sources, loghub: list[str], corpora: list[str], grid: dict[str, tuple], wide: bool) -> dict:
    from template_matching.engine import EngineConfig

    t_start = time.time()
    base = EngineConfig()
    grid, missing = fit_grid(grid, {f.name: getattr(base, f.name) for f in dataclasses.fields(base)})
    if missing:
        print(f"engine_constants_loo: EngineConfig has no {', '.join(missing)}; left out of the grid",
              file=sys.stderr)
    default: Config = {k: getattr(base, k) for k in grid}
    lookup = Scorer(H, sources)
    everything = loghub + corpora
    if wide:
        def select(pool: list[str], weights: Weights | None) -> Config:
            return search(lookup, grid, pool, default, weights)
    else:
        configs = grid_configs(grid)
        if default not in configs:  # the defaults are always scored, even off the grid
            configs.append(default)
        for n, cfg in enumerate(configs, 1):
            lookup(cfg)
            if n % 10 == 0 or n == len(configs):
                spent = time.process_time() - lookup.t0
                print(f"grid {n}/{len(configs)}: about {spent / n * (len(configs) - n):.0f} CPU s left",
                      file=sys.stderr, flush=True)
        table = [lookup(c) for c in configs]

        def select(pool: list[str], weights: Weights | None) -> Config:
            return configs[choose(table, configs, pool, default, weights)]

    def held_rows(choice: dict[str, Config]) -> dict[str, dict]:
        return {h: {"chosen": cfg, **lookup(cfg)[h]} for h, cfg in choice.items()}

    methods = {
        "leave_one_source_out": held_rows(leave_one_out(select, everything, everything)),
        "leave_one_source_out_balanced": held_rows(
            leave_one_out(select, everything, everything, balanced_weights(loghub, corpora))),
        # Loghub-only: a Loghub dataset is held out of the 16, a corpus is scored with the choice on all 16
        "loghub_only_loo": held_rows(leave_one_out(select, loghub, everything)),
        "defaults": held_rows({h: default for h in everything}),
    }
    best = select(everything, None)
    best_loghub = select(loghub, None)
    best_corpora = select(corpora, None)
    print("drain3 masked", file=sys.stderr, flush=True)
    drain = {s: B.score(H, gt, H.run_drain3(c, B.DRAIN_MASKED)[1]) for s, (c, gt) in sources.items()}

    # best single configuration over all sources (and the corpora's own best, which lowers the
    # constants the issue questions) against the defaults, per event type; the first in --final too
    print("event-type changes, --final", file=sys.stderr, flush=True)
    changes: dict[str, dict] = {}
    for label, cfg in (("best_overall", best), ("best_on_corpora", best_corpora)):
        changes[label] = {"config": cfg, "sources": {}}
        for s, (c, gt) in sources.items():
            ch = event_changes(gt, B.engine_templates(c, engine_config(default), False),
                               B.engine_templates(c, engine_config(cfg), False))
            if any(ch.values()):
                changes[label]["sources"][s] = ch
    final = {}
    for name, cfg in (("defaults", default), ("best_overall", best)):
        final[name] = {s: B.score(H, gt, B.engine_templates(c, engine_config(cfg, final=True), True))
                       for s, (c, gt) in sources.items()}

    scored = list(lookup.cache.values())
    ranking = [
        {"config": cfg, "mean_GA_all": mean(sc, everything, "GA"), "mean_GA_loghub": mean(sc, loghub, "GA"),
         "mean_GA_corpora": mean(sc, corpora, "GA")}
        for cfg, sc in sorted(scored, key=lambda cs: (-round(mean(cs[1], everything, "GA"), 9),
                                                      distance(cs[0], default)))
    ]

    def picked(cfg: Config) -> dict:
        return {"config": cfg, "average": summarise(lookup(cfg), loghub, corpora)}

    return {
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "engine_commit": subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                                        text=True).stdout.strip(),
        "mode": "stream, retired numbers announced (logmesh parse default; harness cmd: semantics)",
        "selection": "max mean GA over the other sources; tie-break mean FGA, mean PA, fewest constants "
                     "changed from the defaults, grid order"
                     + ("; coarse-to-fine search (one constant at a time from the defaults until stable, then "
                        "every combination of each constant's two best values)" if wide else "; whole grid"),
        "grid": {k: list(v) for k, v in grid.items()},
        "constants_not_in_engine": missing,
        "configurations_scored": len(scored),
        "defaults": default,
        "sources": {"loghub": loghub, "corpora": corpora},
        "lines": {s: len(c) for s, (c, _) in sources.items()},
        "methods": {m: {"held_out": rows, "average": summarise(rows, loghub, corpora)} for m, rows in methods.items()},
        "drain3_masked": {"sources": drain, "average": summarise(drain, loghub, corpora)},
        "best_overall": {**picked(best), "scores": lookup(best)},
        "best_on_loghub": picked(best_loghub),
        "best_on_corpora": picked(best_corpora),
        "final_mode": {n: {"average": summarise(r, loghub, corpora), "sources": r} for n, r in final.items()},
        "event_type_changes_vs_defaults": changes,
        "top_configurations": ranking[:15],
        "per_constant": per_constant(scored, default, loghub, corpora),
        "seconds": round(time.time() - t_start, 1),
    }


def per_constant(scored: list[tuple[Config, Scores]], default: Config, loghub, corpora) -> dict:
    """Each constant moved alone from the defaults (the others at their defaults): mean GA."""
    out: dict[str, dict] = {}
    for k in default:
        rows = sorted(((cfg[k], sc) for cfg, sc in scored if all(cfg[o] == default[o] for o in default if o != k)),
                      key=lambda r: r[0])
        out[k] = {str(v): {"loghub_GA": mean(sc, loghub, "GA"), "corpora_GA": mean(sc, corpora, "GA"),
                           "all_GA": mean(sc, loghub + corpora, "GA"),
                           "GA": {src: sc[src]["GA"] for src in loghub + corpora}} for v, sc in rows}
    return out


def fmt(r: dict) -> str:
    return " / ".join(f"{r[m]:.3f}" for m in B.METRICS)


def short(cfg: Config) -> str:
    names = {"similarity": "sim", "min_word_values": "mwv", "tail_values": "tail", "list_run": "list",
             "record_share": "rec"}
    return " ".join(f"{names.get(k, k)} {v}" for k, v in cfg.items())


def markdown(r: dict) -> str:
    M = r["methods"]
    md = [
        "# Engine constants: leave-one-source-out over Loghub-2k and the written corpora",
        "",
        f"Generated {r['generated_at']} by `bench/engine_constants_loo.py` at commit {r['engine_commit'][:12]} "
        f"({r['seconds']:.0f} s). Mode: {r['mode']}. Grid: "
        + ", ".join(f"{k} {v}" for k, v in r["grid"].items())
        + f" ({r['configurations_scored']} configurations scored). Selection: {r['selection']}. Cells GA / FGA / PA / FTA "
        "(Loghub-2.0 evaluator, corrected ground truth).",
        "",
        "Methods: **LOSO** — constants chosen on the other 25 sources (every source counts once); "
        "**LOSO balanced** — the same with Loghub and the corpora weighted half each; **Loghub-only LOO** — "
        "chosen on the Loghub datasets other than the held-out one (a corpus gets the choice on all 16); "
        "**defaults** — `EngineConfig()` as it stands.",
        "",
        "## Averages",
        "",
        "| method | Loghub (16) | corpora (10) | all (26) |",
        "|---|---|---|---|",
    ]
    names = {"leave_one_source_out": "LOSO", "leave_one_source_out_balanced": "LOSO balanced",
             "loghub_only_loo": "Loghub-only LOO", "defaults": "defaults"}
    for m, label in names.items():
        a = M[m]["average"]
        md.append(f"| {label} | {fmt(a['loghub'])} | {fmt(a['corpora'])} | {fmt(a['all'])} |")
    d = r["drain3_masked"]["average"]
    md.append(f"| drain3 masked | {fmt(d['loghub'])} | {fmt(d['corpora'])} | {fmt(d['all'])} |")
    for label, b in (("best single config over all 26 (not held out)", r["best_overall"]),
                     ("best on Loghub (16)", r["best_on_loghub"]), ("best on corpora (10)", r["best_on_corpora"])):
        a = b["average"]
        md.append(f"| {label}: {short(b['config'])} | {fmt(a['loghub'])} | {fmt(a['corpora'])} | {fmt(a['all'])} |")
    for n, f in r["final_mode"].items():
        a = f["average"]
        md.append(f"| {n}, `--final` | {fmt(a['loghub'])} | {fmt(a['corpora'])} | {fmt(a['all'])} |")
    md += [
        "",
        "## Per held-out source",
        "",
        "| held out | LOSO chosen | LOSO | Loghub-only LOO chosen | Loghub-only LOO | defaults | drain3 masked |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in [*r["sources"]["loghub"], *r["sources"]["corpora"]]:
        lo, lh, de = (M[m]["held_out"][s] for m in ("leave_one_source_out", "loghub_only_loo", "defaults"))
        md.append(f"| {s} | {short(lo['chosen'])} | {fmt(lo)} | {short(lh['chosen'])} | {fmt(lh)} | {fmt(de)} | "
                  f"{fmt(r['drain3_masked']['sources'][s])} |")
    md += ["", "## Each constant moved alone from the defaults (mean stream GA)", "",
           "| constant | value | Loghub | corpora | all |", "|---|---|---|---|---|"]
    for k, vals in r["per_constant"].items():
        for v, x in vals.items():
            mark = " (default)" if str(r["defaults"][k]) == v else ""
            md.append(f"| {k} | {v}{mark} | {x['loghub_GA']:.3f} | {x['corpora_GA']:.3f} | {x['all_GA']:.3f} |")
    md += ["", "Sources whose stream GA moves by .005 or more when one constant moves alone:", ""]
    for k, vals in r["per_constant"].items():
        vs = list(vals)
        moved = [src for src in next(iter(vals.values()))["GA"]
                 if max(vals[v]["GA"][src] for v in vs) - min(vals[v]["GA"][src] for v in vs) >= 0.005]
        if not moved:
            md.append(f"- {k}: none")
            continue
        cells = {src: " / ".join(f"{vals[v]['GA'][src]:.3f}" for v in vs) for src in moved}
        md.append(f"- {k} ({' / '.join(vs)}): " + "; ".join(f"{src} {c}" for src, c in cells.items()))
    md += ["", "## Top configurations by mean stream GA over all 26", "",
           "| config | all | Loghub | corpora |", "|---|---|---|---|"]
    for t in r["top_configurations"][:10]:
        md.append(f"| {short(t['config'])} | {t['mean_GA_all']:.3f} | {t['mean_GA_loghub']:.3f} | "
                  f"{t['mean_GA_corpora']:.3f} |")
    for label, title in (("best_overall", "best single config"), ("best_on_corpora", "best config on the corpora")):
        md += event_change_section(r, label, title)
    md.append("")
    return "\n".join(md)


def event_change_section(r: dict, label: str, title: str) -> list[str]:
    ch_all = r["event_type_changes_vs_defaults"][label]
    cfg = ch_all["config"]
    scores = r["best_overall"]["scores"] if label == "best_overall" else None
    md = ["", f"## Event types that change: {title} ({short(cfg)}) against the defaults, stream", "",
          "Exact = the event type's lines form one predicted group holding nothing else. split fixed / merge "
          "fixed: wrong under the defaults, exact now; newly merged: exact under the defaults, now shares a "
          "group with other event types (keyword variants merged); newly split: exact under the defaults, now "
          "several groups; changed: wrong under both, differently.", "",
          "| source | split fixed | merge fixed | newly merged | newly split | changed |"
          + (" GA defaults → best |" if scores else ""),
          "|---|---|---|---|---|---|" + ("---|" if scores else "")]
    classes = ("split_fixed", "merge_fixed", "newly_merged", "newly_split", "changed")
    for s, ch in ch_all["sources"].items():
        cells = [f"{len(ch[c])} ({sum(x['lines'] for x in ch[c])} lines)" if ch[c] else "-" for c in classes]
        ga = (f" {r['methods']['defaults']['held_out'][s]['GA']:.3f} → {scores[s]['GA']:.3f} |" if scores else "")
        md.append(f"| {s} | " + " | ".join(cells) + " |" + ga)
    for c in ("newly_merged", "newly_split", "split_fixed"):
        rows = [(s, x) for s, ch in ch_all["sources"].items() for x in ch[c]]
        if not rows:
            continue
        rows.sort(key=lambda sx: -sx[1]["lines"])
        md += ["", f"### {c.replace('_', ' ')} ({len(rows)} event types; largest 12)", ""]
        for s, x in rows[:12]:
            others = x["merged_with"] or x.get("merged_with_before", [])
            extra = f"; with `{'`, `'.join(F.cut(o)[:100] for o in others[:2])}`" if others else ""
            before = f", {x['groups_before']} groups before" if "groups_before" in x else f", {x['groups']} groups"
            md.append(f"- {s}: `{F.cut(x['event'])[:120]}` ({x['lines']} lines{before}{extra})")
    return md


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--json", action="store_true", help="print the JSON report on stdout instead of the markdown")
    ap.add_argument("--wide", action="store_true",
                    help="the wide grid (record_share too, more values of each constant), searched coarse to "
                         "fine instead of whole")
    ap.add_argument("--grid", type=json.loads, default=None, metavar="JSON",
                    help='axes to add or replace, e.g. \'{"min_word_values": [3, 4, 5], "record_share": [0.6, 0.67]}\' '
                         "(any EngineConfig field); results go to engine-constants-loo-custom.*")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results/engine-constants-loo.*")
    args = ap.parse_args()
    grid = dict(WIDE_GRID if args.wide else GRID)
    if args.grid is not None:
        if not isinstance(args.grid, dict) or not all(isinstance(v, list) and v for v in args.grid.values()):
            ap.error("--grid takes a JSON object of non-empty lists, e.g. '{\"tail_values\": [2, 3]}'")
        grid.update({k: tuple(v) for k, v in args.grid.items()})
    shared = Path(args.shared).resolve()
    if not (shared / "tools" / "loghub_eval.py").is_file():
        print(f"engine_constants_loo: no tools/loghub_eval.py under {shared} (pass --shared PATH or set "
              "LOGMESH_SHARED)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(shared / "tools"))
    import loghub_eval as H

    sources, loghub, corpora = B.load_sources(shared, H), list(H.DATASETS), list(B.CORPORA)
    report = build_report(H, sources, loghub, corpora, grid, args.wide)
    md = markdown(report)
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        suffix = ("-wide" if args.wide else "") + ("-custom" if args.grid is not None else "")
        (RESULTS / f"engine-constants-loo{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
        (RESULTS / f"engine-constants-loo{suffix}.md").write_text(md)
    print(json.dumps(report, indent=2) if args.json else md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
