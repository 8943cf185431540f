"""The risk classifier on drafts that quote the labelled texts, with each quoted passage read on its own or joined to
its neighbours: what a draft's decision is either way, and what the encoder costs.

    .venv/bin/python bench/risk_drafts.py [--set main|blind2|...|every] [--neighbours 2]

Each labelled text (tests/data/risk: risky and benign, the sets ``bench/risk.py`` reads) is made a post and split
into passages as the index splits posts (``passages.split_markdown``); the extractive engine then writes the draft a
worker would: the text's passages between those of ``--neighbours`` benign texts of the same set (the next ones in
the file, each a post of its own), every passage with its attribution. ``risk.classify`` reads the draft with its
sources two ways:

- *joined*: the encoder reads the draft's blocks joined while they fit its window, across passages (rounds 18-31);
- *apart*: a passage the draft quotes whole is read on its own (``risk_model.flagged``'s ``apart``, round 32), as
  the index reads it when the post is written, so a worker needs no model pass for it; the engine's own paragraphs
  (its opening line and attributions, ``Draft.framing``) are not read by the encoder, the rest is read joined.

Prints, for each set and both ways, the share of drafts quoting a risky text rated high (recall) and of drafts
quoting only benign texts rated high (false positives), the drafts on which the two ways differ, and the encoder's
CPU a draft takes when nothing is stored (joined) and when the index's readings are (apart). No database: the
engine and the classifier are plain Python.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from aiassist import risk, risk_model  # noqa: E402
from aiassist.engines import SourceDoc  # noqa: E402
from aiassist.engines.extractive import ExtractiveEngine  # noqa: E402
from aiassist.retrieval.passages import split_markdown  # noqa: E402
from bench.risk import DATA, SETS, load  # noqa: E402

ENGINE = ExtractiveEngine(max_passages=20, max_chars=20_000)


def draft(texts: list[str]) -> tuple[str, list[str], tuple[str, ...]]:
    """The draft quoting ``texts`` (each a post of its own), its sources' passages in citation order and the engine's
    own paragraphs (``Draft.framing``)."""
    sources, number = [], 0
    for post, text in enumerate(texts):
        for passage in split_markdown(text):
            number += 1
            sources.append(SourceDoc(number=number, title=f"Thread {post}", text=passage, role="reply",
                                     author=f"colleague{post}", url=f"/t/{post}/?post={post}#post-{post}"))
    written = ENGINE.draft("How do I fix this?", sources)
    return written.text, [source.text for source in sources], written.framing


def _joined(text, *, apart=(), read=None, framing=(), _flagged=risk_model.flagged):
    return _flagged(text)


def assess(body: str, sources: list[str], framing: tuple[str, ...], way: str) -> str:
    if way == "joined":
        risk_model.flagged, original = _joined, risk_model.flagged
        try:
            return risk.classify(body, sources=sources).level
        finally:
            risk_model.flagged = original
    return risk.classify(body, sources=sources, framing=framing).level


def encoder_cpu(body: str, sources: list[str], framing: tuple[str, ...], way: str) -> float:
    """CPU of the encoder's part of a draft's classification, nothing remembered (apart: with the sources' readings
    given, as the index stores them, and the engine's framing, as the worker gives it)."""
    normal = risk.normalised(body)
    apart = [risk.normalised(source) for source in sources]
    stored = dict(zip(apart, risk_model.readings(apart), strict=True)) if way == "apart" else None
    risk_model.clear_cache()
    started = time.process_time()
    if way == "apart":
        risk_model.flagged(normal, apart=apart, read=stored, framing=[risk.normalised(line) for line in framing])
    else:
        risk_model.flagged(normal)
    return time.process_time() - started


def figures(labelled: str, neighbours: int, timed: int) -> dict:
    risky, benign = load("risky", labelled=labelled), load("benign", labelled=labelled)
    pad = [row["text"] for row in benign]
    out = {"risky": len(risky), "benign": len(benign), "differ": []}
    for way in ("joined", "apart"):
        out[way] = {"high_risky": 0, "high_benign": 0, "cpu": []}
    for kind, rows in (("risky", risky), ("benign", benign)):
        for n, row in enumerate(rows):
            others = [text for k in range(1, neighbours + 1) if (text := pad[(n + k) % len(pad)]) != row["text"]]
            half = len(others) // 2
            body, sources, framing = draft([*others[:half], row["text"], *others[half:]])
            levels = {}
            for way in ("joined", "apart"):
                levels[way] = assess(body, sources, framing, way)
                out[way][f"high_{kind}"] += levels[way] == "high"
                if n < timed:
                    out[way]["cpu"].append(encoder_cpu(body, sources, framing, way))
            if levels["joined"] != levels["apart"]:
                out["differ"].append((kind, levels["joined"], levels["apart"], row["text"][:100]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=[*SETS, "every"], default="main", dest="labelled")
    parser.add_argument("--neighbours", type=int, default=2, help="benign texts quoted around each labelled one")
    parser.add_argument("--timed", type=int, default=20, help="drafts of each kind a set whose encoder CPU is timed")
    args = parser.parse_args()
    names = [name for name in SETS if (DATA if name == "main" else DATA / name).is_dir()] \
        if args.labelled == "every" else [args.labelled]
    totals = {way: {"high_risky": 0, "high_benign": 0, "cpu": []} for way in ("joined", "apart")}
    risky = benign = 0
    for name in names:
        result = figures(name, args.neighbours, args.timed)
        risky, benign = risky + result["risky"], benign + result["benign"]
        line = [f"{name:9} {result['risky']:3} risky, {result['benign']:3} benign:"]
        for way in ("joined", "apart"):
            got = result[way]
            for key in ("high_risky", "high_benign", "cpu"):
                totals[way][key] += got[key]
            line.append(f"{way} recall {got['high_risky'] / result['risky']:.3f} "
                        f"false positives {got['high_benign'] / result['benign']:.3f};")
        print(" ".join(line), f"{len(result['differ'])} differ")
        for kind, joined, apart, text in result["differ"]:
            print(f"    {kind}: joined {joined}, apart {apart}: {text!r}")
    for way in ("joined", "apart"):
        got = totals[way]
        cpu = sorted(got["cpu"])
        print(f"all sets, {way}: recall {got['high_risky'] / risky:.3f} ({got['high_risky']}/{risky}), "
              f"false positives {got['high_benign'] / benign:.3f} ({got['high_benign']}/{benign}); "
              f"encoder CPU a draft: mean {1000 * sum(cpu) / len(cpu):.1f} ms, "
              f"p95 {1000 * cpu[int(0.95 * (len(cpu) - 1))]:.1f} ms over {len(cpu)} drafts")


if __name__ == "__main__":
    main()
