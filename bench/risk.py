"""The risk classifier against its labelled set: recall, false-positive rate, the misses, the false alarms,
and the time it takes to classify a 4,000-character draft.

    .venv/bin/python bench/risk.py [--split all|dev|holdout] [--runs 200]

The set is tests/data/risk/risky.jsonl and benign.jsonl, one {"text", "why"} per line: every risky text
should come out high and every benign one low. ``--split holdout`` takes every third line of each file,
``dev`` the others, so a change can be made looking at one part and checked on the other.

Beside it, sets written later by people who saw neither the classifier nor the other sets (``SETS``, each a
folder with the same two files; bench/README.md round 13): ``--set blind2`` (and so on) reports one of them,
``--set every`` each of them in turn, one line each.

Timing is per call of ``risk.classify`` with its caches (rules and word model) cleared, CPU time of this
process (steady when other work shares the machine) and wall time, on two drafts of about 4,000 characters:
tests/data/risk/draft.md, an answer in the shape the assistant writes (prose, lists, a table, code
blocks, citations), and a worst case where every sentence mentions passwords, permissions or commands.
No Django settings are needed: the classifier renders Markdown with forum.markup, which is plain Python.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiassist import risk, risk_model, risk_words  # noqa: E402

DATA = ROOT / "tests" / "data" / "risk"


# The labelled set (the top folder), then each later blind set, in the order they were written; then "review29", the
# wordings round 29's adversarial review found ("avoid X by doing Y"), both ways round (in no model's training).
SETS = ("main", *(f"blind{n}" for n in range(2, 46)), "review29")


def load(name: str, split: str = "all", labelled: str = "main") -> list[dict]:
    folder = DATA if labelled == "main" else DATA / labelled
    rows = [json.loads(line) for line in (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    if split == "all":
        return rows
    return [row for n, row in enumerate(rows) if (n % 3 == 2) == (split == "holdout")]


def figures(split: str = "all", labelled: str = "main") -> dict:
    risky, benign = load("risky", split, labelled), load("benign", split, labelled)
    misses = [row for row in risky if risk.classify(row["text"]).level != "high"]
    alarms = [(row, assessment.reasons) for row in benign
              if (assessment := risk.classify(row["text"])).level == "high"]
    return {
        "risky": len(risky), "benign": len(benign),
        "recall": 1 - len(misses) / len(risky), "false_positive_rate": len(alarms) / len(benign),
        "misses": misses, "false_alarms": alarms,
    }


def typical_draft() -> str:
    return (DATA / "draft.md").read_text(encoding="utf-8")


def dense_draft(chars: int = 4000) -> str:
    """Texts from both sides of the set, as paragraphs and code blocks: a rule's keywords in every line."""
    rows, parts, n = load("benign") + load("risky")[:5], [], 0
    while sum(len(p) + 2 for p in parts) < chars:
        text = rows[n % len(rows)]["text"]
        parts.append(f"```\n{text}\n```" if n % 7 == 3 else f"{text} [{n % 5 + 1}]")
        n += 1
    return "\n\n".join(parts)[:chars]


def timing(draft: str, runs: int) -> dict:
    cpu, wall = [], []
    for _ in range(runs):
        risk.hits.cache_clear()
        risk_words.findings.cache_clear()
        risk_model.clear_cache()
        started_cpu, started_wall = time.process_time(), time.perf_counter()
        risk.classify(draft)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started_wall) * 1000)
    return {"chars": len(draft), "cpu_median_ms": statistics.median(cpu), "wall_median_ms": statistics.median(wall),
            "wall_p95_ms": sorted(wall)[max(0, int(runs * 0.95) - 1)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["all", "dev", "holdout"], default="all")
    parser.add_argument("--runs", type=int, default=200, help="timed classifications of each draft (0: none)")
    parser.add_argument("--set", choices=[*SETS, "every"], default="main", dest="labelled",
                        help="which labelled set (every: one line for each)")
    args = parser.parse_args()

    if args.labelled == "every":
        for labelled in SETS:
            if (DATA if labelled == "main" else DATA / labelled).is_dir():
                result = figures(args.split, labelled)
                print(f"{labelled:7} {result['risky']} risky, {result['benign']} benign: "
                      f"recall {result['recall']:.3f}, false-positive rate {result['false_positive_rate']:.3f}")
        return
    result = figures(args.split, args.labelled)
    print(f"labelled set {args.labelled} ({args.split}): {result['risky']} risky, {result['benign']} benign")
    print(f"recall               {result['recall']:.3f}  "
          f"({result['risky'] - len(result['misses'])}/{result['risky']} risky texts high)")
    print(f"false-positive rate  {result['false_positive_rate']:.3f}  "
          f"({len(result['false_alarms'])}/{result['benign']} benign texts high)")
    print(f"\nmisses ({len(result['misses'])}):")
    for row in result["misses"]:
        print(f"  - {row['text']!r}\n      why risky: {row['why']}")
    print(f"\nfalse alarms ({len(result['false_alarms'])}):")
    for row, reasons in result["false_alarms"]:
        print(f"  - {row['text']!r}\n      why benign: {row['why']}\n      reasons: {'; '.join(reasons)}")
    if args.runs:
        print(f"\ntiming of classify(draft), {args.runs} runs each, cache cleared:")
        for name, draft in (("typical draft", typical_draft()), ("keyword-dense draft", dense_draft())):
            t = timing(draft, args.runs)
            print(f"  {name:20} {t['chars']} chars: CPU median {t['cpu_median_ms']:.2f} ms, "
                  f"wall median {t['wall_median_ms']:.2f} ms (p95 {t['wall_p95_ms']:.2f} ms)")


if __name__ == "__main__":
    main()
