"""Text its author has taken back reaches nobody through an answer that quoted it.

An edit keeps no history: once an author edits a passage out of their post (a host name, a key, a wrong setting),
nobody can read it in the forum. An answer that quoted it used to go on showing it: the asker's private draft, and
while in review the desk, the API and the queue (approval was refused, the text shown all the same: a known gap of
the README until round 37). Such a source is now marked ``taken_back`` in the edit's transaction, or when the draft
is stored if the edit came while the worker drafted, and the answer is withheld as if the post were hidden.
"""
import pytest
from django.apps import apps

from aiassist import services
from aiassist.models import AIAnswer, AnswerSource
from aiassist.retrieval import ranking
from forum import services as forum_services
from forum.models import Post
from tests.factories import UserFactory, make_thread
from tests.security.test_source_visibility import (
    QUOTE,
    SOURCE_TITLE,
    _asker_shown_nothing,
    _drafted,
    _nothing_shown,
    _shown,
    api,
)

pytestmark = pytest.mark.django_db
S = AIAnswer.Status
KEPT = "Set autoretry_for and retry_backoff=True."  # the reply without the quoted clause


def _source_post(answer) -> Post:
    return Post.objects.get(pk=answer.sources.get(cited=True).post_id)


def _edit(post: Post, body: str) -> None:
    forum_services.post_edit(acting_user=post.author, post=Post.objects.get(pk=post.pk), body=body)


def _retitle(thread, title: str) -> None:
    opening = Post.objects.filter(thread=thread).order_by("created_at", "id").first()
    forum_services.post_edit(acting_user=opening.author, post=opening, body=opening.body, title=title)


def test_a_passage_edited_out_during_review_leaves_the_desk_the_api_and_the_queue(
        client, employee, engineering, eng_moderator):
    answer, _ = _drafted(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    _shown(client, eng_moderator, answer)
    source = _source_post(answer)
    original = source.body

    _edit(source, KEPT)

    assert answer.sources.get(cited=True).taken_back
    _nothing_shown(client, eng_moderator, answer)
    _asker_shown_nothing(client, employee, answer)
    assert AIAnswer.objects.get(pk=answer.pk).status == S.IN_REVIEW  # left as it was: nobody acts on unread text
    # The author puts it back: it is theirs to show again, and the answer with it.
    _edit(source, original)
    assert not answer.sources.get(cited=True).taken_back
    _shown(client, eng_moderator, answer)


def test_an_edit_that_keeps_the_passage_keeps_the_answer_in_sight(client, employee, engineering, eng_moderator):
    answer, _ = _drafted(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    source = _source_post(answer)

    _edit(source, f"{source.body}\n\nEdit: this works on Celery 5.4 as well.")

    assert not answer.sources.get(cited=True).taken_back
    _shown(client, eng_moderator, answer)
    client.force_login(eng_moderator)
    assert "Written from what has changed since: source [1]." in client.get(f"/ai/review/{answer.pk}/").content.decode()
    with pytest.raises(services.DraftOutdated):
        services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))


def test_a_private_draft_quoting_a_passage_edited_out_is_withheld_from_its_asker(client, employee, engineering):
    answer, _ = _drafted(employee, engineering)
    client.force_login(employee)
    assert QUOTE in client.get(f"/t/{answer.thread_id}/").content.decode()

    _edit(_source_post(answer), KEPT)

    _asker_shown_nothing(client, employee, answer)
    assert "its author has since edited out" in client.get(f"/t/{answer.thread_id}/").content.decode()  # says why
    assert api(employee).post(f"/api/v1/ai-answers/{answer.pk}/submit/", {}, format="json").status_code == 404
    assert AIAnswer.objects.get(pk=answer.pk).status == S.DRAFT
    # A new draft is written from the post as it stands.
    client.force_login(employee)
    assert client.post(f"/ai/threads/{answer.thread_id}/ask/").status_code in (200, 302)
    fresh_answer = services.answer_generate(answer_id=AIAnswer.objects.filter(asker=employee).latest("id").pk)
    assert fresh_answer.pk != answer.pk and QUOTE not in fresh_answer.body
    assert QUOTE not in client.get(f"/t/{answer.thread_id}/").content.decode()


