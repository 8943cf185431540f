"""Taking a published AI answer down, and telling everyone who read it (issue 12, findings 4, 5 and 10).

* A move or a restriction (on the thread page, through the API or in the Django admin) that takes a
  published answer's sources outside its thread's audience withdraws it in the same transaction:
  hidden from every surface, back in review with its approvals void, its asker, the category's
  reviewers and its readers told (never its text), audited. A change that keeps the sources inside
  the audience only flags it, as before.
* The category's moderators and administrators may always retract a published answer, reviewer or
  not (the API and the thread page); nobody else gains anything.
* A reader who saw the answer only in search results hears of its retraction too.
"""
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils.timezone import localtime

from aiassist import disclaimers
from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import policy
from forum import policy as forum_policy
from forum import services as forum_services
from forum.audit import audit_verify, audited
from forum.models import AuditEvent, CategoryUserObjectPermission, Notification, PostViewReceipt

from ..api.conftest import V1, client_for, drafted, error_of, make_reviewer, reload, walk
from ..factories import UserFactory, grant, make_category, make_thread, signed_in

pytestmark = pytest.mark.django_db

S = AIAnswer.Status
# One token ([a-z0-9]) so the search tokeniser keeps it whole; only the source reply and the answer say it.
MARKER = "numbat5withdrawn"
REPLY = f"Set retry_backoff=True so celery retries back off ({MARKER}); the countdown doubles."


