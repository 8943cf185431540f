"""Claim-level grounding wired in: stored at draft time and after every edit, for every engine; invented
and contradicted claims block approval until edited away or confirmed (per claim, with a reason, in the
audit log); the confirmation shows on the published post.

The draft comes from the ``openai`` engine talking to a real chat-completions server on loopback
(``tests/aiassist/test_engines_openai.py``'s server); the extractive engine's drafts are checked on
realistic source sets from the labelled grounding set.
"""
import hashlib
import json
from collections import defaultdict
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from aiassist import services
from aiassist.engines.base import SourceDoc
from aiassist.engines.extractive import ExtractiveEngine
from aiassist.grounding import CHECKER, check
from aiassist.models import AIAnswer, ClaimConfirmation
from common.exceptions import Forbidden, InvalidInput, InvalidTransition, NotFound
from forum.models import AuditEvent

from ..factories import UserFactory, make_thread
from .test_engines_openai import chat_server, completion, openai_settings  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
S = AIAnswer.Status

SOURCE = ("Set autoretry_for and retry_backoff=True on the task; the delay between retries doubles each time. "
          "The worker reads its settings from `/etc/celery/celeryconfig.py`. Restart it with "
          "`celery -A proj worker --loglevel=info` after a change. Don't raise worker_prefetch_multiplier for long "
          "tasks: one worker then holds tasks that idle workers could run.")
SUPPORTED = "Set autoretry_for and retry_backoff=True on the task, so the delay between retries doubles each time [1]."
WRONG_PATH = "- The worker reads its settings from `/etc/celery/settings.py` [1]."
INVENTED_FLAG = "- Restart it with `celery -A proj worker --loglevel=info --force-all` [1]."
REVERSED = "- For long tasks, raise worker_prefetch_multiplier [1]."
UNCITED = "Ask the on-call engineer before changing the broker."
SOURCE_TITLE = "My celery tasks fail on network errors: how should retries back off?"
DRAFT = "\n".join([SUPPORTED, "", WRONG_PATH, INVENTED_FLAG, REVERSED, "", UNCITED])


@pytest.fixture
def question(employee, other_employee, engineering):
    make_thread(other_employee, engineering, title=SOURCE_TITLE,
                body="Which settings control retry backoff?", replies=[(UserFactory(username="carol"), SOURCE)])
    return make_thread(employee, engineering, title="How should celery retries back off?",
                       body="My celery tasks fail on network errors. How do retries back off?")


@pytest.fixture
def drafted(openai_settings, chat_server, employee, question):  # noqa: F811 - the imported fixtures
    chat_server.reply(completion(DRAFT))
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)
    assert answer.status == S.DRAFT and answer.engine == "openai"
    return reload(answer)


@pytest.fixture
def in_review(drafted, employee):
    services.answer_submit(acting_user=employee, answer=drafted)
    return reload(drafted)


def reload(answer) -> AIAnswer:
    return AIAnswer.objects.select_related("thread", "thread__category").get(pk=answer.pk)


def by_status(answer) -> dict[str, list[str]]:
    found = defaultdict(list)
    for claim in answer.grounding["claims"]:
        found[claim["status"]].append(claim["text"])
    return found


def key_of(answer, fragment) -> str:
    return next(c["key"] for c in answer.grounding["claims"] if fragment in c["text"] and c["blocking"])


def approve(reviewer, answer, **kwargs):
    answer = reload(answer)
    return services.answer_approve(acting_user=reviewer, answer=answer, text_hash=services.body_hash(answer.body),
                                   **kwargs)


# Stored at draft time ------------------------------------------------------------------------------------------


