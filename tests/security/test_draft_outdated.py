"""What an answer was drafted from must still stand when it is submitted, approved and published.

A security review found three seams (2026-12-04): a publication racing a move of its own thread checked the sources
against the category the thread had left, so a restricted quote reached an open thread; a question post hidden by a
moderator (a pasted credential) went on to the public page inside an answer that restated it, and an answer already
published stayed up; a source edited during review (its author took a secret back) was published as it had been.
"""
import threading
import time

import pytest
from django.db import connection
from django.urls import reverse

from aiassist import services
from aiassist.engines import Draft
from aiassist.models import AIAnswer
from common.exceptions import NotFound
from forum import services as forum_services
from forum.audit import audited
from forum.models import Post, Thread

from ..aiassist.test_review_services import SCENARIOS, approve, ask, drafted, reload
from ..factories import UserFactory, make_thread

S = AIAnswer.Status
SECRET = "hunter2-zq81-prod-db-pass"
RESTRICTED = "kestrel-restricted-7731"
ECHO = "You asked: {question}\n\nSet autoretry_for and retry_backoff=True; the countdown doubles [1]."


class Restating:
    """An engine that restates the question before its advice, as a model often does."""

    name = "restating"

    def draft(self, question, sources):
        return Draft(text=ECHO.format(question=question), model="restating", cited=[1])


class RetitledMeanwhile(Restating):
    """A restating engine whose thread's author takes the SECRET out of its title while it drafts."""

    def __init__(self, thread, author):
        self.thread, self.author = thread, author

    def draft(self, question, sources):
        opening = Post.objects.filter(thread=self.thread).order_by("created_at", "id").first()
        forum_services.post_edit(acting_user=self.author, post=opening, body=opening.body, title="Celery retries")
        return super().draft(question, sources)


def signed_in_page(client, user, url) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(url)
    return response.status_code, response.content.decode()


def posts_of(client, user, thread) -> str:
    status, page = signed_in_page(client, user, reverse("forum:thread", args=[thread.pk]))
    assert status == 200
    return page[page.index('<section class="posts"'):]


def opening_post(thread) -> Post:
    return Post.objects.filter(thread=thread).order_by("created_at", "id").first()


def confirmed(reviewer, answer) -> AIAnswer:
    """The reviewer lets every claim the check does not find in the sources stand (the restated question)."""
    for claim in services.unresolved_claims(reload(answer)):
        services.answer_confirm_claim(acting_user=reviewer, answer=reload(answer), key=claim["key"], reason="read")
    return reload(answer)


@pytest.fixture
def restating(monkeypatch):
    from aiassist.services import drafting
    monkeypatch.setattr(drafting, "_engine", lambda: Restating())


@pytest.fixture
def credential_question(restating, employee, engineering):
    """The asker pasted a credential into the question; the draft restates it."""
    thread = ask(employee, engineering)
    post = opening_post(thread)
    post.body = f"{SCENARIOS['low']['body']} (prod db pass is {SECRET}, do not share)"
    post.save(update_fields=["body"])
    answer = drafted(employee, thread)
    assert SECRET in answer.body
    return answer


# The question -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_question_hidden_during_review_is_not_published_nor_shown_to_reviewers_who_cannot_read_it(
        client, credential_question, employee, eng_moderator, security_reviewer, other_employee):
    answer = credential_question
    services.answer_submit(acting_user=employee, answer=answer)
    forum_services.post_hide(acting_user=eng_moderator, post=opening_post(answer.thread), reason="credential")
    assert services.question_withheld(reload(answer))
    # The security reviewer does not moderate the category: the hidden post is not theirs to read, in the answer
    # either. The moderator who hid it still sees the answer, and cannot publish it.
    status, page = signed_in_page(client, security_reviewer, reverse("assistant:review", args=[answer.pk]))
    assert status == 404 and SECRET not in page
    status, page = signed_in_page(client, eng_moderator, reverse("assistant:review", args=[answer.pk]))
    assert status == 200
    with pytest.raises(services.DraftOutdated, match="the thread's question changed"):
        approve(eng_moderator, confirmed(eng_moderator, answer))
    assert reload(answer).status == S.IN_REVIEW
    assert SECRET not in posts_of(client, other_employee, answer.thread)


