"""Grounding on the pages: the asker's panel and the review page mark each claim (colour and words), the
review page confirms claims, approving with unresolved claims comes back with the list; queries stay flat."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aiassist import services
from aiassist.models import AIAnswer, ClaimConfirmation

from ..factories import UserFactory, make_thread, signed_in
from .test_engines_openai import chat_server, completion, openai_settings  # noqa: F401 - fixtures
from .test_grounding_gate import DRAFT, INVENTED_FLAG, SOURCE, SUPPORTED, key_of, reload

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


def ask(employee, other_employee, engineering, chat_server, draft=DRAFT, n=""):  # noqa: F811
    make_thread(other_employee, engineering,
                title=f"My celery tasks fail on network errors{n}: how should retries back off?",
                body="Which settings control retry backoff?", replies=[(UserFactory(), SOURCE)])
    thread = make_thread(employee, engineering, title=f"How should celery retries back off{n}?",
                         body="My celery tasks fail on network errors. How do retries back off?")
    chat_server.reply(completion(draft))
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    return reload(answer)


@pytest.fixture
def drafted(openai_settings, chat_server, employee, other_employee, engineering):  # noqa: F811
    return ask(employee, other_employee, engineering, chat_server)


@pytest.fixture
def in_review(drafted, employee):
    services.answer_submit(acting_user=employee, answer=drafted)
    return reload(drafted)


def test_the_askers_panel_marks_each_claim_with_colour_and_words(drafted, employee):
    page = signed_in(employee).get(reverse("forum:thread", args=[drafted.thread_id])).content.decode()
    assert "2 of 6 claims supported; 1 invented command; 1 invented path; 1 contradicted; 1 uncited" in page
    claims = re.findall(r'<span class="claim claim-(\w+)[^"]*" id="claim-\d+-\d+" tabindex="0" data-claim="[^"]+" '
                        r'aria-describedby="[^"]+-detail"><span class="visually-hidden">\[([^\]]+)\] </span>', page)
    # Every claim is marked in the text, its status in words as well as colour.
    assert sorted(claims) == sorted((c["status"], c["status"]) for c in drafted.grounding["claims"])
    assert '<span class="claim-tag" aria-hidden="true">invented</span>' in page
    # The passage each claim rests on, with the matched span, is on the page for the popover.
    assert "<mark>Don&#x27;t raise worker_prefetch_multiplier for long tasks" in page or \
           "<mark>Don't raise worker_prefetch_multiplier for long tasks" in page
    assert 'class="claim-detail" hidden' in page
    assert "Confirm this claim" not in page  # the asker never confirms


def test_the_review_page_lists_blocking_claims_with_a_confirm_form_each(in_review, eng_moderator, settings):
    # The edit below keeps only "Set autoretry_for…" and "Restart it with `celery … --force-all`", which the risk
    # encoder reads as risky (0.98): one approval would then not publish. Risk has its own tests; this one is about
    # claims, so it runs with the rules and the word model only.
    settings.ASSISTANT_RISK_MODEL = False
    client = signed_in(eng_moderator)
    page = client.get(reverse("assistant:review", args=[in_review.pk])).content.decode()
    assert "3 claims must be edited away or confirmed before approval" in page
    assert page.count("Confirm this claim") == 3
    assert page.count('name="key"') == 3

    response = client.post(reverse("assistant:approve", args=[in_review.pk]), {"body": in_review.body}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("assistant:review", args=[in_review.pk])
    assert "This answer cannot be approved: 3 claims are not supported" in response.content.decode()
    assert reload(in_review).status == S.IN_REVIEW

    response = client.post(reverse("assistant:confirm_claim", args=[in_review.pk]),
                           {"key": key_of(in_review, "--force-all"), "reason": "Our fork has it."}, follow=True)
    assert "Claim confirmed" in response.content.decode()
    assert "2 claims must be edited away or confirmed before approval" in response.content.decode()
    assert "confirmed by a reviewer" in response.content.decode()

    edited = "\n".join([SUPPORTED, "", INVENTED_FLAG])
    response = client.post(reverse("assistant:edit", args=[in_review.pk]), {"body": edited}, follow=True)
    assert "Saved and checked again: 2 of 3 claims supported; 1 invented command." in response.content.decode()
    assert "Every blocking claim is confirmed" in response.content.decode()
    response = client.post(reverse("assistant:approve", args=[in_review.pk]), {"body": edited})
    assert reload(in_review).status == S.PUBLISHED


@pytest.mark.parametrize("data", [{"key": "", "reason": "x"}, {"key": "0123456789abcdef", "reason": "x"},
                                  {"reason": ""}, {}])
def test_bad_confirmations_on_the_web_are_400_pages(in_review, eng_moderator, data):
    response = signed_in(eng_moderator).post(reverse("assistant:confirm_claim", args=[in_review.pk]), data)
    assert response.status_code == 400
    assert not ClaimConfirmation.objects.exists()


def test_non_reviewers_get_404_without_the_draft_and_the_asker_403(in_review, employee, other_employee,
                                                                    general_moderator):
    key = key_of(in_review, "--force-all")
    for user in (other_employee, general_moderator):
        client = signed_in(user)
        for response in (client.get(reverse("assistant:review", args=[in_review.pk])),
                         client.post(reverse("assistant:confirm_claim", args=[in_review.pk]),
                                     {"key": key, "reason": "x"}),
                         client.post(reverse("assistant:edit", args=[in_review.pk]), {"body": "x"})):
            assert response.status_code == 404
            assert "force-all" not in response.content.decode()
            assert "prefetch_multiplier" not in response.content.decode()
    response = signed_in(employee).post(reverse("assistant:confirm_claim", args=[in_review.pk]),
                                        {"key": key, "reason": "Mine."})
    assert response.status_code == 403
    assert not ClaimConfirmation.objects.exists()


def test_the_review_page_and_the_panel_run_the_same_queries_for_few_or_many_claims(
        openai_settings, chat_server, employee, other_employee, engineering,  # noqa: F811
        eng_moderator):
    few = ask(employee, other_employee, engineering, chat_server, draft=SUPPORTED, n=" (few)")
    many = ask(employee, other_employee, engineering, chat_server, draft=DRAFT + "\n\n" + DRAFT.replace(
        "broker", "queue"), n=" (many)")
    assert len(many.grounding["claims"]) > 3 * len(few.grounding["claims"])
    asker = signed_in(employee)
    counts = []
    for answer in (few, many):
        asker.get(reverse("forum:thread", args=[answer.thread_id]))
        with CaptureQueriesContext(connection) as captured:
            asker.get(reverse("forum:thread", args=[answer.thread_id]))
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
    for answer in (few, many):
        services.answer_submit(acting_user=employee, answer=reload(answer))
    reviewer = signed_in(eng_moderator)
    counts = []
    for answer in (few, many):
        reviewer.get(reverse("assistant:review", args=[answer.pk]))
        with CaptureQueriesContext(connection) as captured:
            reviewer.get(reverse("assistant:review", args=[answer.pk]))
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


@pytest.mark.django_db
def test_an_abstention_reports_no_check(client, employee, engineering):
    """An abstention makes no claim: the page reports no check and shows no key to one (once it said "No claims to
    check." above the key)."""
    thread = make_thread(employee, engineering, title="How do we reach the zqnothing service?", body="No one knows.")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    assert answer.declined and answer.grounding["summary"] == "No claims to check."
    client.force_login(employee)
    page = client.get(reverse("forum:thread", args=[thread.pk])).content.decode()
    assert "Nothing in the posts you can read answers this question" in page
    assert "No claims to check" not in page and "claims-legend" not in page and "..</p>" not in page