def test_the_openai_draft_is_checked_claim_by_claim_and_stored(drafted):
    grounding = drafted.grounding
    assert grounding["checker"] == CHECKER
    found = by_status(drafted)
    assert found["supported"][0].startswith("Set autoretry_for and retry_backoff=True")
    assert any("/etc/celery/settings.py" in text for text in found["invented"])  # the wrong path
    assert "celery -A proj worker --loglevel=info --force-all" in found["invented"]  # the invented flag
    assert found["contradicted"] == ["For long tasks, raise worker_prefetch_multiplier."]  # the reversed warning
    assert found["uncited"] == ["Ask the on-call engineer before changing the broker."]
    assert grounding["summary"] == ("2 of 6 claims supported; 1 invented command; 1 invented path; 1 contradicted; "
                                    "1 uncited")
    # Each claim carries the passage it rests on and the matched span of it.
    contradicted = next(c for c in grounding["claims"] if c["status"] == "contradicted")
    assert contradicted["passage"] == 1
    assert contradicted["excerpt"]["match"].startswith("Don't raise worker_prefetch_multiplier")
    source = drafted.sources.get(number=1).text
    start, end = contradicted["passage_span"]
    assert source[start:end] == contradicted["excerpt"]["match"]
    assert grounding["confirmed"] == []
    draft_event = AuditEvent.objects.filter(verb="ai_answer.draft", target_id=str(drafted.pk)).get()
    assert draft_event.data["grounding"] == grounding["summary"]


# The gate ------------------------------------------------------------------------------------------------------


def test_approval_is_refused_until_each_blocking_claim_is_edited_away_or_confirmed(in_review, eng_moderator,
                                                                                    employee, other_employee):
    with pytest.raises(services.UnresolvedClaims) as refused:
        approve(eng_moderator, in_review)
    assert refused.value.status == 409 and refused.value.code == "unresolved_claims"
    assert "3 claims are not supported" in refused.value.message
    assert "/etc/celery/settings.py" in refused.value.message and "--force-all" in refused.value.message
    assert {c["status"] for c in refused.value.details["claims"]} == {"invented", "contradicted"}
    assert reload(in_review).approvals.count() == 0 and reload(in_review).status == S.IN_REVIEW

    # The wrong path is edited into the source's; the reversed warning is edited away.
    fixed = reload(in_review).body.replace("/etc/celery/settings.py", "/etc/celery/celeryconfig.py").replace(
        REVERSED + "\n", "- Don't raise worker_prefetch_multiplier for long tasks [1].\n")
    answer = services.answer_edit(acting_user=eng_moderator, answer=reload(in_review), body=fixed)
    assert [c["text"] for c in services.unresolved_claims(reload(answer))] == [
        "celery -A proj worker --loglevel=info --force-all"]
    with pytest.raises(services.UnresolvedClaims, match="1 claim is not supported"):
        approve(eng_moderator, answer)

    # The flag is confirmed, with a reason: the confirmation and its audit event carry claim, status, reason.
    key = key_of(reload(answer), "--force-all")
    services.answer_confirm_claim(acting_user=eng_moderator, answer=reload(answer), key=key,
                                  reason="Our fork of celery has --force-all; see the runbook.")
    confirmation = ClaimConfirmation.objects.get(answer=answer)
    assert (confirmation.key, confirmation.status, confirmation.reviewer) == (key, "invented", eng_moderator)
    event = AuditEvent.objects.filter(verb="ai_answer.confirm_claim", target_id=str(answer.pk)).get()
    assert event.actor == eng_moderator
    # The log names the claim by key and hash (the answer's text never goes into the log); the row has its text.
    assert event.data["key"] == key and event.data["confirmation"] == confirmation.pk
    assert event.data["claim"] == hashlib.sha256(confirmation.text.encode()).hexdigest()
    assert confirmation.text == "celery -A proj worker --loglevel=info --force-all"
    assert event.data["status"] == "invented"
    assert event.data["reason"] == "Our fork of celery has --force-all; see the runbook."
    assert reload(answer).grounding["confirmed"] == [key]

    answer = approve(eng_moderator, answer)
    assert reload(answer).status == S.PUBLISHED
    publish = AuditEvent.objects.filter(verb="ai_answer.publish", target_id=str(answer.pk)).get()
    assert publish.data["claims_confirmed"] == [key]

    # The published post says so, to every reader.
    client = Client()
    client.force_login(other_employee)
    page = client.get(reverse("forum:thread", args=[answer.thread_id])).content.decode()
    assert "A reviewer confirmed 1 claim not found in the sources." in page


