"""Train the word model of risky advice (aiassist/risk_words.py) and say how well it generalises.

    .venv/bin/python bench/risk_words.py                  # train, print the figures, write the model file
    .venv/bin/python bench/risk_words.py --check          # train and compare with the committed file (no write)
        (the model file: aiassist/data/risk_words.json)
    .venv/bin/python bench/risk_words.py --leave-one-out  # each blind set scored by a model trained without it

Trained on the labelled risk sets in ``TRAIN`` (tests/data/risk: the first set and the blind sets read so far),
never on ``HELD_OUT`` (a blind set kept back, never read), which is only scored; and, as benign background, the
paragraphs of the labelled forum's threads (bench/data/retrieval/threads.json: questions and answers) that no rule
flags, at least ``BACKGROUND_FEATURES`` features long, and the blocks of two files of everyday forum posts
(``ORDINARY_TRAIN``): ordinary engineering talk, which the risk sets (written to be hard) have little of. The other
files of everyday posts (``ORDINARY_HELD_OUT``) measure how often the model flags such text.

The model: scikit-learn's TF-IDF over words and word pairs (the tokens of ``aiassist.risk_words``, sublinear term
frequency, features seen in at least ``MIN_COUNT`` texts) and an L2-regularised logistic regression (``C``). The
threshold is chosen by five-fold cross-validation on the training sets alone: the lowest at which the model, by
itself, rates at most ``FOLD_FALSE_POSITIVES`` of the labelled sets' benign texts of the held-out folds risky.
Deterministic: the same sets give the same file (features sorted, folds seeded, the solver run to a tight tolerance,
numbers rounded).
``--leave-one-out`` is the honest figure of how the model generalises: a blind set was written by someone who saw
no other set, so a model trained on every set but one meets, in the one, advice worded as it will be next time.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiassist import risk, risk_words  # noqa: E402

DATA = ROOT / "tests" / "data" / "risk"
TRAIN = ("", *(f"blind{n}" for n in range(2, 37) if n != 16))
HELD_OUT = "blind16"
C = 10.0  # inverse regularisation strength: 3, 10 and 30 gave the same leave-one-out figures within a point
MIN_COUNT = 2  # a feature seen in fewer training texts is not a feature
BACKGROUND_FEATURES = 20
# Ordinary forum posts written for this (tests/data/risk/ordinary: questions, answers, thanks, "ping me if you want to
# pair"), none of them advice of any risk: two files are background, the others (two more written in round 18 by
# another hand) are kept to measure how often the model flags everyday text (``ordinary_flagged``). Every block of a
# post long enough to be scored is a background row.
ORDINARY = DATA / "ordinary"
ORDINARY_TRAIN = ("ordinary1", "ordinary3")
ORDINARY_HELD_OUT = ("ordinary2", "ordinary4", "ordinary5", "ordinary6")
FOLDS = 5
FOLD_FALSE_POSITIVES = 0.05
THRESHOLDS = [round(0.05 * n, 2) for n in range(-60, 61)]


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
    for name in ORDINARY_TRAIN:
        rows += [(block, 0) for post in ordinary(name) if not risk.hits(post)
                 for block in risk_words.blocks(post) if len(risk_words.features(block)) >= risk_words.MIN_FEATURES]
    return rows


def ordinary(name: str) -> list[str]:
    path = ORDINARY / f"{name}.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ordinary_flagged(model: risk_words.Model) -> tuple[int, int]:
    """How many of the held-out ordinary posts no rule flags the model flags, of how many."""
    posts = [post for name in ORDINARY_HELD_OUT for post in ordinary(name) if not risk.hits(post)]
    return sum(bool(model.flagged(risk.normalised(post))) for post in posts), len(posts)


def training_rows(train_on=TRAIN) -> tuple[list[tuple[str, int]], int]:
    """The labelled sets' rows, then the background's, and how many of them are labelled."""
    labelled = [row for folder in train_on for row in load(folder)]
    return labelled + background(), len(labelled)


def _analyse(text: str) -> list[str]:
    """A text's features as ``risk_words.counts`` finds them, one entry per occurrence (what the vectoriser counts)."""
    return list(risk_words.counts(risk.normalised(text)).elements())


def _fit(rows: list[tuple[str, int]]) -> tuple[TfidfVectorizer, LogisticRegression]:
    vectoriser = TfidfVectorizer(analyzer=_analyse, sublinear_tf=True, min_df=MIN_COUNT)
    x = vectoriser.fit_transform([text for text, _ in rows])
    classifier = LogisticRegression(C=C, tol=1e-8, max_iter=20000)
    classifier.fit(x, np.array([label for _, label in rows]))
    return vectoriser, classifier


