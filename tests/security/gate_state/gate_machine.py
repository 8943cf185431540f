"""A stateful model of Vetted's gate, shared by the property test and the minimal reproductions.

``GateWorld`` is the cast and the two categories (built once per test); ``GateMachine`` performs random lifecycle
steps through the real services (each in its own savepoint, as a view's transaction would) and, after every step,
fetches every surface that can show AI text as every member of the cast, checking what it shows against a model of
the policy written here from DESIGN.md (not from ``aiassist.policy``):

* an answer's text (its source's unique marker word, quoted by the extractive engine, and the unique words a reviewer
  edit adds) reaches a user only while the model lets them see the answer: before submission its asker alone; in
  review or rejected also the category's current reviewers; published everyone who reads the thread; retracted its
  asker, the category's reviewers and moderators and administrators; never anyone who cannot read the thread, or
  who cannot read every post it quoted as the posts stand now (a source moved to a category they cannot read, hidden
  from them, or its passage edited out by its author);
* search and similar threads show an answer's text only while it is published;
* a published answer quotes only what its whole thread audience may read (else it must have been withdrawn);
* the web and the API agree on whether a user sees an answer's text, and on hidden (404) against visible (200);
* nothing answers 500.
"""
import json
import re
from dataclasses import dataclass, field
from html import unescape

from django.contrib.auth import get_user_model
from django.test import Client

from aiassist import services as ai
from aiassist.models import AIAnswer, AnswerSource
from common.exceptions import ApplicationError
from forum import policy
from forum import services as forum_services
from forum.audit import audited
from forum.models import Category, CategoryUserObjectPermission, Post, Thread

from ...factories import UserFactory, grant, make_admin, make_category, make_thread

User = get_user_model()
S = AIAnswer.Status
PRIVATE = (S.QUEUED, S.GENERATING, S.DRAFT, S.FAILED, S.DISCARDED)
CAST = ("alice", "bob", "maria", "sam", "olive", "admin", "anonymous")
SAFE_REPLY = "Set autoretry_for and retry_backoff=True so the countdown doubles each time; {m} keeps it bounded."
RISKY_REPLY = ("Set autoretry_for and retry_backoff=True; if the broker refuses, disable the firewall and "
               "chmod 777 the credentials file, {m} keeps it bounded.")


@dataclass
class GateWorld:
    admin: object
    eng: object  # open; maria moderates and reviews it, sam reviews it with the high-risk approval
    sec: object  # restricted; sam reads and moderates it, nobody else of the cast but the admin
    users: dict
    tokens: dict = field(default_factory=dict)


def build_world() -> GateWorld:
    admin = make_admin()
    eng, sec = make_category(admin, "Engineering"), make_category(admin, "Security Ops", restricted=True)
    users = {name: UserFactory(username=name) for name in ("alice", "bob", "carol", "maria", "sam", "olive")}
    grant(policy.MODERATE, users["maria"], eng)
    grant(policy.REVIEW, users["maria"], eng)
    grant(policy.REVIEW, users["sam"], eng)
    grant(policy.APPROVE_HIGH_RISK, users["sam"], eng)
    grant(policy.VIEW, users["sam"], sec)
    grant(policy.MODERATE, users["sam"], sec)
    users["admin"] = admin
    ai.assistant_account()
    world = GateWorld(admin=admin, eng=eng, sec=sec, users=users)
    # maria and sam call the API with a token; everyone else with their session.
    for name in ("maria", "sam"):
        world.tokens[name] = forum_services.api_token_issue(user=users[name]).key
    return world


# The model -----------------------------------------------------------------------------------------------------


def _perms(user, category) -> set[str]:
    return set(CategoryUserObjectPermission.objects.filter(user=user, content_object=category)
               .values_list("permission__codename", flat=True))