def published(asker, category, *, reviewer, sources_in=None) -> AIAnswer:
    """``asker``'s question in ``category``, answered by quoting dana's reply to erin in ``sources_in``
    (default: the same category), submitted and approved by ``reviewer``."""
    sources_in = sources_in or category
    dana, erin = UserFactory(username="dana"), UserFactory(username="erin")
    if sources_in.restricted:
        for user in (dana, erin):
            grant(policy.POST, user, sources_in)
    make_thread(erin, sources_in, title="Celery retry backoff settings", body="Which settings matter here?",
                replies=[(dana, REPLY)])
    thread = make_thread(asker, category, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?")
    answer = drafted(asker, thread)
    assert MARKER in answer.body
    ai_services.answer_submit(acting_user=asker, answer=answer)
    ai_services.answer_approve(acting_user=reviewer, answer=reload(answer))
    answer = reload(answer)
    assert answer.status == S.PUBLISHED
    return answer


def read_thread(user, answer) -> str:
    """``user`` opens the answer's thread page (a view receipt for the AI post they are shown)."""
    response = signed_in(user).get(reverse("forum:thread", args=[answer.thread_id]))
    assert response.status_code == 200
    return response.content.decode()


def assert_nowhere_for(reader, answer):
    """The answer's text reaches ``reader`` through no surface: the thread page (also opened at the
    post), the thread's posts in the API, search (web and API), the answer itself."""
    web, api = signed_in(reader), client_for(reader)
    thread_url = reverse("forum:thread", args=[answer.thread_id])
    for page in (web.get(thread_url), web.get(thread_url, {"post": answer.published_post_id})):
        assert page.status_code == 200 and MARKER not in page.content.decode()
    posts = walk(api, f"{V1}/threads/{answer.thread_id}/posts/")
    assert [p for p in posts if p["is_ai_generated"]] == [] and MARKER not in str(posts)
    hits = api.get(f"{V1}/search/", {"q": MARKER})
    assert hits.status_code == 200 and hits.json()["results"] == []
    page = web.get(reverse("retrieval:search"), {"q": MARKER})
    assert page.status_code == 200 and list(page.context["page"].object_list) == []
    error_of(api.get(f"{V1}/ai-answers/{answer.pk}/"), 404, "not_found")


def assert_withdrawn(answer, *, mover, asker, reviewers, readers):
    """Back in review with its post hidden, its approvals void and the reason for the reviewers; asker,
    reviewers and readers told without its text; audited."""
    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.attention_reason
    assert answer.published_post.hidden
    notices = Notification.objects.filter(verb__in=["ai_withdrawn", "ai_review_requested"],
                                          created_at__gte=answer.published_at)
    told = {(n.recipient.username, n.verb) for n in notices}
    assert told == ({(asker.username, "ai_withdrawn")} | {(r.username, "ai_review_requested") for r in reviewers}
                    | {(r.username, "ai_withdrawn") for r in readers})
    for notice in notices:
        assert MARKER not in notice.text and answer.body not in notice.text
        assert "withdrawn" in notice.text
        # Someone who can no longer open the thread is warned without its title (it may now be restricted).
        assert (answer.thread.title in notice.text) is forum_policy.can_view_thread(notice.recipient, answer.thread)
    event = AuditEvent.objects.get(verb="ai_answer.unpublish", target_id=str(answer.pk))
    assert event.actor == mover and event.data["reason"] == answer.attention_reason
    assert event.data["post"] == answer.published_post_id
    # The approvals vetted the text for another audience: they go, publishing again takes fresh ones.
    assert event.data["approvals_voided"] and not answer.approvals.exists()
    assert sorted(event.data["notified"]) == sorted(n.recipient_id for n in notices)
    assert audit_verify().ok
    return answer


# Finding 4: a move or a restriction withdraws the answer -------------------------------------------------


def _move_cited_thread_on_the_web(admin, answer, general, secops):
    source = answer.sources.get(cited=True).post.thread
    response = signed_in(admin).post(reverse("forum:move", args=[source.pk]), {"category": secops.slug})
    assert response.status_code == 302, response.content


def _restrict_cited_category_through_the_api(admin, answer, general, secops):
    response = client_for(admin).patch(f"{V1}/categories/{general.slug}/", {"restricted": True}, format="json")
    assert response.status_code == 200, response.content


CHANGES = {"cited thread moved into a restricted category (web)": _move_cited_thread_on_the_web,
           "cited category made restricted (API)": _restrict_cited_category_through_the_api}


@pytest.mark.parametrize("change", CHANGES)
def test_a_source_leaving_the_audience_withdraws_the_published_answer_at_once(
        change, admin_user, employee, other_employee, eng_moderator, engineering, general, secops):
    answer = published(employee, engineering, reviewer=eng_moderator, sources_in=general)
    assert MARKER in read_thread(other_employee, answer)  # bob read it while it was published

    CHANGES[change](admin_user, answer, general, secops)

    assert_nowhere_for(other_employee, answer)
    answer = assert_withdrawn(answer, mover=admin_user, asker=employee, reviewers=[eng_moderator],
                              readers=[other_employee])
    # It is back in review, out of the sight of a reviewer who may not read its source any more (its text quotes
    # it: tests/security/test_source_visibility.py) ...
    maria = client_for(eng_moderator)
    assert maria.get(f"{V1}/review-queue/").json()["results"] == []
    error_of(maria.post(f"{V1}/ai-answers/{answer.pk}/approve/", {}, format="json"), 404, "not_found")
    # ... and one who may finds it in the queue, and cannot publish it as it is.
    grant(policy.VIEW, eng_moderator, answer.sources.get(cited=True).post.thread.category)
    assert [a["id"] for a in maria.get(f"{V1}/review-queue/").json()["results"]] == [answer.pk]
    error_of(maria.post(f"{V1}/ai-answers/{answer.pk}/approve/", {}, format="json"), 409, "sources_outside_audience")
    assert maria.post(f"{V1}/ai-answers/{answer.pk}/reject/", {"reason": "Its source is restricted now."},
                      format="json").status_code == 200
    # Moderators get the placeholder a retraction leaves, as every reader does.
    page = read_thread(eng_moderator, answer)
    assert "An AI answer was withdrawn for another review" in page and MARKER not in page


@pytest.fixture
def hr(admin_user):
    return make_category(admin_user, "HR", restricted=True)


@pytest.mark.parametrize("target", ["an open category", "another restricted category"])
def test_the_answers_own_thread_moving_where_its_sources_cannot_be_read_withdraws_it(
        target, admin_user, secops, engineering, hr, secops_member, security_reviewer, other_employee, eng_moderator):
    """A Security Ops answer quoting Security Ops moved to Engineering, or an HR answer quoting HR moved to
    Security Ops: the new audience may not read what it quotes."""
    if target == "an open category":
        origin, destination, asker, reviewer, reader = secops, engineering, secops_member, security_reviewer, \
            other_employee
        new_reviewers = [eng_moderator, security_reviewer]
    else:
        origin, destination, reader = hr, secops, secops_member
        asker, reviewer = UserFactory(username="hana"), make_reviewer("hugo", hr)
        grant(policy.POST, asker, hr)
        new_reviewers = [security_reviewer]
    colleague = UserFactory(username="carol")  # read it in the old category
    grant(policy.VIEW, colleague, origin)
    answer = published(asker, origin, reviewer=reviewer)
    assert MARKER in read_thread(colleague, answer)

    response = signed_in(admin_user).post(reverse("forum:move", args=[answer.thread_id]),
                                          {"category": destination.slug})

    assert response.status_code == 302, response.content
    assert_nowhere_for(reader, answer)
    # Its approver read it first: told as a reader when not among the reviewers it is back with (round 40).
    approver = [] if reviewer in new_reviewers else [reviewer]
    assert_withdrawn(answer, mover=admin_user, asker=asker, reviewers=new_reviewers, readers=[colleague, *approver])


def _admin_change(admin, obj, **changes):
    """Save ``obj``'s Django admin change form as it stands, with ``changes``."""
    client = signed_in(admin)
    url = reverse(f"admin:forum_{obj._meta.model_name}_change", args=[obj.pk])
    form = client.get(url).context["adminform"].form
    data = {"_save": "Save"}
    for name, value in {**{name: form[name].value() for name in form.fields}, **changes}.items():
        if isinstance(value, datetime):  # the admin's split date and time inputs
            data[f"{name}_0"], data[f"{name}_1"] = localtime(value).date(), localtime(value).time()
        elif value is not None and value is not False:
            data[name] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


@pytest.mark.parametrize("change", ["cited thread moved", "cited category made restricted"])
def test_the_django_admin_withdraws_the_answer_too(change, admin_user, employee, other_employee, eng_moderator,
                                                     engineering, general, secops):
    """The same changes through the Django admin go through the same services: no way around the withdrawal."""
    answer = published(employee, engineering, reviewer=eng_moderator, sources_in=general)
    read_thread(other_employee, answer)
    source = answer.sources.get(cited=True).post.thread
    if change == "cited thread moved":
        _admin_change(admin_user, source, category=secops.pk)
        assert AuditEvent.objects.filter(verb="thread.move", target_id=str(source.pk)).exists()
    else:
        _admin_change(admin_user, general, restricted=True)
        assert AuditEvent.objects.filter(verb="category.update", target_id=str(general.pk)).exists()

    assert_nowhere_for(other_employee, answer)
    assert_withdrawn(answer, mover=admin_user, asker=employee, reviewers=[eng_moderator], readers=[other_employee])


def test_the_withdrawal_rolls_back_with_the_move(admin_user, employee, other_employee, eng_moderator, engineering,
                                                 general, secops):
    answer = published(employee, engineering, reviewer=eng_moderator, sources_in=general)
    read_thread(other_employee, answer)
    source = answer.sources.get(cited=True).post.thread
    with pytest.raises(RuntimeError), audited():
        forum_services.thread_move(acting_user=admin_user, thread=source, category=secops)
        assert reload(answer).status == S.IN_REVIEW  # inside the move's transaction
        raise RuntimeError("the move fails after the withdrawal")
    answer = reload(answer)
    assert answer.status == S.PUBLISHED and not answer.published_post.hidden
    assert not Notification.objects.filter(verb__in=["ai_withdrawn", "ai_review_requested"],
                                           created_at__gte=answer.published_at).exists()
    assert not AuditEvent.objects.filter(verb="ai_answer.unpublish").exists()


def test_a_move_that_keeps_the_sources_readable_only_flags_the_answer(admin_user, employee, secops_member,
                                                                      eng_moderator, engineering, general, secops):
    """Engineering's answer quoting General, its thread moved into Security Ops: every Security Ops reader may
    still read General, so the answer stays published (and is flagged for another look)."""
    answer = published(employee, engineering, reviewer=eng_moderator, sources_in=general)
    response = signed_in(admin_user).post(reverse("forum:move", args=[answer.thread_id]), {"category": secops.slug})
    assert response.status_code == 302
    answer = reload(answer)
    assert answer.status == S.PUBLISHED and not answer.published_post.hidden
    assert answer.attention_reason  # flagged for another look
    assert MARKER in read_thread(secops_member, answer)
    assert not AuditEvent.objects.filter(verb="ai_answer.unpublish").exists()


# Finding 10: moderators and administrators may always retract ----------------------------------------------


@pytest.fixture
def mo(engineering):
    """Moderates Engineering's posts; reviews nothing."""
    user = UserFactory(username="mo")
    grant(policy.MODERATE, user, engineering)
    return user


@pytest.fixture
def orphaned(admin_user, employee, other_employee, engineering):
    """A published answer in Engineering, read by bob, whose only reviewer has since lost the grant."""
    rita = make_reviewer("rita", engineering)
    answer = published(employee, engineering, reviewer=rita)
    read_thread(other_employee, answer)
    row = CategoryUserObjectPermission.objects.get(user=rita, content_object=engineering,
                                                   permission__codename=policy.REVIEW)
    forum_services.category_grant_remove(acting_user=admin_user, category=engineering, grant=row)
    assert not policy.holders_of(policy.REVIEW, engineering).exists()
    return answer


def _retract_through_the_api(user, answer):
    response = client_for(user).post(f"{V1}/ai-answers/{answer.pk}/retract/", {"reason": "Nobody reviews it."},
                                     format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.RETRACTED


def _retract_on_the_thread_page(user, answer):
    client = signed_in(user)
    page = client.get(reverse("forum:thread", args=[answer.thread_id])).content.decode()
    action = reverse("assistant:retract", args=[answer.pk])
    assert f'action="{action}"' in page
    response = client.post(action, {"reason": "Nobody reviews it."})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#post-{answer.published_post_id}")
    page = client.get(response["Location"]).content.decode()
    assert "An AI answer was withdrawn by a reviewer: Nobody reviews it." in page and MARKER not in page


@pytest.mark.parametrize("surface", ["api", "web"])
@pytest.mark.parametrize("who", ["moderator", "administrator"])
def test_with_no_reviewer_left_a_moderator_or_an_administrator_retracts(who, surface, orphaned, mo,
                                                                        admin_user, employee, other_employee):
    actor = mo if who == "moderator" else admin_user
    {"api": _retract_through_the_api, "web": _retract_on_the_thread_page}[surface](actor, orphaned)

    answer = reload(orphaned)
    assert answer.status == S.RETRACTED and answer.published_post.hidden
    event = AuditEvent.objects.get(verb="ai_answer.retract", target_id=str(answer.pk))
    assert (event.actor, event.actor_name, event.data["as"]) == (actor, actor.username, who)
    notices = Notification.objects.filter(verb="ai_retracted")
    # The asker, the reader, and rita, whose approval published it (her grant since withdrawn, she read it first).
    assert sorted(n.recipient.username for n in notices) == ["alice", "bob", "rita"]
    assert all(f"withdrawn by a{'n' if who == 'administrator' else ''} {who}" in n.text for n in notices)
    assert MARKER not in read_thread(other_employee, answer)
    assert audit_verify().ok


def test_nobody_else_gains_the_right_to_retract(orphaned, employee, other_employee, general_moderator, mo):
    reason = {"reason": "I do not like it."}
    url = f"{V1}/ai-answers/{orphaned.pk}/retract/"
    web = reverse("assistant:retract", args=[orphaned.pk])
    # A reader, and a moderator of another category: as for a missing answer.
    for user in (other_employee, general_moderator):
        error_of(client_for(user).post(url, reason, format="json"), 404, "not_found")
        assert signed_in(user).post(web, reason).status_code == 404
        assert f'action="{web}"' not in read_thread(user, orphaned)
    # The asker sees the answer, so may not retract it: forbidden.
    error = error_of(client_for(employee).post(url, reason, format="json"), 403, "permission_denied")
    assert error["message"] == "Only reviewers and moderators of this category may retract an answer."
    assert signed_in(employee).post(web, reason).status_code == 403
    # The answer's other verbs stay the reviewers': a moderator who does not review cannot see it.
    error_of(client_for(mo).get(f"{V1}/ai-answers/{orphaned.pk}/"), 404, "not_found")
    assert signed_in(mo).get(reverse("assistant:review", args=[orphaned.pk])).status_code == 404
    assert reload(orphaned).status == S.PUBLISHED
    assert not AuditEvent.objects.filter(verb="ai_answer.retract").exists()


# Finding 5: a reader who saw the answer only in search is told of its retraction -----------------------------


def _search_on_the_web(reader, answer):
    page = signed_in(reader).get(reverse("retrieval:search"), {"q": MARKER})
    ai = [r for r in page.context["page"].object_list if r.is_ai_generated]
    assert [r.passage.post_id for r in ai] == [answer.published_post_id] and MARKER in ai[0].snippet
    assert disclaimers.PUBLISHED in page.content.decode()


def _search_through_the_api(reader, answer):
    hits = client_for(reader).get(f"{V1}/search/", {"q": MARKER}).json()["results"]
    ai = [h for h in hits if h["is_ai_generated"]]
    assert [h["post"] for h in ai] == [answer.published_post_id] and MARKER in ai[0]["snippet"]
    assert ai[0]["disclaimer"] == disclaimers.PUBLISHED


@pytest.mark.parametrize("surface", ["web", "api"])
def test_a_retraction_reaches_a_reader_who_saw_the_answer_only_in_search(surface, employee, other_employee,
                                                                         eng_moderator, engineering):
    answer = published(employee, engineering, reviewer=eng_moderator)
    {"web": _search_on_the_web, "api": _search_through_the_api}[surface](other_employee, answer)
    assert list(PostViewReceipt.objects.values_list("user__username", flat=True)) == ["bob"]

    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="The setting was renamed.")

    notice = Notification.objects.get(verb="ai_retracted", recipient=other_employee)
    assert "The setting was renamed." in notice.text and MARKER not in notice.text
    assert sorted(Notification.objects.filter(verb="ai_retracted").values_list("recipient__username", flat=True)) \
        == ["alice", "bob"]


def test_a_page_cached_before_a_retraction_never_shows_its_text_to_a_moderator(employee, eng_moderator, engineering,
                                                                              general):
    """Round 35's review: the thread page's cached posts section names its live AI posts, read again on each hit; a
    request that read the thread before a retraction committed hit the rendering of that revision, and the read
    again included the now hidden post for a moderator, its whole text in place of the placeholder."""
    from django.test import RequestFactory

    from forum import fragments, selectors

    from ..aiassist.test_review_services import QUOTED, approve, submitted

    answer = approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    moderator = UserFactory(username="mo")
    grant(policy.MODERATE, moderator, engineering)

    def section(thread):
        request = RequestFactory().get(reverse("forum:thread", args=[thread.pk]))
        request.user = moderator
        return fragments.thread_posts_section(request, thread, None).html

    read = selectors.thread_for_user(moderator, answer.thread_id, reader_wrote=True)
    assert QUOTED["low"] in section(read)  # this revision's rendering is cached now
    read_before = selectors.thread_for_user(moderator, answer.thread_id, reader_wrote=True)
    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="Wrong advice.",
                               code="incorrect")
    assert QUOTED["low"] not in section(read_before)
    assert QUOTED["low"] not in section(selectors.thread_for_user(moderator, answer.thread_id, reader_wrote=True))
