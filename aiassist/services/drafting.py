"""Asking and drafting: the asker's verbs, the kill switch, and the worker's path.

Each verb checks policy, changes rows in one transaction, writes one audit event, and enqueues
work on commit. The worker's path (claim -> generate -> draft, or release/fail) is here too, so a
task is a thin wrapper; nothing in this module can publish. Until its asker submits an answer, the
events and notices written about it are private (``policy.is_private_phase``): nobody else is shown them.
"""
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from common.db import close_interrupted
from common.exceptions import ApplicationError, Forbidden, InvalidInput, InvalidTransition, NotFound, RateLimited
from forum import effects
from forum import policy as forum_policy
from forum.audit import audit_record, audited
from forum.markup import machine_text, render_markdown, unmask_citation_links
from forum.models import AuditEvent, Post
from forum.services import notifications_withdraw, notify

from .. import disclaimers, grounding, lifecycle, risk
from .. import policy as ai_policy
from ..engines import NOTHING_FOUND, EngineError, TransientEngineError, load_engine
from ..models import AIAnswer, AnswerSource, AssistantSwitch
from ..retrieval.passages import close_open_blocks, sub_outside_code
from ..sources import content_hash, retrieve, still_shown

logger = logging.getLogger(__name__)
User = get_user_model()
S = AIAnswer.Status
BODY_MAX = 20_000
# A citation marker: not an escaped bracket (a quoted passage's own "\\[2\\]"), not link text; never in code.
_CITATION = re.compile(r"(?<!\\)\[(\d+)\](?!\()")
OUT_OF_ATTEMPTS = "The assistant stopped several times while drafting this answer."
# Lock the answer row alone, never the thread, category and asker rows joined in by select_related: inserts that
# refer to them take key-share locks on them, and a claim holding them FOR UPDATE while it waited for the audit
# chain's lock deadlocked with asks (tests/faults; since then every auditing transaction takes that lock first).
LOCK_ANSWER_ONLY = ("self",)
QUOTA_LOCK = 7_462_362  # pg_advisory_xact_lock(QUOTA_LOCK, user id): one user's asks are counted one at a time


class AssistantPaused(ApplicationError):
    status = 409
    code = "assistant_paused"


# The kill switch ------------------------------------------------------------------------------


def assistant_switch() -> AssistantSwitch:
    switch, _ = AssistantSwitch.objects.get_or_create(pk=1)
    return switch


def pause_message(category) -> str | None:
    """Why the assistant will not take requests in ``category`` now, or None when it will."""
    switch = AssistantSwitch.objects.filter(pk=1).first()
    if switch is None:
        return None
    if not switch.enabled:
        return "The assistant is paused by the administrators. Your colleagues can still answer in the thread."
    if switch.disabled_categories.filter(pk=category.pk).exists():
        return f"The assistant is paused in {category.name}. Your colleagues can still answer in the thread."
    return None


def _switch_state(switch: AssistantSwitch) -> dict:
    return {"enabled": switch.enabled,
            "disabled_categories": sorted(switch.disabled_categories.values_list("slug", flat=True))}


@audited
def assistant_configure(*, acting_user, enabled: bool | None = None, disabled_categories=None) -> AssistantSwitch:
    if not ai_policy.can_configure_assistant(acting_user):
        raise Forbidden("Only administrators can pause or resume the assistant.")
    switch = AssistantSwitch.objects.select_for_update().get_or_create(pk=1)[0]
    before = _switch_state(switch)
    if enabled is not None:
        switch.enabled = enabled
    switch.updated_by = acting_user
    switch.save()
    if disabled_categories is not None:
        switch.disabled_categories.set(disabled_categories)
    after = _switch_state(switch)
    audit_record(actor=acting_user, verb="assistant.configure", target=switch, data={"before": before, "after": after})
    return switch


# Asking ---------------------------------------------------------------------------------------


def answer_url(answer: AIAnswer) -> str:
    return reverse("forum:thread", args=[answer.thread_id]) + "#ai-panel"


def question_of(thread, *, as_written: bool = False) -> str:
    """The thread's title and opening post; the title alone when a moderator hid the post, unless ``as_written``: the
    question as its author has it now, hidden or not (a hidden one is ``question_withheld``'s to answer for)."""
    opening = Post.objects.filter(thread=thread).order_by("created_at", "id").values_list("body", "hidden").first()
    body = opening[0] if opening and (as_written or not opening[1]) else ""
    return f"{thread.title}\n\n{body}".strip()


