"""Retrieval quality on the large-index candidate path: the labelled threads inside a forum of 100,000+ passages.

``bench/retrieval.py`` measures quality on 2,875 passages (labelled + 1,000 distractors), below
``ranking.COMMON_WORDS_FROM``, so it only exercises the small-index candidate path (every question word proposes
candidates). This script builds a world
far above that threshold with a realistic vocabulary and measures the same figures on it:

* the labelled world (``bench.retrieval_world.load_world``: people, categories, the 89 labelled threads posted
  through the forum's services) indexed by ``index.posts_index`` with the configured embedder, exactly as
  ``bench/retrieval.py`` indexes it;
* ``distractors.generate(1000, 0)``, the small benchmark's distractors, plus ``--threads`` more threads from
  ``bench/retrieval_large_world.py`` (the same hand-written topics with widened slot values: realistic,
  Zipf-like vocabulary in the labelled threads' domain). These are written with ``bulk_create`` (threads and
  posts; no audit events or notifications, which ranking never reads), then indexed by the real
  ``index.posts_index`` (same passages, roles, lexical vectors and embeddings as the live index). Identical
  embedding inputs are embedded once: the distinct inputs are embedded first (sorted by length, batches of 64)
  and ``posts_index`` is given an embedder that serves them from that table (and embeds any it lacks);
* ``ANALYZE``, so the word statistics the large-index path reads (``pg_stats``, the partial question index's
  ``reltuples``) are those of this world.

Then every reworded question is ranked as a reader of its thread's category and every unanswerable one as a
reader of everything (``bench.retrieval.evaluate``, unchanged), with ``ranking._selective`` and
``ranking._lexical_candidates`` wrapped from outside to record which candidate path each question took (which
words selected question and answer candidates, "and"/"or"/none) and whether the right thread was among the
threads scored. ``--compare-small-rule`` ranks the same world again with the small-index rule
(``COMMON_WORDS_FROM`` raised above the index size), to tell the misses the large-index path causes from those
the crowded world causes under either rule. ``--misses`` says, for each answerable question whose thread was not
scored, whether the selected words were in the thread at all, how many passages outranked it in its part, or
whether it was proposed but cut at the 80-thread limit. Three more passes, none of them the product's ranking:
``--as-if-scale F`` divides ``QUESTION_ROWS`` and ``CANDIDATE_ROWS`` by F (the budgets an index F times larger
with the same word shares would leave; the extra competing threads are not emulated), ``--interleave-parts``
takes the threads the question part and the answer part propose in turn instead of merging their rows by raw
rank, and ``--dense-candidates K`` adds the K readable threads whose question vector is closest to the question.

Run (PostgreSQL only; the database must exist and be migrated; it is emptied and rebuilt unless ``--reuse``):

    createdb -h 127.0.0.1 -U postgres vetted_large
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/vetted_large
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/retrieval_large.py --threads 40000 --misses --compare-small-rule   # ~15 min build
    # later runs measure the same world without rebuilding it (~1 min a pass):
    .venv/bin/python bench/retrieval_large.py --reuse --misses --compare-small-rule \
        --as-if-scale 2.43 10.25 --interleave-parts --dense-candidates 20

Vectors of the distinct embedding inputs are kept in ``$BENCH_WORK_DIR`` (default /tmp/vetted-retrieval-large),
keyed by exact text and model, so a rebuild embeds only what changed (``--no-embedding-cache``: embed all).
``--threads 0`` builds the small benchmark's world (labelled + 1,000 distractors) the same way: it gives the same
figures as ``bench/retrieval.py --distractors 1000``.
Results (every question's path, candidates and outcome) go to ``bench/results/retrieval-large-latest.json``.
"""
import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/vetted-retrieval-large"))
RESULTS = ROOT / "bench" / "results" / "retrieval-large-latest.json"
EMBED_BATCH = 64


# Embedding each distinct input once -----------------------------------------------------------------------

