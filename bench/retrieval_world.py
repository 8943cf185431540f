"""The retrieval benchmark's world: the labelled threads plus distractors, posted through the forum's services.

``load_world()`` creates the people, the categories (Security Ops restricted to the ``secops`` group), the
labelled threads of ``bench/data/retrieval/threads.json`` and ``distractors`` generated threads, with their
replies and accepted answers, exactly as real use would have (audit trail, search index, notifications
included). It only creates forum content: the passage index and the ranking are measured by their own code.

Call it with Django set up, on an empty database (a test database, or a bench database after ``migrate``).
E-mail copies of the reply and acceptance notices go out on commit unless the caller sets
``settings.EMAIL_NOTIFICATIONS = False``.
"""
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from bench.data.retrieval import distractors as distractor_topics
from forum import policy, services
from forum.models import Category, Thread

DATA = Path(__file__).resolve().parent / "data" / "retrieval"
RESTRICTED = "Security Ops"
SECOPS_GROUP = "secops"
CATEGORIES = {
    "Engineering": "Application code: Python, Django, Celery, APIs, SSO, on-call and incidents.",
    "Infrastructure": "Kubernetes, Terraform, networking, TLS, observability and cloud cost.",
    "Data": "PostgreSQL, Redis, Kafka and S3.",
    "Developer Experience": "CI/CD, Git, Docker, laptops and local environments.",
    RESTRICTED: "Credentials, access and incident procedures. Restricted to the security team.",
}
ADMIN, EMPLOYEE, SECOPS_MEMBER = "retrieval-admin", "alex", "sam"

User = get_user_model()


@dataclass
class World:
    threads: dict[str, Thread]  # labelled key -> thread
    employee: object  # reads the open categories only
    secops_member: object  # reads Security Ops as well
    questions: list[dict]  # questions.json: {question, thread}
    unanswerable: list[dict]  # unanswerable.json: {question, missing}
    categories: dict[str, Category]
    distractors: int


def labelled_threads() -> list[dict]:
    return _read("threads.json")


def reworded_questions() -> list[dict]:
    return _read("questions.json")


def unanswerable_questions() -> list[dict]:
    return _read("unanswerable.json")


def _read(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as f:
        return json.load(f)


def load_world(*, distractors: int = 1000, seed: int = 0) -> World:
    labelled = labelled_threads()
    generated = distractor_topics.generate(distractors, seed) if distractors else []
    with transaction.atomic():
        admin = _user(ADMIN, is_staff=True, is_superuser=True)
        categories = {
            name: services.category_create(acting_user=admin, name=name, description=description,
                                           restricted=name == RESTRICTED, position=position)
            for position, (name, description) in enumerate(CATEGORIES.items())
        }
        group, _ = Group.objects.get_or_create(name=SECOPS_GROUP)
        for codename in (policy.VIEW, policy.POST):
            services.category_grant_add(acting_user=admin, category=categories[RESTRICTED], permission=codename,
                                        group=group)
        everyone = labelled + generated
        people = {name: _user(name) for name in sorted(_authors(everyone))}
        employee, secops_member = _user(EMPLOYEE), _user(SECOPS_MEMBER)
        secops_people = sorted(_authors(t for t in everyone if t["category"] == RESTRICTED))
        group.user_set.add(secops_member, *(people[name] for name in secops_people))
        for user in (secops_member, *people.values()):
            policy.forget_access(user)

        threads = {spec["key"]: _post_thread(spec, categories, people) for spec in labelled}
        for spec in generated:
            _post_thread(spec, categories, people)
    return World(threads=threads, employee=employee, secops_member=secops_member,
                 questions=reworded_questions(), unanswerable=unanswerable_questions(), categories=categories,
                 distractors=len(generated))


def _authors(threads) -> set[str]:
    return {name for t in threads for name in (t["asker"], *(a["author"] for a in t["answers"]))}


def _user(username: str, **flags):
    user, created = User.objects.get_or_create(username=username, defaults={"email": f"{username}@example.com",
                                                                             **flags})
    if created:
        user.set_unusable_password()  # nobody logs in as these; hashing 60 passwords would dominate small loads
        user.save(update_fields=["password"])
    return user


def _post_thread(spec: dict, categories: dict[str, Category], people: dict) -> Thread:
    asker = people[spec["asker"]]
    thread = services.thread_start(acting_user=asker, category=categories[spec["category"]], title=spec["title"],
                                   body=spec["question"])
    accepted = None
    for answer in spec["answers"]:
        post = services.post_reply(acting_user=people[answer["author"]], thread=thread, body=answer["body"])
        if answer["accepted"]:
            accepted = post
    if accepted is not None:
        thread = services.thread_accept_answer(acting_user=asker, thread=thread, post=accepted)
    return thread
