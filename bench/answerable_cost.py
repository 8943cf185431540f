"""What the two answerability readers cost a worker: memory, the CPU of a reading, and how often each is read.

    .venv/bin/python bench/answerable_cost.py [--readings 60]

In one process, loads what a worker loads for a draft (the embedder, the risk encoder, the first answerability
reader) and prints the RSS after each, then after the second reader (``aiassist.retrieval.mpnet``). Reads
``readings`` of the calibration's readings (``var/answerable/calibration.json``: ``bench/answerable.py calibrate``)
with each reader on one thread, and prints the CPU time of one reading (p50, p95). From the calibration's rows
(each best thread's relevance without the readers and the first reader's logit), prints the share of the labelled
and blind sets' rankings for which the rule reads the first reader, and the second: what both cost a draft on
average is each share times its reading's CPU.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUN = ROOT / "var" / "answerable"


def rss() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_of(function, texts: list[str]) -> list[float]:
    times = []
    for text in texts:
        started = time.process_time()
        function([text])
        times.append((time.process_time() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=60)
    args = parser.parse_args()
    from bench.retrieval import django_setup
    django_setup("local")
    from django.conf import settings

    from aiassist import risk_model
    from aiassist.retrieval import answerable, mpnet, ranking
    from aiassist.retrieval.embedders import load_embedder

    print(f"RSS after Django: {rss():.0f} MB")
    load_embedder().embed(["How do I rotate the CI deploy key?"])
    print(f"  + the embedder: {rss():.0f} MB")
    risk_model.logits(["Run chmod -R 777 on the data folder."])
    print(f"  + the risk encoder: {rss():.0f} MB")
    first = answerable.reader()
    first.logits(["a question [SEP] a thread"])
    print(f"  + the first answerability reader: {rss():.0f} MB")
    mpnet.model_dir()  # unpacked once, before measuring
    started = time.time()
    second = mpnet.load()
    second.logits(["a question [SEP] a thread"])
    print(f"  + the second answerability reader: {rss():.0f} MB (loaded in {time.time() - started:.1f} s)")

    rows = json.loads((RUN / "calibration.json").read_text())
    texts = [row[5] for row in rows if row[5] is not None]
    texts = texts[::max(1, len(texts) // args.readings)][:args.readings]
    for name, reader in (("first", first.logits), ("second", second.logits)):
        times = sorted(cpu_of(reader, texts))
        print(f"CPU of one reading, {name} reader ({len(times)} readings, one thread): p50 "
              f"{statistics.median(times):.0f} ms, p95 {times[int(0.95 * (len(times) - 1))]:.0f} ms")

    settings.ASSISTANT_SECOND_READER = True
    down, up = ranking._reach()
    at, (low, high) = ranking.RELEVANCE["at"], answerable.SECOND_BOUNDS
    counts = {"rankings": 0, "first": 0, "second": 0}
    for row in rows:
        if row[5] is None:
            continue
        counts["rankings"] += 1
        if row[3] + up < at or row[3] - down >= at:
            continue  # decided without a reading
        counts["first"] += 1

        def decide(reads, relevance=row[3]):
            return ranking.relevance(_Fixed(relevance), reads=reads) >= at
        counts["second"] += decide((row[4] + low) / 2) != decide((row[4] + high) / 2)
    print(f"of {counts['rankings']} rankings (labelled and blind sets, 1,000 distractors): the first reader read for "
          f"{counts['first'] / counts['rankings']:.0%}, the second for {counts['second'] / counts['rankings']:.0%}")


class _Fixed:
    """A ranked thread whose relevance without the readers is ``value`` (for ``ranking.relevance``)."""

    def __init__(self, value: float):
        from aiassist.retrieval.ranking import RELEVANCE
        self.head = self.answer = 0.0
        self.margin = value / RELEVANCE["margin"]


if __name__ == "__main__":
    main()