@pytest.mark.django_db
def test_a_question_hidden_after_publication_takes_the_answer_down(
        client, credential_question, employee, eng_moderator, other_employee):
    answer = credential_question
    services.answer_submit(acting_user=employee, answer=answer)
    answer = approve(eng_moderator, confirmed(eng_moderator, answer))
    assert answer.status == S.PUBLISHED
    assert SECRET in posts_of(client, other_employee, answer.thread)
    forum_services.post_hide(acting_user=eng_moderator, post=opening_post(answer.thread), reason="credential")
    answer = reload(answer)
    assert answer.status != S.PUBLISHED and answer.published_post.hidden
    assert SECRET not in posts_of(client, other_employee, answer.thread)


@pytest.mark.django_db
def test_an_answer_to_a_question_hidden_before_it_was_asked_is_not_held_back(
        client, restating, employee, engineering, eng_moderator, security_reviewer):
    """Drafted from the title alone, the answer restates nothing the moderator hid."""
    thread = ask(employee, engineering)
    forum_services.post_hide(acting_user=eng_moderator, post=opening_post(thread), reason="off topic")
    answer = drafted(employee, thread)
    assert not services.question_withheld(answer)
    services.answer_submit(acting_user=employee, answer=answer)
    status, _ = signed_in_page(client, security_reviewer, reverse("assistant:review", args=[answer.pk]))
    assert status == 200


ADDED = " Edit: it happens on the nightly runs only."  # an edit that takes nothing out of the question


@pytest.mark.django_db
def test_a_question_edited_since_the_draft_must_be_drafted_again(client, credential_question, employee):
    """The asker added to the question: the draft, written for the question as it read, is not sent to review."""
    answer = credential_question
    opening = opening_post(answer.thread)
    forum_services.post_edit(acting_user=employee, post=opening, body=opening.body + ADDED)
    client.force_login(employee)
    response = client.post(f"/api/v1/ai-answers/{answer.pk}/submit/", content_type="application/json")
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "draft_outdated"
    assert reload(answer).status == S.DRAFT
    # A new draft, from the question as it now stands, may go.
    fresh = drafted(employee, answer.thread)
    assert ADDED.strip() in fresh.body
    services.answer_submit(acting_user=employee, answer=fresh)


def _withheld_everywhere(client, answer, *users):
    """``answer`` is 404 to each of ``users`` on its review page and in the API, out of their lists and the queue, and
    SECRET is in no response; its asker's thread page says it is withheld."""
    from tests.security.test_source_visibility import api

    for user in users:
        client.force_login(user)
        token = api(user)
        responses = [client.get(reverse("assistant:review", args=[answer.pk])),
                     token.get(f"/api/v1/ai-answers/{answer.pk}/"), client.get(f"/t/{answer.thread_id}/"),
                     token.get("/api/v1/ai-answers/"), token.get("/api/v1/review-queue/"), client.get("/ai/review/")]
        assert [r.status_code for r in responses[:2]] == [404, 404], user.username
        assert [r for r in responses if SECRET in r.content.decode()] == [], user.username
        if user.pk == answer.asker_id:
            assert "data-withheld" in responses[2].content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "in-review"])
def test_an_answer_restating_what_its_questions_author_took_out_is_withheld(client, credential_question, employee,
                                                                            eng_moderator, submitted):
    """Round 38 (a known gap until then): the asker took the credential out of the question; the answer that restates
    it went on showing it to its asker, and in review to the desk and the API, though no page of the forum shows it
    now (submission and approval were refused all the same). It reaches nobody, as a quote of an edited-out passage
    does not; put back, it is shown again."""
    answer = credential_question
    if submitted:
        services.answer_submit(acting_user=employee, answer=answer)
    opening = opening_post(answer.thread)
    original = opening.body
    forum_services.post_edit(acting_user=employee, post=opening, body=SCENARIOS["low"]["body"])
    assert reload(answer).question_taken_back
    _withheld_everywhere(client, answer, employee, eng_moderator)
    assert reload(answer).status == (S.IN_REVIEW if submitted else S.DRAFT)

    forum_services.post_edit(acting_user=employee, post=opening_post(answer.thread), body=original)
    assert not reload(answer).question_taken_back
    client.force_login(employee)
    assert SECRET in client.get(f"/t/{answer.thread_id}/").content.decode()