_WORDS = re.compile(r"[^\W_]{3,}")  # letters and digits: "db_globex_prod" and "db\_globex\_prod" read alike
_NAMES = re.compile(r"[\w.\-:/@]+")  # a name of short parts: "10.42.7.19", "db-7"


def _words(text: str) -> set[str]:
    """The words of ``text`` a restatement would show, case folded, its Markdown escapes read as the reader sees them:
    runs of three letters or digits or more, and names of any parts ("10.42.7.19", "db-7") of three characters or
    more."""
    text = text.casefold().replace("\\", "")
    names = {name.strip(".-:/@_") for name in _NAMES.findall(text)}
    return set(_WORDS.findall(text)) | {name for name in names if len(name) >= 3}


def restates_taken_back(asked: str, now: str, texts, *, sources=()) -> bool:
    """Whether ``texts`` (an answer's text, its machine original, its risk reasons, which quote what they matched in
    the question) hold a word of the question as it was ``asked`` that the question as it reads ``now`` no longer
    holds, and that none of the answer's ``sources`` (their passages and titles: the answer may show those) holds: a
    host name, an address, a customer's name its author edited out of the title or the opening post. An engine may
    restate the question (the extractive one never does, and quotes only its sources); such an answer must not go on
    showing what its author took back (round 38). Read word by word (``_words``): a word the question dropped that
    the answer holds for another reason withholds the answer all the same (more than needed); a paraphrase is not
    caught."""
    if asked == now:
        return False
    dropped = _words(asked) - _words(now)
    for source in sources:
        if not dropped:
            break
        dropped -= _words(source)
    return bool(dropped) and any(not dropped.isdisjoint(_words(text)) for text in texts if text)


