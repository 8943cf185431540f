"""Would sentence vectors help the grounding check tell a supported paraphrase from an unsupported claim?

    .venv/bin/python bench/grounding_semantic.py   # ~6 min on 2 cores: every claim and window embedded once

A measurement, not a part of the checker (bench/README.md, round 18: not adopted). ``aiassist.grounding.check`` is
lexical: a supported claim worded unlike its passage comes out weak, which the blind sets show as 14-40 % of supported
claims flagged. Here the local embedder (all-MiniLM-L6-v2) reads each claim the checker left weak or supported and
the three windows the checker found best for it (``check(..., embed=...)``, the hook it already has), and a logistic
regression over (lexical score, best window cosine) may turn a weak claim supported: never a supported one weak,
never an invented, contradicted or uncited one anything else.

Leave one set out over the labelled set and the six blind sets (each written by someone who saw neither the checker
nor the other sets): the regression is fitted on the other sets' supported and unsupported items, and its bar is the
lowest at which at most ``--promoted`` of their unsupported claims the checker calls weak would be promoted. The left
out set's figures are the bench's own: supported items flagged (worst claim not supported), unsupported items flagged.
"""
import argparse
import os
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from aiassist import grounding  # noqa: E402
from aiassist.retrieval.embedders import LocalEmbedder  # noqa: E402
from bench.grounding import BLIND_SETS, DATA, SEVERITY, load  # noqa: E402

SETS = {"labelled": DATA, **{f"blind{n}": path for n, path in BLIND_SETS.items()}}


def features(items: list[dict], embed) -> list[dict]:
    """Per item: its label, each claim's status, and for each claim the checker graded (weak or supported) its lexical
    score and its best cosine to the checker's windows."""
    graded: list[tuple[int, float, float]] = []

    def capture(results, pending, embed_fn, weight, threshold):  # grounding._semantic's signature
        for position, text, matches, _ in pending:
            vectors = embed_fn([text] + [m.window for m in matches])
            cosine = max((float(np.dot(vectors[0], v)) for v in vectors[1:]), default=0.0)
            graded.append((position, results[position].score, cosine))
        return results

    original, grounding._semantic = grounding._semantic, capture
    try:
        rows = []
        for item in items:
            graded.clear()
            result = grounding.check(item["claim"], {1: item["passage"]}, embed=embed)
            rows.append({"label": item["label"], "statuses": [c.status for c in result.claims],
                         "graded": {position: (lexical, cosine) for position, lexical, cosine in graded}})
        return rows
    finally:
        grounding._semantic = original


def verdict(row: dict, model: LogisticRegression | None = None, bar: float = 1.0) -> str:
    statuses = list(row["statuses"])
    if model is not None:
        for position, pair in row["graded"].items():
            if statuses[position] == grounding.Status.WEAK and model.predict_proba([pair])[0, 1] >= bar:
                statuses[position] = grounding.Status.SUPPORTED
    return str(max(statuses, key=SEVERITY.__getitem__)) if statuses else "none"


def flagged(rows: list[dict], label: str, **promote) -> float:
    rows = [row for row in rows if row["label"] == label]
    return sum(verdict(row, **promote) != "supported" for row in rows) / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promoted", type=float, nargs="+", default=[0.03, 0.05, 0.08],
                        help="share of the training sets' weak unsupported claims the bar may promote")
    args = parser.parse_args()
    embedder, cache = LocalEmbedder(), {}

    def embed(texts):
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, embedder.embed(missing), strict=True))
        return [cache[t] for t in texts]

    data = {name: features(load(path), embed) for name, path in SETS.items()}
    for share in args.promoted:
        print(f"bar: at most {share:.0%} of the other sets' weak unsupported claims promoted")
        totals = []
        for left, rows in data.items():
            pairs = [(pair, row["label"] == "supported") for name, others in data.items() if name != left
                     for row in others if row["label"] in ("supported", "unsupported")
                     for pair in row["graded"].values()]
            x, y = np.array([p for p, _ in pairs]), np.array([s for _, s in pairs])
            model = LogisticRegression(C=10).fit(x, y)
            scores = model.predict_proba(x)[:, 1]
            weak_unsupported = np.sort(scores[(x[:, 0] < grounding.SUPPORT_THRESHOLD) & ~y])[::-1]
            bar = weak_unsupported[int(share * len(weak_unsupported))] + 1e-9
            figures = (flagged(rows, "supported"), flagged(rows, "supported", model=model, bar=bar),
                       flagged(rows, "unsupported"), flagged(rows, "unsupported", model=model, bar=bar))
            totals.append(figures)
            print(f"  {left:9} supported flagged {figures[0]:.3f} -> {figures[1]:.3f}, "
                  f"unsupported flagged {figures[2]:.3f} -> {figures[3]:.3f}")
        mean = np.mean(totals, axis=0)
        print(f"  mean      supported flagged {mean[0]:.3f} -> {mean[1]:.3f}, unsupported flagged {mean[2]:.3f} -> "
              f"{mean[3]:.3f}")


if __name__ == "__main__":
    main()
