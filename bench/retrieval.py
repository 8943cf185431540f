"""Retrieval quality on the labelled set: does the assistant find the thread that answers a question?

Builds the labelled world (``bench/data/retrieval``: realistic threads, reworded questions,
questions nobody answered) in a throwaway test database, indexes it with the configured embedder,
and prints, without and then with the distractor threads:

- top-1 / top-3: the share of reworded questions whose thread ranks first / in the first three;
- declined: the share of unanswerable questions the assistant declines (no relevant thread);
- wrongly declined: the share of answerable questions it declines;
- the latency of one ranking (p50 / p95);

each for the whole set and for its two halves: the abstention rule is calibrated on the calibration half
and checked on the held-out one (``bench.retrieval_world.held_out``, a stable hash of the question).

Run: ``.venv/bin/python bench/retrieval.py [--distractors 1000]`` (PostgreSQL from DATABASE_URL, or
SQLite without it). ``tests/aiassist/retrieval/test_quality.py`` asserts the targets with the
same ``evaluate``. ``--scale`` instead measures latency on a ``manage.py seed_scale`` database.
"""
import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figures:
    questions: int = 0
    top1: float = 0.0
    top3: float = 0.0
    declined: float = 0.0
    wrongly_declined: float = 0.0
    unanswerable: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    misses: list = field(default_factory=list)
    false_answers: list = field(default_factory=list)
    halves: dict = field(default_factory=dict)  # "calibration" and "held-out": the same figures for each half

    def line(self, label: str) -> str:
        return (f"{label}: top-1 {self.top1:.1%}, top-3 {self.top3:.1%} of {self.questions} reworded questions; "
                f"declined {self.declined:.1%} of {self.unanswerable} unanswerable, wrongly declined "
                f"{self.wrongly_declined:.1%}; ranking p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms")


def reader_for(world, key: str):
    thread = world.threads[key]
    return world.secops_member if thread.category.restricted else world.employee


def evaluate(world, *, embedder=None) -> Figures:
    """Rank every labelled question as a reader of its thread's category; unanswerable ones as a
    reader of everything (the hardest case for declining). The figures of the whole set, with those of
    its calibration and held-out halves (``bench.retrieval_world.held_out``) in ``halves``."""
    from aiassist.retrieval.ranking import rank
    from bench.retrieval_world import held_out

    answerable, unanswerable, timings = [], [], []  # (held out, top-1, top-3, answered, miss)
    for item in world.questions:
        started = time.perf_counter()
        ranking = rank(reader_for(world, item["thread"]), item["question"], limit=3, embedder=embedder)
        timings.append((time.perf_counter() - started) * 1000)
        ids = [hit.thread.pk for hit in ranking.threads]
        target = world.threads[item["thread"]].pk
        miss = None if target in ids[:3] else (item["question"], item["thread"],
                                               [h.thread.title for h in ranking.threads])
        answerable.append((held_out(item["question"]), bool(ids) and ids[0] == target, target in ids[:3],
                           bool(ranking.relevant), miss))
    for item in world.unanswerable:
        ranking = rank(world.secops_member, item["question"], limit=3, embedder=embedder)
        wrong = (item["question"], ranking.threads[0].thread.title, round(ranking.threads[0].closeness, 3)) \
            if ranking.relevant else None
        unanswerable.append((held_out(item["question"]), not ranking.relevant, wrong))
    figures = _figures(answerable, unanswerable, timings)
    figures.halves = {
        "calibration": _figures([a for a in answerable if not a[0]], [u for u in unanswerable if not u[0]], timings),
        "held-out": _figures([a for a in answerable if a[0]], [u for u in unanswerable if u[0]], timings),
    }
    return figures


def _figures(answerable: list, unanswerable: list, timings: list[float]) -> Figures:
    n, u = len(answerable), len(unanswerable)
    figures = Figures(questions=n, unanswerable=u)
    figures.top1 = sum(a[1] for a in answerable) / n
    figures.top3 = sum(a[2] for a in answerable) / n
    figures.wrongly_declined = 1 - sum(a[3] for a in answerable) / n
    figures.declined = sum(d[1] for d in unanswerable) / u if u else 1.0
    figures.misses = [a[4] for a in answerable if a[4]]
    figures.false_answers = [d[2] for d in unanswerable if d[2]]
    figures.p50_ms = statistics.median(timings)
    figures.p95_ms = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
    return figures


# Candidate abstention signals (``--signals``) ---------------------------------------------------

# The rule's own threshold is calibrated like this: the highest bar at which the calibration half's answerable
# questions are wrongly declined at most this often (below the 5 % target, leaving room for the other half).
CALIBRATION_WRONGLY_DECLINED = 0.03
_SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n+")
_TOKEN = re.compile(r"\w+")


