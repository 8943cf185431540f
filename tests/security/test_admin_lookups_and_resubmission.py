"""Round 47's review of the gate: each test failed on the code before its fix; the docstrings say who it leaked to,
where in the code, and the fix (``forum.admin.AuditedForms.lookup_allowed``; ``aiassist.services.review.answer_submit``
accepts a draft only)."""
import json
import re

import pytest
from django.test import Client

from forum.models import Notification
from tests.factories import UserFactory, make_thread
from tests.security.conftest import _drafted

pytestmark = pytest.mark.django_db


def _admin(world) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    return client


def _change_links(html: str, model: str) -> set[str]:
    """The object ids a Django admin change list links to."""
    return set(re.findall(rf'href="/admin/{model}/(\d+)/change/', html))


@pytest.fixture
def carols_draft(world):
    """carol reads bob's thread and privately asks the assistant about it: a draft nobody else may know of. She
    has written nothing, and nobody submitted or published an answer in that thread."""
    carol = UserFactory(username="carol")
    make_thread(world.asker, world.general, title="Celery visibility timeout for long tasks",
                body="Which visibility timeout do long celery tasks need?",
                replies=[(world.moderator, "Raise visibility_timeout above the longest task runtime so the broker "
                                           "does not redeliver long celery tasks.")])
    thread = make_thread(world.reader, world.engineering, title="How should the celery visibility timeout be set?",
                         body="Long celery tasks run twice. Which visibility timeout do long celery tasks need?")
    draft = _drafted(carol, thread)
    assert draft.status == "draft" and draft.submitted_at is None and draft.sources.exists()
    return carol, thread, draft


@pytest.mark.parametrize("model,query,target", [
    ("auth/user", "ai_answers__isnull=False", "asker"),
    ("auth/user", "ai_answers={draft}", "asker"),
    ("forum/thread", "ai_answers__isnull=False", "thread"),
    ("forum/thread", "ai_answers={draft}", "thread"),
    ("forum/post", "ai_citations__isnull=False", "source"),
    ("auth/user", "notifications={notice}", "asker"),  # her private "Your private AI draft ... is ready"
])
def test_the_admin_change_lists_do_not_filter_by_private_drafts(world, carols_draft, model, query, target):
    """Leaks to: administrators (superusers, who are not exempt: DESIGN.md "Only the asker sees a draft — not
    moderators, not admins, not superusers"; round 39 kept private drafts and their events off the admin's pages).
    Django's change lists take any lookup on one relation from the query string, reverse relations included, and
    ``forum/admin.py`` only refuses ``body``/``body_html`` on posts. So ``/admin/auth/user/?ai_answers=<id>`` names
    the asker of any AI answer id (ids are sequential: enumerate them), ``?ai_answers__isnull=False`` lists everyone
    who ever asked the assistant privately, ``/admin/forum/thread/?ai_answers=<id>`` the thread a private draft is
    about, ``/admin/forum/post/?ai_citations__isnull=False`` the posts private drafts drew on, and
    ``/admin/auth/user/?notifications=<id>`` the recipient of a private notice the notifications admin leaves out.
    None of it is in the audit log the admin may read (those events are private). Fix: ``lookup_allowed`` on UserAdmin,
    ThreadAdmin and PostAdmin refusing ``ai_answers``/``ai_citations``/``notifications`` (any reverse relation to
    aiassist's tables or to private rows), as PostAdmin refuses ``body``. Severity: low-medium (who asked, about
    which thread, from which posts, when: no draft text)."""
    carol, thread, draft = carols_draft
    # The reply about visibility_timeout: only carol's draft drew on it.
    (source,) = [s.post for s in draft.sources.all() if s.post is not None and s.post.ai_citations.count() == 1]
    notice = Notification.objects.get(recipient=carol, private=True)
    response = _admin(world).get(f"/admin/{model}/?{query.format(draft=draft.pk, notice=notice.pk)}")
    if response.status_code == 400:  # the lookup refused: nothing told
        return
    listed = _change_links(response.content.decode(), model)
    secret = {"asker": carol.pk, "thread": thread.pk, "source": source.pk}[target]
    assert str(secret) not in listed, f"{model}?{query} singles out the private draft's {target}: {sorted(listed)}"


# A published answer its asker submits again ----------------------------------------------------------------------


