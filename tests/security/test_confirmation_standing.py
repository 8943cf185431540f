"""A claim confirmation weighs what an approval weighs (round 39's review).

A ``ClaimConfirmation`` is a reviewer's word that an invented or contradicted claim may stand; without it approval is
refused. Approvals count only while their reviewer still reviews the answer's category (``standing_approvals``), but
confirmations counted whoever gave them: a reviewer's grant withdrawn, a group left, an account deactivated or the
thread moved elsewhere, and another reviewer could approve and publish the invented claim on the word of someone who
no longer reviewed it, the public post saying "A reviewer confirmed 1 claim". Now they count while they stand
(``policy.standing_confirmations``), in the gate and on the desk and the API alike.
"""
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from aiassist import services
from aiassist.models import AIAnswer, ClaimConfirmation
from common.exceptions import Forbidden, InvalidTransition, NotFound
from forum import policy
from forum import services as forum_services
from forum.models import CategoryUserObjectPermission, Post, Thread

from ..api.conftest import V1, client_for
from ..factories import UserFactory, grant

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


def reload(answer):
    return AIAnswer.objects.select_related("thread", "thread__category").get(pk=answer.pk)


def confirmed_by_conny(world, *, through_group=False):
    """conny, a reviewer of Engineering (by her own grant, or her group's), confirms the answer's invented claim."""
    answer = reload(world.ungrounded)
    conny = UserFactory(username="conny")
    if through_group:
        group = Group.objects.create(name="eng-reviewers")
        grant(policy.REVIEW, group, world.engineering)
        conny.groups.add(group)
    else:
        grant(policy.REVIEW, conny, world.engineering)
    (claim,) = services.unresolved_claims(answer)
    services.answer_confirm_claim(acting_user=conny, answer=answer, key=claim["key"], reason="I checked the flag.")
    assert services.unresolved_claims(reload(answer)) == []
    return conny, claim


def withdraw_grant(world, user):
    row = CategoryUserObjectPermission.objects.get(user=user, content_object=world.engineering,
                                                   permission__codename=policy.REVIEW)
    forum_services.category_grant_remove(acting_user=world.admin, category=world.engineering, grant=row)


@pytest.mark.parametrize("lost", ["grant removed", "left the group", "deactivated", "thread moved"])
def test_a_confirmation_stops_counting_when_its_reviewer_stops_reviewing(lost, world):
    conny, claim = confirmed_by_conny(world, through_group=lost == "left the group")
    if lost == "grant removed":
        withdraw_grant(world, conny)
    elif lost == "left the group":
        conny.groups.clear()
    elif lost == "deactivated":
        conny.is_active = False
        conny.save()
    else:  # to a category conny does not review (maria reviews both)
        forum_services.thread_move(acting_user=world.admin, thread=world.ungrounded.thread, category=world.general)
    assert [c["key"] for c in services.unresolved_claims(reload(world.ungrounded))] == [claim["key"]], (
        f"the confirmation of a reviewer who {lost} still lets the invented claim stand")


def desk_of(reviewer, answer) -> str:
    client = Client()
    client.force_login(reviewer)
    return client.get(reverse("assistant:review", args=[answer.pk])).content.decode()