def signals(world) -> None:
    """Measure candidate signals for "the best thread answers this specific question" beside the rule in use:
    for each, its separation of answerable from unanswerable questions (AUC) on each half, and the rule plus
    that signal as a two-feature logistic model fitted on the calibration half, its bar calibrated there, and
    its figures on the held-out half. A signal is worth keeping only when it helps on the held-out half."""
    import numpy as np

    from aiassist.retrieval import ranking
    from aiassist.retrieval.index import active_embedder, embed_key
    from bench.retrieval_world import held_out
    from forum.text import meaningful_words, stem

    embedder = active_embedder()
    rows = []  # (held out, answerable, {signal: value})
    items = [(q, True) for q in world.questions] + [(q, False) for q in world.unanswerable]
    for item, answerable in items:
        user = reader_for(world, item["thread"]) if answerable else world.secops_member
        result = ranking.rank(user, item["question"], limit=10)
        if not result.threads:
            continue
        best, scores = result.threads[0], [t.score for t in result.threads]
        words = sorted(ranking._word_statistics(meaningful_words(item["question"]),
                                                ranking.readable_passages(user)), key=lambda w: -w.idf)
        text = " ".join([best.thread.title, *(p.plain for p in best.passages)]).lower()
        tokens = [stem(t) for t in _TOKEN.findall(text)]
        present = set(tokens)
        rare = words[:3]
        idf = {w.text: w.idf for w in words}
        asked = _TOKEN.findall(item["question"].lower())
        pairs = [(idf[a] + idf[b], a, b) for a, b in zip(asked, asked[1:], strict=False) if a in idf and b in idf]
        salient = max(pairs, default=None)
        sentences = [s.strip() for p in best.answers() if p.author_id != best.thread.author_id
                     for s in _SENTENCE.split(p.plain) if len(s.strip()) >= 12]
        question = embedder.embed([item["question"]])[0]
        names = ranking.question_names(ranking.headline(item["question"]))[:ranking.MAX_NAMES]  # as the rule reads them
        unknown = ranking._unknown_names(ranking.readable_passages(user), names)
        vectors = ranking._closeness(question, embed_key(embedder), list(best.passages))
        masked = ranking._masked_closeness(best, item["question"], names, embedder, vectors) if names else None
        closeness = sorted((embedder.embed(sentences) @ question).tolist(), reverse=True) if sentences else [0.0]
        rows.append((held_out(item["question"]), answerable, {
            "rule in use": ranking.relevance(best, unknown_names=unknown, masked=masked),
            "unknown names (-count; in the rule)": -float(unknown),
            "relevance without the names term": ranking.relevance(best, masked=masked),
            "relevance without the masked term": ranking.relevance(best, unknown_names=unknown),
            "lead over the next 9 threads": scores[0] - sum(scores[1:]) / max(len(scores) - 1, 1),
            "best answer sentence (MiniLM)": closeness[0],
            "best two answer sentences": sum(closeness[:2]) / len(closeness[:2]),
            "idf coverage, 3 rarest words": sum(w.idf for w in rare if w.stem in present)
            / (sum(w.idf for w in rare) or 1),
            "salient bigram in the thread": float(salient is None or (stem(salient[1]), stem(salient[2]))
                                                  in set(zip(tokens, tokens[1:], strict=False))),
            "word coverage (in the fused score)": best.coverage,
        }))
    names = list(rows[0][2])
    print(f"{'signal':38s} {'AUC calib.':>10s} {'AUC held':>9s}   rule + signal on the held-out half, "
          "bar set on the calibration half")
    for name in names:
        aucs = [_auc([r[2][name] for r in rows if r[0] == half and r[1]],
                     [r[2][name] for r in rows if r[0] == half and not r[1]]) for half in (False, True)]
        keys = [names[0]] if name == names[0] else [names[0], name]
        train = [r for r in rows if not r[0]]
        test = [r for r in rows if r[0]]
        weights = _logistic(np.array([[r[2][k] for k in keys] for r in train]), np.array([r[1] for r in train], float))

        def score(part, keys=keys, weights=weights):
            return weights[0] + np.array([[r[2][k] for k in keys] for r in part]) @ weights[1:]

        train_scores = np.sort(score([r for r in train if r[1]]))
        bar = train_scores[int(CALIBRATION_WRONGLY_DECLINED * len(train_scores))]
        held_yes, held_no = score([r for r in test if r[1]]), score([r for r in test if not r[1]])
        print(f"{name:38s} {aucs[0]:10.3f} {aucs[1]:9.3f}   wrongly declined {np.mean(held_yes < bar):.1%}, "
              f"unanswerable declined {np.mean(held_no < bar):.1%}")


def _auc(positive: list[float], negative: list[float]) -> float:
    pairs = [(p > n) + 0.5 * (p == n) for p in positive for n in negative]
    return sum(pairs) / len(pairs) if pairs else 0.0


def _logistic(x, y, l2: float = 1.0):
    """Weights (intercept first) of an L2-regularised logistic regression, by Newton's method on standardised
    features, returned in the features' own units."""
    import numpy as np

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    w = np.zeros(z.shape[1])
    penalty = l2 * np.diag(np.r_[0.0, np.ones(z.shape[1] - 1)])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        w -= np.linalg.solve(z.T @ (z * (p * (1 - p))[:, None]) + penalty, z.T @ (p - y) + penalty @ w)
    return np.r_[w[0] - (w[1:] * mean / scale).sum(), w[1:] / scale]