@pytest.mark.django_db
def test_a_retitle_that_drops_a_word_the_answer_restates_withholds_it(client, restating, employee, engineering,
                                                                      eng_moderator):
    thread = ask(employee, engineering, title=f"Celery retries on {SECRET}")
    answer = drafted(employee, thread)
    assert SECRET in answer.body
    opening = opening_post(thread)
    forum_services.post_edit(acting_user=employee, post=opening, body=opening.body, title="Celery retries")
    assert reload(answer).question_taken_back
    _withheld_everywhere(client, answer, employee)


@pytest.mark.django_db
def test_an_edit_that_drops_nothing_the_answer_restates_leaves_it_in_sight(client, credential_question, employee):
    answer = credential_question
    opening = opening_post(answer.thread)
    forum_services.post_edit(acting_user=employee, post=opening, body=opening.body + ADDED)
    assert not reload(answer).question_taken_back
    client.force_login(employee)
    assert SECRET in client.get(f"/t/{answer.thread_id}/").content.decode()


@pytest.mark.django_db
def test_a_question_edited_while_the_worker_drafts_marks_the_stored_draft(client, monkeypatch, employee, engineering):
    """The edit's own transaction found no text to read (the draft was not stored yet): the draft's transaction reads
    the question as it now stands."""
    from aiassist.services import drafting

    thread = ask(employee, engineering, title=f"Celery retries on {SECRET}")
    monkeypatch.setattr(drafting, "_engine", lambda: RetitledMeanwhile(thread, employee))
    answer = drafted(employee, thread)
    assert SECRET in answer.body and answer.question_taken_back
    _withheld_everywhere(client, answer, employee)


def test_restating_is_read_word_by_word():
    from aiassist.services.drafting import restates_taken_back

    asked = "Deploy to db-prod-7.internal?\n\nIt fails on ACME's cluster."
    now = "Deploy?\n\nIt fails on ACME's cluster."
    assert not restates_taken_back(asked, asked, ["db-prod-7.internal"])  # unchanged
    assert restates_taken_back(asked, now, ["Use DB-PROD-7 with care."])
    assert not restates_taken_back(asked, now, ["Deploy the cluster."])
    assert not restates_taken_back("Is it ok to go?", "Is it fine?", ["It is ok."])  # "ok": too short to tell
    assert restates_taken_back(asked, "Deploy to db-prod-7.internal?", ["", "The acme way."])  # the machine original
    # A word its sources show (an extractive draft quotes only them): not the question's to take back.
    assert not restates_taken_back(asked, now, ["Use db-prod-7 with care."], sources=["db-prod-7 is the primary"])
    assert restates_taken_back(asked, now, ["Use db-prod-7.internal."], sources=["db-prod-7 is the primary"])


@pytest.mark.django_db
def test_the_migration_marks_the_answers_already_stored(credential_question, employee, eng_moderator):
    from django.apps import apps

    module = __import__("aiassist.migrations.0011_answer_question_taken_back", fromlist=["mark"])
    answer = credential_question
    Post.objects.filter(pk=opening_post(answer.thread).pk).update(body=SCENARIOS["low"]["body"])  # no receiver ran
    assert not reload(answer).question_taken_back
    module.mark(apps, None)
    assert reload(answer).question_taken_back


def review_question(client, reviewer, answer) -> tuple[int, str, str]:
    """The review page as ``reviewer`` gets it: its status, its HTML and its "Question" section."""
    status, page = signed_in_page(client, reviewer, reverse("assistant:review", args=[answer.pk]))
    return status, page, page[page.index("<h2>Question</h2>"):page.index('id="draft-heading"')]


@pytest.mark.django_db
def test_the_review_desk_shows_the_question_as_it_now_stands(client, credential_question, employee, eng_moderator):
    answer = credential_question
    services.answer_submit(acting_user=employee, answer=answer)
    opening = opening_post(answer.thread)
    forum_services.post_edit(acting_user=employee, post=opening, body=f"Where now? {opening.body}")
    status, page, question = review_question(client, eng_moderator, answer)
    assert status == 200
    assert "Where now?" in question
    assert "Written from what has changed since: the thread&#x27;s question." in page
    # The credential taken out of it: the answer restating it is withheld (round 38), its page with it.
    forum_services.post_edit(acting_user=employee, post=opening_post(answer.thread), body=SCENARIOS["low"]["body"])
    status, page = signed_in_page(client, eng_moderator, reverse("assistant:review", args=[answer.pk]))
    assert status == 404 and SECRET not in page