def test_a_published_answer_whose_passage_is_edited_out_reaches_nobody(
        client, employee, other_employee, engineering, eng_moderator):
    answer, _ = _drafted(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    answer = services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))
    assert answer.status == S.PUBLISHED

    _edit(_source_post(answer), KEPT)

    assert AIAnswer.objects.get(pk=answer.pk).status == S.IN_REVIEW
    _nothing_shown(client, eng_moderator, answer)
    for user in (other_employee, eng_moderator, employee):
        client.force_login(user)
        assert QUOTE not in client.get(f"/t/{answer.thread_id}/").content.decode(), user.username
        assert QUOTE not in str(api(user).get(f"/api/v1/threads/{answer.thread_id}/posts/").json())


def test_an_edit_committed_while_the_worker_drafts_marks_the_stored_source(monkeypatch, client, employee,
                                                                            engineering):
    """The edit's own transaction found no stored source to mark (the draft was not stored yet): the draft's
    transaction reads the post as it now stands."""
    erin, dana = UserFactory(username="erin"), UserFactory(username="dana")
    source_thread = make_thread(erin, engineering, title=SOURCE_TITLE, body="Which settings control retry backoff?",
                                replies=[(dana, "Set autoretry_for and retry_backoff=True; the delay doubles.")])
    reply = Post.objects.filter(thread=source_thread).order_by("-id").first()
    question = make_thread(employee, engineering, title="How should celery retries back off?",
                           body="My tasks fail on network errors. How do retries back off?")
    with_details, edited = ranking.Ranking.with_details, []

    def then_edited(self, passages, **kwargs):
        found = with_details(self, passages, **kwargs)
        if not edited:
            _edit(reply, KEPT)
            edited.append(True)
        return found

    monkeypatch.setattr(ranking.Ranking, "with_details", then_edited)
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert edited and QUOTE in answer.body  # drafted from the text as the worker read it
    assert AnswerSource.objects.get(answer=answer, post=reply).taken_back
    _asker_shown_nothing(client, employee, answer)


def test_the_migration_marks_the_answers_already_stored(employee, engineering, eng_moderator):
    module = __import__("aiassist.migrations.0009_source_taken_back", fromlist=["mark"])
    answer, _ = _drafted(employee, engineering)
    source = _source_post(answer)
    raced, _ = _drafted(UserFactory(username="fay"), engineering)
    published, _ = _drafted(UserFactory(username="gus"), engineering)
    services.answer_submit(acting_user=published.asker, answer=published)
    services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=published.pk))
    # Edited before the field existed: no receiver marked it.
    Post.objects.filter(pk=source.pk).update(body=KEPT)
    AnswerSource.objects.update(taken_back=False)
    # A draft stored before round 35's fix: the new text's hash beside the old passage.
    from aiassist.sources import content_hash
    now = content_hash(Post.objects.get(pk=source.pk))
    AnswerSource.objects.filter(answer=raced, post=source).update(content_hash=now)

    module.mark(apps, None)

    marked = set(AnswerSource.objects.filter(taken_back=True).values_list("answer_id", "post_id"))
    assert {(answer.pk, source.pk), (raced.pk, source.pk)} <= marked
    # A published one is left to its edit's recheck (marked, it would stay up while its reviewers lost sight of it).
    assert not AnswerSource.objects.filter(answer=published, taken_back=True).exists()
    assert not AnswerSource.objects.filter(taken_back=True).exclude(post=source).exists()


def _given_uncited(answer, category, *, title: str) -> tuple[Post, object]:
    """A second source thread's reply given to the engine and not cited, stored as ``_save_draft`` stores one."""
    from aiassist.sources import content_hash

    other = make_thread(UserFactory(username="erin2"), category, title=title, body="What about retries on the ledger?",
                        replies=[(UserFactory(username="fred"), "Celery retries use retry_backoff_max to cap it.")])
    reply = Post.objects.filter(thread=other).order_by("-id").first()
    AnswerSource.objects.create(answer=answer, number=answer.sources.count() + 1, cited=False, text=reply.body,
                                role="reply", post=reply, thread=other, category=category, title=title,
                                content_hash=content_hash(reply))
    return reply, other


