#!/usr/bin/env python3
"""Generalisation protocol of the template engine, drain3 beside every number.

1. Loghub-2k (corrected ground truth): the engine's one generic configuration in stream
   mode (each line answered at once; the harness's ``cmd:`` semantics: a line gets the
   last template emitted for its cluster) and ``--final`` mode, drain3 with default-like
   settings (similarity .5, depth 4, no masking regexes) and drain3 with Loghub's
   per-dataset tuned settings.
2. Leave-one-dataset-out on Loghub-2k: the engine's constants (similarity, words a plain
   word position needs before it becomes a variable) are chosen from a small grid by the
   average stream GA of the other 15 datasets, then the held-out dataset is scored with them.
3. Held-out corpora written for this project (bench/corpora/generate.py, fixed seed): the
   default configuration, fixed on Loghub before these corpora were scored.

Writes bench/results/generalisation.json and .md. Needs the shared Loghub-2k data and
drain3 (``.venv/bin/pip install -r bench/requirements.txt``).

    .venv/bin/python bench/generalisation_bench.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
METRICS = ("GA", "FGA", "PA", "FTA")
CORPORA = ("K8sPlatform", "DataPlatform", "OpsPlatform", "ServicePlatform", "EdgePlatform", "ToolingPlatform",
           "MeshPlatform", "StackPlatform", "CloudPlatform", "RuntimePlatform", "InfraPlatform",
           "EnterprisePlatform", "HybridPlatform", "ResearchPlatform", "ClusterOpsPlatform", "DataAppPlatform",
           "WebAppPlatform", "ObservabilityPlatform", "NetworkPlatform", "MLPlatform",
           "SecOpsPlatform", "AnalyticsPlatform", "StoragePlatform", "DeliveryPlatform", "CommsPlatform",
           "HostPlatform", "LegacyPlatform", "ChainPlatform", "MediaPlatform", "IoTPlatform",
           "GamePlatform", "IdentityPlatform", "MailPlatform",
           "EmbeddedPlatform", "HPCPlatform", "CommunityPlatform", "VirtPlatform",
           "CarrierPlatform", "AutomationPlatform", "WindowsPlatform",
           "MobilePlatform", "BuildPlatform", "MainframePlatform",
           "HyperscalerPlatform", "DesktopPlatform", "NewSQLPlatform",
           "MiddlewarePlatform", "AppliancePlatform", "BackupPlatform",
           "RoboticsPlatform", "HealthPlatform", "SearchPlatform",
           "WorkflowPlatform", "GeoPlatform", "ServerlessPlatform",
           "CommercePlatform", "GatewayPlatform", "IndustrialPlatform",
           "SpacePlatform", "FabricationPlatform", "ERPPlatform",
           "FinancePlatform", "EducationPlatform", "ContentPlatform",
           "BioinformaticsPlatform", "AstronomyPlatform", "EnergyPlatform",
           "ControlsPlatform", "LibraryPlatform", "AutomotivePlatform",
           "TrackingPlatform", "SurveillancePlatform", "DataTransferPlatform",
           "DocumentPlatform", "TestingPlatform", "PKIPlatform",
           "MediaAutomationPlatform", "RepositoryPlatform", "RemoteAccessPlatform",
           "RadioPlatform", "ErrorTrackingPlatform", "WikiPlatform",
           "PrintingPlatform", "DNSPlatform", "AudioPlatform",
           "TimingPlatform", "SyncPlatform", "CrawlerPlatform",
           "MigrationPlatform", "FeatureFlagPlatform", "ChaosPlatform",
           "HardwarePlatform", "EDAPlatform", "MaritimePlatform",
           "PackagingPlatform", "ProvisioningPlatform", "SpeechPlatform",
           "RenderPlatform", "WasmPlatform", "HelpdeskPlatform",
           "SecretsPlatform", "TimeSeriesPlatform", "FirewallPlatform",
           "LanguageServerPlatform", "SmartHomePlatform", "ImagingPlatform",
           "CachePlatform", "DatabaseHAPlatform", "GPUPlatform",
           "ConferencingPlatform", "PeerToPeerPlatform", "NotebookPlatform",
           "SolverPlatform", "VectorDBPlatform", "VulnScanPlatform",
           "SimulationPlatform", "EmulationPlatform", "SandboxPlatform",
           "FuzzingPlatform", "CodeAnalysisPlatform", "ProverPlatform",
           "WeatherPlatform", "BootPlatform", "FilesystemPlatform",
           "SeismologyPlatform", "EmbeddedDBPlatform", "BroadcastPlatform",
           "PacketCapturePlatform", "PhotoLibraryPlatform", "ProcessSupervisorPlatform",
           "GraphDBPlatform", "StaticSitePlatform", "ChatbotPlatform",
           "WebAnalyticsPlatform", "NewsletterPlatform", "RuntimeTracePlatform",
           "DNSFilterPlatform", "SignagePlatform", "ProjectTrackerPlatform",
           "VoiceChatPlatform", "OverlayNetworkPlatform", "LabInformaticsPlatform")
# corpora whose lines and failure tables no rule writer has read: the transfer check, so the
# diagnostics give them as counts only
HELD_OUT = ("MLPlatform", "StoragePlatform", "IdentityPlatform", "HPCPlatform", "CommunityPlatform", "VirtPlatform",
            "SeismologyPlatform", "EmbeddedDBPlatform", "BroadcastPlatform",
            "PacketCapturePlatform", "PhotoLibraryPlatform", "ProcessSupervisorPlatform",
            "GraphDBPlatform", "StaticSitePlatform", "ChatbotPlatform",
            "WebAnalyticsPlatform", "NewsletterPlatform", "RuntimeTracePlatform",
            "DNSFilterPlatform", "SignagePlatform", "ProjectTrackerPlatform",
            "VoiceChatPlatform", "OverlayNetworkPlatform", "LabInformaticsPlatform")
GRID = {"similarity": (0.4, 0.5, 0.6), "min_word_values": (3, 4, 5)}
DRAIN_GENERIC = {"regex": [], "st": 0.5, "depth": 4}
# drain3 as its documentation suggests running it: similarity .5, depth 4, and masking of the
# usual variable shapes (IPv4, UUIDs, long hex ids, numbers) before clustering; these
# patterns are written for this bench
DRAIN_MASKED = {
    "regex": [
        r"\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?",
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        r"\b(?:0x)?[0-9a-fA-F]{8,}\b",
        r"(?<![A-Za-z])-?\d+(?:\.\d+)?",
    ],
    "st": 0.5,
    "depth": 4,
}


def load_sources(shared: Path, H) -> dict[str, tuple[list[str], list[str]]]:
    """Contents and corrected ground truth of the Loghub-2k datasets, then of the generated corpora."""
    data = str(shared / "datasets" / "loghub-2k")
    sources = {name: H.read_structured(H.gt_path(data, name, "corrected")) for name in H.DATASETS}
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "bench" / "corpora" / "generate.py"), "--out", tmp],
                       check=True, stdout=subprocess.DEVNULL)
        for name in CORPORA:
            sources[name] = H.read_structured(H.gt_path(tmp, name, "corrected"))
    return sources


def in_order(contents: list[str], truth: list[str], seed: int) -> tuple[list[str], list[str]]:
    """The lines and their ground truth in the order of ``seed``: 0 is their own order, any
    other seed a random order that bench/order_robustness.py's seed of that number gives too."""
    order = list(range(len(contents)))
    if seed:
        random.Random(seed).shuffle(order)
    return [contents[i] for i in order], [truth[i] for i in order]