class Model:
    """What each user may see, asked of the rows directly (guardian's table, the flags), per check."""

    def __init__(self):
        self._cache = {}

    def perms(self, user, category):
        key = (user.pk, category.pk)
        if key not in self._cache:
            self._cache[key] = _perms(user, category)
        return self._cache[key]

    def reads(self, user, category) -> bool:
        if user is None or not user.is_active:
            return False
        return user.is_superuser or not category.restricted or bool(self.perms(user, category))

    def moderates(self, user, category) -> bool:
        return self.reads(user, category) and (user.is_superuser or policy.MODERATE in self.perms(user, category))

    def reviews(self, user, category) -> bool:
        return self.reads(user, category) and policy.REVIEW in self.perms(user, category)

    def reads_post(self, user, post) -> bool:
        category = post.thread.category
        return self.reads(user, category) and (not post.hidden or self.moderates(user, category))

    def reads_sources(self, user, answer, marker) -> bool:
        sources = list(AnswerSource.objects.filter(answer=answer).select_related("post__thread__category"))
        for source in sources:
            if source.post is None or not self.reads_post(user, source.post):
                return False
        # The quoted passage edited out of its post by its author is nobody's to read any more.
        return not (marker in answer.body and not Post.objects.filter(
            pk__in=[s.post_id for s in sources], body__contains=marker).exists())

    def sees_answer(self, user, answer, marker) -> bool:
        thread = answer.thread
        if user is None or not self.reads(user, thread.category):
            return False
        category = thread.category
        if answer.status == S.PUBLISHED:
            return True
        if not self.reads_sources(user, answer, marker):
            return False
        asker = user.pk == answer.asker_id
        if answer.status in PRIVATE:
            return asker
        if answer.status in (S.IN_REVIEW, S.REJECTED):
            return asker or self.reviews(user, category)
        if answer.status == S.RETRACTED:
            return asker or self.reviews(user, category) or self.moderates(user, category)
        raise AssertionError(answer.status)


# The surfaces --------------------------------------------------------------------------------------------------


def _text(response) -> str:
    return unescape(response.content.decode(errors="replace"))


def _search_hits_html(body: str) -> list[tuple[int, str]]:
    hits = []
    for chunk in body.split('class="card search-hit"')[1:]:
        match = re.search(r'href="/t/(\d+)/', chunk)
        hits.append((int(match.group(1)) if match else -1, chunk.split("</li>")[0]))
    return hits


def _results(payload):
    if isinstance(payload, dict):
        return payload.get("results", [])
    return payload if isinstance(payload, list) else []


def _hit_thread(result) -> int:
    thread = result.get("thread")
    if isinstance(thread, dict):
        return thread.get("id", -1)
    return thread if isinstance(thread, int) else result.get("id", -1)


@dataclass
class Violation:
    what: str
    user: str
    url: str
    detail: str = ""

    def __str__(self):
        return f"{self.what} [{self.user} {self.url}] {self.detail}"