def test_an_invented_claim_is_not_published_on_the_word_of_a_reviewer_who_lost_the_grant(world):
    conny, claim = confirmed_by_conny(world)
    assert "Confirmed by a reviewer" in desk_of(world.moderator, world.ungrounded)
    withdraw_grant(world, conny)
    answer = reload(world.ungrounded)
    with pytest.raises(services.UnresolvedClaims):
        services.answer_approve(acting_user=world.moderator, answer=answer, text_hash=services.body_hash(answer.body))
    assert reload(answer).status == S.IN_REVIEW
    assert not Post.objects.filter(thread=answer.thread, kind=Post.Kind.ASSISTANT).exists()

    # The desk and the API show the claim as unconfirmed, as the gate counts it...
    token = client_for(world.moderator)
    shown = token.get(f"{V1}/ai-answers/{answer.pk}/").json()["grounding"]
    assert (shown["unresolved"], shown["confirmed"]) == (1, 0)
    page = desk_of(world.moderator, answer)
    assert "Confirmed by a reviewer" not in page and "confirmed by a reviewer" not in page

    # ... and a reviewer who still reviews it may confirm it in their own name; then it is published.
    services.answer_confirm_claim(acting_user=world.moderator, answer=reload(answer), key=claim["key"],
                                  reason="I read the runbook: the flag exists.")
    assert ClaimConfirmation.objects.filter(answer=answer, key=claim["key"]).count() == 2
    with pytest.raises(InvalidTransition, match="already confirmed"):
        services.answer_confirm_claim(acting_user=world.moderator, answer=reload(answer), key=claim["key"],
                                      reason="Twice.")
    answer = reload(answer)
    published = services.answer_approve(acting_user=world.moderator, answer=answer,
                                        text_hash=services.body_hash(answer.body))
    assert published.status == S.PUBLISHED and published.grounding["confirmed"] == [claim["key"]]


def test_the_grant_given_back_makes_the_confirmation_count_again(world):
    conny, claim = confirmed_by_conny(world)
    withdraw_grant(world, conny)
    assert len(services.unresolved_claims(reload(world.ungrounded))) == 1
    grant(policy.REVIEW, conny, world.engineering)
    assert services.unresolved_claims(reload(world.ungrounded)) == []


@pytest.mark.parametrize("verb", ["confirm a claim", "edit", "approve", "reject"])
def test_a_reviewer_of_the_category_the_thread_left_cannot_act_on_the_answer_read_before(verb, world):
    """Round 39's review: each reviewer verb asked its question of the answer as the view read it, before the audit
    lock, then re-read the row under it; a move committed in between let a reviewer of the category the thread left
    confirm, edit or approve in the one it went to. The question is asked again of the row as locked."""
    conny = UserFactory(username="conny")
    grant(policy.REVIEW, conny, world.engineering)
    stale = reload(world.ungrounded)  # as a view read it, the thread still in Engineering
    (claim,) = services.unresolved_claims(stale)
    moved = Thread.objects.get(pk=stale.thread_id)  # the move's own copy: the view's stays as it read it
    forum_services.thread_move(acting_user=world.admin, thread=moved, category=world.general)
    assert stale.thread.category_id == world.engineering.pk
    act = {
        "confirm a claim": lambda: services.answer_confirm_claim(acting_user=conny, answer=stale, key=claim["key"],
                                                                 reason="I checked the flag."),
        "edit": lambda: services.answer_edit(acting_user=conny, answer=stale, body=stale.body + "\n\nChecked.",
                                             text_hash=services.body_hash(stale.body)),
        "approve": lambda: services.answer_approve(acting_user=conny, answer=stale,
                                                   text_hash=services.body_hash(stale.body)),
        "reject": lambda: services.answer_reject(acting_user=conny, answer=stale, reason="Not in my category.",
                                                 code="other"),
    }[verb]
    with pytest.raises((NotFound, Forbidden)):
        act()
    after = reload(world.ungrounded)
    assert (after.status, after.body, after.thread.category_id) == (S.IN_REVIEW, stale.body, world.general.pk)
    assert not ClaimConfirmation.objects.filter(answer=after).exists() and not after.approvals.exists()


def test_the_askers_panel_shows_a_claim_confirmed_only_while_the_gate_counts_it(world):
    """The asker's panel on the thread page read the confirmed keys stored with the grounding, so it went on saying
    "confirmed by a reviewer" after that reviewer stopped reviewing (round 39's known gap)."""
    conny, _ = confirmed_by_conny(world)
    client = Client()
    client.force_login(world.asker)
    url = reverse("forum:thread", args=[world.ungrounded.thread_id])
    assert "confirmed by a reviewer" in client.get(url).content.decode()
    withdraw_grant(world, conny)
    assert "confirmed by a reviewer" not in client.get(url).content.decode()
