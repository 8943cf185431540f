"""Look-alike threads (the same answer to nearly the same question, e.g. one topic asked once per service)
do not fill the first places: among the first LOOK_ALIKE_WINDOW, a copy of a better-ranked thread goes
after every distinct thread. The best thread, the scores and the abstention do not move."""
import numpy as np

from aiassist.retrieval.ranking import (
    LOOK_ALIKE_ANSWER,
    LOOK_ALIKE_HEAD,
    LOOK_ALIKE_WINDOW,
    PassageHit,
    ThreadHit,
    _distinct_first,
)
from forum.models import Thread


def unit(*values):
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def thread(pk, score, head, answer, vectors):
    """A scored thread whose question passage is ``pk * 10`` and whose best answer is ``pk * 10 + 1``."""
    vectors[pk * 10], vectors[pk * 10 + 1] = head, answer
    common = dict(post_id=pk * 10, thread_id=pk, author_id=1, author="a", position=0, text="t", plain="t",
                  created_at=None)
    passages = [PassageHit(id=pk * 10 + 1, role="reply", **{**common, "post_id": pk * 10 + 1}),
                PassageHit(id=pk * 10, role="question", **common)]
    return ThreadHit(thread=Thread(pk=pk, title=f"t{pk}"), score=score, passages=passages)


def test_copies_of_the_best_thread_go_after_the_distinct_ones():
    vectors = {}
    silence = unit(1, 0, 0, 0)  # "Silencing <service> alerts during maintenance", asked once per service
    silence_head = unit(0, 1, 0, 0)
    scored = [
        thread(1, 0.9, silence_head, silence, vectors),
        thread(2, 0.89, unit(0, 1, 0.05, 0), unit(1, 0.05, 0, 0), vectors),  # a copy: both bars cleared
        thread(3, 0.88, unit(0, 1, 0, 0.05), unit(1, 0, 0.05, 0), vectors),  # another copy
        thread(4, 0.80, unit(0, 0, 1, 0), unit(0, 0, 0, 1), vectors),  # the alert-flapping thread: distinct
        # The same short reply ("Thanks, that did it.") as thread 1's best answer, on another question: distinct.
        thread(5, 0.70, unit(0, 0, 0, 1), silence, vectors),
    ]
    ordered = _distinct_first(scored, vectors)
    assert [h.thread.pk for h in ordered] == [1, 4, 5, 2, 3]
    assert ordered[0] is scored[0]  # the best thread, and so the abstention, never moves
    assert [h.score for h in ordered] == [0.9, 0.8, 0.7, 0.89, 0.88]  # scores unchanged


def test_the_bars_are_what_makes_a_copy():
    vectors = {}
    head = unit(0, 1, 0)
    first = thread(1, 0.9, head, unit(1, 0, 0), vectors)
    # Answers just under the answer bar, heads well above theirs: not a copy.
    angle = np.arccos(LOOK_ALIKE_ANSWER) + 0.05
    near = thread(2, 0.8, head, unit(np.cos(angle), 0, np.sin(angle)), vectors)
    # Answers identical, heads just under the head bar: not a copy.
    angle = np.arccos(LOOK_ALIKE_HEAD) + 0.05
    other = thread(3, 0.7, unit(0, np.cos(angle), np.sin(angle)), unit(1, 0, 0), vectors)
    assert [h.thread.pk for h in _distinct_first([first, near, other], vectors)] == [1, 2, 3]


def test_only_the_window_is_reordered_and_threads_without_vectors_stay_put():
    vectors = {}
    same_head, same_answer = unit(0, 1, 0), unit(1, 0, 0)
    copies = [thread(pk, 1 - pk / 100, same_head, same_answer, vectors) for pk in range(1, LOOK_ALIKE_WINDOW - 1)]
    bare = ThreadHit(thread=Thread(pk=999, title="no vectors"), score=0.95, passages=[])
    inside = thread(500, 0.5, unit(0, 0, 1), unit(0, 0, 1), vectors)  # distinct, last place in the window
    outside = thread(600, 0.4, unit(0, 0, 1), unit(0, 1, 0), vectors)  # distinct, but past the window
    scored = [copies[0], bare, *copies[1:], inside, outside]
    assert scored.index(inside) == LOOK_ALIKE_WINDOW - 1
    pks = [h.thread.pk for h in _distinct_first(scored, vectors)]
    # The first, a thread it cannot compare (no vectors) kept in place, then the distinct one from the window's
    # end, then the copies; what lies past the window is not looked at.
    assert pks == [1, 999, 500, *range(2, LOOK_ALIKE_WINDOW - 1), 600]


def test_an_unquotable_answer_makes_no_copy_and_the_cited_thread_stays_the_best():
    """A repeat of the question answered only by a published AI answer (copied from the original's accepted
    answer) ranks first. The AI answer is never quoted, so it must not make the original a "copy" pushed
    behind weak threads; and whatever the order, the sources are cut relative to the best score."""
    from aiassist.retrieval.ranking import Ranking
    from aiassist.sources import select_passages

    vectors = {}
    fix, head = unit(1, 0, 0, 0, 0, 0, 0, 0), unit(0, 1, 0, 0, 0, 0, 0, 0)

    def hit(pk, score, head_vector, answer_vector, role):
        vectors[pk * 10], vectors[pk * 10 + 1] = head_vector, answer_vector
        common = dict(thread_id=pk, position=0, text=f"t{pk}", plain=f"t{pk}", created_at=None)
        passages = [PassageHit(id=pk * 10 + 1, post_id=pk * 10 + 1, author_id=100 + pk, author="x", role=role,
                               dense=0.8, **common),
                    PassageHit(id=pk * 10, post_id=pk * 10, author_id=pk, author="a", role="question", dense=0.7,
                               **common)]
        return ThreadHit(thread=Thread(pk=pk, title=f"T{pk}", author_id=pk), score=score, passages=passages)

    scored = [hit(1, 0.90, head, fix, "ai"), hit(2, 0.88, unit(0, 1, 0.1, 0, 0, 0, 0, 0), fix, "accepted")]
    scored += [hit(pk, 0.5 - pk / 100, unit(*np.eye(8)[pk % 6 + 2]), unit(*np.eye(8)[(pk + 3) % 6 + 2]), "reply")
               for pk in range(3, 9)]
    ordered = _distinct_first(list(scored), vectors)
    assert [h.thread.pk for h in ordered[:2]] == [1, 2]  # the original keeps its place
    cited = select_passages(Ranking(threads=ordered, words=[], confident=True, dense=True), limit=5)
    assert {h.thread.pk for h, _ in cited} == {2}
    # Even were a strong thread listed after weak ones, the cut is from the best score: the weak are skipped.
    shuffled = [scored[0], *scored[2:], scored[1]]
    cited = select_passages(Ranking(threads=shuffled, words=[], confident=True, dense=True), limit=5)
    assert {h.thread.pk for h, _ in cited} == {2}