def rejected(answer, asker, reviewer) -> AIAnswer:
    """The answer submitted by its asker and rejected: closed."""
    services.answer_submit(acting_user=asker, answer=answer)
    services.answer_reject(acting_user=reviewer, answer=reload(answer), reason="Restates a credential.")
    return answer


@pytest.mark.django_db
def test_a_closed_answers_page_shows_the_question_as_it_now_stands_too(client, credential_question, employee,
                                                                        eng_moderator):
    # Up to round 33 a closed answer's page showed the question as it was first asked: a credential its asker took
    # out of the question since stayed in view there, though the forum keeps no earlier text of a post.
    answer = rejected(credential_question, employee, eng_moderator)
    status, _, question = review_question(client, eng_moderator, answer)
    assert status == 200 and SECRET in question and "Edited since" not in question  # as it stands: unchanged
    opening = opening_post(answer.thread)
    forum_services.post_edit(acting_user=employee, post=opening, body=opening.body.replace(SECRET, SECRET + " (old)"))
    status, page, question = review_question(client, eng_moderator, answer)
    assert status == 200 and "(old)" in question
    assert "Edited since this answer was drafted" in question
    # The credential taken out: the answer restating it leaves the desk (round 38), closed or not.
    forum_services.post_edit(acting_user=employee, post=opening_post(answer.thread), body=SCENARIOS["low"]["body"])
    status, page = signed_in_page(client, eng_moderator, reverse("assistant:review", args=[answer.pk]))
    assert status == 404 and SECRET not in page
    assert reload(answer).question != services.question_of(answer.thread)  # the record keeps what was drafted from


@pytest.mark.django_db
def test_a_hidden_question_is_not_shown_on_the_review_page_to_moderators_either(client, credential_question, employee,
                                                                               eng_moderator):
    # Round 34's review: a moderator (who may read hidden posts) was shown the title alone, as "edited since".
    answer = rejected(credential_question, employee, eng_moderator)
    forum_services.post_hide(acting_user=eng_moderator, post=opening_post(answer.thread), reason="credential")
    status, page, question = review_question(client, eng_moderator, answer)
    assert status == 200 and "hidden the question's post" in question
    assert SECRET not in question and "Edited since" not in question


@pytest.mark.django_db
@pytest.mark.parametrize("edit", ["body", "title"])
def test_an_edit_of_the_question_takes_the_published_answers_back_to_review(credential_question, employee,
                                                                            eng_moderator, edit):
    # Round 33's review: the asker retitled the thread ("How do I wipe the production database before the audit?")
    # and the reviewed answer stood under the new question, only flagged. It was vetted for the question as it read.
    answer = credential_question
    services.answer_submit(acting_user=employee, answer=answer)
    answer = approve(eng_moderator, confirmed(eng_moderator, answer))
    assert answer.status == S.PUBLISHED
    opening = opening_post(answer.thread)
    if edit == "body":
        forum_services.post_edit(acting_user=employee, post=opening, body=SCENARIOS["low"]["body"])
    else:
        forum_services.post_edit(acting_user=employee, post=opening, body=opening.body,
                                 title="How do I wipe the production database before the audit?")
    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.attention_reason == "The thread's question was edited."
    assert Post.objects.get(pk=answer.published_post_id).hidden


@pytest.mark.django_db
def test_the_edit_page_says_so_before_the_question_is_changed(client, credential_question, employee, eng_moderator):
    answer = credential_question
    opening = opening_post(answer.thread)
    warning = "This thread has a published AI answer"
    assert warning not in signed_in_page(client, employee, reverse("forum:post_edit", args=[opening.pk]))[1]
    services.answer_submit(acting_user=employee, answer=answer)
    answer = approve(eng_moderator, confirmed(eng_moderator, answer))
    assert answer.status == S.PUBLISHED
    status, page = signed_in_page(client, employee, reverse("forum:post_edit", args=[opening.pk]))
    assert status == 200 and warning in page