def ordered_ga(H, contents: list[str], truth: list[str], seed: int, config) -> float:
    """GA (four places) of the engine's stream answers with ``config`` on the lines in the order
    of ``seed`` (see in_order): what order_robustness and engine_flag_weigh score."""
    lines, gt = in_order(contents, truth, seed)
    predicted = engine_templates(lines, config, False)
    return round(H.evaluate(gt, predicted, predicted)["GA"], 4)


def shared_sources(shared: str) -> dict[str, tuple[list[str], list[str]]]:
    """load_sources with the Loghub harness of the ``shared`` folder (its tools/loghub_eval.py)."""
    root = Path(shared).resolve()
    sys.path.insert(0, str(root / "tools"))
    import loghub_eval

    return load_sources(root, loghub_eval)


def source_group(name: str) -> str:
    """The protocol's part a source belongs to: the held out, the corpora rules were read from, or Loghub."""
    return "held_out" if name in HELD_OUT else "corpora_read" if name in CORPORA else "loghub"


def write_totals(out: dict, key: str, totals: dict, path: str) -> None:
    """A diagnostic's end: its per-group counters under ``out[key]``, printed one group a line,
    and ``out`` written as JSON to ``path``."""
    out[key] = {g: dict(c.most_common()) for g, c in totals.items()}
    for g, c in totals.items():
        print(f"TOTAL {g:12s} " + "  ".join(f"{k} {v}" for k, v in c.most_common()))
    Path(path).write_text(json.dumps(out, indent=1) + "\n")


def stream_assign(engine, contents: list[str]) -> tuple[list[int], list[str]]:
    """Each line through ``engine.assign``: its cluster number, and the template last reported
    for that number (the harness's cmd: semantics)."""
    clusters, emitted = [], []
    for line in contents:
        cluster, template = engine.assign(line.replace("\r", " ").replace("\n", " "))
        clusters.append(cluster)
        emitted.append(template)
    last = dict(zip(clusters, emitted, strict=True))
    return clusters, [last[c] for c in clusters]


def engine_templates(contents: list[str], config, final: bool) -> list[str]:
    from template_matching.engine import TemplateEngine

    engine = TemplateEngine(config)
    clusters, stream = stream_assign(engine, contents)
    if final:
        return [engine.current(c)[2] for c in clusters]
    return stream


def retired_lines(contents: list[str], config) -> int:
    """Stream lines whose reported cluster number was retired by the end (merged into
    another template): they keep the old template under the harness's cmd: semantics."""
    from template_matching.engine import TemplateEngine

    engine = TemplateEngine(config)
    clusters = [engine.assign(line.replace("\r", " ").replace("\n", " "))[0] for line in contents]
    return sum(1 for c in clusters if engine.current(c)[0] != c)


def warm_stream_templates(contents: list[str], config) -> list[str]:
    """Stream answers of a second pass: the engine has seen every event type before."""
    from template_matching.engine import TemplateEngine

    engine = TemplateEngine(config)
    for line in contents:
        engine.assign(line)
    return [engine.assign(line)[1] for line in contents]


def convergence(H, gt: list[str], stream: list[str], final: list[str], ks=(1, 3, 5, 10)) -> dict:
    """GA of stream and final answers on the lines whose event type had already been seen at
    least k times before them (both groupings restricted to the same lines)."""
    seen: dict[str, int] = {}
    before = []
    for t in gt:
        before.append(seen.get(t, 0))
        seen[t] = before[-1] + 1
    out = {}
    for k in ks:
        idx = [i for i, b in enumerate(before) if b >= k]
        if not idx:
            continue
        sub = [gt[i] for i in idx]
        out[str(k)] = {
            "lines": len(idx),
            "stream_GA": H.evaluate(sub, [stream[i] for i in idx], [stream[i] for i in idx])["GA"],
            "final_GA": H.evaluate(sub, [final[i] for i in idx], [final[i] for i in idx])["GA"],
        }
    return out


