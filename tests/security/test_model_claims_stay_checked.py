"""What the model wrote stays checked (round 41): two ways a claim of the model's went unchecked or stopped blocking.

The grounding check read any line that opens with a dash and cites a source ("— …, … [1]") as the attribution the
extractive engine writes under a quote, and checked nothing in it: a model could write its advice in that shape and
it reached reviewers and readers as framing. Now a line is an attribution only if the engine wrote it itself (its
``Draft.framing``: the extractive engine's attributions; a model writes none), stored with the grounding for the
checks of later edits.
And a claim a reviewer edited became "the reviewer's" and stopped blocking, even when the edit only fixed a word
beside what the model invented: an invented token or a reversed passage of the model's now stays the model's.
"""
import pytest

from aiassist import services
from aiassist.grounding import check
from aiassist.models import AIAnswer
from aiassist.services.drafting import ground

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


# Round 41's review of the above (each failed on the first version of it) ---------------------------------------------

SOURCE = ("Set autoretry_for and retry_backoff=True; the delay doubles between retries. "
          "Never purge the queue on production.")
LEAD = "Set autoretry_for and retry_backoff=True; the delay doubles between retries [1]."


@pytest.fixture
def drafting_warned(settings, chat_server, engineering):  # noqa: F811
    return drafter(settings, chat_server, engineering, SOURCE)


def blocking(answer) -> list[str]:
    return [claim["text"] for claim in reload(answer).grounding["claims"] if claim["blocking"]]


# 1. The extractive engine's own attribution line is a claim when machine_text reads it differently in the whole text.

@pytest.mark.django_db
def test_the_extractive_engines_attribution_is_framing_when_its_title_holds_a_tilde(employee, engineering):
    """``_checked_draft`` keeps a framing line only if ``machine_text(line)`` is in the text; a title with one "~"
    (``~/.celeryrc``) is left alone on its own, but escaped ("\\~") in a text with a second tilde. The app's own
    attribution then is no attribution: it blocks as an invented claim, and the quote above it is "uncited"."""
    make_thread(UserFactory(username="erin"), engineering, title="Celery retry backoff settings in ~/.celeryrc",
                body="Which settings control retry backoff?",
                replies=[(UserFactory(username="dana"),
                          "Set autoretry_for and retry_backoff=True in ~/.celeryrc; the delay doubles.")])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My tasks fail on network errors. How do retries back off with retry_backoff?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    assert answer.status == AIAnswer.Status.DRAFT, answer.error
    assert not blocking(answer), answer.grounding["claims"]
    assert not [c for c in answer.grounding["claims"] if c["text"].startswith("—")], answer.grounding["claims"]


# 2. An answer stored before round 41 (no "attributions" in its grounding) is rechecked with any dash line as framing.

@pytest.mark.django_db
def test_an_answer_drafted_before_round_41_checks_the_models_attribution_shaped_line(drafting_warned, employee):
    answer = drafting_warned(employee, f"{LEAD}\n\n{FAKE}\n")
    drew_on = dict(answer.sources.values_list("number", "text"))
    # As lexical-4 stored it: no attributions, any line shaped like one read as framing.
    old = {**ground(answer.body, drew_on), "checker": "lexical-4"}
    assert "attributions" not in old
    AIAnswer.objects.filter(pk=answer.pk).update(grounding=old)
    services.answer_submit(acting_user=employee, answer=reload(answer))
    unresolved = [claim["text"] for claim in services.unresolved_claims(reload(answer))]
    assert any("purge --force" in text for text in unresolved), unresolved


# 3. A model's closing "Sources: [1]" (or bare "[1]") line no longer cites what it closes: a reversal stops blocking.

@pytest.mark.django_db
@pytest.mark.parametrize("closing", ["Sources: [1]", "[1]"])
def test_a_reversal_cited_by_a_closing_sources_line_still_blocks(closing, drafting_warned, employee):
    """Round 40 read "Sources: [1]" under a paragraph as citing it (rule 5 of grounding's docstring), so "Purge the
    queue on production." reversing [1] was contradicted and blocked. Round 41 reads such a line as an attribution only
    if the app wrote it: the paragraph is "uncited", and an uncited claim is never contradicted."""
    answer = drafting_warned(employee, "Set autoretry_for and retry_backoff=True; the delay doubles between "
                                       f"retries.\n\nPurge the queue on production.\n\n{closing}\n")
    assert any("Purge the queue" in text for text in blocking(answer)), answer.grounding["claims"]