def test_a_retitle_alone_renders_nothing_and_marks_the_sources_by_their_title(monkeypatch, employee, engineering):
    from aiassist.services import review

    answer, source_thread = _drafted(employee, engineering)
    untouched, _ = _given_uncited(answer, engineering, title="Another thread")
    rendered = []
    monkeypatch.setattr(review, "still_shown", lambda *args: rendered.append(args) or True)
    _retitle(source_thread, "Retry backoff")
    assert rendered == []
    # Every source from the retitled thread, cited or not; not the one from another thread.
    assert set(AnswerSource.objects.filter(taken_back=True).values_list("post__thread", flat=True)) == {
        source_thread.pk}
    assert not AnswerSource.objects.get(post=untouched).taken_back


RENAMED = "Retry backoff settings for Celery on payments-ledger-7"  # the title its author then takes back


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "in-review"])
def test_a_title_its_author_took_back_reaches_nobody_through_an_answer_that_showed_it(
        client, employee, engineering, eng_moderator, submitted):
    """A thread's title is in every answer quoting its posts (each quote's attribution, the sources under it): once
    its author retitles the thread, a draft or an answer in review that shows the old one is withheld as for a passage
    edited out, where they used to go on showing it (a known gap of the README until round 38)."""
    erin = UserFactory(username="erin")
    answer, source_thread = _drafted(employee, engineering)
    _retitle(source_thread, RENAMED)
    _asker_shown_nothing(client, employee, answer)  # withheld: it showed the title taken back (SOURCE_TITLE)
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=answer.thread).pk)
    assert RENAMED in answer.body and not answer.sources.filter(taken_back=True).exists()
    if submitted:
        services.answer_submit(acting_user=employee, answer=answer)
        _shown(client, eng_moderator, answer)

    _retitle(source_thread, SOURCE_TITLE)

    assert answer.sources.get(cited=True).taken_back
    assert AIAnswer.objects.get(pk=answer.pk).status == (S.IN_REVIEW if submitted else S.DRAFT)
    if submitted:
        _nothing_shown(client, eng_moderator, answer)
    responses = []
    for user in (employee, eng_moderator, erin):
        client.force_login(user)
        token = api(user)
        responses += [client.get(f"/t/{answer.thread_id}/"), client.get(f"/ai/review/{answer.pk}/"),
                      client.get("/ai/review/"), token.get(f"/api/v1/ai-answers/{answer.pk}/"),
                      token.get("/api/v1/ai-answers/"), token.get("/api/v1/review-queue/")]
    for response in responses:
        assert RENAMED not in response.content.decode(), response.request["PATH_INFO"]
    client.force_login(employee)
    assert "thread title its author has since edited out" in client.get(f"/t/{answer.thread_id}/").content.decode()
    # Its author puts the title back: theirs to show again, and the answer with it.
    _retitle(source_thread, RENAMED)
    assert not answer.sources.get(cited=True).taken_back
    client.force_login(employee)
    assert RENAMED in client.get(f"/t/{answer.thread_id}/").content.decode()


def test_a_retitle_undone_keeps_a_passage_edited_out_marked(employee, engineering):
    answer, source_thread = _drafted(employee, engineering)
    _retitle(source_thread, RENAMED)
    _edit(_source_post(answer), KEPT)
    _retitle(source_thread, SOURCE_TITLE)
    assert answer.sources.get(cited=True).taken_back  # the title is back, the passage is not


def test_a_body_edit_put_back_keeps_a_source_marked_for_its_title(employee, engineering):
    answer, source_thread = _drafted(employee, engineering)
    source = _source_post(answer)
    original = source.body
    _edit(source, KEPT)
    _retitle(source_thread, RENAMED)
    _edit(source, original)
    assert answer.sources.get(cited=True).taken_back  # the passage is back, the title is not
    _retitle(source_thread, SOURCE_TITLE)
    assert not answer.sources.get(cited=True).taken_back


def test_a_retitle_committed_while_the_worker_drafts_marks_the_stored_source(monkeypatch, client, employee,
                                                                              engineering):
    erin, dana = UserFactory(username="erin"), UserFactory(username="dana")
    source_thread = make_thread(erin, engineering, title=SOURCE_TITLE, body="Which settings control retry backoff?",
                                replies=[(dana, "Set autoretry_for and retry_backoff=True; the delay doubles.")])
    question = make_thread(employee, engineering, title="How should celery retries back off?",
                           body="My tasks fail on network errors. How do retries back off?")
    with_details, retitled = ranking.Ranking.with_details, []

    def then_retitled(self, passages, **kwargs):
        found = with_details(self, passages, **kwargs)
        if not retitled:
            _retitle(source_thread, "Retry backoff")
            retitled.append(True)
        return found

    monkeypatch.setattr(ranking.Ranking, "with_details", then_retitled)
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert retitled and SOURCE_TITLE in answer.body  # drafted under the title as the worker read it
    assert answer.sources.get(cited=True).taken_back
    _asker_shown_nothing(client, employee, answer)


