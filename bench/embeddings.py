"""Speed and memory of the local embedder (all-MiniLM-L6-v2 in numpy): passages per second, the latency
of embedding one question, and the process's RSS once the model is loaded.

    .venv/bin/python bench/embeddings.py [--passages 512] [--questions 200] [--threads 1 2]

Needs no database. The passages are ~60 words of forum-like English drawn from a fixed vocabulary
(seeded, so every run embeds the same texts); the questions are short, as asked in the forum. Each
``--threads`` value (BLAS threads per call, EMBEDDINGS_LOCAL_THREADS) is measured in turn; the
machine's load average is printed beside the figures, since other processes change them.
"""
import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = (
    "the worker queue task retry backoff broker redis celery database postgres index migration deploy "
    "release rollback service token password vpn access grant review approve reject thread post reply "
    "answer question search passage embedding model latency timeout error exception traceback log "
    "restart drain shutdown node cluster kubernetes pod container image registry build pipeline test "
    "suite coverage lint format commit branch merge conflict cache invalidate ttl session cookie csrf "
    "header proxy certificate tls rotate vault secret key policy permission category restricted audit "
    "event notification email schedule cron beat nightly export import csv report dashboard metric "
    "alert incident on-call runbook escalation owner team we you it is was when then if not after "
    "before because so and or but with without from into onto over under a an to of in on for by at"
).split()
QUESTIONS = [
    "How do I reset my VPN password?",
    "Why does the nightly export fail after a deploy?",
    "Who approves access to the production database?",
    "How to configure retry_backoff for celery tasks",
    "Where is the on-call runbook for the payments team?",
    "What does ConnectionResetError 104 mean in the worker log?",
    "Can I rotate the vault token without downtime?",
    "How do I request a restricted category?",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def passages(count: int, words: int = 60) -> list[str]:
    rng = random.Random(20261124)
    out = []
    for _ in range(count):
        n = rng.randint(words - 10, words + 10)
        text = " ".join(rng.choice(WORDS) for _ in range(n))
        out.append(text[0].upper() + text[1:] + ".")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=512)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))

    rss_start = rss_mb()
    from aiassist.retrieval.embedders import LocalEmbedder, load_minilm
    rss_imported = rss_mb()
    started = time.perf_counter()
    model = load_minilm(LocalEmbedder().model_dir)
    load_seconds = time.perf_counter() - started
    rss_loaded = rss_mb()

    texts = passages(args.passages)
    tokens = [len(e.ids) for e in model.tokenizer.encode_batch(texts)]
    print(f"model           all-MiniLM-L6-v2, {model.dimension} dimensions, loaded in {load_seconds:.2f} s")
    print(f"passages        {len(texts)} of ~60 words ({statistics.mean(tokens):.0f} tokens on average, "
          f"max {max(tokens)})")
    for threads in args.threads:
        embedder = LocalEmbedder(threads=threads)
        embedder.embed(texts[:32])  # warm BLAS and the allocator
        load_before = os.getloadavg()[0]
        runs, cpu = [], []
        for _ in range(3):
            started, started_cpu = time.perf_counter(), time.process_time()
            embedder.embed(texts)
            runs.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        latencies, question_cpu = [], []
        for i in range(args.questions):
            started, started_cpu = time.perf_counter(), time.process_time()
            embedder.embed([QUESTIONS[i % len(QUESTIONS)]])
            latencies.append((time.perf_counter() - started) * 1000)
            question_cpu.append((time.process_time() - started_cpu) * 1000)
        latencies.sort()
        # CPU time is the steadier figure on a shared machine (with one thread; more threads add spinning).
        print(f"threads {threads}       {len(texts) / min(runs):.0f} passages/s (best of 3 runs: "
              f"{', '.join(f'{r:.2f}' for r in runs)} s; {len(texts) / min(cpu):.0f} per CPU second); "
              f"one question p50 {statistics.median(latencies):.1f} ms, "
              f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.1f} ms "
              f"(CPU p50 {statistics.median(question_cpu):.1f} ms; {len(latencies)} calls); "
              f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"RSS             {rss_start:.0f} MB at start, {rss_imported:.0f} MB after imports, "
          f"{rss_loaded:.0f} MB after loading, {rss_mb():.0f} MB at the end")
    print(f"machine         {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