def throughput(shared: Path, lines_file: Path, rounds: int = 2, drain3_default: bool = False) -> dict:
    """Lines/s of the engine (`python -m template_matching.engine`, the code of `logmesh parse`)
    and of drain3 behind the harness's equivalent stdin -> JSON-lines script, same input, same
    machine, alternating rounds; CPU seconds of the child process and wall seconds, best round.
    ``drain3_default`` adds drain3 without masking regexes (slow on these lines)."""
    import resource

    n = sum(1 for _ in lines_file.open(encoding="utf-8"))
    drain = [sys.executable, str(shared / "tools" / "loghub_eval.py"), "drain3-stdin"]
    parsers = {
        "engine_cache_on": ([sys.executable, "-m", "template_matching.engine", "--stream"], None),
        "engine_cache_off": (
            [sys.executable, "-m", "template_matching.engine", "--stream", "--no-message-cache"], None),
        "drain3_masked": (drain, DRAIN_MASKED),
    }
    if drain3_default:
        parsers["drain3_default"] = (drain, DRAIN_GENERIC)
    best: dict[str, dict] = {}
    for _ in range(rounds):
        for name, (cmd, drain_settings) in parsers.items():
            env = {**os.environ, "LOGHUB_SETTINGS": json.dumps(drain_settings or DRAIN_GENERIC)}
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            with lines_file.open("rb") as src:
                subprocess.run(cmd, stdin=src, stdout=subprocess.DEVNULL, check=True, env=env)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if name not in best or cpu < best[name]["cpu_s"]:
                best[name] = {"cpu_s": cpu, "wall_s": wall, "lines_per_cpu_s": n / cpu, "lines_per_wall_s": n / wall}
    d = best["drain3_masked"]["cpu_s"]
    for name in best:
        best[name]["ratio_vs_drain3_cpu"] = d / best[name]["cpu_s"]
    return best


def in_process_speed(H, lines: list[str]) -> dict:
    """Process CPU time of the engine (message cache off) and drain3 masked on the same lines,
    in this process, without I/O: separates the miners from the process interface."""
    from template_matching.engine import EngineConfig, TemplateEngine

    engine = TemplateEngine(EngineConfig(message_cache_size=0))
    t0 = time.process_time()
    for line in lines:
        engine.assign(line)
    t_engine = time.process_time() - t0
    miner = H.make_drain3_miner(DRAIN_MASKED)
    t0 = time.process_time()
    for line in lines:
        miner.add_log_message(line)
    t_drain = time.process_time() - t0
    return {
        "lines": len(lines),
        "distinct": len(set(lines)),
        "engine_lines_per_cpu_s": len(lines) / t_engine,
        "drain3_masked_lines_per_cpu_s": len(lines) / t_drain,
        "ratio": t_drain / t_engine,
        "engine_templates": len(engine.templates()),
        "drain3_clusters": len(miner.drain.clusters),
    }


def speed(H, shared: Path, gen: list[str], tmp: Path) -> dict:
    """Speed on mostly-unique lines: 60,000 generated lines of two corpora, other seed."""
    big = tmp / "big"
    subprocess.run([*gen, "--out", str(big), "--lines", "60000", "--seed", "1515"], check=True,
                   stdout=subprocess.DEVNULL)
    lines_file = tmp / "unique.log"
    with lines_file.open("w", encoding="utf-8") as out:
        for name in ("K8sPlatform", "DataPlatform"):
            out.write((big / name / f"{name}_2k.log").read_text(encoding="utf-8"))
    all_lines = lines_file.read_text(encoding="utf-8").splitlines()
    print("throughput", file=sys.stderr, flush=True)
    return {
        "lines": len(all_lines),
        "distinct_lines": len(set(all_lines)),
        "parsers": throughput(shared, lines_file),
        "in_process_per_corpus": {
            name: in_process_speed(H, (big / name / f"{name}_2k.log").read_text(encoding="utf-8").splitlines())
            for name in ("K8sPlatform", "DataPlatform")
        },
    }


def score(H, gt: list[str], templates: list[str]) -> dict:
    r = H.evaluate(gt, templates, templates)
    return {m: r[m] for m in METRICS}