class Checker:
    """Fetches the surfaces for every member of the cast and checks them against ``Model``."""

    def __init__(self, world: GateWorld, clients: dict):
        self.world, self.clients = world, clients

    def get(self, name, url, api=False):
        client = self.clients[name]
        headers = {}
        if api and name in self.world.tokens:
            headers["HTTP_AUTHORIZATION"] = f"Token {self.world.tokens[name]}"
            client = self.clients["_token"]
        try:
            return client.get(url, HTTP_ACCEPT="application/json" if api else "text/html", **headers)
        except Exception as error:  # noqa: BLE001 - a crash is a finding, reported with its surface
            return error

    def check(self, *, question, source_thread, answers, marker, edits, users=CAST) -> list[Violation]:
        violations = []
        model = Model()
        fresh = {name: (User.objects.get(pk=self.world.users[name].pk) if name != "anonymous" else None)
                 for name in CAST}
        question = Thread.objects.select_related("category").get(pk=question.pk)
        source_thread = Thread.objects.select_related("category").get(pk=source_thread.pk)
        answers = list(AIAnswer.objects.select_related("thread__category").filter(pk__in=[a.pk for a in answers]))
        reply = source_thread.posts.order_by("pk").last()

        # State invariant: a published answer quotes only what its whole audience may read.
        for answer in answers:
            if answer.status != S.PUBLISHED:
                continue
            for source in AnswerSource.objects.filter(answer=answer).select_related("post__thread__category"):
                post = source.post
                ok = post is not None and not post.hidden and policy.is_audience_readable(
                    post.thread.category, question.category)
                if not ok:
                    violations.append(Violation("published answer quotes a source outside its audience", "-",
                                                f"answer {answer.pk}", f"source post {source.post_id}"))

        for name in users:
            self._check_user(name, fresh[name], model, question=question, source_thread=source_thread,
                             answers=answers, reply=reply, marker=marker, edits=edits, violations=violations)
        return violations

    def _check_user(self, name, user, model, *, question, source_thread, answers, reply, marker, edits,  # noqa: C901
                    violations):
        seen = [a for a in answers if model.sees_answer(user, a, marker)]
        published_seen = [a for a in seen if a.status == S.PUBLISHED]
        ai_marker_ok = any(marker in a.body or marker in (a.original_body or "") for a in seen)
        ai_marker_published = any(marker in a.body for a in published_seen)
        src_ok = user is not None and model.reads_post(user, reply) and marker in reply.body

        def allowed_edit(word, pool):
            return any(word in a.body or word in (a.original_body or "") for a in pool)

        def scan(url, body, *, source_capable=False, search=False):
            if isinstance(body, Exception):
                violations.append(Violation("crash", name, url, repr(body)[:300]))
                return
            if marker in body:
                ok = ai_marker_ok or (source_capable and src_ok)
                if not ok:
                    violations.append(Violation("source/answer text shown", name, url, marker))
            for word in edits:
                if word in body and not allowed_edit(word, published_seen if search else seen):
                    violations.append(Violation("reviewer-edited answer text shown", name, url, word))

        def fetch(url, api=False):
            response = self.get(name, url, api=api)
            if isinstance(response, Exception):
                violations.append(Violation("crash", name, url, repr(response)[:300]))
                return None
            if response.status_code >= 500:
                violations.append(Violation("5xx", name, url, str(response.status_code)))
            return response

        # Thread pages and their API.
        pages = {}
        for url, api in ((f"/t/{question.pk}/", False), (f"/api/v1/threads/{question.pk}/posts/", True),
                         (f"/api/v1/threads/{question.pk}/", True), (f"/t/{source_thread.pk}/", False),
                         (f"/api/v1/threads/{source_thread.pk}/posts/", True)):
            response = fetch(url, api)
            if response is None:
                continue
            pages[url] = response
            scan(url, _text(response), source_capable=source_thread.pk in (int(re.findall(r"\d+", url)[-1]),))
        q_web, q_api = pages.get(f"/t/{question.pk}/"), pages.get(f"/api/v1/threads/{question.pk}/posts/")
        if user is not None and q_web is not None and q_api is not None:
            if (q_web.status_code == 200) != (q_api.status_code == 200):
                violations.append(Violation("web/API disagree on the thread", name, f"/t/{question.pk}/",
                                            f"web {q_web.status_code} api {q_api.status_code}"))
            # Published AI text (the marker in the posts API) shows on the page too, and the other way round for
            # anyone who has no private panel on the page (the answers they asked themselves).
            web_has, api_has = marker in _text(q_web), marker in _text(q_api)
            own_unpublished = any(a.asker_id == user.pk and a.status != S.PUBLISHED for a in answers)
            if api_has and not web_has:
                violations.append(Violation("API shows AI post the page does not", name, f"/t/{question.pk}/"))
            if web_has and not api_has and not own_unpublished:
                violations.append(Violation("page shows AI text the API does not", name, f"/t/{question.pk}/"))
            # Positive control: a published answer reaches everyone who reads its thread.
            if ai_marker_published and not api_has:
                violations.append(Violation("published answer missing from the posts API", name,
                                            f"/api/v1/threads/{question.pk}/posts/"))
        s_web, s_api = pages.get(f"/t/{source_thread.pk}/"), pages.get(f"/api/v1/threads/{source_thread.pk}/posts/")
        if user is not None and s_web is not None and s_api is not None:
            if (s_web.status_code == 200) != (s_api.status_code == 200):
                violations.append(Violation("web/API disagree on the source thread", name,
                                            f"/t/{source_thread.pk}/",
                                            f"web {s_web.status_code} api {s_api.status_code}"))

        # Search and similar threads: an answer's text there only while published, and in its own thread.
        for url, api in ((f"/search/?q={marker}", False), (f"/api/v1/search/?q={marker}", True),
                         (f"/similar/?q={marker}", False), (f"/api/v1/threads/similar/?q={marker}", True)):
            response = fetch(url, api)
            if response is None:
                continue
            body = _text(response)
            body = re.sub(rf'value="{marker}"|“{marker}”', "", body)
            if api:
                try:
                    hits = [(_hit_thread(r), json.dumps(r)) for r in _results(json.loads(body))]
                except ValueError:
                    hits = [(-1, body)]
            else:
                hits = _search_hits_html(body) if "search-hit" in body else ([(-1, body)] if marker in body else [])
            for thread_id, chunk in hits:
                if marker not in chunk and not any(w in chunk for w in edits):
                    continue
                if thread_id == source_thread.pk and src_ok and not any(w in chunk for w in edits):
                    continue
                if thread_id == question.pk:
                    if marker in chunk and not ai_marker_published:
                        violations.append(Violation("search shows unpublished answer text", name, url,
                                                    f"thread {thread_id}"))
                    for word in edits:
                        if word in chunk and not allowed_edit(word, published_seen):
                            violations.append(Violation("search shows unpublished edit", name, url, word))
                    continue
                violations.append(Violation("search shows text it may not", name, url, f"thread {thread_id}"))

        # The answers: the asker's panel and the review desk against the API's answer.
        for answer in answers:
            panel = fetch(f"/ai/answers/{answer.pk}/panel/")
            desk = fetch(f"/ai/review/{answer.pk}/")
            api = fetch(f"/api/v1/ai-answers/{answer.pk}/", True)
            for url, response in ((f"/ai/answers/{answer.pk}/panel/", panel), (f"/ai/review/{answer.pk}/", desk),
                                  (f"/api/v1/ai-answers/{answer.pk}/", api)):
                if response is not None:
                    scan(url, _text(response))
            if user is None or None in (panel, desk, api):
                continue
            web_shows = any(marker in _text(r) and r.status_code == 200 for r in (panel, desk))
            api_shows = api.status_code == 200 and marker in _text(api)
            if marker in answer.body and web_shows != api_shows:
                violations.append(Violation("web/API disagree on the answer", name, f"answer {answer.pk}",
                                            f"{answer.status}: panel {panel.status_code} desk "
                                            f"{desk.status_code} api {api.status_code}"))
            if not user.is_active:
                bad = api.status_code not in (401, 403) or {panel.status_code, desk.status_code} != {302}
            else:
                bad = api.status_code not in (200, 404) or {panel.status_code, desk.status_code} - {200, 403, 404}
            if bad:
                violations.append(Violation("unexpected status", name, f"answer {answer.pk}",
                                            f"panel {panel.status_code} desk {desk.status_code} api "
                                            f"{api.status_code}"))
            if api.status_code == 404 and 200 in (panel.status_code, desk.status_code) and web_shows:
                violations.append(Violation("web shows, API hides", name, f"answer {answer.pk}"))

        # Lists, the queue, notifications and profiles.
        for url, api in (("/ai/review/", False), ("/api/v1/review-queue/", True), ("/api/v1/ai-answers/", True),
                         ("/notifications/", False), ("/api/v1/notifications/", True), ("/u/alice/", False),
                         (f"/u/{ai.assistant_account().username}/", False)):
            response = fetch(url, api)
            if response is not None:
                scan(url, _text(response), source_capable=url == "/u/bob/")