def test_a_claim_a_reviewer_writes_is_shown_but_does_not_block(in_review, eng_moderator):
    body = reload(in_review).body + "\n\nThen run `celery purge --force-all`."
    answer = services.answer_edit(acting_user=eng_moderator, answer=reload(in_review), body=body)
    mine = next(c for c in reload(answer).grounding["claims"] if c["text"] == "celery purge --force-all")
    assert mine["status"] == "invented" and mine["by_reviewer"] and not mine["blocking"]
    assert len(services.unresolved_claims(reload(answer))) == 3  # the machine's three still block


def test_editing_a_confirmed_claim_away_drops_its_confirmation_from_the_count(in_review, eng_moderator):
    key = key_of(in_review, "--force-all")
    services.answer_confirm_claim(acting_user=eng_moderator, answer=reload(in_review), key=key, reason="Checked.")
    assert len(services.unresolved_claims(reload(in_review))) == 2
    body = reload(in_review).body.replace(INVENTED_FLAG + "\n", "")
    answer = services.answer_edit(acting_user=eng_moderator, answer=reload(in_review), body=body)
    assert reload(answer).grounding["confirmed"] == []  # the row stays (and its audit event), it no longer counts
    assert ClaimConfirmation.objects.filter(answer=answer, key=key).exists()
    # Putting the very claim back brings its confirmation back: it is the claim the reviewer vouched for.
    answer = services.answer_edit(acting_user=eng_moderator, answer=reload(answer),
                                  body=reload(in_review).original_body)
    assert reload(answer).grounding["confirmed"] == [key]


def test_an_approval_with_an_edit_that_removes_every_blocking_claim_publishes(in_review, eng_moderator):
    body = "\n".join([SUPPORTED, "", UNCITED])
    answer = services.answer_approve(acting_user=eng_moderator, answer=reload(in_review), body=body)
    assert reload(answer).status == S.PUBLISHED
    assert reload(answer).grounding["summary"] == "1 of 2 claims supported; 1 uncited"


# Who may confirm, and bad input --------------------------------------------------------------------------------


def test_the_asker_cannot_confirm_a_claim_of_their_own_answer(in_review, employee):
    with pytest.raises(Forbidden):
        services.answer_confirm_claim(acting_user=employee, answer=reload(in_review),
                                      key=key_of(in_review, "--force-all"), reason="Trust me.")
    assert not ClaimConfirmation.objects.exists()


def test_someone_who_does_not_review_the_category_gets_not_found(in_review, other_employee, general_moderator):
    for user in (other_employee, general_moderator):
        with pytest.raises(NotFound):
            services.answer_confirm_claim(acting_user=user, answer=reload(in_review),
                                          key=key_of(in_review, "--force-all"), reason="Fine.")
    assert not ClaimConfirmation.objects.exists()


@pytest.mark.parametrize("key, reason, message", [
    ("0123456789abcdef", "Checked.", "No claim of the current text has this key"),
    ("", "Checked.", "No claim of the current text has this key"),
    (None, "Checked.", "No claim of the current text has this key"),
    ("--force-all", "", "A reason is required to confirm a claim."),
    ("--force-all", "   \n ", "A reason is required to confirm a claim."),
    ("--force-all", "bad\x00reason", "control character"),
    ("Set autoretry_for", "Checked.", "This claim is supported, not invented or contradicted"),
])
def test_bad_keys_and_reasons_are_clear_400s(in_review, eng_moderator, key, reason, message):
    if key and not key.isalnum():
        key = next(c["key"] for c in in_review.grounding["claims"] if c["text"].startswith(key) or key in c["text"])
    with pytest.raises(InvalidInput, match=message) as refused:
        services.answer_confirm_claim(acting_user=eng_moderator, answer=reload(in_review), key=key, reason=reason)
    assert refused.value.status == 400
    assert not ClaimConfirmation.objects.exists()