def avg(rows: dict[str, dict]) -> dict:
    return {m: sum(r[m] for r in rows.values()) / len(rows) for m in METRICS}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=os.environ.get("LOGMESH_SHARED", str(ROOT.parent / "shared")))
    ap.add_argument("--skip-speed", action="store_true",
                    help="quick mode: skip the 120,000-line speed runs (about 5 minutes) and carry the speed "
                         "figures of the previous bench/results/generalisation.json over, marked as such")
    args = ap.parse_args()
    shared = Path(args.shared).resolve()
    if not (shared / "tools" / "loghub_eval.py").is_file():
        print(f"generalisation_bench: no tools/loghub_eval.py under {shared} (pass --shared PATH)", file=sys.stderr)
        return 2
    sys.path.insert(0, str(shared / "tools"))
    import loghub_eval as H

    from template_matching.engine import EngineConfig

    settings = json.loads((shared / "tools" / "loghub-settings.json").read_text())
    data = str(shared / "datasets" / "loghub-2k")
    loghub = {name: H.read_structured(H.gt_path(data, name, "corrected")) for name in H.DATASETS}

    def drain(contents: list[str], s: dict) -> list[str]:
        return H.run_drain3(contents, s)[1]

    t0 = time.time()
    report: dict = {"generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "grid": GRID}
    default = EngineConfig()
    # the stream with retired numbers announced (EngineConfig.announce_retired: logmesh parse's default)
    announce = EngineConfig(announce_retired=True)
    rows = {}
    for name, (contents, gt) in loghub.items():
        print(f"loghub {name}", file=sys.stderr, flush=True)
        rows[name] = {
            "engine_stream": score(H, gt, engine_templates(contents, default, False)),
            "engine_final": score(H, gt, engine_templates(contents, default, True)),
            "engine_stream_announce": score(H, gt, engine_templates(contents, announce, False)),
            "drain3_default": score(H, gt, drain(contents, DRAIN_GENERIC)),
            "drain3_masked": score(H, gt, drain(contents, DRAIN_MASKED)),
            "drain3_tuned": score(H, gt, drain(contents, settings[name])),
        }
    kinds = ("engine_stream", "engine_final", "drain3_default", "drain3_masked", "drain3_tuned")
    report["loghub"] = {
        "datasets": rows,
        "average": {k: avg({n: r[k] for n, r in rows.items()}) for k in (*kinds, "engine_stream_announce")},
    }

    # leave-one-dataset-out: per config, stream scores of every dataset once
    configs = [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]
    per_config = []
    for cfg in configs:
        print(f"grid {cfg}", file=sys.stderr, flush=True)
        per_config.append(
            {n: score(H, gt, engine_templates(c, EngineConfig(**cfg), False)) for n, (c, gt) in loghub.items()}
        )
    loo = {}
    for held in H.DATASETS:
        rest = [n for n in H.DATASETS if n != held]
        best = max(range(len(configs)), key=lambda i: sum(per_config[i][n]["GA"] for n in rest))
        loo[held] = {
            "chosen": configs[best],
            **per_config[best][held],
            "drain3_default_GA": rows[held]["drain3_default"]["GA"],
            "drain3_masked_GA": rows[held]["drain3_masked"]["GA"],
        }
    report["leave_one_out"] = {
        "datasets": loo,
        "average": {m: sum(v[m] for v in loo.values()) / len(loo) for m in METRICS},
        "drain3_default_GA": report["loghub"]["average"]["drain3_default"]["GA"],
        "drain3_masked_GA": report["loghub"]["average"]["drain3_masked"]["GA"],
    }

    conv: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        gen = [sys.executable, str(ROOT / "bench" / "corpora" / "generate.py")]
        subprocess.run([*gen, "--out", tmp], check=True, stdout=subprocess.DEVNULL)
        corpora: dict[str, dict] = {}
        sources = {n: (c, g) for n, (c, g) in loghub.items()}
        for name in CORPORA:
            contents, gt = H.read_structured(H.gt_path(tmp, name, "corrected"))
            sources[name] = (contents, gt)
            print(f"corpus {name}", file=sys.stderr, flush=True)
            corpora[name] = {
                "lines": len(contents),
                "event_types": len(set(gt)),
                "engine_stream": score(H, gt, engine_templates(contents, default, False)),
                "engine_final": score(H, gt, engine_templates(contents, default, True)),
                "engine_stream_announce": score(H, gt, engine_templates(contents, announce, False)),
                "drain3_default": score(H, gt, drain(contents, DRAIN_GENERIC)),
                "drain3_masked": score(H, gt, drain(contents, DRAIN_MASKED)),
            }
        for name, (contents, gt) in sources.items():
            stream = engine_templates(contents, default, False)
            final = engine_templates(contents, default, True)
            conv[name] = {
                "first_pass": convergence(H, gt, stream, final),
                "second_pass_stream_GA": score(H, gt, warm_stream_templates(contents, default))["GA"],
                "final_GA": score(H, gt, final)["GA"],
                "stream_lines_under_retired_numbers": retired_lines(contents, default),
                "announce_first_pass": convergence(
                    H, gt, engine_templates(contents, announce, False), final
                ),
            }
        if args.skip_speed:
            previous = json.loads((RESULTS / "generalisation.json").read_text())
            report["throughput_unique"] = {**previous["throughput_unique"],
                                           "carried_over_from": previous["generated_at"]}
        else:
            report["throughput_unique"] = speed(H, shared, gen, Path(tmp))
    report["corpora"] = corpora
    report["stream_convergence"] = conv
    report["seconds"] = round(time.time() - t0, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "generalisation.json").write_text(json.dumps(report, indent=2) + "\n")

    def fmt(r: dict) -> str:
        return " / ".join(f"{r[m]:.3f}" for m in METRICS)

    md = [
        "# Template engine: generalisation protocol",
        "",
        f"Generated {report['generated_at']} by `bench/generalisation_bench.py`. Metrics GA | FGA | PA | FTA "
        "(cells GA / FGA / PA / FTA; Loghub-2.0 evaluator of `../shared/tools/loghub_eval.py`, corrected ground truth). Engine: the one "
        "generic configuration; stream = each line answered at once (harness `cmd:` semantics), final = "
        "`--final`. drain3 default: similarity .5, depth 4, no regexes; drain3 masked: the same plus masking of "
        "IPv4, UUIDs, hex ids and numbers; drain3 tuned: Loghub's per-dataset settings.",
        "",
        "## Loghub-2k",
        "",
        "| dataset | engine stream | engine final | drain3 default | drain3 masked | drain3 tuned |",
        "|---|---|---|---|---|---|",
    ]
    for n, r in [*rows.items(), ("**average**", report["loghub"]["average"])]:
        md.append(f"| {n} | " + " | ".join(fmt(r[k]) for k in kinds) + " |")
    md += [
        "",
        "## Leave-one-dataset-out (engine stream; constants chosen on the other 15 datasets)",
        "",
        "| held out | chosen | GA / FGA / PA / FTA | drain3 default GA | drain3 masked GA |",
        "|---|---|---|---|---|",
    ]
    for n, r in loo.items():
        md.append(
            f"| {n} | {r['chosen']} | {fmt(r)} | {r['drain3_default_GA']:.3f} | {r['drain3_masked_GA']:.3f} |"
        )
    la = report["leave_one_out"]["average"]
    lo = report["leave_one_out"]
    md.append(f"| **average** | | {fmt(la)} | {lo['drain3_default_GA']:.3f} | {lo['drain3_masked_GA']:.3f} |")
    md += [
        "",
        "## Held-out corpora",
        "",
        "The first rows are the blind run (bench/results/generalisation-blind-first.json): the engine's rules "
        "and constants were fixed on Loghub and on the failure classes named in issue 15 before these corpora "
        "were scored for the first time. After that run two changes were made while looking at the corpora "
        "(a sibling differing in its first word is the last choice; value-shaped words do not count as "
        "different words when picking the closest template), each then checked on Loghub; the last rows "
        "are therefore no longer blind. OpsPlatform was written after those rules were frozen and scored "
        "once blind (round 1 rows, bench/results/generalisation-round1.json). Round 2 (record-like lines, "
        "absorbing covered templates, similarity over word-holding tokens, empty-field marker, dotted "
        "and mixed identifier shapes) was developed while looking at K8sPlatform, DataPlatform and "
        "OpsPlatform, so none of those rows is blind any more. ServicePlatform (Go and Node services, "
        "cluster-autoscaler, external-dns, cert-manager, Argo CD, Istio, gRPC-Go, Karpenter) was written "
        "after the round-2 rules were frozen (commit 'corpora: ServicePlatform ...') and scored once: "
        "the row 'ServicePlatform (blind)' (bench/results/generalisation-service-blind.json) is the blind "
        "figure. One change was made after looking at its failures (key=value tokens do not count towards "
        "the similarity needed to meet a template, for logr/klog records); the last ServicePlatform row "
        "includes it and is not blind. EdgePlatform (Traefik, etcd, MongoDB, NATS, Consul, Airflow, Celery, "
        "Spring Boot, kube-apiserver, Calico, Cilium, MinIO, Loki) was written before any rule change of the "
        "second issue-15 pass and scored once: row 'EdgePlatform (blind)' "
        "(bench/results/generalisation-edge-blind.json). One rule was added afterwards (enum-shaped words "
        "after a label, see docs/decisions/template-engine.md), after its failure table had been read; "
        "the last EdgePlatform row includes it and is not blind. ToolingPlatform (Alertmanager, Grafana, "
        "Terraform, Fluent Bit, OpenTelemetry Collector, gunicorn/uvicorn, Keycloak, Cassandra, PgBouncer, "
        "Sidekiq, dockerd, Jenkins, Velero) was written before any rule change of the third issue-15 pass and "
        "scored once: row 'ToolingPlatform (blind)' (bench/results/generalisation-tooling-blind.json); the "
        "rules of that pass (variable-length free-text values, state words after state labels, names after "
        "kind words, units after numbers, bracketed identifiers, empty fields in long records) were chosen "
        "after reading the failure table of all six corpora, so the last ToolingPlatform row is not blind. "
        "MeshPlatform (Linkerd proxy and destination, Envoy's own logs, Kong, Caddy JSON, Nomad, Postfix, BIND, "
        "Vector, Squid, chrony, Patroni, Falco, Docker registry, ClickHouse, Tomcat, CockroachDB) was written "
        "before any rule change of the fourth issue-15 pass and scored once: row 'MeshPlatform (blind)' "
        "(bench/results/generalisation-mesh-blind.json); the fourth-pass rules (escaped quotes in quoted values, "
        "unquoted reason pairs, rate units, compound references, quoted values glued to a key, short "
        "upper-case labels) were chosen after reading its failure table, so the last "
        "MeshPlatform row is not blind. StackPlatform (GitLab Runner, Ceph, Node pino JSON, Go zap console, "
        "Django, Rails, ASP.NET Core, Flink, Temporal, Dovecot, keepalived, dnsmasq, OpenVPN, sudo, cron) was "
        "written before any rule change of the fifth issue-15 pass and scored once: row 'StackPlatform (blind)' "
        "(bench/results/generalisation-stack-blind.json); the fifth-pass rules (backing off to the bracket "
        "that opens a free text, arguments glued into a name's brackets) were chosen after reading its "
        "failure table, so the last StackPlatform row is not blind. CloudPlatform (kube-proxy, MetalLB, Flux, "
        "OPA Gatekeeper, Argo Workflows, Tekton, AWS Load Balancer Controller, Thanos, Logstash, Fluentd, Redis "
        "Sentinel, MariaDB Galera, Solr, NetworkManager, systemd-resolved, Podman, Harbor) was written before any "
        "rule change of the seventh issue-15 pass and scored once: row 'CloudPlatform (blind)' "
        "(bench/results/generalisation-cloud-blind.json). The seventh pass's grouping rules were then merged "
        "without their authors seeing it and scored once more (bench/results/generalisation-cloud-after-pass7.json: "
        "final GA .674 -> .711, stream without announcing .587 unchanged, PA .117 -> .092): their blind transfer. "
        "The JSON-record rule of the same pass was chosen after reading its failure analysis "
        "(bench/results/generalisation-cloud-blind-analysis.md), so the last CloudPlatform row is not blind. "
        "RuntimePlatform (CRI-O, Ollama, Dapr, KEDA, Argo Rollouts, PHP-FPM, Laravel, memcached, Python logging, "
        "Serilog, tower-http, Kafka Connect, Trino, Ray, Pulsar, Jaeger, Crossplane; 55 event types) was written "
        "before any rule change of the eighth issue-15 pass and scored once on main's engine: row "
        "'RuntimePlatform (blind)' (bench/results/generalisation-runtime-blind.json). The eighth-pass rules were "
        "chosen without reading it (its failure table and analysis were not opened) and then scored on it once: "
        "row 'RuntimePlatform (blind, pass 8)' (bench/results/generalisation-runtime-pass8.json). The ninth-pass "
        "rules were written after reading RuntimePlatform's failure table (bench/blind_failure_table.py on the "
        "pass-8 engine), so the last RuntimePlatform row, after pass 9, is not blind; its two blind rows stay above "
        "(docs/decisions/template-engine.md, ninth pass; bench/results/engine-pass9-rules.json). "
        "InfraPlatform (the kernel through rsyslog: UFW firewall, OOM killer, bridges; auditd and SELinux; Mosquitto, "
        "rsyslog, Zabbix, Hive, HBase, OpenSearch, Knative autoscaler, Kyverno, Rook, Nextcloud, django-structlog, "
        "Phoenix; 54 event types) was written before any rule change of the ninth pass and scored once on the "
        "pass-8 engine: row 'InfraPlatform (blind)' (bench/results/generalisation-infra-blind.json; failure "
        "analysis in generalisation-infra-blind-analysis.md). The ninth-pass rules, written without reading it, "
        "were then scored on it once: row 'InfraPlatform (blind, pass 9)' "
        "(bench/results/generalisation-infra-pass9.json). The tenth-pass rules were written after reading "
        "InfraPlatform's and RuntimePlatform's failure tables, so their last rows are not blind. "
        "EnterprisePlatform (OpenLDAP slapd, MIT Kerberos KDC, FreeRADIUS, ISC dhcpd, unbound, fail2ban, Exim, "
        "uWSGI, Gitea, WildFly, Quarkus, Telegraf, InfluxDB; 59 event types) and HybridPlatform (Matrix Synapse, "
        "Asterisk, strongSwan, Varnish, Jetty, Nagios, libvirtd, Hazelcast, CouchDB, TiDB, vLLM; 52 event types) "
        "were written before any rule change of the tenth pass and scored once on the ninth-pass engine: rows "
        "'(blind)' (bench/results/generalisation-enterprise-blind.json, generalisation-hybrid-blind.json, with "
        "failure analyses); the tenth-pass rules, written without reading them, were then scored on them once: "
        "rows '(blind, pass 10)' (generalisation-enterprise-pass10.json, generalisation-hybrid-pass10.json). "
        "The eleventh-pass rules were written after reading both corpora's failure tables, so their last rows "
        "are not blind. ResearchPlatform (Slurm, Jupyter Server, JupyterHub, NVIDIA Triton, Samba, NFS, ISC Kea, "
        "Puppet agent, ProxySQL; 58 event types) was written during the eleventh pass, without reading the engine "
        "or any failure analysis, and scored once on the tenth-pass engine: row 'ResearchPlatform (blind)' "
        "(generalisation-research-blind.json); the eleventh-pass rules, written without reading it, were then "
        "scored on it once: row '(blind, pass 11)' (generalisation-research-pass11.json); the last "
        "ResearchPlatform row is the same engine, so it is blind too. ClusterOpsPlatform (k3s, kubeadm, "
        "metrics-server, descheduler, Cluster API, CSI provisioner and attacher, flannel, Multus, Prometheus "
        "Operator, Dex, oauth2-proxy, kaniko, KubeVirt virt-handler; 67 event types) and DataAppPlatform "
        "(ScyllaDB, Redpanda, ActiveMQ Artemis, Pgpool-II, Neo4j, Meilisearch, Typesense, NestJS, Symfony, "
        "Micronaut, Puma, Odoo, CloudNativePG; 66 event types) were written during the twelfth pass without "
        "reading the engine and scored once on the eleventh-pass engine: rows '(blind)'. The span guard was "
        "written from ClusterOpsPlatform's failure table (its row after it is not blind) and scored once on "
        "DataAppPlatform and WebAppPlatform (Apache httpd, Hibernate, Akka, Play, Vert.x, Fastify, Next.js, Echo, "
        "Resque, RQ, Dramatiq, Oban, Sanic, Unicorn; 71 event types) and ObservabilityPlatform (Tempo, Mimir, "
        "Alloy, Teleport, SPIRE, Kiali, vmagent/vmalert, Trivy Operator, OpenSearch Dashboards, Authelia, "
        "CrowdSec, Tetragon; 51 event types), written at the same time: rows "
        "'(blind, span guard)'. The twelfth pass's rules (span after a change, gapped templates) were written "
        "without reading any of the four: rows '(blind, pass 12)'. NetworkPlatform (kube-vip, FRRouting bgpd, BIRD, "
        "WireGuard, tailscaled, Istio ztunnel, Envoy Gateway, Contour, PowerDNS, Knot DNS, cloudflared, Open "
        "vSwitch; 63 event types) and MLPlatform (Volcano, NVIDIA device plugin, DCGM exporter, TensorFlow "
        "Serving, NCCL, torchrun, Dask, MLflow, KServe, MLServer, TGI, training-operator, Katib, Kubeflow "
        "Pipelines; 63 event types) were written after the twelfth pass was merged, without reading the "
        "engine, and scored once on it: rows '(blind)'. The thirteenth pass's rules were written from "
        "ClusterOps's, DataApp's and Observability's failure tables (their rows after it are not blind) and "
        "scored once on WebApp, Network and ML: rows '(blind, pass 13)'; the last rows are the same engine. "
        "SecOpsPlatform and AnalyticsPlatform (pass 14), StoragePlatform, DeliveryPlatform and CommsPlatform "
        "(pass 16), HostPlatform and LegacyPlatform (pass 17), ChainPlatform, MediaPlatform and IoTPlatform "
        "(pass 18), GamePlatform, IdentityPlatform and MailPlatform (pass 20), EmbeddedPlatform, HPCPlatform, "
        "CommunityPlatform and VirtPlatform (pass 22), CarrierPlatform, AutomationPlatform and WindowsPlatform (pass 23), "
        "MobilePlatform, BuildPlatform and MainframePlatform (pass 24, at its start), HyperscalerPlatform, DesktopPlatform "
        "and NewSQLPlatform (pass 24, after its first four rules), MiddlewarePlatform, AppliancePlatform, BackupPlatform, "
        "RoboticsPlatform, HealthPlatform and SearchPlatform (pass 25, in two sets while its rules were made elsewhere), "
        "WorkflowPlatform, GeoPlatform, ServerlessPlatform, CommercePlatform, GatewayPlatform and IndustrialPlatform "
        "(pass 26, in two sets at its start), SpacePlatform, FabricationPlatform, ERPPlatform, FinancePlatform, "
        "EducationPlatform and ContentPlatform (pass 27, in two sets at its start), BioinformaticsPlatform, "
        "AstronomyPlatform, EnergyPlatform, ControlsPlatform, LibraryPlatform and AutomotivePlatform (pass 28, in two "
        "sets at its start), TrackingPlatform, SurveillancePlatform, DataTransferPlatform, DocumentPlatform, "
        "TestingPlatform and PKIPlatform (pass 29, in two sets at its start), MediaAutomationPlatform, RepositoryPlatform, "
        "RemoteAccessPlatform, RadioPlatform, ErrorTrackingPlatform and WikiPlatform (pass 29, in two sets at its end, "
        "before any rule of pass 30), PrintingPlatform, DNSPlatform, AudioPlatform, TimingPlatform, SyncPlatform and "
        "CrawlerPlatform (pass 30, in two sets at its start), MigrationPlatform, FeatureFlagPlatform, ChaosPlatform, "
        "HardwarePlatform, EDAPlatform and MaritimePlatform (pass 31, in two sets at its start), PackagingPlatform, "
        "ProvisioningPlatform, SpeechPlatform, RenderPlatform, WasmPlatform and HelpdeskPlatform (pass 32, in two sets "
        "at its start), SecretsPlatform, TimeSeriesPlatform, FirewallPlatform, LanguageServerPlatform, SmartHomePlatform "
        "and ImagingPlatform (pass 33, in two sets at its start), CachePlatform, DatabaseHAPlatform, GPUPlatform, "
        "ConferencingPlatform, PeerToPeerPlatform and NotebookPlatform (pass 34, in two sets at its start), SolverPlatform, "
        "VectorDBPlatform, VulnScanPlatform, SimulationPlatform, EmulationPlatform and SandboxPlatform (pass 35, in two "
        "sets at its start), FuzzingPlatform, CodeAnalysisPlatform, ProverPlatform, WeatherPlatform, BootPlatform and "
        "FilesystemPlatform (pass 36, in two sets at its start), SeismologyPlatform, EmbeddedDBPlatform, "
        "BroadcastPlatform, PacketCapturePlatform, PhotoLibraryPlatform and ProcessSupervisorPlatform (pass 37, in "
        "two sets at its start), GraphDBPlatform, StaticSitePlatform, ChatbotPlatform, WebAnalyticsPlatform, "
        "NewsletterPlatform and RuntimeTracePlatform (pass 38, in two sets at its start), DNSFilterPlatform, "
        "SignagePlatform, ProjectTrackerPlatform, VoiceChatPlatform, OverlayNetworkPlatform and "
        "LabInformaticsPlatform (pass 39, in two sets at its start) "
        "were written the same way and "
        "scored once on the engine of their day: rows '(blind)' (generalisation-<name>-blind.json, which names "
        "the engine's commit). Rules were later read from SecOps, Analytics and Comms, from pass 20 on from "
        "WebApp, Network, Delivery and Legacy, and from pass 22 on from Host, Chain, Media and IoT, and from pass 23 on from Game, Mail and Embedded, and from pass 24 on from Carrier, Automation and Windows, and from pass 25 on from Mobile, Build and Mainframe, and from pass 26 on from Hyperscaler, Desktop and NewSQL, and from pass 27 on from Middleware, Appliance, Backup, Robotics, Health and Search, and from pass 28 on from Workflow, Geo, Serverless, Commerce, Gateway and Industrial, and from pass 29 on from Space, Fabrication, ERP, Finance, Education and Content, and from pass 30 on from Bioinformatics, Astronomy, Energy, Controls, Library and Automotive, and from pass 31 on from Tracking, Surveillance, DataTransfer, Document, Testing and PKI, and from pass 32 on from MediaAutomation, Repository, RemoteAccess, Radio, ErrorTracking and Wiki, and from pass 33 on from Printing, DNS, Audio, Timing, Sync and Crawler, and from pass 34 on from Migration, FeatureFlag, Chaos, Hardware, EDA and Maritime, and from pass 35 on from Packaging, Provisioning, Speech, Render, Wasm and Helpdesk, and from pass 36 on from Secrets, TimeSeries, Firewall, LanguageServer, SmartHome and Imaging, and from pass 37 on from Cache, DatabaseHA, GPU, Conferencing, PeerToPeer and Notebook, and from pass 38 on from Solver, VectorDB, VulnScan, Simulation, Emulation and Sandbox, and from pass 39 on from Fuzzing, CodeAnalysis, Prover, Weather, Boot and Filesystem; the corpora in HELD_OUT "
        f"({', '.join(HELD_OUT)}) are scored only (docs/decisions/template-engine.md).",
        "",
        "| corpus | lines | event types | engine stream | engine final | drain3 default | drain3 masked |",
        "|---|---|---|---|---|---|---|",
    ]
    blind = json.loads((RESULTS / "generalisation-blind-first.json").read_text())["corpora"]
    for n, r in blind.items():
        md.append(
            f"| {n} (first blind run) | {r['lines']} | {r['event_types']} | "
            f"{fmt(r['engine_stream'])} | {fmt(r['engine_final'])} | {fmt(r['drain3_default'])} | - |"
        )
    round1 = json.loads((RESULTS / "generalisation-round1.json").read_text())["corpora"]
    for n, r in round1.items():
        md.append(
            f"| {n} (round 1) | {r['lines']} | {r['event_types']} | "
            f"{fmt(r['engine_stream'])} | {fmt(r['engine_final'])} | {fmt(r['drain3_default'])} "
            f"| {fmt(r['drain3_masked'])} |"
        )
    def scored(file: str) -> dict:
        return json.loads((RESULTS / f"generalisation-{file}.json").read_text())

    blind_runs: list[tuple[str, dict, str]] = [
        ("ServicePlatform", scored("service-blind")["corpora"]["ServicePlatform"], "blind"),
        *((name, scored(f"{file}-blind"), "blind")
          for name, file in (("EdgePlatform", "edge"), ("ToolingPlatform", "tooling"), ("MeshPlatform", "mesh"),
                             ("StackPlatform", "stack"), ("CloudPlatform", "cloud"), ("RuntimePlatform", "runtime"))),
        ("RuntimePlatform", scored("runtime-pass8"), "blind, pass 8"),
        ("InfraPlatform", scored("infra-blind"), "blind"),
        ("InfraPlatform", scored("infra-pass9"), "blind, pass 9"),
        ("EnterprisePlatform", scored("enterprise-blind"), "blind"),
        ("EnterprisePlatform", scored("enterprise-pass10"), "blind, pass 10"),
        ("HybridPlatform", scored("hybrid-blind"), "blind"),
        ("HybridPlatform", scored("hybrid-pass10"), "blind, pass 10"),
        ("ResearchPlatform", scored("research-blind"), "blind"),
        ("ResearchPlatform", scored("research-pass11"), "blind, pass 11"),
        ("ClusterOpsPlatform", scored("clusterops-blind"), "blind"),
        ("ClusterOpsPlatform", scored("clusterops-guard"), "span guard, written from it"),
        ("DataAppPlatform", scored("dataapp-blind"), "blind"),
        ("DataAppPlatform", scored("dataapp-guard"), "blind, span guard"),
        ("WebAppPlatform", scored("webapp-blind"), "blind"),
        ("WebAppPlatform", scored("webapp-guard"), "blind, span guard"),
        ("ObservabilityPlatform", scored("observability-blind"), "blind"),
        ("ObservabilityPlatform", scored("observability-guard"), "blind, span guard"),
        *((name, scored(f"{file}-pass12"), "blind, pass 12")
          for name, file in (("ClusterOpsPlatform", "clusterops"), ("DataAppPlatform", "dataapp"),
                             ("WebAppPlatform", "webapp"), ("ObservabilityPlatform", "observability"))),
        ("NetworkPlatform", scored("network-blind"), "blind"),
        ("MLPlatform", scored("ml-blind"), "blind"),
        *((name, scored(f"{file}-pass13"), "blind, pass 13")
          for name, file in (("WebAppPlatform", "webapp"), ("NetworkPlatform", "network"), ("MLPlatform", "ml"))),
        # every corpus from SecOps on was written blind and scored once (generalisation-<name>-blind.json)
        *((name, scored(f"{name.removesuffix('Platform').lower()}-blind"), "blind")
          for name in CORPORA[CORPORA.index("SecOpsPlatform") :]),
    ]
    for name, blind, label in blind_runs:
        md.append(
            f"| {name} ({label}) | {blind['lines']} | {blind['event_types']} | "
            f"{fmt(blind['engine_stream'])} | {fmt(blind['engine_final'])} | {fmt(blind['drain3_default'])} "
            f"| {fmt(blind['drain3_masked'])} |"
        )
    for n, r in corpora.items():
        md.append(
            f"| {n} | {r['lines']} | {r['event_types']} | {fmt(r['engine_stream'])} | {fmt(r['engine_final'])} "
            f"| {fmt(r['drain3_default'])} | {fmt(r['drain3_masked'])} |"
        )
    md += [
        "",
        "## Stream converges to final",
        "",
        "GA of stream and final answers on the lines whose event type had been seen at least k times before "
        "(first pass), and stream GA of a second pass over the same lines (engine warm, as after a restart "
        "seeded from the registry).",
        "",
        "| source | k=1 stream / final | k=3 | k=5 | k=10 | 2nd-pass stream | final |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in conv.items():
        cells = [
            f"{r['first_pass'][k]['stream_GA']:.3f} / {r['first_pass'][k]['final_GA']:.3f}" if k in r["first_pass"] else "-"
            for k in ("1", "3", "5", "10")
        ]
        md.append(f"| {n} | " + " | ".join(cells) + f" | {r['second_pass_stream_GA']:.3f} | {r['final_GA']:.3f} |")
    md += [
        "",
        "## Why stream loses to final: lines under retired numbers",
        "",
        "A template merged into another (absorbed when a template generalised, or a sibling group merged) keeps "
        "its number in the lines already answered; under the harness's `cmd:` semantics those lines keep the "
        "old template, so the event type counts as split. 'lines under retired numbers' counts them (stream "
        "without announcing). 'stream, announced' is the stream with `EngineConfig(announce_retired=True)`: the absorbing "
        "template's next lines are reported under each retired number once (again after each later change of "
        "its template), so the consumer regroups them as `--final` does. It is the default of "
        "`logmesh parse` (stream mode; `--no-announce-retired` gives the 'stream' column; see "
        "docs/decisions/template-engine.md, sixth pass).",
        "",
        "| source | lines under retired numbers | stream | stream, announced | final | announced k=1 / k=3 GA |",
        "|---|---|---|---|---|---|",
    ]
    loghub_avg = report["loghub"]["average"]
    md.append(
        f"| Loghub average | {sum(conv[n]['stream_lines_under_retired_numbers'] for n in rows)} | "
        f"{fmt(loghub_avg['engine_stream'])} | {fmt(loghub_avg['engine_stream_announce'])} | "
        f"{fmt(loghub_avg['engine_final'])} | - |"
    )
    for n, r in [*rows.items(), *corpora.items()]:
        a = conv[n]["announce_first_pass"]
        ks = " / ".join(f"{a[k]['stream_GA']:.3f}" if k in a else "-" for k in ("1", "3"))
        md.append(
            f"| {n} | {conv[n]['stream_lines_under_retired_numbers']} | {fmt(r['engine_stream'])} | "
            f"{fmt(r['engine_stream_announce'])} | {fmt(r['engine_final'])} | {ks} |"
        )
    tu = report["throughput_unique"]
    md += [
        "",
        f"## Speed on mostly-unique lines ({tu['lines']:,} generated lines, {tu['distinct_lines']:,} distinct)",
        "",
        "Same stdin -> JSON-lines process interface for all (drain3: the harness's `drain3-stdin` with the "
        "settings above); child-process CPU seconds, best of 2 alternating rounds on the shared 2-core machine. "
        "drain3 without masking is slower still (0.5x drain3 masked in an earlier run) and is left out."
        + (f" Carried over from the run of {tu['carried_over_from']} (bench run with --skip-speed); the "
           "fast path (lookup of known templates) did not change in between; the mining changes of round 2 "
           "were not re-measured here." if "carried_over_from" in tu else ""),
        "",
        "| parser | CPU s | lines per CPU s | wall s | ratio vs drain3 masked (CPU) |",
        "|---|---|---|---|---|",
    ]
    for n, r in tu["parsers"].items():
        md.append(
            f"| {n} | {r['cpu_s']:.2f} | {r['lines_per_cpu_s']:,.0f} | {r['wall_s']:.2f} | {r['ratio_vs_drain3_cpu']:.2f}x |"
        )
    md += [
        "",
        "In process, without I/O, per corpus (engine message cache off, drain3 masked, process CPU time), "
        "the engine called line by line through `assign` (one Python call per line, not the bulk path of "
        "`logmesh parse` and the service). The large process-interface ratio above comes from drain3 "
        "degenerating on the ingress-nginx access lines of K8sPlatform (one cluster per method/user/agent "
        "combination and more, scanned linearly); on lines where drain3 groups well the per-line call is "
        "2-3x drain3. The bulk path's figures against drain3 on such corpora are in "
        "bench/results/parse_speed.json (bench/parse_speed_bench.py).",
        "",
        "| corpus | lines (distinct) | engine lines/CPU s | drain3 masked lines/CPU s | ratio | engine templates | drain3 clusters |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in tu["in_process_per_corpus"].items():
        md.append(
            f"| {n} | {r['lines']:,} ({r['distinct']:,}) | {r['engine_lines_per_cpu_s']:,.0f} | "
            f"{r['drain3_masked_lines_per_cpu_s']:,.0f} | {r['ratio']:.2f}x | {r['engine_templates']} | "
            f"{r['drain3_clusters']} |"
        )
    md.append("")
    (RESULTS / "generalisation.md").write_text("\n".join(md))
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
