"""What a question's author took out of the question reaches nobody through an answer (round 38, with its review).

An answer is withheld (``AIAnswer.question_taken_back``) when what it shows holds a word the question dropped and no
source of it holds: its text, its machine original, its risk reasons (which quote what they matched "in the
question"), a reviewer's edit. A queued answer is drafted from the question as it reads when drafting begins; the
asker's panel, polling a draft stored withheld, is told so instead of a 404 htmx would not swap.
"""
import pytest
from django.urls import reverse

from aiassist import services
from aiassist.engines import Draft
from forum import services as forum_services
from tests.aiassist.test_review_services import ask, drafted, make_reviewer, reload
from tests.security.test_draft_outdated import SECRET, Restating, RetitledMeanwhile, opening_post
from tests.security.test_source_visibility import api

pytestmark = pytest.mark.django_db
WORD = "globexpayroll"


class Generic:
    """An engine that names nothing of the question."""

    name = "generic"

    def draft(self, question, sources):
        return Draft(text="Ask the DBA team to review the grants first; use a read-only role [1].", model="g",
                     cited=[1])


def _engine(monkeypatch, engine) -> None:
    from aiassist.services import drafting

    monkeypatch.setattr(drafting, "_engine", lambda: engine)


def _question(thread, body: str) -> None:
    """The question's text as its author first wrote it (no edit: nothing to take back yet)."""
    opening = opening_post(thread)
    opening.body = body
    opening.save(update_fields=["body"])


@pytest.mark.parametrize("submitted", [False, True], ids=["draft", "in-review"])
def test_risk_reasons_quoting_a_word_the_question_dropped_withhold_the_answer(
        client, monkeypatch, employee, other_employee, engineering, eng_moderator, submitted):
    _engine(monkeypatch, Generic())
    thread = ask(employee, engineering)
    _question(thread, f"We ran grant all privileges on {WORD} to public and the job still fails.")
    answer = drafted(other_employee, thread)  # bob asks the assistant about alice's question
    assert WORD not in answer.body and any(WORD in reason for reason in answer.risk_reasons), answer.risk_reasons
    if submitted:
        services.answer_submit(acting_user=other_employee, answer=answer)

    forum_services.post_edit(acting_user=employee, post=opening_post(thread),
                             body="We ran grant all privileges on the payroll db to public and the job still fails.")

    assert reload(answer).question_taken_back
    client.force_login(other_employee)
    shown = [client.get(f"/t/{thread.pk}/"), api(other_employee).get(f"/api/v1/ai-answers/{answer.pk}/")]
    if submitted:
        client.force_login(eng_moderator)
        shown += [client.get(reverse("assistant:review", args=[answer.pk])),
                  api(eng_moderator).get("/api/v1/review-queue/")]
    assert [r.request["PATH_INFO"] for r in shown if WORD in r.content.decode()] == []


def test_an_extractive_drafts_risk_reasons_count_too(client, employee, other_employee, engineering):
    thread = ask(employee, engineering)
    body = opening_post(thread).body
    _question(thread, f"{body} We ran grant all privileges on {WORD} to public and it still fails.")
    answer = drafted(other_employee, thread)
    assert WORD not in answer.body and any(WORD in reason for reason in answer.risk_reasons)
    forum_services.post_edit(acting_user=employee, post=opening_post(thread), body=body)
    assert reload(answer).question_taken_back
    client.force_login(other_employee)
    assert WORD not in client.get(f"/t/{thread.pk}/").content.decode()


