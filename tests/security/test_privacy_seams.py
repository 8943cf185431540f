"""Two privacy seams around the gate (issue 12, findings 6 and 8).

* A private draft is its asker's alone: the audit log (API and Django admin) and the notifications
  admin show none of its phase before submission, to anyone; the chain still covers those events,
  and once the asker submits, the answer's events show like any other.
* The asker learns that their published answer was reported and why, never by whom; and after a cited
  thread moves, nobody is told the name of a category they cannot read.
"""
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from aiassist import services as ai_services
from aiassist.models import AIAnswer, AnswerSource
from forum import policy
from forum import services as forum_services
from forum.audit import audit_verify
from forum.models import AuditEvent, Notification, audit_digest

from ..api.conftest import V1, ask, client_for, in_state, walk
from ..factories import UserFactory, grant, signed_in
from ..forum.test_audit import trigger_disabled

pytestmark = pytest.mark.django_db

S = AIAnswer.Status


def _answer_events(events) -> list[dict]:
    return [e for e in events if e["verb"].startswith("ai_answer.") or e["target_type"] == "aiassist.aianswer"]


# Finding 6: administrators learn nothing of a private draft -----------------------------------------

AUDIT_FILTERS = ["", "?actor=alice", "?target_type=aiassist.aianswer", "?verb=ai_answer.draft",
                 "?verb=ai_answer.request", "?category=engineering"]
# The admin's change list takes any lookup on the model's own fields from the query string.
ADMIN_AUDIT_LOOKUPS = ["", "?verb=ai_answer.draft", "?actor_name=alice", "?target_type=aiassist.aianswer",
                       "?data__risk=high", "?q=alice", "?q=aiassist"]
NOTICES = ("is ready", "could not draft")


def test_administrators_see_nothing_of_a_private_draft_until_it_is_submitted(
        admin_user, employee, engineering, eng_moderator, security_reviewer):
    thread, _ = ask(employee, engineering, risk="high")
    alice = client_for(employee)
    asked = alice.post(f"{V1}/threads/{thread.pk}/ai-answers/")
    assert asked.status_code == 202
    answer_id = asked.json()["id"]
    ai_services.answer_generate(answer_id=answer_id)  # the worker's path: claim, retrieve, draft, notify
    assert alice.post(f"{V1}/ai-answers/{answer_id}/feedback/", {"rating": "helpful"}, format="json").status_code == 200
    # A second ask that fails in the worker, and is dismissed.
    failing = alice.post(f"{V1}/threads/{thread.pk}/ai-answers/").json()["id"]
    ai_services.answer_fail(answer_id=failing, message="The engine timed out.")
    assert alice.post(f"{V1}/ai-answers/{failing}/discard/").status_code == 200

    # The asker's side works as before.
    draft = alice.get(f"{V1}/ai-answers/{answer_id}/").json()
    assert (draft["status"], draft["risk"], draft["rating"]) == ("draft", "high", "helpful") and draft["sources"]
    notices = {n["verb"]: n["text"] for n in alice.get(f"{V1}/notifications/").json()["results"]}
    assert "is ready" in notices["ai_draft_ready"] and "could not draft" in notices["ai_draft_failed"]

    # The API: no event of the private phase, under any filter; the chain still verifies every event.
    admin = client_for(admin_user)
    for query in AUDIT_FILTERS:
        url = f"{V1}/audit-events/{query}{'&' if query else '?'}page_size=100"
        events = walk(admin, url)
        assert _answer_events(events) == [], (query, events)
    first = admin.get(f"{V1}/audit-events/").json()
    assert first["chain"] == {"ok": True, "checked": AuditEvent.objects.count(), "first_bad_id": None, "problem": ""}
    assert audit_verify().ok

    # The Django admin: the audit log and the notifications, lists and detail pages.
    web = signed_in(admin_user)
    private_events = AuditEvent.objects.filter(target_type="aiassist.aianswer")
    assert private_events.count() == 7  # request, claim, draft, feedback; request, fail, discard
    listed = web.get("/admin/forum/auditevent/").content.decode()
    assert "ai_answer." not in listed and "aiassist.aianswer" not in listed  # not even among the verb filters
    for lookup in ADMIN_AUDIT_LOOKUPS:
        page = web.get(f"/admin/forum/auditevent/{lookup}")
        assert page.status_code in (200, 302), lookup
        for event in private_events:  # (the page echoes the query itself in its forms)
            assert f"/admin/forum/auditevent/{event.pk}/change/" not in page.content.decode(), lookup
    for event in private_events:
        assert web.get(f"/admin/forum/auditevent/{event.pk}/change/").status_code == 302  # "does not exist"
    notices_admin = web.get("/admin/forum/notification/").content.decode()
    for text in NOTICES:
        assert text not in notices_admin
    for notice in Notification.objects.filter(recipient=employee, verb__in=["ai_draft_ready", "ai_draft_failed"]):
        assert web.get(f"/admin/forum/notification/{notice.pk}/change/").status_code == 302
        assert web.get(f"/admin/forum/notification/?verb={notice.verb}").content.decode().count(notice.text) == 0

    # Submitted: from here on the answer's events are the reviewers' business and show as usual.
    assert alice.post(f"{V1}/ai-answers/{answer_id}/submit/").status_code == 200
    sam = client_for(security_reviewer)
    assert sam.post(f"{V1}/ai-answers/{answer_id}/approve/", {}, format="json").status_code == 200
    events = _answer_events(walk(admin, f"{V1}/audit-events/?target_type=aiassist.aianswer&page_size=100"))
    assert [(e["verb"], e["target_id"], e["actor"]) for e in reversed(events)] == [
        ("ai_answer.submit", str(answer_id), "alice"), ("ai_answer.approve", str(answer_id), "sam")]
    assert events[0]["data"]["risk"] == "high" and events[0]["category"] == "engineering"
    assert "ai_answer.submit" in web.get("/admin/forum/auditevent/").content.decode()
    assert "awaits review" in web.get("/admin/forum/notification/").content.decode()  # the reviewers' notices
    assert audit_verify().ok


