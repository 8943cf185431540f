"""Traces of the review step that must not reach people the rule keeps them from (found in review):
private drafts in the reviewers' metrics, reviewer notices outliving the reviewer's access, and the
names of security reviewers shown to an asker."""
import pytest
from django.urls import reverse
from guardian.shortcuts import remove_perm

from aiassist import services
from forum import policy
from forum.models import Notification

from ..aiassist.test_review_services import approve, ask, drafted, make_reviewer, reload, submitted
from ..factories import signed_in

pytestmark = pytest.mark.django_db


def test_a_private_draft_leaves_no_trace_in_the_reviewers_metrics(employee, eng_moderator, engineering, general):
    page = signed_in(eng_moderator)
    before = page.get(reverse("assistant:metrics")).content.decode()
    draft = drafted(employee, ask(employee, engineering, sources_in=general, title="Private: a question"))
    after = page.get(reverse("assistant:metrics")).content.decode()
    assert [line for line in after.splitlines() if "<dd>" in line] == [
        line for line in before.splitlines() if "<dd>" in line]
    services.answer_discard(acting_user=employee, answer=reload(draft))
    assert [line for line in page.get(reverse("assistant:metrics")).content.decode().splitlines() if "<dd>" in line] \
        == [line for line in before.splitlines() if "<dd>" in line]


def test_a_reviewers_notice_goes_when_their_access_to_the_thread_does(employee, engineering, secops, secops_group):
    reviewer = make_reviewer("hrrev", secops)
    reviewer.groups.add(secops_group)
    asker = employee
    asker.groups.add(secops_group)
    answer = submitted(asker, secops, sources_in=engineering,
                       title="Secret layoff plan: how to stage the announcement?")
    notice = Notification.objects.get(recipient=reviewer, verb="ai_review_requested")
    assert notice.thread_id == answer.thread_id
    assert "Secret layoff plan" in signed_in(reviewer).get(reverse("forum:notifications")).content.decode()

    reviewer.groups.remove(secops_group)
    remove_perm(policy.REVIEW, reviewer, secops)
    page = signed_in(reviewer).get(reverse("forum:notifications")).content.decode()
    assert "Secret layoff plan" not in page


def test_the_asker_is_not_told_who_holds_the_security_reviewers_grant(employee, engineering):
    rita = make_reviewer("rita", engineering)
    make_reviewer("sam", engineering, high_risk=True)
    answer = approve(rita, submitted(employee, engineering, risk="high"))
    asker_page = signed_in(employee).get(reverse("assistant:review", args=[answer.pk])).content.decode()
    assert "(sam)" not in asker_page and "Approved 1 of 2" in asker_page  # the state, without the names
    assert "waiting for a security reviewer (sam)" in signed_in(rita).get(
        reverse("assistant:review", args=[answer.pk])).content.decode()
