import pytest
from aiassist.retrieval.models import Passage
from aiassist.retrieval import ranking
from aiassist.retrieval.search import search_threads
from forum.models import Post
from ...api.conftest import S, in_state
from ...factories import make_thread

pytestmark = pytest.mark.django_db


def test_retry(employee, engineering):
    make_thread(employee, engineering, title="Celery", body="The task retries three times before it fails.")
    print(list(Passage.objects.values("role", "plain")))
    r = ranking.rank(employee, "retry")
    print(ranking._word_statistics(["retry"]))
    print(r)


def test_ai(employee, engineering, eng_moderator, other_employee):
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator], extra=" (wombat3signal)")
    print(list(Passage.objects.values("role", "plain", "thread_id")))
    print(list(Post.objects.filter(thread=answer.thread).values("kind", "body", "hidden")))
    r = ranking.rank(other_employee, "wombat3signal")
    print(ranking._word_statistics(["wombat3signal"]))
    for t in r.threads:
        print(t.thread.pk, t.score, [(p.role, p.lexical) for p in t.passages])