def test_the_title_migration_marks_the_answers_already_stored(employee, engineering, eng_moderator):
    module = __import__("aiassist.migrations.0010_source_title_taken_back", fromlist=["mark"])
    answer, source_thread = _drafted(employee, engineering)
    published, _ = _drafted(UserFactory(username="gus"), engineering)
    services.answer_submit(acting_user=published.asker, answer=published)
    services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=published.pk))
    from forum.models import Thread
    Thread.objects.filter(pk=source_thread.pk).update(title="Retitled before the field held titles")
    AnswerSource.objects.update(taken_back=False)

    module.mark(apps, None)

    assert set(AnswerSource.objects.filter(taken_back=True).values_list("answer_id", flat=True)) == {answer.pk}
    assert AnswerSource.objects.filter(answer=answer, post__thread=source_thread).exclude(taken_back=True).count() == 0


def test_an_edit_renders_a_bounded_number_of_passages_and_withholds_the_rest(monkeypatch, employee, engineering):
    """A post many answers quoted in many versions: each edit renders at most TAKEN_BACK_RENDERS of the passages it
    still holds (the edit's transaction holds the audit chain's lock); the others count as taken back."""
    from aiassist.services import review

    answer, _ = _drafted(employee, engineering)
    source = _source_post(answer)
    first = answer.sources.get(cited=True)
    # Two more answers quoted other parts of the post, as other versions split it.
    for asker, part in ((UserFactory(username="fay"), "Set autoretry_for"), (UserFactory(username="gus"), "the delay")):
        other, _ = _drafted(asker, engineering)
        other.sources.filter(post=source).update(text=part)
    monkeypatch.setattr(review, "TAKEN_BACK_RENDERS", 2)
    rendered = []
    real = review.still_shown
    monkeypatch.setattr(review, "still_shown", lambda *args: rendered.append(args[0]) or real(*args))

    _edit(source, f"{source.body}\n\nEdit: fine on Celery 5.4.")

    texts = sorted({first.text, "Set autoretry_for", "the delay"})
    assert rendered == texts[:2]
    assert set(AnswerSource.objects.filter(taken_back=True).values_list("text", flat=True)) == {texts[2]}


# Round 38's review: a source's title is shown whether or not the source is cited (the asker's panel, the desk and
# the API list every source the engine was given; a reviewer's edit that drops an attribution's marker leaves the
# title in the text, uncited). A retitle first marked cited sources only.
OLD = "Retry backoff for the ACME-Corp payments-ledger-7 cluster"


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "in-review"])
def test_an_uncited_sources_title_taken_back_reaches_nobody(client, employee, engineering, eng_moderator, submitted):
    answer, _ = _drafted(employee, engineering)
    reply, other = _given_uncited(answer, engineering, title=OLD)
    if submitted:
        services.answer_submit(acting_user=employee, answer=answer)
    client.force_login(employee)
    assert OLD in client.get(f"/t/{answer.thread_id}/").content.decode()  # listed, not cited

    _retitle(other, "Retry backoff settings")

    assert AnswerSource.objects.get(answer=answer, post=reply).taken_back
    _asker_shown_nothing(client, employee, answer)
    shown = [client.get(f"/t/{answer.thread_id}/"), api(employee).get(f"/api/v1/ai-answers/{answer.pk}/")]
    if submitted:
        _nothing_shown(client, eng_moderator, answer)
        client.force_login(eng_moderator)
        shown += [client.get(f"/ai/review/{answer.pk}/"), api(eng_moderator).get(f"/api/v1/ai-answers/{answer.pk}/")]
    assert [r for r in shown if OLD in r.content.decode()] == []


def test_a_reviewers_edit_that_uncites_a_source_keeps_its_title_taken_back(client, employee, engineering,
                                                                            eng_moderator):
    answer, source_thread = _drafted(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    services.answer_edit(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk),
                         body=answer.body.replace(" [1]", ""), text_hash=services.body_hash(answer.body))
    assert not answer.sources.get(number=1).cited and SOURCE_TITLE in AIAnswer.objects.get(pk=answer.pk).body

    _retitle(source_thread, "Retry backoff settings")

    assert answer.sources.get(number=1).taken_back
    _nothing_shown(client, eng_moderator, answer)
    _asker_shown_nothing(client, employee, answer)