def clients_for(world: GateWorld) -> dict:
    clients = {}
    for name in CAST:
        client = Client()
        if name != "anonymous":
            client.force_login(world.users[name])
        clients[name] = client
    clients["_token"] = Client()
    return clients


# The steps -----------------------------------------------------------------------------------------------------


def attempt(func, **kwargs):
    """A service call in its own savepoint, as a view's transaction; a refusal is an answer, anything else a bug."""
    try:
        with audited():  # the services' own transaction opener (the audit chain's lock first)
            return func(**kwargs)
    except ApplicationError as error:
        return error


class Sequence:
    """One sequence's objects: the question thread, the source thread with its marker, the answers, the edits."""

    def __init__(self, world: GateWorld, n: int, *, risky: bool):
        self.world, self.n = world, n
        self.marker = f"zqmark{n}x"
        self.edits: list[str] = []
        users = world.users
        reply = (RISKY_REPLY if risky else SAFE_REPLY).format(m=self.marker)
        self.source = make_thread(users["carol"], world.eng,
                                  title=f"My celery tasks fail on network errors: how should retries back off? {n}",
                                  body="Which settings control retry backoff?",
                                  replies=[(users["bob"], reply)])
        self.question = make_thread(users["alice"], world.eng, title="How should celery retries back off?",
                                    body="My tasks fail on network errors. How do retries back off?")
        self.answers: list[AIAnswer] = []
        self.log: list[str] = []

    def user(self, name):
        return User.objects.get(pk=self.world.users[name].pk)

    def answer(self, index):
        return AIAnswer.objects.get(pk=self.answers[index % len(self.answers)].pk) if self.answers else None

    def reply(self):
        return self.source.posts.order_by("pk").last()

    def record(self, text, result):
        outcome = type(result).__name__ if isinstance(result, Exception) else "ok"
        self.log.append(f"{text} -> {outcome}")
        return result

    # asker verbs
    def ask(self, asker="alice"):
        thread = Thread.objects.get(pk=self.question.pk)
        answer = self.record(f"{asker} asks", attempt(ai.answer_request, acting_user=self.user(asker), thread=thread))
        if isinstance(answer, AIAnswer):
            ai.answer_generate(answer_id=answer.pk)
            self.answers.append(answer)

    def regenerate(self, index, audience):
        answer = self.answer(index)
        new = self.record(f"regenerate #{index % len(self.answers)} for {audience}",
                          attempt(ai.answer_regenerate, acting_user=self.user(self._asker(answer)), answer=answer,
                                  audience=audience))
        if isinstance(new, AIAnswer):
            ai.answer_generate(answer_id=new.pk)
            self.answers.append(new)

    def _asker(self, answer):
        return User.objects.get(pk=answer.asker_id).username

    def submit(self, index):
        answer = self.answer(index)
        self.record(f"submit #{index % len(self.answers)}",
                    attempt(ai.answer_submit, acting_user=self.user(self._asker(answer)), answer=answer))

    def withdraw(self, index):
        answer = self.answer(index)
        self.record(f"withdraw #{index % len(self.answers)}",
                    attempt(ai.answer_withdraw, acting_user=self.user(self._asker(answer)), answer=answer))

    def discard(self, index):
        answer = self.answer(index)
        self.record(f"discard #{index % len(self.answers)}",
                    attempt(ai.answer_discard, acting_user=self.user(self._asker(answer)), answer=answer))

    # reviewer verbs
    def edit(self, index, reviewer):
        answer = self.answer(index)
        word = f"zqedit{self.n}x{len(self.edits)}y"
        body = f"{answer.body}\n\nReviewer note: {word} was checked."
        result = self.record(f"{reviewer} edits #{index % len(self.answers)} ({word})",
                             attempt(ai.answer_edit, acting_user=self.user(reviewer), answer=answer, body=body,
                                     text_hash=ai.body_hash(answer.body)))
        if not isinstance(result, Exception):
            self.edits.append(word)

    def approve(self, index, reviewer):
        answer = self.answer(index)
        self.record(f"{reviewer} approves #{index % len(self.answers)}",
                    attempt(ai.answer_approve, acting_user=self.user(reviewer), answer=answer,
                            text_hash=ai.body_hash(answer.body)))

    def reject(self, index, reviewer):
        answer = self.answer(index)
        self.record(f"{reviewer} rejects #{index % len(self.answers)}",
                    attempt(ai.answer_reject, acting_user=self.user(reviewer), answer=answer, reason="Not right."))

    def retract(self, index, actor):
        answer = self.answer(index)
        self.record(f"{actor} retracts #{index % len(self.answers)}",
                    attempt(ai.answer_retract, acting_user=self.user(actor), answer=answer, reason="Outdated."))

    # the forum under the answers
    def hide_source(self, hidden):
        self.record(f"maria {'hides' if hidden else 'unhides'} the source reply",
                    attempt(forum_services.post_hide, acting_user=self.user("admin"), post=self.reply(), hidden=hidden,
                            reason="Leaked a token."))

    def move(self, which, to):
        thread = Thread.objects.get(pk=(self.source if which == "source" else self.question).pk)
        category = Category.objects.get(pk=(self.world.sec if to == "sec" else self.world.eng).pk)
        self.record(f"admin moves the {which} thread to {to}",
                    attempt(forum_services.thread_move, acting_user=self.user("admin"), thread=thread,
                            category=category))

    def edit_source(self, keep_marker):
        reply = self.reply()
        body = reply.body + " Also cap max_retries." if keep_marker else reply.body.replace(self.marker, "that")
        self.record(f"bob edits the source reply ({'keeps' if keep_marker else 'drops'} the marker)",
                    attempt(forum_services.post_edit, acting_user=self.user("bob"), post=reply, body=body))

    def edit_question(self):
        opening = self.question.posts.order_by("pk").first()
        self.record("alice edits the question",
                    attempt(forum_services.post_edit, acting_user=self.user("alice"), post=opening,
                            body=opening.body + " We use Redis as the broker."))

    # accounts and grants
    def set_grant(self, name, permission, held):
        user, category = self.user(name), Category.objects.get(pk=self.world.eng.pk)
        rows = CategoryUserObjectPermission.objects.filter(user=user, content_object=category,
                                                           permission__codename=permission)
        if held and not rows.exists():
            self.record(f"admin grants {name} {permission}",
                        attempt(forum_services.category_grant_add, acting_user=self.user("admin"), category=category,
                                permission=permission, user=user))
        elif not held and rows.exists():
            self.record(f"admin revokes {name}'s {permission}",
                        attempt(forum_services.category_grant_remove, acting_user=self.user("admin"),
                                category=category, grant=rows.get()))

    def set_active(self, name, active):
        user = self.user(name)
        user.is_active = active
        user.save(update_fields=["is_active"])
        self.log.append(f"{name} {'reactivated' if active else 'deactivated'}")


def restore_sessions(world: GateWorld, clients: dict) -> None:
    """Deactivation revokes tokens (and may end sessions): sign everyone in again for the next sequence."""
    for name in CAST:
        if name != "anonymous":
            clients[name].force_login(world.users[name])
    for name in list(world.tokens):
        world.tokens[name] = forum_services.api_token_issue(user=world.users[name]).key


__all__ = ["CAST", "Checker", "GateWorld", "Model", "Sequence", "build_world", "clients_for", "make_admin",
           "make_category", "restore_sessions"]