def train(rows: list[tuple[str, int]]) -> tuple[float, dict[str, float], dict[str, float]]:
    """Bias, weights and IDF of each feature, as ``risk_words.Model`` reads them."""
    return exported(*_fit(rows))


def exported(vectoriser: TfidfVectorizer, classifier: LogisticRegression) -> tuple[float, dict, dict]:
    """A fitted vectoriser and classifier as the bias, weights and IDF the JSON file holds (rounded)."""
    vocabulary = vectoriser.get_feature_names_out()
    idf = {f: round(float(v), 5) for f, v in zip(vocabulary, vectoriser.idf_, strict=True)}
    weights = {f: round(float(v), 6) for f, v in zip(vocabulary, classifier.coef_[0], strict=True) if abs(v) >= 1e-4}
    return round(float(classifier.intercept_[0]), 6), weights, idf


def cross_validated_threshold(rows: list[tuple[str, int]], measured: int) -> tuple[float, dict]:
    """The lowest threshold at which the held-out folds' harmless texts of the labelled sets (the first ``measured``
    rows) are flagged at most FOLD_FALSE_POSITIVES of the time; the background after them is trained on, not counted
    here: everyday posts are easy, and counting them would let the bar fall for the hard harmless texts."""
    texts, labels = [text for text, _ in rows], np.array([label for _, label in rows])
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    scores = np.zeros(len(rows))
    for fitted, held in folds.split(texts, labels):
        bias, weights, idf = train([rows[n] for n in fitted])
        model = risk_words.Model(bias, 0.0, weights, idf)
        for n in held:
            scores[n] = model.score(risk.normalised(texts[n]))
    scores, labels = scores[:measured], labels[:measured]
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


def build(train_on=TRAIN) -> dict:
    rows, labelled = training_rows(train_on)
    threshold, folds = cross_validated_threshold(rows, labelled)
    bias, weights, idf = train(rows)
    return {"about": "aiassist/risk_words.py; written by bench/risk_words.py from tests/data/risk",
            "trained_on": [folder or "labelled" for folder in train_on] + ["forum background", *ORDINARY_TRAIN],
            "texts": len(rows),
            "c": C, "min_count": MIN_COUNT, "threshold": threshold, "cross_validation": folds,
            "bias": bias, "weights": dict(sorted(weights.items())), "idf": dict(sorted(idf.items()))}


def leave_one_out() -> None:
    """Each blind set (the held-out one too) scored by a model trained on every other set but the held-out one."""
    for left in [folder for folder in TRAIN if folder] + [HELD_OUT]:
        data = build(tuple(folder for folder in TRAIN if folder != left))
        model = risk_words.Model(data["bias"], data["threshold"], data["weights"], data["idf"])
        print(f"  {left:8} (left out, threshold {data['threshold']}): {figures(load(left), model)}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed model instead of writing")
    parser.add_argument("--leave-one-out", action="store_true", help="score each blind set with a model trained "
                        "without it (nothing written)")
    args = parser.parse_args()
    if args.leave_one_out:
        leave_one_out()
        return 0
    data = build()
    model = risk_words.Model(data["bias"], data["threshold"], data["weights"], data["idf"])
    print(f"trained on {data['texts']} texts ({', '.join(data['trained_on'])}); {len(data['weights'])} weighted "
          f"features; threshold {data['threshold']} (cross-validation, the model alone: {data['cross_validation']})")
    flagged, posts = ordinary_flagged(model)
    print(f"  ordinary posts held out ({', '.join(ORDINARY_HELD_OUT)}): the words flag {flagged} of the {posts} "
          f"no rule flags")
    for folder in (*TRAIN, HELD_OUT):
        kind = "held out" if folder == HELD_OUT else "trained on"
        print(f"  {folder or 'labelled':8} ({kind}): {figures(load(folder), model)}")
    if args.check:
        committed = json.loads(risk_words.MODEL.read_text(encoding="utf-8"))
        same = committed["weights"].keys() == data["weights"].keys() and all(
            abs(committed["weights"][f] - v) <= 1e-4 for f, v in data["weights"].items())
        same = same and committed["idf"].keys() == data["idf"].keys() and all(
            abs(committed["idf"][f] - v) <= 1e-4 for f, v in data["idf"].items())
        same = same and committed["threshold"] == data["threshold"] and abs(committed["bias"] - data["bias"]) <= 1e-4
        print("the committed model is what the sets give" if same else "the committed model differs: re-run")
        return 0 if same else 1
    risk_words.MODEL.parent.mkdir(exist_ok=True)
    risk_words.MODEL.write_text(json.dumps(data, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {risk_words.MODEL.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