@pytest.mark.parametrize(("asked", "edited", "text"), [
    ("Why can't the job reach 10.42.7.19 on port 5432?", "Why can't the job reach the db on port 5432?",
     "You asked why the job cannot reach 10.42.7.19 on port 5432. Set autoretry_for [1]."),
    ("Why does the job fail on db_globex_prod?", "Why does the job fail on the db?",
     "The job fails on db\\_globex\\_prod because retries give up. Set autoretry_for [1]."),  # as Markdown escapes it
    ("Why does the job fail on db-7?", "Why does the job fail on the db?",
     "The job fails on db-7 because retries give up. Set autoretry_for [1]."),
], ids=["address", "escaped underscores", "short parts"])
def test_a_name_of_short_parts_or_escaped_is_read_as_a_restatement(client, monkeypatch, employee, other_employee,
                                                                   engineering, asked, edited, text):
    class Fixed:
        name = "fixed"

        def draft(self, question, sources):
            return Draft(text=text, model="f", cited=[1])

    _engine(monkeypatch, Fixed())
    thread = ask(employee, engineering)
    _question(thread, asked)
    answer = drafted(other_employee, thread)
    forum_services.post_edit(acting_user=employee, post=opening_post(thread), body=edited)
    assert reload(answer).question_taken_back


def test_a_reviewers_edit_that_writes_back_a_word_the_question_dropped_withholds_the_answer(
        client, monkeypatch, employee, other_employee, engineering, eng_moderator):
    _engine(monkeypatch, Generic())
    thread = ask(employee, engineering)
    _question(thread, f"The nightly job fails on {WORD}. How do retries back off?")
    answer = drafted(other_employee, thread)
    services.answer_submit(acting_user=other_employee, answer=answer)
    forum_services.post_edit(acting_user=employee, post=opening_post(thread),
                             body="The nightly job fails on the payroll db. How do retries back off?")
    answer = reload(answer)
    assert not answer.question_taken_back  # the draft never named it
    services.answer_edit(acting_user=eng_moderator, answer=answer, body=f"{answer.body}\n\nOn {WORD}, check it first.",
                         text_hash=services.body_hash(answer.body))
    assert reload(answer).question_taken_back
    second = make_reviewer("rita", engineering)
    client.force_login(second)
    page = client.get(reverse("assistant:review", args=[answer.pk]))
    assert page.status_code == 404 and WORD not in page.content.decode()


def test_a_queued_answer_is_drafted_from_the_question_as_it_reads_when_drafting_begins(monkeypatch, employee,
                                                                                        other_employee, engineering):
    seen = []

    class Recording(Restating):
        def draft(self, question, sources):
            seen.append(question)
            return super().draft(question, sources)

    _engine(monkeypatch, Recording())
    thread = ask(employee, engineering, title=f"Celery retries on {SECRET}")
    answer = services.answer_request(acting_user=other_employee, thread=thread)  # queued
    opening = opening_post(thread)
    forum_services.post_edit(acting_user=employee, post=opening, body=opening.body, title="Celery retries")
    answer = services.answer_generate(answer_id=answer.pk)
    assert seen and SECRET not in seen[0] and SECRET not in answer.body
    assert not answer.question_taken_back and not services.outdated(answer)


def test_the_askers_panel_polling_a_draft_stored_withheld_says_so(client, monkeypatch, employee, other_employee,
                                                                  engineering):
    thread = ask(employee, engineering, title=f"Celery retries on {SECRET}")
    _engine(monkeypatch, RetitledMeanwhile(thread, employee))
    answer = services.answer_request(acting_user=employee, thread=thread)
    client.force_login(employee)
    url = reverse("assistant:panel", args=[answer.pk])
    pending = client.get(url, HTTP_HX_REQUEST="true")
    assert pending.status_code == 200 and 'hx-trigger="every 2s"' in pending.content.decode()
    services.answer_generate(answer_id=answer.pk)
    assert reload(answer).question_taken_back
    poll = client.get(url, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "data-withheld" in poll.content.decode()
    assert SECRET not in poll.content.decode() and 'hx-trigger="every 2s"' not in poll.content.decode()
    # Anyone else gets the 404, as before.
    client.force_login(other_employee)
    assert client.get(url, HTTP_HX_REQUEST="true").status_code == 404
