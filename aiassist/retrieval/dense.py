"""Dense candidates without pgvector: the threads whose question is closest to the asked one, by embedding.

A reworded question shares few rare words with the thread that answers it, and in a large index the lexical
candidates come from a few of the question's words only (``ranking._selective``'s row budgets): its thread
may never be proposed. Its embedding is close to that thread's question all the same. Each process keeps the
index's question vectors (one or two per thread) in memory and proposes the ``k`` closest readable threads
by one matrix product; the ranking then reads and scores them like any other candidate.

Only a proposal: a thread's passages are read through the policy-filtered query (``ranking.readable_passages``,
hidden posts and moved threads out at once), so a stale entry here (a thread moved or hidden since the last
refresh) proposes a thread the ranking then cannot read, and it is not scored. The matrix is extended with
new question vectors every ``REFRESH_SECONDS`` and rebuilt every ``RELOAD_SECONDS`` (vectors re-embedded or
deleted, threads moved). Size: 384 float32 per question passage, ~170 MB at ``seed_scale``'s 1 M posts
(110,000 question passages). PostgreSQL's pgvector would serve the same from an index (not installable here).
"""
import threading
import time

import numpy as np

from .models import Passage, PassageVector

REFRESH_SECONDS = 30
RELOAD_SECONDS = 900
LOAD_CHUNK = 5_000


class QuestionVectors:
    """The question passages' vectors of one model, with their threads and categories."""

    def __init__(self, model: str):
        self.model = model
        self.lock = threading.Lock()
        self.loaded_at = self.refreshed_at = float("-inf")
        self._reset()

    def _reset(self):
        self.last_id = 0
        self.threads = np.empty(0, dtype=np.int64)
        self.categories = np.empty(0, dtype=np.int64)
        self.matrix = None

    def _extend(self) -> None:
        rows = (PassageVector.objects.filter(embed_model=self.model, passage__role=Passage.Role.QUESTION,
                                             passage_id__gt=self.last_id)
                .order_by("passage_id")
                .values_list("passage_id", "passage__thread_id", "passage__thread__category_id", "embedding"))
        blocks, threads, categories, vectors = [], [], [], []

        def flush():  # one block per chunk: the raw bytes of a whole index are never held at once
            if vectors:
                blocks.append(np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(vectors), -1))
                vectors.clear()

        for passage_id, thread_id, category_id, embedding in rows.iterator(chunk_size=LOAD_CHUNK):
            threads.append(thread_id)
            categories.append(category_id)
            vectors.append(bytes(embedding))
            self.last_id = passage_id
            if len(vectors) == LOAD_CHUNK:
                flush()
        flush()
        if not blocks:
            return
        self.matrix = np.vstack(blocks if self.matrix is None else [self.matrix, *blocks])
        self.threads = np.concatenate([self.threads, np.array(threads, dtype=np.int64)])
        self.categories = np.concatenate([self.categories, np.array(categories, dtype=np.int64)])

    def current(self) -> "QuestionVectors":
        now = time.monotonic()
        if now - self.refreshed_at < REFRESH_SECONDS:
            return self
        with self.lock:
            if now - self.loaded_at >= RELOAD_SECONDS:
                self._reset()
                self.loaded_at = now
            if now - self.refreshed_at >= REFRESH_SECONDS:
                self._extend()
                self.refreshed_at = now
        return self

    def nearest(self, query_vector: np.ndarray, categories, k: int, *, exclude_thread=None) -> list[int]:
        """The ``k`` threads in ``categories`` (ids) whose question is closest to ``query_vector``, closest first."""
        matrix = self.matrix
        if matrix is None or k <= 0:
            return []
        count = len(matrix)
        allowed = np.isin(self.categories[:count], np.fromiter(categories, dtype=np.int64))
        if exclude_thread is not None:
            allowed &= self.threads[:count] != exclude_thread
        scores = matrix @ np.asarray(query_vector, dtype=np.float32)
        scores[~allowed] = -np.inf
        take = min(4 * k, count)  # a thread may hold several question passages
        best = np.argpartition(-scores, take - 1)[:take]
        best = best[np.argsort(-scores[best], kind="stable")]
        out: dict[int, None] = {}
        for row in best:
            if scores[row] == -np.inf:
                break
            out.setdefault(int(self.threads[row]), None)
            if len(out) == k:
                break
        return list(out)


_BY_MODEL: dict[str, QuestionVectors] = {}
_BY_MODEL_LOCK = threading.Lock()


def question_vectors(model: str) -> QuestionVectors:
    """This process's question vectors of ``model``, refreshed when due."""
    with _BY_MODEL_LOCK:
        vectors = _BY_MODEL.setdefault(model, QuestionVectors(model))
    return vectors.current()


def forget() -> None:
    """Drop every process-held matrix (tests; a rebuilt index)."""
    with _BY_MODEL_LOCK:
        _BY_MODEL.clear()