def test_the_chain_covers_the_private_flag_and_older_events_hash_as_before(employee, engineering):
    in_state(S.DRAFT, employee, engineering)
    public = AuditEvent.objects.filter(verb="thread.start").first()
    private = AuditEvent.objects.filter(verb="ai_answer.draft").get()
    assert private.private and not public.private

    # An event outside a private phase hashes exactly as every event did before the flag existed.
    legacy = {"actor": public.actor_id, "actor_name": public.actor_name, "verb": public.verb,
              "target_type": public.target_type, "target_id": public.target_id, "category": public.category_id,
              "data": public.data, "created_at": public.created_at.isoformat(), "prev_hash": public.prev_hash}
    canonical = json.dumps(legacy, sort_keys=True, separators=(",", ":"), default=str)
    assert public.hash == audit_digest(canonical)  # keyed since round 29 (settings.AUDIT_KEY)

    # Showing a private event (or hiding a public one) by flipping the flag breaks the chain there.
    with trigger_disabled(), connection.cursor() as cursor:
        cursor.execute("UPDATE forum_auditevent SET private = %s WHERE id = %s", [False, private.pk])
    report = audit_verify()
    assert (report.ok, report.first_bad_id) == (False, private.pk)


# Finding 8: reported, and why, but not by whom; no category named to someone who cannot read it -----

REPORTER = "quillon"
REPORT_REASON = "It says the countdown doubles but the docs describe a fixed delay."