# A source ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_source_edited_during_review_is_not_published_as_it_was(client, employee, engineering, eng_moderator,
                                                                   other_employee):
    scenario = SCENARIOS["low"]
    source_thread = make_thread(UserFactory(username="erin"), engineering, title=scenario["source_title"],
                                body=scenario["source_body"],
                                replies=[(UserFactory(username="dana"),
                                          f"{scenario['source_reply']} Use key {SECRET}.")])
    source = Post.objects.filter(thread=source_thread).order_by("-id").first()
    thread = make_thread(employee, engineering, title=scenario["title"], body=scenario["body"])
    answer = drafted(employee, thread)
    assert SECRET in answer.body
    services.answer_submit(acting_user=employee, answer=answer)
    forum_services.post_edit(acting_user=source.author, post=source, body=SCENARIOS["low"]["source_reply"])
    # What the author took back is nobody's to read now: the answer quoting it leaves the desk too (round 37; an
    # edit that keeps the quoted passage leaves it in sight, outdated: tests/security/test_taken_back.py).
    with pytest.raises(NotFound):
        approve(eng_moderator, answer)
    status, page = signed_in_page(client, eng_moderator, reverse("assistant:review", args=[answer.pk]))
    assert status == 404 and SECRET not in page
    client.force_login(eng_moderator)
    digest = services.body_hash(reload(answer).body)
    response = client.post(f"/api/v1/ai-answers/{answer.pk}/approve/", {"body_hash": digest},
                           content_type="application/json")
    assert response.status_code == 404 and SECRET not in response.content.decode()
    assert reload(answer).status == S.IN_REVIEW
    assert SECRET not in posts_of(client, other_employee, thread)


@pytest.mark.django_db
def test_a_source_edited_before_submission_must_be_drafted_again(employee, engineering):
    thread = ask(employee, engineering)
    answer = drafted(employee, thread)
    source = Post.objects.filter(thread__title=SCENARIOS["low"]["source_title"]).order_by("-id").first()
    forum_services.post_edit(acting_user=source.author, post=source, body=f"{source.body} Edited.")
    with pytest.raises(services.DraftOutdated):
        services.answer_submit(acting_user=employee, answer=answer)


# A move of the answer's own thread, racing its publication ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_publication_racing_a_move_of_its_thread_checks_the_new_audience(
        client, admin_user, secops, secops_group, engineering, security_reviewer, other_employee):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: there is no window to race")
    asker, source_asker, source_author = (UserFactory(username=name) for name in ("priya", "quentin", "rosa"))
    for user in (asker, source_asker, source_author):
        user.groups.add(secops_group)
    scenario = SCENARIOS["low"]
    make_thread(source_asker, secops, title=scenario["source_title"], body=scenario["source_body"],
                replies=[(source_author, f"{scenario['source_reply']} The internal broker is {RESTRICTED}.")])
    thread = make_thread(asker, secops, title=scenario["title"], body=scenario["body"])
    answer = drafted(asker, thread, expect_risk="low")  # one approval publishes it
    assert RESTRICTED in answer.body
    services.answer_submit(acting_user=asker, answer=answer)
    answer = confirmed(security_reviewer, answer)
    errors = []

    def publish():
        try:
            services.answer_approve(acting_user=security_reviewer, answer=reload(answer),
                                    text_hash=services.body_hash(answer.body))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    # The move holds its thread until it commits; the approval starts meanwhile and must see the move's outcome.
    with audited():
        forum_services.thread_move(acting_user=admin_user, thread=Thread.objects.get(pk=thread.pk),
                                   category=engineering)
        approving = threading.Thread(target=publish)
        approving.start()
        time.sleep(1.5)  # long enough for the approval to reach its first lock
    approving.join(30)
    assert [type(e) for e in errors] == [services.SourcesOutsideAudience], errors
    assert reload(answer).status == S.IN_REVIEW
    assert RESTRICTED not in posts_of(client, other_employee, Thread.objects.get(pk=thread.pk))


