"""Every URL pattern of the project, found by walking the resolver, with its parameters filled from a World.

A route the tables below do not know makes the walking tests fail: adding a URL means saying here what
its parameters are and what a successful POST to it would carry.
"""
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, reverse

SKIPPED_PREFIXES = ("admin/", "api/")  # Django's admin; the API authenticates by token (tested apart)


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str
    params: tuple[str, ...]


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, pattern, inner)
        elif isinstance(entry, URLPattern):
            yield Route(name=f"{namespace}{entry.name}", pattern=pattern,
                        params=tuple(getattr(entry.pattern, "converters", {})))


def web_routes() -> list[Route]:
    routes = [r for r in _walk(get_resolver().url_patterns) if not r.pattern.startswith(SKIPPED_PREFIXES)]
    assert routes, "the resolver walk found nothing"
    return routes


def arguments(world) -> dict[str, dict]:
    """URL kwargs per route name, each pointing at the object in the state its action needs."""
    return {
        "login": {}, "logout": {}, "healthz": {}, "favicon": {}, "thread_start_with_assistant": {},
        "forum:home": {}, "forum:thread_start": {}, "forum:preview": {}, "retrieval:search": {},
        "retrieval:similar": {},
        "forum:notifications": {}, "forum:notifications_read_all": {},
        "forum:category": {"slug": world.engineering.slug},
        "forum:thread": {"pk": world.thread.pk},
        "forum:reply": {"pk": world.thread.pk},
        "forum:lock": {"pk": world.thread.pk},
        "forum:move": {"pk": world.thread.pk},
        "forum:accept": {"pk": world.thread.pk, "post_pk": world.reply.pk},
        "forum:post_edit": {"pk": world.reply.pk},
        "forum:post_hide": {"pk": world.reply.pk},
        "forum:notification_read": {"pk": world.notification.pk},
        "forum:watch": {"pk": world.thread.pk},
        "forum:post_vote": {"pk": world.reply.pk},
        "forum:profile": {"username": world.reader.username},
        "forum:watching": {},
        "assistant:ask": {"thread_pk": world.thread.pk},
        "assistant:panel": {"pk": world.draft.pk},
        "assistant:discard": {"pk": world.draft.pk},
        "assistant:restore": {"pk": world.discarded.pk},
        "assistant:retry": {"pk": world.failed.pk},
        "assistant:regenerate": {"pk": world.draft.pk},
        "assistant:feedback": {"pk": world.draft.pk},
        "assistant:submit": {"pk": world.draft.pk},
        "assistant:withdraw": {"pk": world.in_review.pk},
        "assistant:report": {"pk": world.published.published_post_id},
        "assistant:queue": {},
        "assistant:metrics": {},
        "assistant:review": {"pk": world.in_review.pk},
        "assistant:approve": {"pk": world.in_review.pk},
        "assistant:edit": {"pk": world.in_review.pk},
        "assistant:confirm_claim": {"pk": world.ungrounded.pk},
        "assistant:reject": {"pk": world.in_review.pk},
        "assistant:retract": {"pk": world.published.pk},
        "assistant:confirm": {"pk": world.published.pk},
    }


def blocking_key(answer) -> str:
    """The key of the answer's one claim that blocks approval: what the confirm form posts."""
    keys = {claim["key"] for claim in answer.grounding["claims"] if claim["blocking"]}
    assert len(keys) == 1, answer.grounding["claims"]
    return keys.pop()


def form_data(world) -> dict[str, dict]:
    """What a real form would POST to each route (routes not listed post nothing)."""
    return {
        "login": {"username": "alice", "password": "correct horse battery staple"},
        "forum:thread_start": {"category": world.engineering.pk, "title": "New question", "body": "Body"},
        "thread_start_with_assistant": {"category": world.engineering.pk, "title": "New question", "body": "Body",
                                        "ask_assistant": "on"},
        "forum:reply": {"body": "A reply"},
        "forum:post_edit": {"body": "Edited"},
        "forum:post_hide": {"action": "hide", "reason": "Off topic"},
        "forum:lock": {"action": "lock"},
        "forum:move": {"category": world.general.slug},
        "forum:preview": {"body": "**hi**"},
        "forum:watch": {"watching": "0"},  # alice watches her own thread: she stops
        "forum:post_vote": {"helpful": "1"},  # bob's reply, voted by alice
        "retrieval:search": {"q": "celery"},
        "retrieval:similar": {"title": "How do celery retries back off?"},
        "assistant:regenerate": {"audience": "thread"},
        "assistant:feedback": {"rating": "helpful"},
        "assistant:approve": {"body": "Approved text"},
        "assistant:edit": {"body": "Edited text"},
        "assistant:confirm_claim": {"key": blocking_key(world.ungrounded), "reason": "Checked it"},
        "assistant:reject": {"reason": "Wrong"},
        "assistant:retract": {"reason": "Wrong"},
        "assistant:report": {"reason": "Wrong"},
    }


def resolve_all(world) -> list[tuple[Route, str, dict]]:
    """(route, path, POST data) for every web route; fails on a route the tables above do not know."""
    kwargs, data = arguments(world), form_data(world)
    names = {route.name for route in web_routes()}
    assert names <= set(kwargs), f"new routes: say here what they point at: {names - set(kwargs)}"
    assert set(kwargs) <= names, f"routes that no longer exist: {set(kwargs) - names}"
    return [(route, reverse(route.name, kwargs=kwargs[route.name]), data.get(route.name, {}))
            for route in web_routes()]