def _asker_surfaces(asker, answer, *, withheld: bool = False) -> dict[str, str]:
    """What ``asker`` is shown of ``answer`` everywhere; ``withheld``: it drew on a post they can no longer read, so the
    answer itself is 404 to them (policy.withheld_from) and the thread page says so."""
    api, web = client_for(asker), signed_in(asker)
    responses = {
        "API answer": api.get(f"{V1}/ai-answers/{answer.pk}/"),
        "API answers": api.get(f"{V1}/ai-answers/"),
        "API notifications": api.get(f"{V1}/notifications/"),
        "thread page": web.get(reverse("forum:thread", args=[answer.thread_id])),
        "panel": web.get(reverse("assistant:panel", args=[answer.pk])),
        "review page": web.get(reverse("assistant:review", args=[answer.pk])),
        "notifications page": web.get(reverse("forum:notifications")),
    }
    for name, response in responses.items():
        expected = 404 if withheld and name in ("API answer", "review page") else 200
        assert response.status_code == expected, (name, response.status_code)
    # The panel's own URL, polled while the answer drafts, gives its asker the thread's panel saying it is withheld
    # (a 404 left htmx's spinner in place: round 38's review).
    for name in ("thread page", "panel"):
        assert ("data-withheld" in responses[name].content.decode()) == withheld, name
    return {name: response.content.decode() for name, response in responses.items()}


def test_the_asker_learns_their_answer_was_reported_and_why_but_not_by_whom(employee, engineering, eng_moderator):
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    reporter = UserFactory(username=REPORTER)
    reported = client_for(reporter).post(f"{V1}/ai-answers/{answer.pk}/report/", {"reason": REPORT_REASON},
                                         format="json")
    assert reported.status_code == 204

    seen = _asker_surfaces(employee, answer)
    for name, content in seen.items():
        assert REPORTER not in content, f"the reporter's name reached the asker through the {name}"
    assert REPORT_REASON in json.loads(seen["API answer"])["attention_reason"]
    for name in ("panel", "thread page", "review page"):
        assert escape(REPORT_REASON) in seen[name], name

    # The reviewers still see who reported it.
    review = signed_in(eng_moderator).get(reverse("assistant:review", args=[answer.pk])).content.decode()
    assert REPORTER in review and escape(REPORT_REASON) in review


def test_a_moved_source_is_described_without_a_category_its_viewer_cannot_read(
        admin_user, employee, engineering, eng_moderator, secops):
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    cited = AnswerSource.objects.select_related("post__thread").get(answer=answer, cited=True, number=1).post
    forum_services.thread_move(acting_user=admin_user, thread=cited.thread, category=secops)

    # Neither the asker nor Engineering's reviewer may read Security Ops: its name reaches neither (and the answer
    # quoting it is withheld from both).
    for name, content in _asker_surfaces(employee, answer, withheld=True).items():
        assert "Security Ops" not in content and "security-ops" not in content, f"the asker's {name}"
    reviewer_api, reviewer_web = client_for(eng_moderator), signed_in(eng_moderator)
    reviewer_pages = {
        "API answer": reviewer_api.get(f"{V1}/ai-answers/{answer.pk}/"),
        "API queue": reviewer_api.get(f"{V1}/review-queue/"),
        "API notifications": reviewer_api.get(f"{V1}/notifications/"),
        "queue": reviewer_web.get(reverse("assistant:queue")),
        "review page": reviewer_web.get(reverse("assistant:review", args=[answer.pk])),
    }
    for name, response in reviewer_pages.items():
        content = response.content.decode()
        assert "Security Ops" not in content and "security-ops" not in content, name
    # The answer quotes a post she may no longer read: it is out of her sight (test_source_visibility.py) ...
    assert reviewer_pages["API answer"].status_code == reviewer_pages["review page"].status_code == 404
    assert reviewer_pages["API queue"].json()["results"] == []
    # ... and a reviewer who may read Security Ops learns what happened, the page marking the source.
    grant(policy.VIEW, eng_moderator, secops)
    reviewer_web = signed_in(eng_moderator)
    assert "A cited thread moved" in reviewer_web.get(reverse("assistant:queue")).content.decode()
    review = reviewer_web.get(reverse("assistant:review", args=[answer.pk])).content.decode()
    assert "Not everyone who reads the thread may read it" in review
    # The names stay in the audit log, for the administrators who read it.
    move = AuditEvent.objects.filter(verb="thread.move").get()
    assert move.data == {"from": "engineering", "to": "security-ops"}
