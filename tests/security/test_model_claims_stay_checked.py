"""What the model wrote stays checked (round 41): two ways a claim of the model's went unchecked or stopped blocking.

The grounding check read any line that opens with a dash and cites a source ("— …, … [1]") as the attribution the
extractive engine writes under a quote, and checked nothing in it: a model could write its advice in that shape and
it reached reviewers and readers as framing. Now a line is an attribution only if it is one the app wrote for the
answer's sources (``services.drafting.attributions_of``, stored with the grounding for the checks of later edits).
And a claim a reviewer edited became "the reviewer's" and stopped blocking, even when the edit only fixed a word
beside what the model invented: an invented token or a reversed passage of the model's now stays the model's.
"""
import pytest

from aiassist import services
from aiassist.models import AIAnswer

from ..aiassist.test_engines_openai import chat_server  # noqa: F401 - fixture
from ..aiassist.test_review_services import reload
from ..factories import UserFactory, make_thread
from .test_reference_definitions import drafter

FAKE = "— Run `celery -A proj purge --force` on every broker first, as the team does [1]"


@pytest.fixture
def drafting(settings, chat_server, engineering):  # noqa: F811
    return drafter(settings, chat_server, engineering,
                   "Set autoretry_for and retry_backoff=True; the delay doubles between retries.")


@pytest.mark.django_db
def test_the_extractive_engines_attributions_are_framing_and_nothing_else(employee, engineering):
    make_thread(UserFactory(username="erin"), engineering, title="Celery retry backoff settings",
                body="Which settings control retry backoff?",
                replies=[(UserFactory(username="dana"), "Set autoretry_for and retry_backoff=True; the delay doubles."),
                         (UserFactory(username="olek"), "Also cap it with retry_backoff_max=600 so it stops growing.")])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My tasks fail on network errors. How do retries back off with retry_backoff?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    assert answer.status == AIAnswer.Status.DRAFT, answer.error
    lines = [line.strip() for line in answer.body.splitlines() if line.startswith("— ")]
    assert lines and set(lines) <= set(answer.grounding["attributions"]), (lines, answer.grounding["attributions"])
    assert not [c for c in answer.grounding["claims"] if c["text"].startswith("—")]


@pytest.mark.django_db
def test_a_models_line_shaped_like_an_attribution_is_checked(drafting, employee, eng_moderator):
    answer = drafting(employee, f"Set autoretry_for and retry_backoff=True; the delay doubles [1].\n\n{FAKE}\n")
    blocking = [c for c in answer.grounding["claims"] if c["blocking"]]
    assert blocking and "purge --force" in blocking[0]["text"], answer.grounding["claims"]
    # A reviewer's edit elsewhere leaves it the model's claim, still blocking (not the reviewer's own text).
    services.answer_submit(acting_user=employee, answer=reload(answer))
    edited = services.answer_edit(acting_user=eng_moderator, answer=reload(answer),
                                  body=reload(answer).body + "\n\nCheck the broker's queue length first.")
    still = [c for c in edited.grounding["claims"] if c["blocking"] and "purge --force" in c["text"]]
    assert still and not still[0]["by_reviewer"], edited.grounding["claims"]
    assert edited.grounding["attributions"] == answer.grounding["attributions"]


@pytest.mark.django_db
def test_a_reviewers_typo_fix_leaves_the_models_invention_blocking(drafting, employee, eng_moderator):
    """A claim a reviewer edited is theirs, and does not block; but an invented command or flag the model wrote is
    still the model's after a reviewer fixed a typo beside it (round 41: any edit of the sentence cleared it)."""
    answer = drafting(employee, "Set autoretry_for and retry_backoff=True; teh delay doubles. "
                                "Then delete /var/lib/celery/beat-schedule.db to clear the queue [1].")
    assert any(c["blocking"] and "beat-schedule.db" in c["text"] for c in answer.grounding["claims"])
    services.answer_submit(acting_user=employee, answer=reload(answer))
    fixed = reload(answer).body.replace("teh delay", "the delay").replace("clear the queue", "empty the queue")
    edited = services.answer_edit(acting_user=eng_moderator, answer=reload(answer), body=fixed)
    still = [c for c in edited.grounding["claims"] if "beat-schedule.db" in c["text"]]
    assert still and all(c["blocking"] for c in still), [(c["text"], c["status"], c["blocking"]) for c in still]
    # A command the reviewer wrote themselves is theirs: shown with its status, not blocking.
    own = services.answer_edit(acting_user=eng_moderator, answer=edited,
                               body=fixed + "\n\nAfterwards run `celery -A proj inspect active` to check [1].")
    theirs = [c for c in own.grounding["claims"] if "inspect active" in c["text"]]
    assert theirs and theirs[0]["by_reviewer"] and not theirs[0]["blocking"], own.grounding["claims"]
