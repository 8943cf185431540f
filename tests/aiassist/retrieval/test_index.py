"""The passage index follows the posts: create, edit, hide, restore, move, delete, retitle, a new model."""
import numpy as np
import pytest
from django.core.management import call_command

from aiassist.retrieval import index
from aiassist.retrieval.models import IndexRun, Passage, PassageVector
from aiassist.retrieval.ranking import rank
from forum import services as forum_services
from forum.models import Post

from ...factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db

YAML = """Give the job an ephemeral-storage request:

```yaml
resources:
  requests:
    ephemeral-storage: "2Gi"
  limits:
    ephemeral-storage: "4Gi"
```

Then redeploy."""


class CountingEmbedder:
    """A deterministic stand-in for the model where a test counts what gets embedded (the model itself is
    pinned to the reference vectors in test_embedders.py)."""

    dimension = 8

    def __init__(self, name="counting-v1"):
        self.name, self.calls = name, []

    def embed(self, texts):
        self.calls.append(list(texts))
        rows = np.array([[len(t) % 7 + 1, t.count(" ") + 1, 1, 2, 3, 4, 5, 6] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def passages_of(post):
    return list(Passage.objects.filter(post=post).order_by("position"))


def test_a_new_thread_and_reply_are_indexed_with_their_roles(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Job evicted for disk", body="The pod gets evicted.",
                         replies=[(other_employee, YAML)])
    opening, reply = Post.objects.filter(thread=thread).order_by("id")
    assert [p.role for p in passages_of(opening)] == ["question"]
    reply_passages = passages_of(reply)
    assert {p.role for p in reply_passages} == {"reply"}
    assert all(p.title == "Job evicted for disk" and p.author_id == other_employee.pk for p in reply_passages)
    # The code block is whole, byte for byte, inside one passage.
    assert any('    ephemeral-storage: "2Gi"\n  limits:' in p.text for p in reply_passages)


def test_editing_a_post_rebuilds_its_passages_and_search_follows(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Cache sizing", body="How big should the cache be?",
                         replies=[(other_employee, "Use a quokkasized cache of 512 entries.")])
    reply = Post.objects.filter(thread=thread).latest("id")
    assert rank(employee, "quokkasized cache").threads
    forum_services.post_edit(acting_user=other_employee, post=reply, body="Use a wombatsized cache of 256 entries.")
    texts = " ".join(p.text for p in passages_of(reply))
    assert "wombatsized" in texts and "quokkasized" not in texts
    assert not [t for t in rank(employee, "quokkasized").threads]
    assert [t.thread for t in rank(employee, "wombatsized").threads] == [thread]


def test_retitling_a_thread_reindexes_every_post_of_it(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Old title", body="Question body here.",
                         replies=[(other_employee, "An answer body here.")])
    opening = Post.objects.filter(thread=thread).earliest("id")
    forum_services.post_edit(acting_user=employee, post=opening, body="Question body here.", title="Zanzibar title")
    assert set(Passage.objects.filter(thread=thread).values_list("title", flat=True)) == {"Zanzibar title"}
    assert [t.thread for t in rank(employee, "zanzibar").threads] == [thread]


def test_hiding_drops_the_passages_and_restoring_brings_them_back(employee, other_employee, engineering,
                                                                  eng_moderator):
    thread = make_thread(employee, engineering, title="Flaky runner", body="Runner keeps dying.",
                         replies=[(other_employee, "Pin the xylophonic runner image.")])
    reply = Post.objects.filter(thread=thread).latest("id")
    forum_services.post_hide(acting_user=eng_moderator, post=reply, reason="Wrong.")
    assert passages_of(reply) == []
    assert not rank(employee, "xylophonic").threads
    forum_services.post_hide(acting_user=eng_moderator, post=reply, hidden=False)
    assert passages_of(reply)
    assert [t.thread for t in rank(employee, "xylophonic").threads] == [thread]


def test_a_hidden_post_is_out_of_reach_before_its_passages_are_dropped(employee, other_employee, engineering,
                                                                       eng_moderator, settings):
    """Indexing runs after commit in a worker; until it has, the live filter keeps a hidden post out."""
    thread = make_thread(employee, engineering, title="Flaky runner", body="Runner keeps dying.",
                         replies=[(other_employee, "Pin the xylophonic runner image.")])
    reply = Post.objects.filter(thread=thread).latest("id")
    settings.RETRIEVAL_INDEX_SYNC = False  # the task is sent on commit, which never comes in this test
    forum_services.post_hide(acting_user=eng_moderator, post=reply, reason="Wrong.")
    assert passages_of(reply)  # not re-indexed yet
    assert not rank(employee, "xylophonic").threads


def test_moving_a_thread_takes_its_passages_out_of_the_old_audience_at_once(
        admin_user, employee, secops_member, engineering, secops, settings):
    thread = make_thread(employee, engineering, title="Bastion hosts", body="Which bastion do we use?",
                         replies=[(UserFactory(username="ops"), "Use the marmoset bastion in eu-west.")])
    assert rank(employee, "marmoset bastion").threads
    settings.RETRIEVAL_INDEX_SYNC = False  # no re-index needed: the thread's category is read live
    forum_services.thread_move(acting_user=admin_user, thread=thread, category=secops)
    assert not rank(employee, "marmoset bastion").threads
    assert [t.thread for t in rank(secops_member, "marmoset bastion").threads] == [thread]


def test_a_moved_thread_s_passages_carry_its_new_category_once_indexed(admin_user, employee, engineering, secops,
                                                                      settings):
    """The category stored with each passage (a candidate filter on a large index) follows a move: by the index task
    the move sends, or, when that task is lost, by the catch-up sweep."""
    thread = make_thread(employee, engineering, title="Bastion hosts", body="Which bastion do we use?",
                         replies=[(UserFactory(username="ops"), "Use the marmoset bastion in eu-west.")])

    def categories():
        return set(Passage.objects.filter(thread=thread).values_list("category_id", flat=True))

    assert categories() == {engineering.pk}
    forum_services.thread_move(acting_user=admin_user, thread=thread, category=secops)  # indexed in the transaction
    assert categories() == {secops.pk}
    settings.RETRIEVAL_INDEX_SYNC = False  # the task is sent on commit, which never comes in this test: lost
    forum_services.thread_move(acting_user=admin_user, thread=thread, category=engineering)
    assert categories() == {secops.pk}
    index.posts_catch_up()
    assert categories() == {engineering.pk}


def test_the_catch_up_sweep_gives_passages_written_without_a_category_theirs(employee, engineering):
    """A worker still running the code before migration retrieval 0006 writes passages without a category; a large
    index's lexical match never proposes them until the sweep fills it in."""
    thread = make_thread(employee, engineering, title="Bastion hosts", body="Which bastion do we use?")
    Passage.objects.filter(thread=thread).update(category=None)
    index.posts_catch_up()
    assert set(Passage.objects.filter(thread=thread).values_list("category_id", flat=True)) == {engineering.pk}


def test_deleting_a_thread_deletes_its_passages(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Temp", body="Question text.",
                         replies=[(other_employee, "Answer text.")])
    assert Passage.objects.filter(thread=thread).exists()
    thread.delete()
    assert not Passage.objects.exists()


def test_reindexing_an_unchanged_post_embeds_nothing(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Cache sizing", body="How big?",
                         replies=[(other_employee, "Big enough.")])
    ids = list(Post.objects.filter(thread=thread).values_list("pk", flat=True))
    embedder = CountingEmbedder()
    assert index.posts_index(ids, embedder=embedder) == 2  # first time with this model: both embedded
    assert index.posts_index(ids, embedder=embedder) == 0
    assert len(embedder.calls) == 1


def test_changing_the_embedding_model_re_embeds(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Cache sizing", body="How big?",
                         replies=[(other_employee, "Big enough.")])
    ids = list(Post.objects.filter(thread=thread).values_list("pk", flat=True))
    first = CountingEmbedder("model-a")
    index.posts_index(ids, embedder=first)
    assert set(Passage.objects.values_list("vector__embed_model", flat=True)) == {index.embed_key(first)}
    assert index.embed_key(first).startswith("model-a/8/")  # model, dimension, then what was embedded
    second = CountingEmbedder("model-b")
    # The periodic sweep (and the rebuild command) give every passage a vector from the new model.
    assert index.passages_reembed(embedder=second) == Passage.objects.count()
    assert set(Passage.objects.values_list("vector__embed_model", flat=True)) == {index.embed_key(second)}
    assert PassageVector.objects.count() == Passage.objects.count()  # one vector per passage, the old ones replaced
    assert index.passages_reembed(embedder=second) == 0
    # Ranking with the new model uses the new vectors only.
    hits = rank(employee, "cache sizing", embedder=second).threads
    assert hits and hits[0].passages[0].dense is not None


def test_the_rebuild_command_resumes_where_it_stopped(employee, other_employee, engineering, capsys):
    for n in range(5):
        make_thread(employee, engineering, title=f"Thread {n}", body=f"Question {n} text.",
                    replies=[(other_employee, f"Answer {n} text.")])
    Passage.objects.all().delete()
    call_command("index_passages", "--batch", "3", "--limit", "3")
    run = IndexRun.objects.get(name="rebuild")
    first_stop = run.last_post_id
    assert run.finished_at is None and Passage.objects.values("post").distinct().count() == 3
    call_command("index_passages", "--batch", "3")
    run.refresh_from_db()
    assert run.finished_at is not None and run.last_post_id > first_stop
    assert Passage.objects.values("post").distinct().count() == Post.objects.count() == 10
    out = capsys.readouterr().out
    assert "posts/s" in out and "Done:" in out


def test_the_worker_reads_the_question_vector_the_index_holds(employee, other_employee, engineering, monkeypatch):
    """The assistant's question is the thread's own: its vector is the one the index stored for the thread's
    question, read rather than embedded again; a thread not indexed yet (or retitled since) is embedded."""
    from aiassist.models import AIAnswer
    from aiassist.retrieval import ranking
    from aiassist.services.drafting import question_of
    from aiassist.sources import retrieve

    embedder = CountingEmbedder()
    monkeypatch.setattr(ranking, "active_embedder", lambda: embedder)
    answered = make_thread(other_employee, engineering, title="Cache sizing for the session store",
                           body="How big should the session cache be?",
                           replies=[(employee, "Size it to the working set: two hours of sessions.")])
    asked = make_thread(employee, engineering, title="How large a session cache?", body="Sizing the cache.")
    ids = list(Post.objects.filter(thread__in=[answered, asked]).values_list("pk", flat=True))
    index.posts_index(ids, embedder=embedder)
    stored = ranking.question_vector(asked, question_of(asked))
    assert stored is not None and stored.shape == (CountingEmbedder.dimension,)
    question = Passage.objects.get(thread=asked, role=Passage.Role.QUESTION)
    assert np.allclose(stored, embedder.embed([index.embedding_input(asked.title, question.plain, "question")])[0])

    embedder.calls.clear()
    retrieve(asker=employee, thread=asked, question=question_of(asked), audience=AIAnswer.Audience.ASKER)
    assert embedder.calls == []  # read, not embedded

    # A question asked before an edit is not the thread's question now: embedded, not read.
    assert ranking.question_vector(asked, "How large a session cache?\n\nAn older wording.") is None

    opening = Post.objects.get(thread=asked)
    opening.body = "Sizing the cache for the new session store."  # edited, not re-indexed yet: stale
    opening.save(update_fields=["body"])
    assert ranking.question_vector(asked, question_of(asked)) is None
    index.posts_index([opening.pk], embedder=embedder)  # re-indexed: read again
    assert ranking.question_vector(asked, question_of(asked)) is not None

    asked.title = "Session cache: how large?"  # retitled, not re-indexed yet: the stored vector is stale
    asked.save(update_fields=["title"])
    assert ranking.question_vector(asked, question_of(asked)) is None
    embedder.calls.clear()
    retrieve(asker=employee, thread=asked, question=question_of(asked), audience=AIAnswer.Audience.ASKER)
    assert embedder.calls == [[question_of(asked)]]  # embedded, once

    opening.hidden = True  # a hidden opening post: the question is the title alone, and it is embedded
    opening.save(update_fields=["hidden"])
    assert question_of(asked) == "Session cache: how large?"
    assert ranking.question_vector(asked, question_of(asked)) is None