class SharedEmbedder:
    """The configured embedder behind a table of vectors by exact input text: an input already embedded is not
    embedded again. Same name and dimension, so ``posts_index`` stores the same model key."""

    def __init__(self, inner, table: dict):
        self.inner, self.table = inner, table
        self.name, self.dimension = inner.name, inner.dimension
        self.embedded = 0

    def embed(self, texts):
        import numpy as np

        missing = [t for t in dict.fromkeys(texts) if t not in self.table]
        if missing:
            self.fill(missing)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.table[t] for t in texts])

    def fill(self, texts, progress=None):
        texts = sorted(dict.fromkeys(t for t in texts if t not in self.table), key=len)
        started = time.perf_counter()
        for start in range(0, len(texts), EMBED_BATCH):
            batch = texts[start:start + EMBED_BATCH]
            self.table.update(zip(batch, self.inner.embed(batch), strict=True))
            self.embedded += len(batch)
            if progress and (start // EMBED_BATCH) % 50 == 0:
                rate = (start + len(batch)) / max(time.perf_counter() - started, 1e-9)
                progress(f"    embedded {start + len(batch):,} of {len(texts):,} ({rate:.0f}/s)")


def _cache_path(model: str) -> Path:
    return WORK / f"embeddings-{hashlib.sha256(model.encode()).hexdigest()[:12]}.npz"


def load_cache(model: str) -> dict:
    import numpy as np

    path = _cache_path(model)
    if not path.exists():
        return {}
    data = np.load(path, allow_pickle=False)
    return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))


def save_cache(model: str, table: dict) -> None:
    import numpy as np

    WORK.mkdir(parents=True, exist_ok=True)
    texts = list(table)
    np.savez(_cache_path(model), texts=np.array(texts), vectors=np.stack([table[t] for t in texts]))


# Building the world ---------------------------------------------------------------------------------------

def say(text: str) -> None:
    print(text, flush=True)


def build(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from aiassist.retrieval.index import active_embedder, embed_key, embedding_input, posts_index
    from aiassist.retrieval.passages import plain_text, split_markdown
    from bench import retrieval_large_world
    from bench.data.retrieval import distractors
    from bench.retrieval_world import labelled_threads, load_world
    from forum.models import Post

    phases = {}

    def phase(name, started):
        phases[name] = round(time.perf_counter() - started, 1)
        say(f"  {name:<48} {phases[name]:7.1f} s")

    total_started = started = time.perf_counter()
    call_command("flush", interactive=False, verbosity=0)
    phase("flush", started)

    started = time.perf_counter()
    world = load_world(distractors=0)
    embedder = active_embedder()
    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 256):  # exactly bench/retrieval.py's index_everything, real embedder
        posts_index(ids[start:start + 256], embedder=embedder)
    phase(f"labelled world (services) + index, {len(ids)} posts", started)

    started = time.perf_counter()
    small = distractors.generate(1000, 0)
    taken = {t["title"] for t in small} | {t["title"] for t in labelled_threads()}
    generated = small + retrieval_large_world.generate(args.threads, args.seed, taken)
    phase(f"generate {len(generated):,} threads", started)

    started = time.perf_counter()
    post_ids = bulk_threads(world, generated)
    phase(f"threads and posts (bulk_create), {len(post_ids):,} posts", started)

    model = embed_key(embedder)
    table = {} if args.no_embedding_cache else load_cache(model)
    cached = len(table)
    shared = SharedEmbedder(embedder, table)
    started = time.perf_counter()
    inputs = []
    for spec in generated:
        inputs += [embedding_input(spec["title"], plain_text(c), "question") for c in split_markdown(spec["question"])]
        for answer in spec["answers"]:
            inputs += [embedding_input(spec["title"], plain_text(c), "reply") for c in split_markdown(answer["body"])]
    distinct = len(set(inputs))
    shared.fill(inputs, progress=say)
    phase(f"embed {distinct:,} distinct inputs of {len(inputs):,} ({shared.embedded:,} new, "
          f"{cached:,} from the cache)", started)
    if not args.no_embedding_cache:
        save_cache(model, table)

    started = time.perf_counter()
    before = shared.embedded
    for start in range(0, len(post_ids), 512):
        posts_index(post_ids[start:start + 512], embedder=shared)
    phase(f"posts_index (passages, lexical vectors, vectors); {shared.embedded - before} inputs not pre-embedded",
          started)

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE retrieval_passage")
        cursor.execute("VACUUM ANALYZE retrieval_passagevector")
        cursor.execute("ANALYZE")
    phase("VACUUM ANALYZE", started)
    meta = {"threads_generated": args.threads, "seed": args.seed, "built": time.strftime("%Y-%m-%d %H:%M UTC",
                                                                                           time.gmtime()),
            "build_s": round(time.perf_counter() - total_started, 1), "phases": phases,
            "embedded_new": shared.embedded, "embedded_from_cache": cached, "distinct_inputs": distinct,
            "embedding_inputs": len(inputs), "world": world_key()}
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_large_meta (meta jsonb)")
        cursor.execute("DELETE FROM bench_large_meta")
        cursor.execute("INSERT INTO bench_large_meta VALUES (%s)", [json.dumps(meta)])
    say(f"  built in {meta['build_s']} s")
    return meta


