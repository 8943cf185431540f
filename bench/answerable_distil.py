"""Distillation: the shipped answerability reader (MiniLM) trained again towards what both readers say together.

Rounds 26-27 measured that the mean of two readers' logits, the shipped MiniLM and the opt-in mpnet, tells answered
from not better than either (AUC 0.966 against 0.939 on the labelled set), but the second reading costs 0.5 s of CPU
(bench/README.md, round 27). This trains a MiniLM reader, at MiniLM's cost, with that mean as a teacher: on the pairs
of the data files neither reader was trained on (``TEACH_FILES``), the loss aims at ``MIX`` of the label and the rest
of the teacher's probability; on the shipped model's own files, at the label, as before (both readers were trained on
those: their readings are close to the labels there).

Measured in round 30 and not adopted: the same labelled AUC as the shipped reader (0.940 against 0.939) and a worse
operating point (bench/README.md, round 30).

    .venv/bin/python bench/answerable.py pairs                   # the shipped model's pairs (files 1-13)
    ANSWERABLE_RUN=var/answerable-taught .venv/bin/python bench/answerable.py pairs --train-files 14-22
    .venv/bin/python bench/answerable_distil.py teach            # both readers over the taught pairs (two processes)
    var/train/bin/python bench/answerable_distil.py train        # writes var/answerable-distil
    var/train/bin/python bench/answerable_distil.py export --model var/answerable-distil/model.safetensors
    .venv/bin/python bench/answerable.py calibrate               # once, with the shipped model
    .venv/bin/python bench/answerable.py choose --model var/answerable-distil/model.safetensors
"""
import argparse
import json
import math
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import answerable  # noqa: E402

TEACH_FILES = list(range(14, 23))  # written after the shipped readers were trained: neither saw them
TAUGHT = ROOT / "var" / "answerable-taught"  # the pairs of TEACH_FILES, ranked in a forum of their threads (and file 6)
TEACHER = TAUGHT / "teacher.jsonl"
RUN = ROOT / "var" / "answerable-distil"
MIX = 0.5  # the label's share of the target; the teacher's probability has the rest


def _rows() -> list[dict]:
    """The shipped model's pairs, then those of ``TEACH_FILES``."""
    shipped = [json.loads(line) for line in answerable.PAIRS.read_text(encoding="utf-8").splitlines()]
    taught = [json.loads(line) for line in (TAUGHT / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    return shipped + [row for row in taught if row["file"] in TEACH_FILES]


def _read(texts: list[str]) -> list[tuple[float, float]]:
    from bench.retrieval import django_setup
    django_setup("local")
    from aiassist.retrieval import answerable as app_answerable
    from aiassist.retrieval import mpnet
    first, second = app_answerable.reader(), mpnet.load()
    out = []
    for n, text in enumerate(texts):
        out.append((float(first.logits([text])[0]), float(second.logits([text])[0])))
        if n % 200 == 0:
            print(f"  {os.getpid()}: {n}/{len(texts)}", flush=True)
    return out


def teach(processes: int) -> None:
    from multiprocessing import get_context
    texts = sorted({row["text"] for row in _rows() if row["file"] in TEACH_FILES})
    print(f"{len(texts)} readings to take, in {processes} processes", flush=True)
    parts = [texts[i::processes] for i in range(processes)]
    with get_context("spawn").Pool(processes) as pool:
        readings = pool.map(_read, parts)
    with TEACHER.open("w", encoding="utf-8") as out:
        for part, logits in zip(parts, readings, strict=True):
            for text, (first, second) in zip(part, logits, strict=True):
                out.write(json.dumps({"text": text, "first": first, "second": second}) + "\n")
    print(f"wrote {TEACHER.relative_to(ROOT)}")


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def train() -> None:
    from bench import minilm_tuning
    teacher = {}
    for line in TEACHER.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        teacher[row["text"]] = (row["first"] + row["second"]) / 2
    rows = [row for row in _rows() if row["file"] in answerable.TRAIN_FILES + TEACH_FILES]
    texts, labels = [row["text"] for row in rows], [row["label"] for row in rows]
    targets = [MIX * row["label"] + (1 - MIX) * _sigmoid(teacher[row["text"]]) if row["text"] in teacher
               else float(row["label"]) for row in rows]
    checks, check_labels = answerable._read_pairs(answerable.VALIDATION_FILES)
    positive_weight = (len(labels) - sum(labels)) / max(sum(labels), 1)
    taught = sum(row["text"] in teacher for row in rows)
    print(f"{len(texts)} pairs ({sum(labels)} positive), {taught} with the teacher's reading; "
          f"{len(checks)} to choose the epoch", flush=True)
    minilm_tuning.fit(answerable.RECIPE, RUN, texts, labels, checks, check_labels,
                      trained_on=[f"train{n}" for n in answerable.TRAIN_FILES + TEACH_FILES],
                      positive_weight=positive_weight, targets=targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["teach", "train", "export"])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--model", help="export: the candidate model file")
    args = parser.parse_args()
    if args.command == "teach":
        teach(args.processes)
    elif args.command == "train":
        train()
    else:
        answerable.RUN = RUN
        answerable.export(Path(args.model).resolve())


if __name__ == "__main__":
    main()
