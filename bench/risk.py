"""The risk classifier against its labelled set: recall, false-positive rate, the misses, the false alarms,
and the time to classify a 4,000-character draft.

    .venv/bin/python bench/risk.py [--split all|dev|holdout] [--runs 200]

The set is tests/data/risk/risky.jsonl and benign.jsonl, one {"text", "why"} per line; every risky text
should come out high, every benign one low. ``--split`` picks every third line (holdout) or the other
two (dev) of each file, so a change can be tuned on one part and checked on the other. No Django
settings are needed: the classifier renders Markdown with forum.markup, which is plain Python.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiassist import risk  # noqa: E402

DATA = ROOT / "tests" / "data" / "risk"


def load(name: str, split: str = "all") -> list[dict]:
    rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    if split == "all":
        return rows
    return [row for n, row in enumerate(rows) if (n % 3 == 2) == (split == "holdout")]


def figures(split: str = "all") -> dict:
    risky, benign = load("risky", split), load("benign", split)
    misses = [row for row in risky if risk.classify(row["text"]).level != "high"]
    alarms = [(row, risk.classify(row["text"]).reasons) for row in benign if risk.classify(row["text"]).level == "high"]
    return {
        "risky": len(risky), "benign": len(benign),
        "recall": 1 - len(misses) / len(risky), "false_positive_rate": len(alarms) / len(benign),
        "misses": misses, "false_alarms": alarms,
    }


def draft_of(chars: int = 4000) -> str:
    """A realistic long draft: paragraphs, inline code and fenced blocks from both sides of the set."""
    parts, n = [], 0
    rows = load("benign") + load("risky")[:5]
    while sum(len(p) + 2 for p in parts) < chars:
        row = rows[n % len(rows)]
        parts.append(f"```\n{row['text']}\n```" if n % 7 == 3 else f"{row['text']} [{n % 5 + 1}]")
        n += 1
    return "\n\n".join(parts)[:chars]


def timing(runs: int) -> dict:
    draft = draft_of()
    samples = []
    for _ in range(runs):
        risk.hits.cache_clear()
        start = time.perf_counter()
        risk.classify(draft)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"chars": len(draft), "median_ms": statistics.median(samples),
            "p95_ms": samples[int(len(samples) * 0.95) - 1], "max_ms": samples[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["all", "dev", "holdout"], default="all")
    parser.add_argument("--runs", type=int, default=200, help="timed classifications of the 4,000-character draft")
    args = parser.parse_args()

    result = figures(args.split)
    print(f"labelled set ({args.split}): {result['risky']} risky, {result['benign']} benign")
    print(f"recall               {result['recall']:.3f}  ({result['risky'] - len(result['misses'])}/{result['risky']})")
    print(f"false-positive rate  {result['false_positive_rate']:.3f}  "
          f"({len(result['false_alarms'])}/{result['benign']})")
    print(f"\nmisses ({len(result['misses'])}): risky texts classified low")
    for row in result["misses"]:
        print(f"  - {row['text']!r}\n      why risky: {row['why']}")
    print(f"\nfalse alarms ({len(result['false_alarms'])}): benign texts classified high")
    for row, reasons in result["false_alarms"]:
        print(f"  - {row['text']!r}\n      why benign: {row['why']}\n      reasons: {'; '.join(reasons)}")
    if args.runs:
        t = timing(args.runs)
        print(f"\ntiming: {t['chars']}-character draft, {args.runs} runs, cache cleared each time: "
              f"median {t['median_ms']:.2f} ms, p95 {t['p95_ms']:.2f} ms, max {t['max_ms']:.2f} ms")


if __name__ == "__main__":
    main()