def world_key() -> str:
    """What the world was built from (this script, its generator, the data): a reused world must match."""
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "bench" / "data" / "retrieval").glob("*"), ROOT / "bench" / "retrieval_large_world.py",
                        ROOT / "bench" / "retrieval_world.py"]):
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def bulk_threads(world, specs: list[dict]) -> list[int]:
    """Threads and posts as ``thread_start`` / ``post_reply`` / ``thread_accept_answer`` leave them (the rows
    ranking reads), with ``bulk_create``. Returns the post ids, each thread's opening post first."""
    from django.db import transaction
    from django.utils import timezone

    from bench.retrieval_world import _people
    from forum.markup import render_markdown
    from forum.models import Post, Thread

    people = _people(specs)
    rendered = {}

    def html(body):
        if body not in rendered:
            rendered[body] = render_markdown(body)
        return rendered[body]

    now = timezone.now()
    post_ids = []
    for start in range(0, len(specs), 2000):
        chunk = specs[start:start + 2000]
        with transaction.atomic():
            threads = Thread.objects.bulk_create([
                Thread(category=world.categories[s["category"]], author=people[s["asker"]], title=s["title"],
                       last_post_at=now, post_count=1 + len(s["answers"])) for s in chunk])
            posts, accepted = [], []
            for thread, spec in zip(threads, chunk, strict=True):
                posts.append(Post(thread=thread, author=people[spec["asker"]], body=spec["question"],
                                  body_html=html(spec["question"])))
                for answer in spec["answers"]:
                    post = Post(thread=thread, author=people[answer["author"]], body=answer["body"],
                                body_html=html(answer["body"]))
                    posts.append(post)
                    if answer["accepted"]:
                        accepted.append((thread, post))
            Post.objects.bulk_create(posts, batch_size=1000)
            for thread, post in accepted:
                thread.accepted_post = post
            Thread.objects.bulk_update([t for t, _ in accepted], ["accepted_post"], batch_size=1000)
        post_ids += [p.pk for p in posts]
    return post_ids


def rebuild_world_handle():
    """The ``World`` of an already built database (``--reuse``)."""
    from django.contrib.auth import get_user_model

    from bench.retrieval_world import (
        CATEGORIES,
        EMPLOYEE,
        SECOPS_MEMBER,
        World,
        labelled_threads,
        reworded_questions,
        unanswerable_questions,
    )
    from forum.models import Category, Thread

    users = get_user_model().objects
    threads = {}
    for spec in labelled_threads():
        threads[spec["key"]] = Thread.objects.select_related("category").get(
            title=spec["title"], author__username=spec["asker"], category__name=spec["category"])
    return World(threads=threads, employee=users.get(username=EMPLOYEE),
                 secops_member=users.get(username=SECOPS_MEMBER),
                 questions=reworded_questions(), unanswerable=unanswerable_questions(),
                 categories={c.name: c for c in Category.objects.filter(name__in=list(CATEGORIES))},
                 distractors=Thread.objects.count() - len(threads))