def _api(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _post(client, path, data=None):
    return client.post(f"/api/v1{path}", data=json.dumps(data or {}), content_type="application/json")


def test_its_asker_cannot_submit_a_published_answer_again(world):
    """Leaks to: every reader of the thread, under a false label. ``aiassist/services/review.py answer_submit`` checks
    the transition with ``lifecycle.check(answer, IN_REVIEW)``, and ``lifecycle.TRANSITIONS`` allows PUBLISHED ->
    IN_REVIEW (meant for ``answer_unpublish``, which hides the post first). So the asker's "submit" (API or the panel's
    form) takes a *published* answer back to review while its post stays up, unhidden: every reader then reads the
    vetted text under the in-review disclaimer ("has not been vetted yet; nobody but its asker and the category's
    reviewers can see it"), reviewers may edit and publish it a second time (a second AI post beside the first,
    which then names no reviewer) or reject it (terminal, post still up). Fix: ``answer_submit`` accepts DRAFT only
    (``if answer.status != S.DRAFT: raise InvalidTransition``), or the lifecycle checks per verb."""
    answer = world.published
    response = _post(_api(world.asker), f"/ai-answers/{answer.pk}/submit/")
    answer.refresh_from_db()
    assert (response.status_code, answer.status) == (409, "published"), \
        f"submit of a published answer: {response.status_code}, now {answer.status}"


@pytest.mark.parametrize("then", ["asker withdraws and discards it", "a reviewer rejects it"])
def test_a_published_answer_cannot_be_put_beyond_retraction(world, then):
    """Leaks to: every reader of the thread, for good. Through the hole above, the asker alone (submit, withdraw,
    discard: three API calls or panel buttons) leaves the published post up, unhidden, with its answer
    ``discarded``; or a reviewer rejects the resubmitted answer (``rejected``). Both states are terminal,
    ``policy.can_withdraw_answer`` only lets moderators and administrators act on a published or retracted answer
    (404 now), and
    ``forum.services.post_hide`` refuses AI posts ("withdrawn by retracting the answer"): nobody can take the text
    down any more (DESIGN.md: "Category moderators and admins may always withdraw one"), and the page labels it
    "Only you can see this answer" for every reader. Severity: high (retraction, the gate's last line, is lost; an
    asker can pin machine text that reviewers later find wrong). Fix: as above; and a withdrawal/retraction path keyed
    on the post being live (``published_post`` not hidden) rather than on the answer's status."""
    answer, post = world.published, world.published.published_post
    quoted = "Use retry_backoff=True; it doubles the countdown."
    carol = UserFactory(username="carol")
    assert quoted in _api(carol).get(f"/t/{answer.thread_id}/").content.decode()  # control: published, readable
    asker = _api(world.asker)
    _post(asker, f"/ai-answers/{answer.pk}/submit/")
    if then == "a reviewer rejects it":
        _post(_api(world.moderator), f"/ai-answers/{answer.pk}/reject/", {"code": "incorrect", "reason": "Wrong."})
    else:
        _post(asker, f"/ai-answers/{answer.pk}/withdraw/")
        _post(asker, f"/ai-answers/{answer.pk}/discard/")
    answer.refresh_from_db()
    post.refresh_from_db()
    shown = quoted in _api(carol).get(f"/t/{answer.thread_id}/").content.decode()
    retract = _post(_api(world.admin), f"/ai-answers/{answer.pk}/retract/", {"code": "incorrect", "reason": "Wrong."})
    assert not shown or retract.status_code == 200, (
        f"answer {answer.status}, its post hidden={post.hidden}: carol still reads it, and the administrator's "
        f"retraction answers {retract.status_code}")


def test_a_published_answer_resubmitted_and_published_again_leaves_no_unretractable_copy(world):
    """Leaks to: every reader of the thread. The same hole, with a reviewer: after the asker's resubmission a reviewer
    edits and approves the answer, ``answer_publish`` creates a second post and points ``published_post`` at it; the
    first post stays up, unhidden, tied to no answer (``published_meta_for_thread`` no longer finds it: the page
    names no reviewer, no sources). Retracting the answer then hides the second post only: the first copy, text the
    reviewer has just replaced, stays in front of every reader and no verb reaches it. Fix: as above."""
    answer = world.published
    first = answer.published_post
    quoted = "Use retry_backoff=True; it doubles the countdown."
    _post(_api(world.asker), f"/ai-answers/{answer.pk}/submit/")
    maria = _api(world.moderator)
    detail = maria.get(f"/api/v1/ai-answers/{answer.pk}/").json()
    edited = detail["body"] + "\n\nCap the retries with max_retries."
    _post(maria, f"/ai-answers/{answer.pk}/approve/", {"body": edited, "body_hash": detail["body_hash"]})
    answer.refresh_from_db()
    _post(_api(world.admin), f"/ai-answers/{answer.pk}/retract/", {"code": "incorrect", "reason": "Wrong."})
    answer.refresh_from_db()
    assert answer.status == "retracted"  # the administrator's retraction went through
    first.refresh_from_db()
    carol = UserFactory(username="carol")
    html = _api(carol).get(f"/t/{answer.thread_id}/").content.decode()
    assert quoted not in html, (f"after the answer's second publication (post {answer.published_post_id}) and its "
                                f"retraction, its first post {first.pk} (hidden={first.hidden}) still shows its text")
