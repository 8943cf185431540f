"""Fixtures shared by the security tests: a production-mode Vetted under gunicorn whose database is
unreachable, and a small world with one object of every kind a URL can name."""
from dataclasses import dataclass

import pytest
from django.test import override_settings

from aiassist import services as ai_services
from aiassist.engines import Draft
from aiassist.engines.extractive import ExtractiveEngine
from aiassist.models import AIAnswer
from forum import policy
from forum.models import Notification

from ..factories import UserFactory, grant, make_admin, make_category, make_thread
from .servers import UNREACHABLE_POSTGRES, gunicorn, manage, production_env


@pytest.fixture(scope="session")
def production_var_dir(tmp_path_factory):
    """A VETTED_VAR_DIR with the collected static files DEBUG=False needs (the manifest the pages link by)."""
    var_dir = tmp_path_factory.mktemp("production-var")
    result = manage("collectstatic", "--noinput", env=production_env(var_dir))
    assert result.returncode == 0, result.stderr
    return var_dir


@pytest.fixture(scope="session")
def production_server(production_var_dir, tmp_path_factory):
    """gunicorn with the production settings (DEBUG=False, HTTPS redirect, HSTS, secure cookies) and a
    DATABASE_URL where nothing listens: the pages that need no database still answer."""
    env = production_env(production_var_dir, DATABASE_URL=UNREACHABLE_POSTGRES)
    with gunicorn(env, tmp_path_factory.mktemp("production-log") / "gunicorn.log") as server:
        yield server


@dataclass
class World:
    """One of everything a URL can point at, each in the state where its actions would succeed."""

    admin: object
    asker: object  # alice: asked every AI answer, wrote the question threads
    reader: object  # bob: an employee who wrote the source thread
    moderator: object  # maria: moderates and reviews Engineering and General
    engineering: object
    general: object
    thread: object  # alice's question, bob replied
    reply: object
    notification: object  # alice's notice of bob's reply
    draft: object
    failed: object
    in_review: object
    published: object  # reported by bob, so it waits for a second look
    discarded: object  # a draft alice discarded a moment ago: restorable
    ungrounded: object  # in review, its draft citing a flag no source has: a claim to confirm

    def users(self):
        return {"asker": self.asker, "reader": self.reader, "moderator": self.moderator}


INVENTED_FLAG = "--force-all"


class InventingEngine(ExtractiveEngine):
    """Drafts like the extractive engine, then adds a command with a flag none of its sources has, citing
    the first: the grounding check marks it invented, so approval waits until it is edited away or
    confirmed. A test engine, loaded by dotted path like tests/engines.py's."""

    name = "inventing"

    def draft(self, question, sources):
        draft = super().draft(question, sources)
        text = f"{draft.text}\n\nRestart the worker with `celery -A proj worker {INVENTED_FLAG}` [1]."
        return Draft(text=text, model="inventing-test", cited=sorted({*draft.cited, 1}), framing=draft.framing)


def _drafted(user, thread, engine=None):
    answer = ai_services.answer_request(acting_user=user, thread=thread)
    if engine is None:
        return ai_services.answer_generate(answer_id=answer.pk)
    with override_settings(ASSISTANT_ENGINE=engine):
        return ai_services.answer_generate(answer_id=answer.pk)


@pytest.fixture
def world(db) -> World:
    admin = make_admin()
    engineering, general = make_category(admin, "Engineering"), make_category(admin, "General")
    asker, reader, moderator = (UserFactory(username=name) for name in ("alice", "bob", "maria"))
    for category in (engineering, general):
        grant(policy.MODERATE, moderator, category)
        grant(policy.REVIEW, moderator, category)
    make_thread(reader, engineering, title="Celery retry backoff settings", body="Which settings control backoff?",
                replies=[(reader, "Set autoretry_for and retry_backoff=True so the countdown doubles each time.")])
    thread = make_thread(asker, engineering, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?",
                         replies=[(reader, "Use retry_backoff=True; it doubles the countdown.")])

    def question(n):
        return make_thread(asker, engineering, title=f"How do celery retries back off, take {n}?",
                           body="Which celery retry backoff settings double the countdown?")

    draft = _drafted(asker, question(1))
    failed = ai_services.answer_request(acting_user=asker, thread=question(2))
    failed = ai_services.answer_fail(answer_id=failed.pk, message="The model endpoint kept timing out.")
    in_review = ai_services.answer_submit(acting_user=asker, answer=_drafted(asker, question(3)))
    published = ai_services.answer_submit(acting_user=asker, answer=_drafted(asker, question(4)))
    published = ai_services.answer_approve(acting_user=moderator, answer=published)
    assert published.status == AIAnswer.Status.PUBLISHED, "a low-risk answer needs one approval"
    ai_services.answer_report(acting_user=reader, answer=published, reason="It skips the max_retries cap.")
    discarded = ai_services.answer_discard(acting_user=asker, answer=_drafted(asker, question(5)))
    ungrounded = ai_services.answer_submit(
        acting_user=asker, answer=_drafted(asker, question(6), engine=f"{__name__}.InventingEngine"))
    assert [claim["status"] for claim in ai_services.unresolved_claims(ungrounded)] == ["invented"], \
        "the made-up flag blocks approval"
    return World(
        admin=admin, asker=asker, reader=reader, moderator=moderator, engineering=engineering, general=general,
        thread=thread, reply=thread.posts.order_by("pk").last(),
        notification=Notification.objects.filter(recipient=asker, verb="reply").latest("pk"),
        draft=draft, failed=failed, in_review=in_review, published=AIAnswer.objects.get(pk=published.pk),
        discarded=discarded, ungrounded=ungrounded,
    )
