"""Train the word model of risky advice (aiassist/risk_words.py) and say how well it generalises.

    .venv/bin/python bench/risk_words.py            # train, print the figures, write aiassist/data/risk_words.json
    .venv/bin/python bench/risk_words.py --check    # train and compare with the committed file (no write)

Trained on the labelled risk sets in ``TRAIN`` (tests/data/risk: the first set and the blind sets read so far),
never on ``HELD_OUT`` (the newest blind set), which is only scored; and, as benign background, the paragraphs of
the labelled forum's threads (bench/data/retrieval/threads.json: questions and answers) that no rule flags, at least
``BACKGROUND_FEATURES`` features long: ordinary engineering advice in the forum's own words, which the risk sets
(written to be hard) have little of. The threshold is chosen by five-fold cross-validation on the training
sets alone: the lowest at which the model, by itself, rates at most ``FOLD_FALSE_POSITIVES`` of the benign texts of
the held-out folds risky. Deterministic: the same sets give the same file (features sorted, plain gradient
descent from zero, a fixed number of steps, weights rounded).
"""
import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiassist import risk, risk_words  # noqa: E402

DATA = ROOT / "tests" / "data" / "risk"
TRAIN = ("", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9", "blind10", "blind11")
HELD_OUT = "blind12"
L2 = 1e-4
STEPS = 2000
RATE = 2.0
MIN_COUNT = 2  # a feature seen in fewer training texts carries no weight
BACKGROUND_FEATURES = 20
FOLDS = 5
FOLD_FALSE_POSITIVES = 0.05
THRESHOLDS = [round(0.05 * n, 2) for n in range(0, 41)]


def load(folder: str) -> list[tuple[str, int]]:
    rows = []
    for name, label in (("risky", 1), ("benign", 0)):
        path = DATA / folder / f"{name}.jsonl"
        rows += [(json.loads(line)["text"], label) for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    return rows


def background() -> list[tuple[str, int]]:
    threads = json.loads((ROOT / "bench" / "data" / "retrieval" / "threads.json").read_text(encoding="utf-8"))
    rows = []
    for thread in threads:
        for body in [thread["question"], *(answer["body"] for answer in thread["answers"])]:
            if not risk.hits(body):
                rows += [(block, 0) for block in risk_words.blocks(body)
                         if len(risk_words.features(block)) >= BACKGROUND_FEATURES]
    return rows


def training_rows() -> list[tuple[str, int]]:
    return [row for folder in TRAIN for row in load(folder)] + background()


def train(rows: list[tuple[str, int]]) -> tuple[float, dict[str, float]]:
    """Bias and weights of a logistic regression over the rows' features (present or not, scaled by the square
    root of how many a text has, as ``Model.score`` reads them)."""
    counts: dict[str, int] = {}
    featured = [risk_words.features(risk.normalised(text)) for text, _ in rows]
    for found in featured:
        for feature in found:
            counts[feature] = counts.get(feature, 0) + 1
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    column = {f: n for n, f in enumerate(vocabulary)}
    x = np.zeros((len(rows), len(vocabulary)))
    for n, found in enumerate(featured):
        known = [column[f] for f in found if f in column]
        if known:
            x[n, known] = 1 / math.sqrt(len(known))
    y = np.array([label for _, label in rows], dtype=float)
    w, b = np.zeros(len(vocabulary)), 0.0
    for _ in range(STEPS):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        w -= RATE * (x.T @ (p - y) / len(y) + L2 * w)
        b -= RATE * float(np.mean(p - y))
    return round(b, 6), {f: round(float(v), 6) for f, v in zip(vocabulary, w, strict=True) if abs(v) >= 1e-4}


def cross_validated_threshold(rows: list[tuple[str, int]]) -> tuple[float, dict]:
    order = np.random.default_rng(0).permutation(len(rows))
    scores = np.zeros(len(rows))
    for fold in np.array_split(order, FOLDS):
        held = set(fold.tolist())
        bias, weights = train([row for n, row in enumerate(rows) if n not in held])
        model = risk_words.Model(bias, 0.0, weights)
        for n in fold:
            scores[n] = model.score(risk.normalised(rows[n][0]))
    labels = np.array([label for _, label in rows])
    for threshold in THRESHOLDS:
        flagged = scores >= threshold
        if flagged[labels == 0].mean() <= FOLD_FALSE_POSITIVES:
            return threshold, {"recall": round(float(flagged[labels == 1].mean()), 3),
                               "false_positive_rate": round(float(flagged[labels == 0].mean()), 3)}
    raise SystemExit("no threshold keeps the folds' false positives within bounds")


def figures(rows: list[tuple[str, int]], model: risk_words.Model) -> dict:
    """The model alone, the rules alone, and both (either one flags: what ``risk.classify`` does)."""
    out = {}
    for name, flags in (("words", lambda t: bool(model.flagged(risk.normalised(t)))),
                        ("rules", lambda t: bool(risk.hits(t))),
                        ("both", lambda t: bool(model.flagged(risk.normalised(t))) or bool(risk.hits(t)))):
        risky = [flags(t) for t, label in rows if label]
        benign = [flags(t) for t, label in rows if not label]
        out[name] = {"recall": round(sum(risky) / len(risky), 3),
                     "false_positive_rate": round(sum(benign) / len(benign), 3)}
    return out


def build() -> dict:
    rows = training_rows()
    threshold, folds = cross_validated_threshold(rows)
    bias, weights = train(rows)
    return {"about": "aiassist/risk_words.py; written by bench/risk_words.py from tests/data/risk",
            "trained_on": [folder or "labelled" for folder in TRAIN] + ["forum background"], "texts": len(rows),
            "l2": L2, "steps": STEPS, "min_count": MIN_COUNT, "threshold": threshold, "cross_validation": folds,
            "bias": bias, "weights": dict(sorted(weights.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed model instead of writing")
    args = parser.parse_args()
    data = build()
    model = risk_words.Model(data["bias"], data["threshold"], data["weights"])
    print(f"trained on {data['texts']} texts ({', '.join(data['trained_on'])}); {len(data['weights'])} weighted "
          f"features; threshold {data['threshold']} (cross-validation, the model alone: {data['cross_validation']})")
    for folder in (*TRAIN, HELD_OUT):
        kind = "held out" if folder == HELD_OUT else "trained on"
        print(f"  {folder or 'labelled':8} ({kind}): {figures(load(folder), model)}")
    if args.check:
        committed = json.loads(risk_words.MODEL.read_text(encoding="utf-8"))
        same = committed["weights"].keys() == data["weights"].keys() and all(
            abs(committed["weights"][f] - v) <= 1e-4 for f, v in data["weights"].items())
        same = same and committed["threshold"] == data["threshold"] and abs(committed["bias"] - data["bias"]) <= 1e-4
        print("the committed model is what the sets give" if same else "the committed model differs: re-run")
        return 0 if same else 1
    risk_words.MODEL.parent.mkdir(exist_ok=True)
    risk_words.MODEL.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {risk_words.MODEL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