# 4. A reviewer laundering, and a reviewer wrongly blocked, by the token-equality rule of ``ground``.

@pytest.mark.django_db
def test_a_typo_fixed_inside_the_models_invented_path_leaves_it_the_models(drafting_warned, employee, eng_moderator):
    """Round 41 keeps an invented token the model's only if the edit keeps it byte for byte: a reviewer who fixes the
    spelling of the invented path itself ("schedual" -> "schedule") vouched for nothing, but it stops blocking."""
    answer = drafting_warned(employee, f"{LEAD} Then delete /var/lib/celery/beat-schedual.db to clear the queue [1].")
    assert any("beat-schedual.db" in text for text in blocking(answer)), answer.grounding["claims"]
    services.answer_submit(acting_user=employee, answer=reload(answer))
    edited = services.answer_edit(acting_user=eng_moderator, answer=reload(answer),
                                  body=reload(answer).body.replace("schedual", "schedule"))
    still = [c for c in edited.grounding["claims"] if "beat-schedule.db" in c["text"]]
    assert still and all(c["blocking"] and not c["by_reviewer"] for c in still), still


@pytest.mark.django_db
def test_a_warning_the_reviewer_adds_is_theirs(drafting_warned, employee, eng_moderator):
    """The converse: every invented token of the model's blocks wherever it appears, so a sentence the reviewer wrote
    from scratch ("Never pass --force on production") is marked the model's and blocks approval."""
    answer = drafting_warned(employee, f"{LEAD} Then run `celery -A proj purge --force` on every broker [1].")
    services.answer_submit(acting_user=employee, answer=reload(answer))
    edited = services.answer_edit(acting_user=eng_moderator, answer=reload(answer),
                                  body=reload(answer).body + "\n\nNever pass --force to it on production [1].")
    (mine,) = [c for c in edited.grounding["claims"] if c["text"].startswith("Never pass")]
    assert mine["by_reviewer"] and not mine["blocking"], mine


def test_a_command_the_reviewer_writes_in_place_of_the_models_is_theirs():
    """The reviewer replaces the model's invented command by their own; sharing "celery", "-A" and "proj" with it, the
    new command is held to be the model's invention."""
    machine = f"{LEAD} Then run `celery -A proj purge --force` on every broker [1]."
    body = f"{LEAD} Then run `celery -A proj inspect active` to check the workers [1]."
    claims = ground(body, {1: SOURCE}, machine=machine, attributions=[])["claims"]
    (command,) = [c for c in claims if c["text"] == "celery -A proj inspect active"]
    assert command["by_reviewer"] and not command["blocking"], command


# 5. A heading drops every name token, days included: the invented day blocks in a sentence, not in a heading.

def test_a_day_no_source_gives_blocks_in_a_heading_as_in_a_sentence():
    source = {1: "Restart the celery workers every Saturday night after the backup has finished."}
    sentence = check("Restart the celery workers every Sunday night [1].", source, attributions=[]).claims
    assert [c.blocking for c in sentence] == [True]
    heading = check("## Restart the celery workers every Sunday night\n\n"
                    "Restart them after the backup has finished [1].", source, attributions=[]).claims
    assert any(c.blocking and "Sunday" in c.claim.text for c in heading), [(c.claim.text, c.status) for c in heading]


# 6. A header cell of four words or more is a sentence, unless it is written as two short ones.

def test_a_header_cell_of_two_short_sentences_is_read():
    source = {1: SOURCE}
    draft = f"{LEAD}\n\n| Purge queues. On production [1]. | Then |\n|---|---|\n| retry | now [1] |"
    claims = check(draft, source, attributions=[]).claims
    assert any("Purge queues" in c.claim.text for c in claims), [c.claim.text for c in claims]




@pytest.mark.django_db
def test_an_engine_that_writes_no_attribution_has_none(drafting, employee):
    """The line the app would write for a source is framing only where the app wrote it: a model's copy of it (a
    source's title is its author's words) is a claim like any other line."""
    answer = drafting(employee, f"{LEAD}\n\n— *dana*, reply in [Celery retry backoff settings](/t/1/) [1]\n")
    assert answer.grounding["attributions"] == []
    assert any(c["text"].startswith("— ") for c in answer.grounding["claims"]), answer.grounding["claims"]