def test_a_published_answer_naming_an_uncited_sources_old_title_leaves_the_thread(
        client, employee, engineering, eng_moderator):
    answer, source_thread = _drafted(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    edited = answer.body.replace(" [1]", "")  # the reviewer tidies the marker away and keeps the attribution
    answer = services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk),
                                     body=edited, text_hash=services.body_hash(answer.body))
    assert answer.status == S.PUBLISHED and not answer.sources.get(number=1).cited

    _retitle(source_thread, "Retry backoff settings")

    assert AIAnswer.objects.get(pk=answer.pk).status == S.IN_REVIEW
    reader = UserFactory(username="zoe")
    client.force_login(reader)
    assert SOURCE_TITLE not in client.get(f"/t/{answer.thread_id}/").content.decode()
    assert SOURCE_TITLE not in str(api(reader).get(f"/api/v1/threads/{answer.thread_id}/posts/").json())


def test_a_flagged_published_answer_whose_source_was_taken_back_cannot_be_kept(employee, engineering, eng_moderator):
    """"Keep it published" asks what the edit's recheck asks: a title changed under the answer without the forum's
    services (a raw update, a restore from backup) is caught there too."""
    from forum.models import Thread

    answer, source_thread = _drafted(employee, engineering)
    services.answer_submit(acting_user=employee, answer=answer)
    answer = services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))
    AIAnswer.objects.filter(pk=answer.pk).update(attention_reason="A reader reported it.")
    Thread.objects.filter(pk=source_thread.pk).update(title="Retry backoff settings")
    with pytest.raises(services.DraftOutdated):
        services.answer_confirm(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))
    Thread.objects.filter(pk=source_thread.pk).update(title=SOURCE_TITLE)
    assert services.answer_confirm(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))


def test_an_edit_read_before_a_concurrent_put_back_still_marks_the_passage(employee, engineering, eng_moderator):
    """Round 38's review: whether the body changed was decided against the caller's copy of the post, read before the
    audit chain's lock. An edit that waited while another put the passage back wrote it out again "unchanged", and
    its source stayed unmarked."""
    answer, _ = _drafted(employee, engineering)
    source = _source_post(answer)
    original, author = source.body, source.author
    _edit(source, KEPT)
    stale = Post.objects.select_related("thread").get(pk=source.pk)  # the author's request reads the post...
    forum_services.post_edit(acting_user=eng_moderator, post=Post.objects.get(pk=source.pk), body=original)
    assert not answer.sources.get(cited=True).taken_back  # ...while a moderator puts the passage back
    forum_services.post_edit(acting_user=author, post=stale, body=KEPT)
    assert Post.objects.get(pk=source.pk).body == KEPT and answer.sources.get(cited=True).taken_back


def test_undoing_a_retitle_costs_the_same_statements_however_many_posts_were_quoted(employee, engineering):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    def statements(replies: int) -> int:
        source = make_thread(employee, engineering, title=f"Source thread {replies}", body="Which settings?",
                             replies=[(UserFactory(), f"Reply {i} sets retry_backoff.") for i in range(replies)])
        asked = make_thread(employee, engineering, title=f"Asked {replies}", body="Why?")
        answer = AIAnswer.objects.create(thread=asked, asker=employee, question=f"Asked {replies}\n\nWhy?",
                                         status=S.DRAFT, risk="low", generated_at=timezone.now(), body="x")
        posts = list(Post.objects.filter(thread=source).order_by("created_at", "id"))[1:]
        AnswerSource.objects.bulk_create([
            AnswerSource(answer=answer, number=i + 1, cited=True, text=p.body, role="reply", post=p, thread=source,
                         category=engineering, title=source.title, content_hash="0") for i, p in enumerate(posts)])
        _retitle(source, "Renamed")
        assert answer.sources.filter(taken_back=True).count() == replies
        with CaptureQueriesContext(connection) as captured:
            _retitle(source, f"Source thread {replies}")
        assert answer.sources.filter(taken_back=False).count() == replies
        return len(captured)

    assert statements(2) == statements(12)