def _check_quota(user, *, asked: AIAnswer, retry=None) -> None:
    """Refuse ``asked`` (just inserted, or ``retry``: the audit event of its retry, just appended) when ``user``
    already had the quota's worth of drafts made in the last hour: answers asked, and failed answers sent back to
    the engine (a retry drafts again: round 29's review kept drafting past the quota that way).

    Counted under a lock per user, held to commit, so that parallel asks count one after another and
    each sees the rows of those before it: an advisory lock on PostgreSQL; SQLite takes its write
    lock at BEGIN IMMEDIATE. The ask's transaction took the audit chain's lock first (``audited``), so
    every transaction takes the two in the same order and none waits on another in a circle."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", [QUOTA_LOCK, user.pk % 2**31])
    window_start = timezone.now() - timedelta(hours=1)
    recent = AIAnswer.objects.filter(asker=user, created_at__gte=window_start)
    recent = recent if retry else recent.exclude(pk=asked.pk)
    retried = AuditEvent.objects.filter(actor=user, verb="ai_answer.retry", created_at__gte=window_start)
    retried = retried.exclude(pk=retry.pk) if retry else retried
    if recent.count() + retried.count() >= settings.ASSISTANT_QUOTA_PER_HOUR:
        oldest = min((moment for moment in (recent.order_by("created_at").values_list("created_at", flat=True).first(),
                                            retried.order_by("created_at").values_list("created_at", flat=True).first())
                      if moment), default=None)
        # A quota of 0 matches with no request in the window: nothing frees up within the hour.
        until = oldest + timedelta(hours=1) if oldest else timezone.now() + timedelta(hours=1)
        retry_after = max(1, int((until - timezone.now()).total_seconds()))
        raise RateLimited(
            f"You have asked the assistant {settings.ASSISTANT_QUOTA_PER_HOUR} times in the last hour. "
            f"Try again in {max(1, retry_after // 60)} minute(s).",
            retry_after=retry_after,
        )


def _enqueue_generation(answer: AIAnswer) -> None:
    from ..tasks import generate_answer_task  # tasks import this module

    AIAnswer.objects.filter(pk=answer.pk).update(enqueued_at=timezone.now())
    effects.enqueue_on_commit(generate_answer_task, answer.pk, on_failure=lambda: _mark_unsent([answer.pk]))


def _mark_unsent(answer_ids) -> None:
    """The broker never took these: the next sweep sends them, without waiting out the grace period."""
    AIAnswer.objects.filter(pk__in=answer_ids, status=S.QUEUED).update(enqueued_at=None)


@audited
def answer_request(*, acting_user, thread, audience: str = AIAnswer.Audience.ASKER,
                   regenerated_from: AIAnswer | None = None) -> AIAnswer:
    """Ask for a private draft about ``thread``; generation happens in the worker after commit."""
    if not ai_policy.can_request_answer(acting_user, thread):
        raise NotFound("No such thread.")
    if audience not in AIAnswer.Audience.values:
        raise InvalidInput("Unknown audience.",
                           details={"audience": [f"One of: {', '.join(AIAnswer.Audience.values)}."]})
    paused = pause_message(thread.category)
    if paused:
        raise AssistantPaused(paused)
    answer = AIAnswer.objects.create(thread=thread, asker=acting_user, audience=audience,
                                     question=question_of(thread), regenerated_from=regenerated_from)
    audit_record(actor=acting_user, verb="ai_answer.request", target=answer, category=thread.category,
                 data={"thread": thread.pk, "audience": audience,
                       "regenerated_from": regenerated_from.pk if regenerated_from else None},
                 private=ai_policy.is_private_phase(answer))
    _check_quota(acting_user, asked=answer)  # raising rolls the row and its event back
    _enqueue_generation(answer)
    return answer


def _asker_only(acting_user, answer: AIAnswer) -> None:
    if not ai_policy.can_view_answer(acting_user, answer):
        raise NotFound("No such answer.")
    if not ai_policy.is_asker(acting_user, answer):
        raise Forbidden("Only the person who asked can do this.")


def _locked(answer: AIAnswer) -> AIAnswer:
    """Re-read the row under a lock: the state we act on is the state in the database."""
    return AIAnswer.objects.select_for_update(of=LOCK_ANSWER_ONLY).select_related(
        "thread", "thread__category").get(pk=answer.pk)


RESTORE_WINDOW = timedelta(minutes=10)


@audited
def answer_discard(*, acting_user, answer: AIAnswer) -> AIAnswer:
    """The asker throws a draft (or a failed or queued answer) away; a draft may be restored for
    ``RESTORE_WINDOW`` (``answer_restore``)."""
    _asker_only(acting_user, answer)
    answer = _locked(answer)
    lifecycle.check(answer, S.DISCARDED)
    restorable = answer.status == S.DRAFT
    answer.status = S.DISCARDED
    answer.discarded_at = timezone.now() if restorable else None
    answer.save(update_fields=["status", "discarded_at", "updated_at"])
    audit_record(actor=acting_user, verb="ai_answer.discard", target=answer, category=answer.thread.category,
                 private=ai_policy.is_private_phase(answer))
    # "Your draft is ready" about a draft that is gone: the notice goes with it.
    notifications_withdraw(recipient=answer.asker, subject=f"ai_answer:{answer.pk}", verbs=("ai_draft_ready",))
    return answer


def is_restorable(answer: AIAnswer, *, now=None) -> bool:
    """A draft its asker discarded less than ``RESTORE_WINDOW`` ago (a regenerated one is replaced, not restorable)."""
    return (answer.status == S.DISCARDED and answer.discarded_at is not None
            and answer.discarded_at > (now or timezone.now()) - RESTORE_WINDOW)


@audited
def answer_restore(*, acting_user, answer: AIAnswer) -> AIAnswer:
    """Undo a discard: the draft comes back as it was, unless the asker has asked again since."""
    _asker_only(acting_user, answer)
    answer = _locked(answer)
    if not is_restorable(answer):
        raise InvalidTransition("Only a draft you discarded in the last "
                                f"{int(RESTORE_WINDOW.total_seconds() // 60)} minutes can be restored.")
    newer = AIAnswer.objects.filter(asker=acting_user, thread_id=answer.thread_id, created_at__gt=answer.created_at)
    if newer.exists():
        raise InvalidTransition("You have asked the assistant again since; the newer answer replaces this one.")
    answer.status, answer.discarded_at = S.DRAFT, None
    answer.save(update_fields=["status", "discarded_at", "updated_at"])
    audit_record(actor=acting_user, verb="ai_answer.restore", target=answer, category=answer.thread.category,
                 private=ai_policy.is_private_phase(answer))
    return answer


@audited
def answer_retry(*, acting_user, answer: AIAnswer) -> AIAnswer:
    """A failed answer goes back to the queue (the retry button)."""
    _asker_only(acting_user, answer)
    answer = _locked(answer)
    if answer.status != S.FAILED:
        raise InvalidTransition("Only a failed answer can be retried.")
    paused = pause_message(answer.thread.category)
    if paused:
        raise AssistantPaused(paused)
    answer.status, answer.error, answer.attempts = S.QUEUED, "", 0
    answer.save(update_fields=["status", "error", "attempts", "updated_at"])
    event = audit_record(actor=acting_user, verb="ai_answer.retry", target=answer, category=answer.thread.category,
                         private=ai_policy.is_private_phase(answer))
    _check_quota(acting_user, asked=answer, retry=event)  # raising rolls the retry and its event back
    _enqueue_generation(answer)
    return answer


@audited
def answer_regenerate(*, acting_user, answer: AIAnswer, audience: str = AIAnswer.Audience.ASKER) -> AIAnswer:
    """A fresh draft replaces this one (which is discarded if it was still the asker's)."""
    _asker_only(acting_user, answer)
    answer = _locked(answer)
    if answer.status in (S.DRAFT, S.FAILED):
        lifecycle.check(answer, S.DISCARDED)
        answer.status = S.DISCARDED
        answer.save(update_fields=["status", "updated_at"])
    elif answer.status not in (S.REJECTED, S.DISCARDED, S.RETRACTED):
        raise InvalidTransition("Only a draft, a failed, a rejected or a retracted answer can be regenerated.")
    return answer_request(acting_user=acting_user, thread=answer.thread, audience=audience, regenerated_from=answer)


@audited
def answer_feedback(*, acting_user, answer: AIAnswer, rating: str) -> AIAnswer:
    _asker_only(acting_user, answer)
    if rating not in (AIAnswer.Rating.HELPFUL, AIAnswer.Rating.NOT_HELPFUL):
        raise InvalidInput("Rate an answer helpful or not_helpful.", details={"rating": ["Invalid choice."]})
    answer = _locked(answer)
    if answer.status in (S.QUEUED, S.GENERATING, S.FAILED):
        raise InvalidTransition("There is no draft to rate yet.")
    answer.rating = rating
    answer.save(update_fields=["rating", "updated_at"])
    audit_record(actor=acting_user, verb="ai_answer.feedback", target=answer, category=answer.thread.category,
                 data={"rating": rating}, private=ai_policy.is_private_phase(answer))
    return answer


# The worker's path ----------------------------------------------------------------------------


def answer_claim(*, answer_id: int) -> AIAnswer | None:
    """Atomically move a queued answer (or one whose worker died) to generating.

    Returns the claimed answer, or None when someone else holds it or it has moved on: a duplicate
    delivery of the same task therefore does nothing. An answer that has used up its attempts
    (1 + ASSISTANT_MAX_RETRIES, counted on the row whatever delivered them: retries, the sweeper,
    redeliveries after a dead worker) fails instead, so no answer is drafted forever.
    """
    now = timezone.now()
    with audited():
        claimable = Q(status=S.QUEUED) | Q(status=S.GENERATING, lease_expires_at__lt=now)
        answer = AIAnswer.objects.select_for_update(of=LOCK_ANSWER_ONLY).filter(claimable, pk=answer_id).select_related(
            "thread", "thread__category", "asker").first()
        if answer is None:
            return None
        if answer.attempts > settings.ASSISTANT_MAX_RETRIES:
            answer_fail(answer_id=answer.pk, message=answer.error or OUT_OF_ATTEMPTS)
            return None
        answer.status = S.GENERATING
        answer.attempts += 1
        answer.claims += 1
        answer.lease_expires_at = now + timedelta(seconds=settings.ASSISTANT_LEASE_SECONDS)
        # Drafted from the question as it reads now: one queued (or failed, then retried) while its author edited
        # something out of it must not hand the engine what was taken back (round 38's review).
        answer.question = question_of(answer.thread)
        answer.save(update_fields=["status", "attempts", "claims", "lease_expires_at", "question", "updated_at"])
        audit_record(actor=None, verb="ai_answer.claim", target=answer, category=answer.thread.category,
                     data={"attempt": answer.attempts}, private=ai_policy.is_private_phase(answer))
    return answer


def _engine():
    name = settings.ASSISTANT_ENGINE
    return load_engine(name, settings.ASSISTANT_ENGINE_CONFIG.get(name, {}))


def answer_generate(*, answer_id: int) -> AIAnswer | None:
    """The worker's whole job for one answer. Runs outside any request; owns its transactions.

    The engine call happens outside a transaction (it may take seconds); the result is stored only
    if this worker still holds its claim (still generating, and no claim since: ``AIAnswer.claims``, which a retry
    does not reset, so a worker running late past its lease, a failure and a retry stores nothing).
    """
    answer = answer_claim(answer_id=answer_id)
    if answer is None:
        return None
    try:
        return _draft_claimed(answer)
    except BaseException as exc:
        # What the task's ``on_failure`` reads: the failure is this claim's, and fails nobody else's.
        exc.answer_claim = answer.claims
        raise


def _draft_claimed(answer: AIAnswer) -> AIAnswer | None:
    attempt, claim = answer.attempts, answer.claims
    asker, thread = answer.asker, answer.thread
    if not forum_policy.can_view_thread(asker, thread):
        return answer_fail(answer_id=answer.pk, message="You no longer have access to this thread.", claim=claim)
    paused = pause_message(thread.category)
    if paused:
        return answer_fail(answer_id=answer.pk, message=paused, claim=claim)
    try:
        sources = retrieve(asker=asker, thread=thread, question=answer.question, audience=answer.audience)
        engine = _engine()
        draft = engine.draft(answer.question, [s.doc for s in sources])
    except TransientEngineError as exc:
        if attempt > settings.ASSISTANT_MAX_RETRIES:
            # The budget is counted on the row, not per Celery message, so the deliveries the sweeper
            # sent again (after a lost message or a dead worker) count as well.
            return answer_fail(answer_id=answer.pk, message=exc.user_message, claim=claim)
        answer_release(answer_id=answer.pk, claim=claim, message=exc.user_message)
        raise
    except EngineError as exc:
        return answer_fail(answer_id=answer.pk, message=exc.user_message, claim=claim)
    except SoftTimeLimitExceeded:
        # Celery's soft time limit, raised inside whatever was running: give the row back now rather
        # than leave it claimed until its lease runs out, so the task's retry can claim it at once.
        # (Only this: after any other error the task records a failure, and a released row could be
        # claimed by another delivery in between.) The limit may have interrupted a statement: its connection is
        # closed first, or the release's own statement would fail on it.
        close_interrupted()
        answer_release(answer_id=answer.pk, claim=claim, message="The assistant took too long; trying again.")
        raise
    return _store_draft(answer_id=answer.pk, claim=claim, engine=engine, draft=draft, sources=sources,
                        question=answer.question)


EDITED_FROM = 0.75  # a claim this close (difflib's ratio) to a blocking claim of the model's is that claim, edited


def _edited_from(claim: dict, machine_blocking) -> bool:
    """Whether a blocking claim that is not the model's word for word is one of the model's blocking claims touched up
    by a reviewer (a typo fixed beside an invented path, or in it): most of its text is the model's, and it is still
    invented or still contradicted. Round 41: any edit of such a sentence made it the reviewer's, and it stopped
    blocking. A sentence the reviewer wrote in its place, or beside it, shares too little to be the model's."""
    text = " ".join(claim["text"].split())
    for checked in machine_blocking:
        if str(checked.status) == claim["status"] and str(checked.claim.kind) == claim["kind"]:
            machine = " ".join(checked.claim.text.split())
            matcher = SequenceMatcher(None, machine, text, autojunk=False)
            if matcher.real_quick_ratio() >= EDITED_FROM and matcher.ratio() >= EDITED_FROM:
                return True
    return False


def ground(body: str, passages: dict[int, str], confirmed=(), *, machine: str | None = None,
           attributions: Iterable[str] | None = None) -> dict:
    """The grounding stored with an answer for ``body``: every claim checked against the passages it
    cites (citation number -> the passage's Markdown as the engine was given it), and which of its
    blocking claims are among the ``confirmed`` keys (a reviewer's ``ClaimConfirmation``).

    With ``machine`` (the engine's original text, once a reviewer edited it), a claim that is not one of
    the machine's is the reviewer's own: it is marked ``by_reviewer`` and shown with its status, but does
    not block approval: the gate is about what the model invented, and the reviewer who wrote it is on
    record (the edit's audit event). Every claim the machine wrote still blocks until edited or confirmed, and so does
    one a reviewer only touched up (``_edited_from``): still invented or contradicted, it is still the model's.

    Lexical only, for every engine: the same text gives the same verdict on every machine and after
    every edit, and a reviewer's edit re-checks within the request (an embedder would add a model or a
    network call there, and a verdict that moves with the model).

    ``attributions``: the lines the engine wrote itself (the extractive engine's attributions), the only lines shaped
    like an attribution read as framing; None for an answer drafted before round 41 (any line shaped like one)."""
    data = grounding.record(body, passages, attributions=attributions)
    machine_keys, machine_blocking = None, []
    if machine is not None:
        machine_checked = grounding.check(machine, passages, attributions=attributions).claims
        machine_keys = {checked.claim.key for checked in machine_checked}
        machine_blocking = [checked for checked in machine_checked if checked.blocking]
    for claim in data["claims"]:
        claim["by_reviewer"] = (machine_keys is not None and claim["key"] not in machine_keys
                                and not (claim["blocking"] and _edited_from(claim, machine_blocking)))
        claim["blocking"] = claim["blocking"] and not claim["by_reviewer"]
    blocking = {claim["key"] for claim in data["claims"] if claim["blocking"]}
    data["confirmed"] = sorted(blocking & set(confirmed))
    return data


def classify_risk(body: str, checked: dict, *, question: str, sources, read=None, framing=()) -> risk.Assessment:
    """Risk over what a reader will see, the body, and over the same claims grounding checked (the
    claims of a quoted code block come without their ``>`` prefixes, so a command split across quoted
    lines is read whole). ``read``: the sources' risk readings the index stored (``risk.stored_readings``);
    ``framing``: the engine's own paragraphs (``Draft.framing``)."""
    claims = [claim["text"] for claim in checked.get("claims", [])]
    return risk.classify(body, *claims, question=question, sources=sources, read=read, framing=framing)


@dataclass(frozen=True)
class _Checked:
    """A draft as it will be stored, with its checks: computed before the transaction that stores it (which holds the
    audit chain's lock, ``audited``), so no other audited transaction waits for a draft's grounding and risk."""

    text: str
    html: str
    ordered: list  # the sources as numbered in ``text``: the cited ones first
    cited_numbers: set  # the engine's numbers of the cited ones
    checked: dict
    assessment: risk.Assessment


def _checked_draft(*, question: str, draft, sources) -> _Checked:
    # Cited sources become [1]..[c] in ranked order; the others follow, stored all the same: the engine
    # saw them, so the audience checks count them too. A declined draft (the engine found no answer in them) says
    # so in the app's words and holds nothing of theirs: it is stored without sources, so it lists none as if they
    # were relevant and is not classified by the risk of advice it did not give (the audit event names them).
    cited_numbers = set() if draft.declined else set(draft.cited)
    cited = [s for s in sources if s.doc.number in cited_numbers]
    ordered = [] if draft.declined else cited + [s for s in sources if s.doc.number not in cited_numbers]
    renumber = {s.doc.number: new for new, s in enumerate(ordered, start=1)}

    def renumbered(text: str) -> str:
        return sub_outside_code(
            _CITATION, lambda m: f"[{renumber[int(m.group(1))]}]" if int(m.group(1)) in cited_numbers else "", text)

    text = NOTHING_FOUND if draft.declined else renumbered(close_open_blocks(draft.text[:BODY_MAX]))
    # Whatever the engine, nothing that renders to nothing or to something else than it reads (raw HTML, images,
    # bidirectional overrides, link reference definitions): the review desk, the public page, the API and the
    # search index would not all show the same. Last, as dropping a marker can make a definition ("[9][1]: url").
    text = machine_text(text)
    # The engine's own paragraphs as they now stand in the text (a line changed on the way is read as any other); a
    # declined draft's text is the app's own.
    written = [text] if draft.declined else list(map(machine_text, map(renumbered, draft.framing)))
    framing = [line for line in written if line in text]
    # The lines the engine wrote itself (the extractive engine's attributions among them) are the only lines shaped
    # like an attribution that the grounding check reads as one; a model writes none (round 41). Compared without
    # their escapes: machine_text escapes a title's "~" in the whole text and not alone (round 41's review).
    checked = ground(text, {renumber[s.doc.number]: s.doc.text for s in ordered}, attributions=written)
    # Every passage the engine was given, cited or not: a draft may paraphrase advice it does not cite.
    assessment = classify_risk(text, checked, question=question, sources=[s.doc.text for s in ordered],
                               read=risk.stored_readings((s.doc.text, s.risk_read_by, s.risk_logit) for s in ordered),
                               framing=framing)
    return _Checked(text=text, html=unmask_citation_links(render_markdown(text)), ordered=ordered,
                    cited_numbers=cited_numbers, checked=checked, assessment=assessment)


def _store_draft(*, answer_id, claim, engine, draft, sources, question: str) -> AIAnswer | None:
    """Store the draft if this worker still holds the answer (its claim, still generating): checked first, then
    written in a short transaction. A worker that no longer holds it drops its result without checking it (a check
    that failed there would fail the answer, which another attempt holds now)."""
    if not AIAnswer.objects.filter(pk=answer_id, status=S.GENERATING, claims=claim).exists():
        logger.info("answer %s moved on while drafting (claim %s); result dropped", answer_id, claim)
        return None
    done = _checked_draft(question=question, draft=draft, sources=sources)
    return _save_draft(answer_id=answer_id, claim=claim, engine=engine, draft=draft, sources=sources, done=done)


@audited
def _save_draft(*, answer_id, claim, engine, draft, sources, done: _Checked) -> AIAnswer | None:
    answer = AIAnswer.objects.select_for_update(of=LOCK_ANSWER_ONLY).select_related(
        "thread", "thread__category", "asker").get(pk=answer_id)
    if answer.status != S.GENERATING or answer.claims != claim:
        logger.info("answer %s moved on while drafting (claim %s); result dropped", answer_id, claim)
        return None
    text, ordered, cited_numbers, checked, assessment = (done.text, done.ordered, done.cited_numbers, done.checked,
                                                         done.assessment)
    cited = [s for s in ordered if s.doc.number in cited_numbers]
    renumber = {s.doc.number: new for new, s in enumerate(ordered, start=1)}
    answer.body, answer.body_html, answer.grounding = text, done.html, checked
    answer.engine, answer.model_name = engine.name, draft.model[:200]
    answer.risk, answer.risk_reasons = assessment.level, assessment.reasons
    answer.status, answer.error, answer.generated_at, answer.lease_expires_at = S.DRAFT, "", timezone.now(), None
    # The question edited while the worker drafted, and the draft restates what its author took out of it: the
    # edit's own transaction found no text to read (``services.answers_mark_question_taken_back``).
    answer.question_taken_back = restates_taken_back(
        answer.question, question_of(answer.thread, as_written=True), [text, *assessment.reasons],
        sources=[part for s in ordered for part in (s.doc.text, s.doc.title)])
    answer.save()
    gone = _taken_back_since(ordered)
    AnswerSource.objects.bulk_create([
        AnswerSource(answer=answer, number=renumber[s.doc.number], cited=s.doc.number in cited_numbers,
                     text=s.doc.text, role=s.doc.role, post=s.post, thread=s.post.thread,
                     category=s.post.thread.category, title=s.doc.title[:200], content_hash=s.content_hash,
                     taken_back=s.doc.number in gone)
        for s in ordered
    ])
    audit_record(actor=None, verb="ai_answer.draft", target=answer, category=answer.thread.category,
                 data={"engine": engine.name, "model": answer.model_name, "risk": assessment.level,
                       "grounding": checked["summary"],
                       "sources": [s.post.pk for s in cited],
                       "given": [s.post.pk for s in (sources if draft.declined else ordered)],
                       "declined": draft.declined},
                 private=ai_policy.is_private_phase(answer))
    notify(recipient=answer.asker, verb="ai_draft_ready",
           text=f"Your private AI draft for “{answer.thread.title}” is ready{disclaimers.NOTIFICATION_SUFFIX}",
           url=answer_url(answer), private=ai_policy.is_private_phase(answer), subject=f"ai_answer:{answer.pk}")
    return answer


def _taken_back_since(ordered) -> set[int]:
    """The engine's numbers of the sources whose passage its post no longer shows as written (``still_shown``), or
    whose thread has another title than the one the draft shows: an edit committed while the worker drafted.
    Read inside the draft's transaction, which holds the audit chain's lock as every edit does (``audited``): an edit
    committed before it is seen here, one after it marks the stored sources itself
    (``services.sources_mark_taken_back``, ``sources_mark_retitled``). Only a post changed since it was read is
    rendered."""
    if not ordered:
        return set()
    now = Post.objects.select_related("thread").only("body", "thread__title").in_bulk({s.post.pk for s in ordered})
    return {s.doc.number for s in ordered
            if s.post.pk not in now
            or now[s.post.pk].thread.title[:200] != s.doc.title[:200]
            or (content_hash(now[s.post.pk]) != s.content_hash and not still_shown(s.doc.text, now[s.post.pk].body))}


@audited
def answer_release(*, answer_id: int, claim: int, message: str) -> None:
    """A transient failure: back to the queue for the task's retry (only if we still hold it).

    The retry is sent now, so ``enqueued_at`` restarts: the sweeper must not send a second copy
    while the retry waits out its back-off (that would add attempts and race the retry).
    """
    now = timezone.now()
    updated = AIAnswer.objects.filter(pk=answer_id, status=S.GENERATING, claims=claim).update(
        status=S.QUEUED, lease_expires_at=None, error=message[:500], enqueued_at=now, updated_at=now)
    if updated:
        answer = AIAnswer.objects.select_related("thread__category").get(pk=answer_id)
        audit_record(actor=None, verb="ai_answer.release", target=answer, category=answer.thread.category,
                     data={"attempt": answer.attempts, "error": message[:200]},
                     private=ai_policy.is_private_phase(answer))


def answer_drafting(*, answer_id: int) -> bool:
    """Whether a worker holds the answer now (its lease runs; the sweeper sends it again if that worker died)."""
    return AIAnswer.objects.filter(pk=answer_id, status=S.GENERATING).exists()


@audited
def answer_fail(*, answer_id: int, message: str, claim: int | None = None) -> AIAnswer | None:
    """Terminal failure: the asker sees ``message`` and a retry button. ``claim``: the worker's (``answer_generate``),
    which fails the answer only while nobody claimed it since (still drafting, or given back to the queue by this very
    claim, whose retries are spent): a late worker's failure is not another claim's."""
    answer = AIAnswer.objects.select_for_update(of=LOCK_ANSWER_ONLY).select_related(
        "thread", "thread__category", "asker").filter(pk=answer_id).first()
    if answer is None or answer.status not in (S.QUEUED, S.GENERATING):
        return None
    if claim is not None and answer.claims != claim:
        logger.info("answer %s moved on while drafting (claim %s); failure dropped", answer_id, claim)
        return None
    answer.status, answer.error, answer.lease_expires_at = S.FAILED, (message or "Unknown error.")[:500], None
    answer.save(update_fields=["status", "error", "lease_expires_at", "updated_at"])
    audit_record(actor=None, verb="ai_answer.fail", target=answer, category=answer.thread.category,
                 data={"error": answer.error}, private=ai_policy.is_private_phase(answer))
    notify(recipient=answer.asker, verb="ai_draft_failed",
           text=f"The assistant could not draft an answer for “{answer.thread.title}”", url=answer_url(answer),
           private=ai_policy.is_private_phase(answer))
    return answer


def answers_sweep() -> list[int]:
    """Re-enqueue answers the broker lost or whose worker died. Returns the ids sent again."""
    from ..tasks import generate_answer_task

    now = timezone.now()
    grace = now - timedelta(seconds=settings.ASSISTANT_QUEUED_GRACE_SECONDS)
    rows = AIAnswer.objects.select_for_update(skip_locked=True, of=LOCK_ANSWER_ONLY)
    with audited():
        # Rows a worker is claiming at this moment are skipped (they are not stuck).
        expired = list(rows.select_related("thread__category").filter(status=S.GENERATING, lease_expires_at__lt=now))
        stale = list(rows.filter(Q(enqueued_at__lt=grace) | Q(enqueued_at__isnull=True), status=S.QUEUED)
                     .values_list("pk", flat=True)[:500])
        for answer in expired:
            AIAnswer.objects.filter(pk=answer.pk).update(status=S.QUEUED, lease_expires_at=None, enqueued_at=now)
            audit_record(actor=None, verb="ai_answer.lease_expired", target=answer, category=answer.thread.category,
                         data={"attempt": answer.attempts}, private=ai_policy.is_private_phase(answer))
        AIAnswer.objects.filter(pk__in=stale).update(enqueued_at=now)
    resend = [answer.pk for answer in expired] + stale
    sent = []
    for pk in resend:
        if not effects.enqueue(generate_answer_task, pk):
            # The broker is down: stop here rather than fail on every row; the next sweep sends the rest.
            _mark_unsent(resend[len(sent):])
            break
        sent.append(pk)
    if resend:
        logger.info("sweeper re-enqueued %d of %d answer(s)", len(sent), len(resend))
    return sent

