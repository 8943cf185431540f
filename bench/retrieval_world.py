"""The retrieval benchmark's world: the labelled threads plus distractors, posted through the forum's services.

``load_world()`` creates the people, the categories (Security Ops restricted to the ``secops`` group), the
labelled threads of ``bench/data/retrieval/threads.json`` and ``distractors`` generated threads
(``add_distractors()``: ``bench/data/retrieval/distractors.py``), with their replies and accepted answers,
exactly as real use would have (audit trail, search index, notifications included). It only creates forum
content: the passage index and the ranking are measured by their own code.

Call it with Django set up, on an empty database (a test database, or a bench database after ``migrate``).
E-mail copies of the reply and acceptance notices go out on commit unless the caller sets
``settings.EMAIL_NOTIFICATIONS = False``.
"""
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from bench.data.retrieval import distractors as distractor_topics
from forum import policy, services
from forum.audit import audited
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


# The labelled set comes in two batches: the first (questions.json, unanswerable.json) written with the threads, the
# second (questions2.json, unanswerable2.json) in round 21 by three helpers who read the threads, the distractors and
# the first batch (for its style) and nothing of the code, to calibrate the abstention rule on more than the first
# batch's 77 answerable questions of the calibration half (bench/README.md, round 21).
BATCHES = ("", "2")


def reworded_questions() -> list[dict]:
    return [q for batch in BATCHES for q in _read(f"questions{batch}.json")]


def unanswerable_questions() -> list[dict]:
    return [q for batch in BATCHES for q in _read(f"unanswerable{batch}.json")]


# The blind sets, never calibrated on: 1 was written before the named-things abstention term was measured
# (bench/README.md, "Named things"); 2 in round 13 by a helper who read threads.json and nothing else (no code, no
# other question set); 3 in round 19 the same way, before the answerability model was calibrated or measured.
BLIND_SETS = (1, 2, 3)


def _blind_name(name: str, number: int) -> str:
    return f"{name}_blind.json" if number == 1 else f"{name}_blind{number}.json"


def blind_questions(number: int = 1) -> list[dict]:
    """Reworded questions of blind set ``number``: the same format as questions.json."""
    return _read(_blind_name("questions", number))


def blind_unanswerable(number: int = 1) -> list[dict]:
    """Unanswerable questions of blind set ``number``; the same format as unanswerable.json."""
    return _read(_blind_name("unanswerable", number))


def held_out(question: str) -> bool:
    """Whether a labelled question (reworded or unanswerable) is in the held-out half, by a stable hash of its
    text: the abstention rule is calibrated on the other half (the calibration half) and reported on both, so a
    rule fitted to the examples shows as a gap between the halves. A question keeps its half across runs and
    machines; editing its wording may move it."""
    return int.from_bytes(hashlib.sha256(question.encode()).digest(), "big") % 2 == 1


def _read(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8") as f:
        return json.load(f)


def load_world(*, distractors: int = 1000, seed: int = 0) -> World:
    """The labelled threads plus ``distractors`` generated ones (``seed`` picks which)."""
    labelled = labelled_threads()
    with audited():
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
        employee, secops_member = _user(EMPLOYEE), _user(SECOPS_MEMBER)
        _join_secops(group, [secops_member])
        people = _people(labelled)
        threads = {spec["key"]: _post_thread(spec, categories, people) for spec in labelled}
    world = World(threads=threads, employee=employee, secops_member=secops_member,
                  questions=reworded_questions(), unanswerable=unanswerable_questions(), categories=categories,
                  distractors=0)
    if distractors:
        add_distractors(world, distractors, seed=seed)
    return world


def add_distractors(world: World, n: int, *, seed: int = 0) -> None:
    """Post ``n`` generated threads into the world's categories, by the same people.

    One call's titles are unique; a second call with the same ``seed`` posts the same threads again, so give a
    world its distractors once (``load_world(distractors=0)`` then this), or vary the seed."""
    generated = distractor_topics.generate(n, seed)
    with audited():
        people = _people(generated)
        for spec in generated:
            _post_thread(spec, world.categories, people)
    world.distractors += len(generated)


def _people(threads: list[dict]) -> dict:
    """The authors of ``threads`` by username, created when missing; Security Ops authors join its group."""
    people = {name: _user(name) for name in sorted(_authors(threads))}
    _join_secops(Group.objects.get(name=SECOPS_GROUP),
                 [people[name] for name in sorted(_authors(t for t in threads if t["category"] == RESTRICTED))])
    return people


def _join_secops(group: Group, users: list) -> None:
    group.user_set.add(*users)
    for user in users:
        policy.forget_access(user)


def _authors(threads) -> set[str]:
    return {name for t in threads for name in (t["asker"], *(a["author"] for a in t["answers"]))}


def _user(username: str, **flags):
    user = User.objects.filter(username=username).first()
    if user is None:
        # No password: nobody logs in as these, and hashing sixty of them would dominate a small load.
        user = User.objects.create_user(username=username, email=f"{username}@example.com", password=None, **flags)
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