def index_everything():
    from django.db import connection

    from aiassist.retrieval.index import posts_index
    from forum.models import Post

    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 256):
        posts_index(ids[start:start + 256])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE retrieval_passage")


def scale(rounds: int) -> int:
    """Latency on the ``seed_scale`` world (the database in DATABASE_URL, already seeded): the labelled
    questions ranked as the benchmark user, and the search page rendered for them, in this process."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from aiassist.retrieval.forms import SearchForm
    from aiassist.retrieval.index import active_embedder
    from aiassist.retrieval.ranking import rank
    from bench.retrieval_world import reworded_questions, unanswerable_questions

    SEARCH_MAX = SearchForm.base_fields["q"].max_length  # noqa: N806
    user = get_user_model().objects.get(username=os.environ.get("BENCH_USERNAME", "bench"))
    questions = [q["question"] for q in reworded_questions() + unanswerable_questions()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM retrieval_passage), "
                       "(SELECT count(*) FROM retrieval_passagevector)")
        passages, vectors = cursor.fetchone()
    print(f"{passages:,} passages, {vectors:,} with a vector; embedder {os.environ['ASSISTANT_EMBEDDER']}")
    active_embedder() and active_embedder().embed(["warm up"])
    client = Client()
    client.force_login(user)
    client.get("/search/", {"q": "warm up"})
    ranking_ms, page_ms = [], []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            rank(user, question, limit=5)
            ranking_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            # The search box takes 200 characters (SearchForm; longer is a 400): what a person could type in it.
            assert client.get("/search/", {"q": question[:SEARCH_MAX]}).status_code == 200
            page_ms.append((time.perf_counter() - started) * 1000)
    for label, values in (("ranking (assistant retrieval)", ranking_ms), ("search page (server, in process)", page_ms)):
        q = statistics.quantiles(values, n=20)
        print(f"{label}: p50 {statistics.median(values):.0f} ms, p95 {q[18]:.0f} ms over {len(values)} queries")
    return 0


def django_setup(embedder: str) -> None:
    """Django in this process with ``embedder``; posts are indexed by the caller, so no index task is sent."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ASSISTANT_EMBEDDER"] = embedder
    os.environ["RETRIEVAL_INDEX_SYNC"] = "False"
    os.environ["EMAIL_NOTIFICATIONS"] = "False"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django

    django.setup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=1000)
    parser.add_argument("--scale", action="store_true",
                        help="measure latency on the seed_scale database in DATABASE_URL instead")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--embedder", default=os.environ.get("ASSISTANT_EMBEDDER", "local"))
    parser.add_argument("--misses", action="store_true", help="list the questions whose thread was not in the top 3")
    parser.add_argument("--signals", action="store_true",
                        help="also measure candidate abstention signals on the held-out half (slower)")
    parser.add_argument("--blind", action="store_true",
                        help="also rank the blind sets (questions_blind*.json, unanswerable_blind*.json), kept out of "
                             "every calibration (bench.retrieval_world.BLIND_SETS)")
    args = parser.parse_args()
    django_setup(args.embedder)
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench.retrieval_world import BLIND_SETS, add_distractors, blind_questions, blind_unanswerable, load_world

    if args.scale:
        return scale(args.rounds)
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database {connection.vendor} ({name}), embedder {args.embedder}")
    try:
        started = time.perf_counter()
        world = load_world(distractors=0)
        index_everything()
        print(f"labelled world indexed in {time.perf_counter() - started:.1f} s")
        report(evaluate(world), "without distractors", args.misses)
        if args.distractors:
            started = time.perf_counter()
            add_distractors(world, args.distractors)
            index_everything()
            print(f"{args.distractors} distractor threads added and indexed in {time.perf_counter() - started:.1f} s")
            report(evaluate(world), f"with {args.distractors} distractors", args.misses)
        if args.blind:
            for number in BLIND_SETS:
                blind = replace(world, questions=blind_questions(number), unanswerable=blind_unanswerable(number))
                print(blind_line(evaluate(blind), f"blind set {number}, {world.distractors} distractors"))
        if args.signals:
            signals(world)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    return 0


def blind_line(figures: Figures, label: str) -> str:
    """The blind set's figures (its halves mean nothing: nothing was calibrated on it), with what it got wrong."""
    lines = [figures.line(label).split("; ranking p50")[0]]
    lines += [f"  blind miss: {question!r} -> {key}" for question, key, _ in figures.misses]
    lines += [f"  blind answered an unanswerable: {question!r} -> {title!r}"
              for question, title, _ in figures.false_answers]
    return "\n".join(lines)


def report(figures: Figures, label: str, misses: bool) -> None:
    print(figures.line(label))
    for half, part in figures.halves.items():
        print("  " + part.line(f"{half} half").split("; ranking p50")[0])
    if misses:
        for question, key, got in figures.misses:
            print(f"  miss: {question!r} -> {key}; got {got}")
        for question, title, closeness in figures.false_answers:
            print(f"  answered an unanswerable: {question!r} -> {title!r} ({closeness})")


if __name__ == "__main__":
    sys.exit(main())