@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_hide_withdrawing_another_answer_take_their_locks_in_one_order(
        monkeypatch, employee, other_employee, engineering, eng_moderator):
    """Hiding a source withdraws the published answers citing it (the audit chain's lock, then their threads' rows);
    an approval in one of those threads must not hold that thread's row while it waits for the audit chain."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writing transaction at a time: nothing to deadlock")
    from aiassist.services import review

    thread = ask(employee, engineering)
    published = drafted(employee, thread)
    services.answer_submit(acting_user=employee, answer=published)
    published = approve(eng_moderator, published)
    assert published.status == S.PUBLISHED
    source = published.sources.get(cited=True, number=1).post
    waiting = drafted(other_employee, thread)
    services.answer_submit(acting_user=other_employee, answer=waiting)
    check_read = review._check_read

    def slowly(answer, text_hash):  # the approval holds its answer's row here; the audit chain comes next
        check_read(answer, text_hash)
        if threading.current_thread().name == "approving":
            time.sleep(1.5)

    monkeypatch.setattr(review, "_check_read", slowly)
    errors = []

    def approving():
        try:
            services.answer_approve(acting_user=eng_moderator, answer=reload(waiting),
                                    text_hash=services.body_hash(reload(waiting).body))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=approving, name="approving")
    worker.start()
    time.sleep(0.5)
    forum_services.post_hide(acting_user=eng_moderator, post=Post.objects.get(pk=source.pk), reason="a live token")
    worker.join(30)
    assert not [e for e in errors if "deadlock" in str(e).lower()], errors
    assert reload(published).status != S.PUBLISHED  # the hide withdrew the published answer all the same


def test_a_source_edited_while_the_worker_reads_it_leaves_the_answer_outdated(monkeypatch, employee, engineering,
                                                                            general, eng_moderator):
    """Round 35's review: the worker read a passage's text, then its post for the source's hash; an edit committed in
    between stored the new text's hash beside the old text, so the text its author had just taken out passed every
    check and was published. The post is read first now: such an edit leaves the answer outdated."""
    from aiassist.retrieval import ranking

    old = "retry_backoff=True; the countdown doubles"
    thread = ask(employee, engineering, sources_in=general)
    reply = Post.objects.get(body__contains=old)
    with_details, edited = ranking.Ranking.with_details, []

    def then_edited(self, passages, **kwargs):
        found = with_details(self, passages, **kwargs)
        if not edited:  # the author takes the setting back, committed while the worker drafts
            edited.append(forum_services.post_edit(acting_user=reply.author, post=Post.objects.get(pk=reply.pk),
                                                   body="Use the team's standard policy; ask in #infra."))
        return found

    monkeypatch.setattr(ranking.Ranking, "with_details", then_edited)
    answer = drafted(employee, thread)
    assert edited and old in answer.body
    assert services.outdated(answer) == ["source [1]"]
    # And withheld from its asker: the text its author took back is nobody's now (tests/security/test_taken_back.py).
    with pytest.raises(NotFound):
        services.answer_submit(acting_user=employee, answer=answer)
    assert reload(answer).status == S.DRAFT


def test_a_source_thread_retitled_takes_its_old_title_off_the_answers_quoting_it(client, employee, other_employee,
                                                                                engineering, general, eng_moderator):
    """Round 35's review: an answer quoting a reply shows that reply's thread's title (its attribution, the sources
    listed under it). The thread's author retitled it (a customer's name taken out), and the answer stayed up with the
    old title: only answers citing the question itself, or in that thread, were looked at."""
    from ..aiassist.test_review_services import SCENARIOS, approve, cited_post, submitted

    answer = approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    old_title = SCENARIOS["low"]["source_title"]
    assert answer.status == S.PUBLISHED and old_title in posts_of(client, other_employee, answer.thread)
    source_thread = cited_post(answer).thread
    question = opening_post(source_thread)
    forum_services.post_edit(acting_user=question.author, post=question, body=question.body,
                             title="Celery retry settings")
    answer = reload(answer)
    assert answer.status != S.PUBLISHED
    assert old_title not in posts_of(client, other_employee, answer.thread)


@pytest.mark.django_db
def test_an_extractive_draft_whose_question_is_reworded_stays_in_sight(client, employee, engineering):
    """The extractive engine quotes its sources and never restates the question: rewording the question drops words
    the draft holds only where its sources hold them, and the draft stays in its asker's sight (outdated)."""
    from tests.security.test_source_visibility import QUOTE, _drafted

    answer, _ = _drafted(employee, engineering)
    assert "Celery" in answer.body  # the source thread's title, in the quote's attribution
    forum_services.post_edit(acting_user=employee, post=opening_post(answer.thread), body="Why do tasks give up?",
                             title="How should retries back off?")  # "celery" dropped
    assert "celery" not in services.question_of(reload(answer).thread).casefold()
    assert not reload(answer).question_taken_back
    client.force_login(employee)
    assert QUOTE in client.get(f"/t/{answer.thread_id}/").content.decode()