def world_figures() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT (SELECT count(*) FROM forum_thread), (SELECT count(*) FROM forum_post),
                   (SELECT count(*) FROM retrieval_passage),
                   (SELECT count(*) FROM retrieval_passage WHERE role = 'question'),
                   (SELECT count(*) FROM retrieval_passagevector),
                   (SELECT count(DISTINCT embedding) FROM retrieval_passagevector),
                   (SELECT reltuples FROM pg_class WHERE oid = 'retrieval_passage'::regclass),
                   (SELECT reltuples FROM pg_class WHERE oid = to_regclass('retrieval_passage_question_gin'))
        """)
        (threads, posts, passages, questions, vectors, distinct_vectors, reltuples,
         question_reltuples) = cursor.fetchone()
        # The lexical vocabulary: distinct lexemes of the passages' search vectors, and how they are spread.
        cursor.execute("SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM retrieval_passage') "
                       "ORDER BY ndoc DESC")
        lexemes = cursor.fetchall()
    shares = [n / passages for _, n in lexemes]
    return {
        "threads": threads, "posts": posts, "passages": passages, "question_passages": questions,
        "vectors": vectors, "distinct_vectors": distinct_vectors, "reltuples": reltuples,
        "question_index_reltuples": question_reltuples, "lexemes": len(lexemes),
        "lexemes_in_1pct_or_more": sum(s >= 0.01 for s in shares),
        "lexemes_in_5pct_or_more": sum(s >= 0.05 for s in shares),
        "lexemes_once": sum(n == 1 for _, n in lexemes),
        "commonest": [(w, round(n / passages, 3)) for w, n in lexemes[:15]],
    }


# Measuring ------------------------------------------------------------------------------------------------

class Recorder:
    """Wraps ``ranking.rank``, ``ranking._selective`` and ``ranking._lexical_candidates`` (module globals, so the
    wrappers are what ``rank`` calls) and records, per question text, the candidate path and the threads scored."""

    def __init__(self):
        from aiassist.retrieval import ranking

        self.ranking = ranking
        self.originals = {name: getattr(ranking, name) for name in ("rank", "_selective", "_lexical_candidates")}
        Recorder.original_lexical = staticmethod(self.originals["_lexical_candidates"])
        self.records, self.current = {}, None
        self.dense = None  # an experiment (--dense-candidates): extra candidate rows put before the lexical ones
        self.candidates = None  # an experiment (--interleave-parts): another _lexical_candidates

    def __enter__(self):
        ranking, originals = self.ranking, self.originals

        def rank(user, text, **kwargs):
            self.current = {"selections": [], "threads": [], "words": []}
            self.user, self.text = user, text
            result = originals["rank"](user, text, **kwargs)
            self.current.update(ms=result.elapsed_ms, confident=result.confident,
                                top=[t.thread.pk for t in result.threads])
            self.records[text] = self.current
            return result

        def _selective(words, **kwargs):
            chosen, mode = originals["_selective"](words, **kwargs)
            if self.current is not None:
                self.current["selections"].append({
                    "part": kwargs.get("part", 1.0), "budget": kwargs.get("budget"),
                    "conjunction": kwargs.get("conjunction", True), "mode": mode,
                    "words": [w.text for w in chosen], "lexemes": [w.lexeme for w in chosen]})
            return chosen, mode

        def _lexical_candidates(passages, words):
            rows = (self.candidates or originals["_lexical_candidates"])(passages, words)
            if self.dense is not None:
                rows = self.dense(self.user, self.text) + rows
            if self.current is not None:
                proposed = list(dict.fromkeys(t for _, t, _ in rows))
                self.current["threads"] = proposed[:ranking.THREAD_CANDIDATES]
                self.current["proposed"] = proposed  # every thread of the merged rows, before the cut
                self.current["rows"] = [(pk, thread, float(r or 0.0)) for pk, thread, r in rows]
                self.current["words"] = [(w.text, w.lexeme, round(w.share, 5), round(w.questions)) for w in words]
                self.current["total"] = max((w.total for w in words), default=0)
            return rows

        ranking.rank, ranking._selective, ranking._lexical_candidates = rank, _selective, _lexical_candidates
        return self

    def __exit__(self, *exc):
        for name, original in self.originals.items():
            setattr(self.ranking, name, original)


def path_of(record: dict) -> str:
    """"small" when the index is below COMMON_WORDS_FROM; else the question part's and the answer part's selection."""
    from aiassist.retrieval import ranking

    selections = record["selections"]
    if record.get("total", 0) < ranking.COMMON_WORDS_FROM or len(selections) == 1:
        return "small (every word, or)"

    def one(sel):
        return "none" if not sel["words"] else f"{sel['mode']} {len(sel['words'])}"

    return f"questions: {one(selections[0])}; answers: {one(selections[1])}"


def measure(world, label: str, dense=None, candidates=None) -> dict:
    from aiassist.retrieval import ranking
    from bench.retrieval import evaluate, report
    from bench.retrieval_world import held_out

    with Recorder() as recorder:
        recorder.dense, recorder.candidates = dense, candidates
        figures = evaluate(world)
    say("")
    report(figures, label, misses=False)
    rows = []
    for item in world.questions:
        record = recorder.records[item["question"]]
        target = world.threads[item["thread"]].pk
        rows.append({"question": item["question"], "thread": item["thread"], "target": target, "answerable": True,
                     "held_out": held_out(item["question"]), "path": path_of(record),
                     "candidate": target in record["threads"],
                     "top1": bool(record["top"]) and record["top"][0] == target,
                     "top3": target in record["top"][:3], "answered": record["confident"], **record})
    for item in world.unanswerable:
        record = recorder.records[item["question"]]
        rows.append({"question": item["question"], "answerable": False, "held_out": held_out(item["question"]),
                     "path": path_of(record), "answered": record["confident"], **record})
    answerable = [r for r in rows if r["answerable"]]
    _proposed_by_part(rows)
    recall = sum(r["candidate"] for r in answerable) / len(answerable)
    say(f"  right thread among the {ranking.THREAD_CANDIDATES} threads scored: {recall:.1%} "
        f"({sum(r['candidate'] for r in answerable)} of {len(answerable)})")
    paths = Counter(r["path"] for r in rows)
    say("  candidate paths (all questions; answerable: right thread scored / total):")
    for path, n in paths.most_common():
        mine = [r for r in answerable if r["path"] == path]
        say(f"    {n:4d}  {path}   answerable {sum(r['candidate'] for r in mine)}/{len(mine)}")
    ms = [r["ms"] for r in rows]
    say(f"  ranking (all {len(ms)} questions, rank()'s own elapsed_ms): p50 {statistics.median(ms):.0f} ms, "
        f"p95 {statistics.quantiles(ms, n=20)[18]:.0f} ms")
    return {"figures": _figures_dict(figures), "rows": rows, "paths": dict(paths), "candidate_recall": recall}


def _proposed_by_part(rows: list[dict]) -> None:
    """Through which role each scored thread entered the first 80 (the role of its first row in the merged order:
    the large-index path merges the question part's and the answer part's rows by raw rank), and the ranks the
    rows of the two roles got."""
    from aiassist.retrieval.models import Passage

    roles = dict(Passage.objects.filter(pk__in={pk for r in rows for pk, _, _ in r.get("rows", [])})
                 .values_list("pk", "role"))
    shares, none, question_ranks, answer_ranks = [], 0, [], []
    for r in rows:
        first = {}
        for pk, thread, rank in r.get("rows", []):
            first.setdefault(thread, roles.get(pk))
            (question_ranks if roles.get(pk) == Passage.Role.QUESTION else answer_ranks).append(rank)
        scored = r.get("threads", [])
        r["scored_by_question"] = sum(first.get(t) == Passage.Role.QUESTION for t in scored)
        if scored:
            shares.append(r["scored_by_question"] / len(scored))
            none += r["scored_by_question"] == 0
    if shares:
        say(f"  threads scored that entered by a question passage (not an answer): median "
            f"{statistics.median(shares):.0%} of a question's scored threads, none for {none} of {len(shares)} "
            f"questions; rank of the rows: question passages median {statistics.median(question_ranks or [0]):.3f}, "
            f"answer passages median {statistics.median(answer_ranks or [0]):.3f}")


def _figures_dict(figures) -> dict:
    def one(f):
        return {"questions": f.questions, "top1": f.top1, "top3": f.top3, "declined": f.declined,
                "wrongly_declined": f.wrongly_declined, "unanswerable": f.unanswerable, "p50_ms": f.p50_ms,
                "p95_ms": f.p95_ms}

    return {"whole": one(figures), **{half: one(part) for half, part in figures.halves.items()},
            "misses": figures.misses, "false_answers": figures.false_answers}


def why_not_candidate(world, row: dict) -> tuple[str, str]:
    """For an answerable question whose thread was not scored: did its passages hold the selecting words, and if
    so, how many readable passages outranked its best one (each part proposes its best 200)? Returns a cause
    ("cut at the thread limit", "selected words not in the thread", "outranked in its part") and the details."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    from aiassist.retrieval import ranking
    from aiassist.retrieval.models import Passage
    from bench.retrieval import reader_for

    user = reader_for(world, row["thread"])
    passages = ranking.readable_passages(user)
    parts = [("questions", passages.filter(role=Passage.Role.QUESTION)),
             ("answers", passages.exclude(role=Passage.Role.QUESTION))]
    if len(row["selections"]) == 1:  # the small-index rule: one match over every passage
        parts = [("passages", passages)]
    out, matched = [], False
    for (name, matching), sel in zip(parts, row["selections"], strict=False):
        if not sel["words"]:
            out.append(f"{name}: no word selected")
            continue
        words = [ranking.Word(w, "", lx, 0, 0, 0) for w, lx in zip(sel["words"], sel["lexemes"], strict=True)]
        query = ranking._tsquery(words, sel["mode"])
        hits = matching.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
        mine = list(hits.filter(thread_id=row["target"]).order_by("-rank").values_list("rank", flat=True)[:1])
        if not mine:
            out.append(f"{name}: {sel['mode']} {sel['words']} not in the thread's {name}")
            continue
        matched = True
        above = hits.filter(rank__gt=mine[0]).count()
        out.append(f"{name}: {sel['mode']} {sel['words']} match, {above:,} readable passages rank above its best "
                   f"(of {hits.count():,} matching)")
    if row["target"] in row.get("proposed", []):
        position = row["proposed"].index(row["target"]) + 1
        cause = "cut at the thread limit"
        out.append(f"proposed as thread {position} of {len(row['proposed'])}, after the first "
                   f"{ranking.THREAD_CANDIDATES} (the two parts' rows merged by rank)")
    else:
        cause = "outranked in its part" if matched else "selected words not in the thread"
    return cause, "; ".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=40_000, help="generated threads beyond the small world's")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reuse", action="store_true", help="measure the world already built in the database")
    parser.add_argument("--no-embedding-cache", action="store_true",
                        help=f"embed every distinct input (default: reuse vectors cached in {WORK} by exact text)")
    parser.add_argument("--compare-small-rule", action="store_true",
                        help="rank again with the small-index candidate rule on the same world")
    parser.add_argument("--misses", action="store_true", help="list the misses and why the thread was not scored")
    parser.add_argument("--as-if-scale", type=float, nargs="*", default=[], metavar="F",
                        help="also rank with QUESTION_ROWS and CANDIDATE_ROWS divided by F: the budgets an index F "
                             "times larger with the same word shares and role mix would leave (an emulation: it does "
                             "not add the extra threads that would compete for the best 200 matches)")
    parser.add_argument("--dense-candidates", type=int, default=0, metavar="K",
                        help="experiment, not the product's ranking: also rank with the K threads whose question "
                             "vector is closest to the question (exact search over every readable question passage) "
                             "put first among the candidates, the lexical ones filling the rest")
    parser.add_argument("--interleave-parts", action="store_true",
                        help="experiment, not the product's ranking: the large-index path's two parts (questions, "
                             "answers) proposing threads in turn, instead of their rows merged by raw rank")
    parser.add_argument("--embedder", default=os.environ.get("ASSISTANT_EMBEDDER", "local"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from bench.retrieval import django_setup

    django_setup(args.embedder)
    from django.db import connection

    if connection.vendor != "postgresql":
        print("bench/retrieval_large.py needs PostgreSQL (DATABASE_URL)", file=sys.stderr)
        return 2
    say(f"database {connection.settings_dict['NAME']}, embedder {args.embedder}, load {os.getloadavg()[0]:.1f}")
    if args.reuse:
        with connection.cursor() as cursor:
            cursor.execute("SELECT meta FROM bench_large_meta")
            meta = cursor.fetchone()[0]
        meta = json.loads(meta) if isinstance(meta, str) else meta
        if meta.get("world") != world_key():
            say(f"warning: the world was built from other data or generator ({meta.get('world')} != {world_key()})")
        say(f"reusing the world built {meta['built']} in {meta['build_s']} s")
    else:
        say(f"building: labelled world + 1,000 distractors + {args.threads:,} generated threads (seed {args.seed})")
        meta = build(args)
    from bench.retrieval_world import load_world  # noqa: F401 - Django must be set up before these imports

    world = rebuild_world_handle()
    figures = world_figures()
    say(f"world: {figures['threads']:,} threads, {figures['posts']:,} posts, {figures['passages']:,} passages "
        f"({figures['question_passages']:,} questions), {figures['vectors']:,} vectors "
        f"({figures['distinct_vectors']:,} distinct); {figures['lexemes']:,} distinct lexemes "
        f"({figures['lexemes_once']:,} in one passage, {figures['lexemes_in_1pct_or_more']} in >= 1 %, "
        f"{figures['lexemes_in_5pct_or_more']} in >= 5 % of passages)")
    say(f"  commonest lexemes (share of passages): {figures['commonest']}")
    say(f"  statistics: reltuples {figures['reltuples']:,.0f}, "
        f"question index {figures['question_index_reltuples']:,.0f}")
    from aiassist.retrieval import ranking
    from aiassist.retrieval.index import active_embedder

    active_embedder().embed(["warm up"])
    results = {"meta": meta, "world": figures, "load": os.getloadavg(), "machine": platform.processor() or "",
               "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    path = "large" if figures["reltuples"] >= ranking.COMMON_WORDS_FROM else "small"
    results["large"] = measure(world, f"as built ({path}-index path, by the index's size)")
    if args.misses:
        explain(world, results["large"])
    if args.compare_small_rule:
        saved = ranking.COMMON_WORDS_FROM
        ranking.COMMON_WORDS_FROM = 10 ** 12
        try:
            results["small_rule"] = measure(world, "small-index rule on the same world (COMMON_WORDS_FROM raised)")
            if args.misses:
                explain(world, results["small_rule"])
        finally:
            ranking.COMMON_WORDS_FROM = saved
        compare(results["large"], results["small_rule"])
    for factor in args.as_if_scale:
        saved = ranking.QUESTION_ROWS, ranking.CANDIDATE_ROWS
        ranking.QUESTION_ROWS, ranking.CANDIDATE_ROWS = round(saved[0] / factor), round(saved[1] / factor)
        try:
            results[f"as_if_{factor:g}"] = measured = measure(
                world, f"as if {factor:g} times larger (QUESTION_ROWS {ranking.QUESTION_ROWS}, "
                       f"CANDIDATE_ROWS {ranking.CANDIDATE_ROWS})")
        finally:
            ranking.QUESTION_ROWS, ranking.CANDIDATE_ROWS = saved
        compare(measured, results["large"], "large-index path as if larger vs as built")
    if args.interleave_parts:
        results["interleaved"] = measured = measure(world, "experiment: the two parts' threads interleaved",
                                                    candidates=interleaved_candidates)
        if args.misses:
            explain(world, measured)
        compare(measured, results["large"], "interleaved parts vs the large-index path as it is")
    if args.dense_candidates:
        dense = DenseQuestions(args.dense_candidates)
        results[f"dense_{args.dense_candidates}"] = measured = measure(
            world, f"experiment: {args.dense_candidates} threads by question vector + lexical candidates", dense=dense)
        if args.misses:
            explain(world, measured)
        compare(measured, results["large"], "with dense question candidates vs the large-index path alone")
    say(f"load average at the end: {os.getloadavg()}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, default=str))
    say(f"results: {RESULTS}")
    return 0


def interleaved_candidates(passages, words):
    """Experiment: ``ranking._lexical_candidates``'s large-index branch (the same two statements, the same word
    selection and limits) with the threads the two parts propose taken in turn, question part first, instead of
    every row merged by raw rank (where the longer answer passages' higher ts_rank can fill the first 80 threads)."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    from aiassist.retrieval import ranking
    from aiassist.retrieval.models import Passage

    total = max(w.total for w in words)
    if total < ranking.COMMON_WORDS_FROM:
        return Recorder.original_lexical(passages, words)

    def best(matching, selected, limit):
        query = ranking._tsquery(*selected)
        if query is None:
            return []
        return list(matching.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))
                    .order_by("-rank", "pk").values_list("pk", "thread_id", "rank")[:limit])

    questions = min(max(w.questions for w in words), total) or total
    by_question = best(passages.filter(role=Passage.Role.QUESTION),
                       ranking._selective(words, part=questions / total, budget=ranking.QUESTION_ROWS),
                       ranking.LEXICAL_CANDIDATES // 2)
    answers = total - questions if questions < total else total
    by_answer = best(passages.exclude(role=Passage.Role.QUESTION),
                     ranking._selective(words, part=answers / total, budget=ranking.CANDIDATE_ROWS, conjunction=False),
                     ranking.LEXICAL_CANDIDATES // 2)
    order = {}
    q_threads = list(dict.fromkeys(t for _, t, _ in by_question))
    a_threads = list(dict.fromkeys(t for _, t, _ in by_answer))
    for i in range(max(len(q_threads), len(a_threads))):
        for threads in (q_threads, a_threads):
            if i < len(threads):
                order.setdefault(threads[i], len(order))
    return sorted(by_question + by_answer, key=lambda row: (order[row[1]], -(row[2] or 0.0), row[0]))


class DenseQuestions:
    """Experiment: the ``k`` readable threads whose question passage is closest to the question by embedding,
    as candidate rows ``(passage id, thread id, rank)`` (rank 1e9, so the merge keeps them first). Exact search
    over every question passage's vector held in memory (41 k x 384 float32 here, 63 MB)."""

    def __init__(self, k: int):
        import numpy as np

        from aiassist.retrieval.index import active_embedder, embed_key, vector_of
        from aiassist.retrieval.models import Passage, PassageVector

        self.k, self.embedder = k, active_embedder()
        rows = list(PassageVector.objects.filter(passage__role=Passage.Role.QUESTION, passage__post__hidden=False,
                                                 embed_model=embed_key(self.embedder))
                    .values_list("passage_id", "passage__thread_id", "passage__thread__category_id", "embedding"))
        self.ids = np.array([r[0] for r in rows])
        self.threads = np.array([r[1] for r in rows])
        self.categories = np.array([r[2] for r in rows])
        self.matrix = np.stack([vector_of(r[3]) for r in rows])

    def __call__(self, user, text):
        import numpy as np

        from forum import policy

        readable = np.isin(self.categories, list(policy.visible_categories(user).values_list("pk", flat=True)))
        scores = np.where(readable, self.matrix @ self.embedder.embed([text])[0], -np.inf)
        out, seen = [], set()
        for i in np.argsort(-scores):
            if not np.isfinite(scores[i]) or len(seen) >= self.k:
                break
            if self.threads[i] not in seen:
                seen.add(self.threads[i])
                out.append((int(self.ids[i]), int(self.threads[i]), 1e9))
        return out


def explain(world, measured: dict) -> None:
    answerable = [r for r in measured["rows"] if r["answerable"]]
    say("  answerable questions whose right thread was not scored (never a candidate):")
    causes = Counter()
    for row in answerable:
        if not row["candidate"]:
            row["cause"], row["why"] = why_not_candidate(world, row)
            causes[row["cause"]] += 1
            say(f"    - {row['question']!r} -> {row['thread']} [{row['path']}] {row['cause']}\n        {row['why']}")
    say(f"  causes: {dict(causes)}")
    say("  scored but not first:")
    for row in answerable:
        if row["candidate"] and not row["top1"]:
            say(f"    - {row['question']!r} -> {row['thread']} [{row['path']}] top-3: {row['top3']}")
    say("  unanswerable questions answered:")
    for row in measured["rows"]:
        if not row["answerable"] and row["answered"]:
            say(f"    - {row['question']!r} [{row['path']}]")


def compare(large: dict, small: dict, label: str = "large-index path vs the small-index rule, same world") -> None:
    """Per answerable question: what the large-index path changed against the small-index rule on this world."""
    by_question = {r["question"]: r for r in small["rows"]}
    lost = [r for r in large["rows"] if r["answerable"] and not r["top1"] and by_question[r["question"]]["top1"]]
    gained = [r for r in large["rows"] if r["answerable"] and r["top1"] and not by_question[r["question"]]["top1"]]
    not_scored = [r for r in large["rows"] if r["answerable"] and not r["candidate"]
                  and by_question[r["question"]]["candidate"]]
    flips = [r for r in large["rows"]
             if not r["answerable"] and r["answered"] != by_question[r["question"]]["answered"]]
    say("")
    say(f"{label}: top-1 lost {len(lost)}, gained {len(gained)}; "
        f"right thread not scored only in the first: {len(not_scored)}; unanswerable decisions that differ: "
        f"{len(flips)}")
    for row in lost:
        say(f"  lost top-1: {row['question']!r} -> {row['thread']} [{row['path']}] scored: {row['candidate']}")
    for row in gained:
        say(f"  gained top-1: {row['question']!r} -> {row['thread']} [{row['path']}]")


if __name__ == "__main__":
    sys.exit(main())