def test_a_claim_is_confirmed_once_and_only_while_in_review(in_review, drafted, eng_moderator):
    key = key_of(in_review, "--force-all")
    services.answer_confirm_claim(acting_user=eng_moderator, answer=reload(in_review), key=key, reason="Checked.")
    with pytest.raises(InvalidTransition, match="already confirmed"):
        services.answer_confirm_claim(acting_user=eng_moderator, answer=reload(in_review), key=key, reason="Again.")
    services.answer_reject(acting_user=eng_moderator, answer=reload(in_review), reason="Not needed.")
    with pytest.raises(InvalidTransition, match="in review"):
        services.answer_confirm_claim(acting_user=eng_moderator, answer=reload(in_review),
                                      key=key_of(in_review, "settings.py"), reason="Checked.")


def test_a_private_draft_cannot_be_confirmed_by_anyone(drafted, eng_moderator, employee):
    with pytest.raises(NotFound):  # reviewers do not see a draft before it is submitted
        services.answer_confirm_claim(acting_user=eng_moderator, answer=reload(drafted),
                                      key=key_of(drafted, "--force-all"), reason="Checked.")
    with pytest.raises(Forbidden):
        services.answer_confirm_claim(acting_user=employee, answer=reload(drafted),
                                      key=key_of(drafted, "--force-all"), reason="Checked.")


def test_an_answer_stored_before_the_checker_is_checked_at_approval(in_review, eng_moderator):
    AIAnswer.objects.filter(pk=in_review.pk).update(grounding={})
    with pytest.raises(services.UnresolvedClaims):
        approve(eng_moderator, in_review)
    AIAnswer.objects.filter(pk=in_review.pk).update(grounding={})
    answer = services.answer_approve(acting_user=eng_moderator, answer=reload(in_review),
                                     body="\n".join([SUPPORTED, "", UNCITED]))
    assert reload(answer).status == S.PUBLISHED


# Risk runs on the same claims ----------------------------------------------------------------------------------


def test_risk_is_classified_over_the_claims_too(in_review, eng_moderator):
    # A destructive command split over quoted lines: the claim (its ">" prefixes gone) is read whole.
    body = reload(in_review).body + "\n\n> ```sh\n> rm -rf \\\n>   /var/lib/postgresql\n> ```\n"
    answer = services.answer_edit(acting_user=eng_moderator, answer=reload(in_review), body=body)
    assert reload(answer).risk == "high", reload(answer).risk_reasons


# The extractive engine only quotes ------------------------------------------------------------------------------

LABELLED = Path(__file__).resolve().parents[1] / "data" / "grounding" / "claims.jsonl"


def source_sets():
    """Per topic of the labelled set, its distinct passages: realistic posts (code, lists, warnings)."""
    passages = defaultdict(list)
    for line in LABELLED.read_text().splitlines():
        item = json.loads(line)
        if item["passage"] not in passages[item["topic"]]:
            passages[item["topic"]].append(item["passage"])
    return sorted(passages.items())


@pytest.mark.parametrize("topic, passages", source_sets())
def test_extractive_drafts_are_fully_supported(topic, passages):
    docs = [SourceDoc(number=n, title=f"{topic} answer {n}", text=text, category="Engineering",
                      role="accepted" if n == 1 else "reply", author=f"author{n}", url=f"/t/{n}/?post={n}")
            for n, text in enumerate(passages[:6], start=1)]
    draft = ExtractiveEngine().draft(f"A question about {topic}", docs)
    grounding = check(draft.text, {doc.number: doc.text for doc in docs})
    assert grounding.claims, draft.text
    wrong = [(c.status, c.text, c.reason) for c in grounding.claims if c.status != "supported"]
    assert wrong == [], draft.text


def test_an_extractive_draft_through_the_service_stores_a_fully_supported_grounding(settings, employee,
                                                                                   other_employee, engineering):
    settings.ASSISTANT_ENGINE = "extractive"
    make_thread(other_employee, engineering, title=SOURCE_TITLE,
                body="Which settings control retry backoff?", replies=[(UserFactory(username="carol"), SOURCE)])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    claims = answer.grounding["claims"]
    assert claims and {c["status"] for c in claims} == {"supported"}, answer.grounding["summary"]
    assert answer.grounding["summary"] == f"{len(claims)} of {len(claims)} claims supported"