@pytest.mark.django_db
def test_marking_a_questions_answers_costs_the_same_statements_however_many_there_are(restating, employee,
                                                                                      engineering):
    from django.test.utils import CaptureQueriesContext

    from aiassist.services.review import answers_mark_question_taken_back

    thread = ask(employee, engineering, title=f"Celery retries on {SECRET}")
    counts = []
    for askers in (1, 3):
        while AIAnswer.objects.filter(thread=thread).count() < askers:
            drafted(UserFactory(), thread)
        Thread.objects.filter(pk=thread.pk).update(title=f"Celery retries {askers}")  # dropped: the SECRET's words
        with CaptureQueriesContext(connection) as captured:
            marked = answers_mark_question_taken_back(thread=Thread.objects.get(pk=thread.pk))
        counts.append(len(captured))
        assert marked == askers
        Thread.objects.filter(pk=thread.pk).update(title=f"Celery retries on {SECRET}")
        answers_mark_question_taken_back(thread=Thread.objects.get(pk=thread.pk))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_a_late_worker_stores_nothing_into_an_answer_retried_since(restating, employee, eng_moderator, engineering):
    """Round 39's review: a retry resets the attempts, so a worker past its lease, then a failure and a retry, found
    its attempt number again and stored its draft, written from the question before its author took the SECRET out:
    the row held the new question, so neither ``outdated`` nor ``question_taken_back`` saw it, and it was published.
    A claim's number (``AIAnswer.claims``) is never reset."""
    from datetime import timedelta

    from django.utils import timezone

    from aiassist.services import drafting
    from aiassist.sources import retrieve

    thread = ask(employee, engineering, title=f"Celery retries on {SECRET}")
    answer = services.answer_request(acting_user=employee, thread=thread)
    first = drafting.answer_claim(answer_id=answer.pk)  # worker 1 drafts from the question with the SECRET...
    assert first.attempts == first.claims == 1 and SECRET in first.question
    sources = retrieve(asker=employee, thread=thread, question=first.question, audience=first.audience)
    late = Restating().draft(first.question, [s.doc for s in sources])
    AIAnswer.objects.filter(pk=answer.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))  # ...stalls
    opening = opening_post(thread)
    forum_services.post_edit(acting_user=employee, post=opening, body=opening.body, title="Celery retries")
    assert drafting.answer_claim(answer_id=answer.pk).claims == 2  # the sweeper's re-send; the endpoint fails it
    drafting.answer_fail(answer_id=answer.pk, message="The model endpoint kept timing out.")
    services.answer_retry(acting_user=employee, answer=reload(answer))
    third = drafting.answer_claim(answer_id=answer.pk)
    assert (third.attempts, third.claims) == (1, 3) and SECRET not in third.question

    # Worker 1 returns: its draft and its failure are both another claim's, and dropped.
    assert drafting._store_draft(answer_id=answer.pk, claim=first.claims, engine=Restating(), draft=late,
                                 sources=sources, question=first.question) is None
    assert drafting.answer_fail(answer_id=answer.pk, message="worker 1 gave up", claim=first.claims) is None
    after = reload(answer)
    assert (after.status, after.body, after.claims) == (S.GENERATING, "", 3)

    # The claim that holds it stores its own draft, from the question as it now reads.
    draft = Restating().draft(third.question, [s.doc for s in sources])
    stored = drafting._store_draft(answer_id=answer.pk, claim=third.claims, engine=Restating(), draft=draft,
                                   sources=sources, question=third.question)
    assert stored.status == S.DRAFT and SECRET not in stored.body and not stored.question_taken_back
    services.answer_submit(acting_user=employee, answer=stored)
    approve(eng_moderator, confirmed(eng_moderator, reload(answer)))
    public = Post.objects.filter(thread=thread, kind=Post.Kind.ASSISTANT, hidden=False)
    assert public.exists() and not any(SECRET in post.body for post in public)
