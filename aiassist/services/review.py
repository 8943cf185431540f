"""Review and promotion: the only way an AI answer reaches anyone but its asker.

submit (asker) -> in_review -> approve (reviewers; publishes when complete) / reject -> published
-> retract; or back to in_review (``answer_unpublish``) when its sources leave the thread's audience, or when its
question or a passage it quoted is edited (``answers_recheck_edit``).
``answer_publish`` is reachable only from ``answer_approve`` and refuses to run inside a Celery task,
so no worker can ever publish.
"""
import hashlib

from celery import current_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from common.exceptions import Forbidden, InvalidInput, InvalidTransition, NotFound
from forum import policy as forum_policy
from forum.audit import audit_record, audited
from forum.markup import machine_text, machine_text_dropped, render_markdown, unmask_citation_links
from forum.models import Category, Post, PostViewReceipt, Thread
from forum.services import notify, notify_watchers, post_url, thread_unaccept_hidden
from forum.text import has_control_characters, lf_line_breaks

from .. import desk, disclaimers, grounding, lifecycle
from .. import policy as ai_policy
from ..models import AIAnswer, AnswerReport, AnswerSource, Approval, ClaimConfirmation
from ..retrieval.passages import normalised_body
from ..sources import content_hash, still_shown, stored_risk_readings
from .drafting import (
    BODY_MAX,
    _locked,
    answer_url,
    classify_risk,
    ground,
    question_of,
    restates_taken_back,
)

User = get_user_model()
S = AIAnswer.Status
REASON_MAX = 1000


class SourcesOutsideAudience(InvalidTransition):
    """The answer cites something part of the thread's audience may not read."""

    code = "sources_outside_audience"


class UnresolvedClaims(InvalidTransition):
    """The text makes claims its sources do not support (invented or contradicted) that no reviewer
    has confirmed; edit them away or confirm each with a reason."""

    code = "unresolved_claims"


class DraftOutdated(InvalidTransition):
    """What the draft was written from changed since: the thread's question (edited, retitled or hidden by a
    moderator) or a post it drew on (edited). Reviewers would vet text against what no longer stands, and the
    public page could carry what its author or a moderator took back."""

    code = "draft_outdated"


class TextChanged(InvalidTransition):
    """Someone changed the text under review since the caller read it (the ``body_hash`` they sent): their approval
    or edit would cover, or silently undo, a text they have not seen."""

    code = "text_changed"


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def sources_outside_audience(answer: AIAnswer) -> list[AnswerSource]:
    """Cited sources that not everyone who can read the thread can read (now, not when drafted)."""
    sources = list(AnswerSource.objects.filter(answer=answer).select_related("post__thread"))
    categories = {s.post.thread.category_id for s in sources if s.post is not None}
    readable = set(forum_policy.audience_readable_categories(answer.thread.category).filter(
        pk__in=categories).values_list("pk", flat=True))
    return [s for s in sources if s.post is None or s.post.hidden or s.post.thread.category_id not in readable]


def question_withheld(answer: AIAnswer) -> bool:
    """The answer was drafted from its thread's opening post, which a moderator has hidden since (the question's
    text is then read by the thread's moderators only, and the answer may restate it)."""
    title = answer.thread.title.strip()
    return answer.question != title and question_of(answer.thread) == title  # the question is its title alone now


def outdated(answer: AIAnswer, question: str | None = None) -> list[str]:
    """What changed since the answer was drafted from it, in words that name no post its reader may not open: the
    thread's question (``question``, or ``question_of`` read here: as the draft read it) and each post it drew on
    (``content_hash``)."""
    changes = []
    if answer.question != (question_of(answer.thread) if question is None else question):
        changes.append("the thread's question")
    sources = AnswerSource.objects.filter(answer=answer, post__isnull=False).select_related("post__thread")
    changes += [f"source [{s.number}]" for s in sources if s.content_hash != content_hash(s.post)]
    return changes


def _refuse_outdated(answer: AIAnswer, verb: str, *, remedy: str) -> None:
    changes = outdated(answer)
    if changes:
        raise DraftOutdated(f"This answer cannot be {verb}: {' and '.join(changes)} changed since it was drafted. "
                            f"{remedy}", details={"changed": changes})


def _refuse_outside_audience(answer: AIAnswer, verb: str) -> None:
    outside = sources_outside_audience(answer)
    if outside:
        names = "; ".join(f"[{s.number}] {s.title}" for s in outside)
        raise SourcesOutsideAudience(
            f"This answer cannot be {verb}: it cites posts that not everyone who can read the thread may read "
            f"({names}). Regenerate it for the thread's audience.",
            details={"sources": [s.number for s in outside]},
        )


def _reason(reason: str, what: str) -> str:
    # Before the spaces are collapsed: str.split() takes U+001C-U+001F for spaces.
    if has_control_characters(reason or ""):
        raise InvalidInput("The reason contains a control character (only tab and line breaks are allowed).",
                           details={"reason": ["Invalid character."]})
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput(f"A reason is required to {what}.", details={"reason": ["This field is required."]})
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"Reasons are at most {REASON_MAX} characters.", details={"reason": ["Too long."]})
    return reason


def _coded_reason(code: str | None, reason: str, what: str) -> tuple[str, str]:
    """A reason code (incorrect, unsafe, outdated, incomplete, other) and its text. Callers that send no
    code (the API before codes existed) send "other": their text is all there is to go on. "other"
    needs the text; the others may leave it out, and then their label stands in for it (the asker and
    readers are always told something)."""
    code = AIAnswer.Reason.OTHER if code in (None, "") else code
    if code not in AIAnswer.Reason.values:
        raise InvalidInput(f"Unknown reason; choose one of: {', '.join(AIAnswer.Reason.values)}.",
                           details={"code": [f"One of: {', '.join(AIAnswer.Reason.values)}."]})
    if code != AIAnswer.Reason.OTHER and not " ".join((reason or "").split()):
        return code, AIAnswer.Reason(code).label
    return code, _reason(reason, what)  # "other" without text: "A reason is required to ..."


def _as_now(acting_user):
    """``acting_user`` as the database has them now, for the checks made again under the answer's lock: the access
    remembered on the request's user object and its ``is_active`` and ``is_superuser`` were read before the lock, so a
    grant withdrawn or an account deactivated while the request waited was not seen (round 40's review)."""
    if getattr(acting_user, "pk", None) is not None:
        forum_policy.forget_access(acting_user)
        acting_user.refresh_from_db(fields=["is_active", "is_superuser"])
    return acting_user


def _reviewer_only(acting_user, answer: AIAnswer) -> forum_policy.Access:
    """The acting user must be a reviewer of the category, and never the asker. Asked of the answer as the caller read
    it (refused before any lock), then again of the row as ``_locked`` reads it, and of the user as they are now
    (``_as_now``): a move of its thread committed in between must not let a reviewer of the category it left act in
    the one it went to (round 39's review), nor a grant withdrawn let its former holder act (round 40's)."""
    if not ai_policy.can_view_answer(acting_user, answer):
        raise NotFound("No such answer.")
    access = forum_policy.access_for(acting_user, answer.thread.category)
    if not access.can_review:
        raise Forbidden("Only reviewers of this category may do this.")
    if ai_policy.is_asker(acting_user, answer):
        raise Forbidden("You asked this question: someone else must review the answer.")
    return access


# The asker ------------------------------------------------------------------------------------


@audited
def answer_submit(*, acting_user, answer: AIAnswer) -> AIAnswer:
    """The asker asks for their draft to be reviewed for publication in the thread."""
    if not ai_policy.can_view_answer(acting_user, answer):
        raise NotFound("No such answer.")
    if not ai_policy.is_asker(acting_user, answer):
        raise Forbidden("Only the person who asked can submit this answer.")
    answer = _locked(answer)
    lifecycle.check(answer, S.IN_REVIEW)
    if answer.status != S.DRAFT:
        # The lifecycle lets a published answer go back to review, for ``answer_unpublish`` alone (which hides its
        # post first): submitted by its asker, a published answer went back to review with its post still up, then
        # withdrawn and discarded, or rejected, beyond any retraction (round 47's review).
        raise InvalidTransition("Only a draft can be submitted for review: this answer is "
                                f"{AIAnswer.Status(answer.status).label.lower()}.",
                                details={"status": answer.status, "target": S.IN_REVIEW})
    if answer.declined:
        raise InvalidTransition("There is nothing to review: the assistant found no answer in the posts you can read. "
                                "Your question stays open in the thread for colleagues.")
    # Reviewers are part of the thread's audience: nothing they may not read goes to them.
    _refuse_outside_audience(answer, "submitted")
    _refuse_outdated(answer, "submitted", remedy="Ask for a new draft.")
    answer.status, answer.submitted_at = S.IN_REVIEW, timezone.now()
    answer.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(actor=acting_user, verb="ai_answer.submit", target=answer, category=answer.thread.category)
    _notify_reviewers(answer)
    return answer


def _notify_reviewers(answer: AIAnswer) -> None:
    """Tell the category's reviewers that an answer waits for them. Security reviewers are among them:
    approving high-risk advice also takes the review grant (without it the answer is hidden from
    them). Only the thread's title: the text is for the review page. Never the asker."""
    category = answer.thread.category
    url = reverse("assistant:review", args=[answer.pk])
    for reviewer in forum_policy.holders_of(forum_policy.REVIEW, category).exclude(pk=answer.asker_id).order_by("pk"):
        notify(recipient=reviewer, verb="ai_review_requested",
               text=f"An AI answer for “{answer.thread.title}” in {category.name} awaits review",
               url=url, thread=answer.thread)


@audited
def answer_withdraw(*, acting_user, answer: AIAnswer) -> AIAnswer:
    """The asker takes a submitted answer back before anyone decides on it."""
    if not ai_policy.can_view_answer(acting_user, answer):
        raise NotFound("No such answer.")
    if not ai_policy.is_asker(acting_user, answer):
        raise Forbidden("Only the person who asked can withdraw this answer.")
    answer = _locked(answer)
    lifecycle.check(answer, S.DRAFT)
    answer.status = S.DRAFT
    answer.save(update_fields=["status", "updated_at"])
    audit_record(actor=acting_user, verb="ai_answer.withdraw", target=answer, category=answer.thread.category)
    return answer


# Reviewers ------------------------------------------------------------------------------------


def _normalised(body: str | None, stored: str | None = None) -> str:
    """The text as stored: browsers send a textarea's line breaks as CRLF, which is no edit; raw HTML, an image, a
    link reference definition becomes the text it is, as in a draft (``forum.markup.machine_text``): the review
    desk, the public page, the API and the search index would not all show the same. ``stored``, the answer's text:
    posted back unedited (the desk does, with an approval), it is that text, already as stored, however long (a draft
    of ``BODY_MAX`` characters grows up to four times as "<" becomes "&lt;"). Any other text is an edit, whose limit is
    ``BODY_MAX`` once normalised: beyond it once what ``machine_text`` drops is gone (from there it only adds), it is
    refused before the rest is read (the web form's field has no limit of its own, and a text built to
    keep ``machine_text`` busy costs it about 0.15 s of CPU a thousand characters: round 34's review)."""
    text = lf_line_breaks(body or "").strip()
    if stored is not None and text == stored:
        return stored
    if len(text) > STORED_MAX or len(text := machine_text_dropped(text)) > BODY_MAX:
        raise InvalidInput(f"Answers are at most {BODY_MAX} characters.", details={"body": ["Too long."]})
    return machine_text(text)


STORED_MAX = 4 * BODY_MAX  # an answer as stored, at most: machine_text makes each "<" of a draft "&lt;"


def _set_body(answer: AIAnswer, body: str, editor) -> None:
    if has_control_characters(body or ""):
        raise InvalidInput("The answer contains a control character (only tab and line breaks are allowed).",
                           details={"body": ["Invalid character."]})
    body = _normalised(body, answer.body)
    if not body:
        raise InvalidInput("The answer cannot be empty.", details={"body": ["This field is required."]})
    if len(body) > BODY_MAX:
        raise InvalidInput(f"Answers are at most {BODY_MAX} characters.", details={"body": ["Too long."]})
    if not answer.original_body:
        answer.original_body = answer.body
    sources = list(answer.sources.order_by("number").values_list("number", "text", "post_id", "title"))
    drew_on = {number: text for number, text, _, _ in sources}
    # Every claim checked again against the passages; standing confirmations of claims still in the text count.
    checked = ground(body, drew_on, ai_policy.confirmed_keys(answer), machine=answer.original_body,
                     attributions=stored_attributions(answer))
    # What a reader will see, over the question and every passage the draft drew on (an edit can lean
    # on a source's risky advice without repeating it).
    assessment = classify_risk(body, checked, question=answer.question, sources=list(drew_on.values()),
                               read=stored_risk_readings([(post_id, text) for _, text, post_id, _ in sources]))
    # An edit may add risk; it never removes what the machine's text already carried.
    if answer.risk == AIAnswer.Risk.HIGH and assessment.level != "high":
        reasons = answer.risk_reasons
    else:
        reasons = assessment.reasons
    answer.body, answer.body_html, answer.edited_by = body, unmask_citation_links(render_markdown(body)), editor
    answer.grounding = checked
    # Which passages the text cites now: the public page links those [n] and lists them, as the review desk
    # does for every passage given (an edit citing a passage the machine left uncited is linked on both).
    cites = {number for claim in checked.get("claims", []) for number in claim.get("citations", [])}
    answer.sources.filter(number__in=cites).exclude(cited=True).update(cited=True)
    answer.sources.exclude(number__in=cites).exclude(cited=False).update(cited=False)
    answer.risk = AIAnswer.Risk.HIGH if reasons else AIAnswer.Risk.LOW
    answer.risk_reasons = reasons
    # An edit may write back what the question's author took out of it (or its reasons quote it): withheld then too.
    answer.question_taken_back = restates_taken_back(
        answer.question, question_of(answer.thread, as_written=True), [body, answer.original_body, *reasons],
        sources=[part for _, text, _, title in sources for part in (text, title)])


@audited
def answer_edit(*, acting_user, answer: AIAnswer, body: str, text_hash: str | None = None) -> AIAnswer:
    """A reviewer edits the text under review; approvals of the old text no longer count. ``text_hash``, the
    ``body_hash`` of the text the edit started from: refused (``TextChanged``) when the text changed since, so an
    edit never silently undoes another reviewer's."""
    _reviewer_only(acting_user, answer)
    answer = _locked(answer)
    _reviewer_only(_as_now(acting_user), answer)
    if answer.status != S.IN_REVIEW:
        raise InvalidTransition("Only an answer in review can be edited.")
    _check_read(answer, text_hash)
    if text_hash is None and answer.edited_by_id not in (None, acting_user.pk):
        # As approving refuses: a page or client that sends no hash would undo the other reviewer's edit unseen (the
        # web form without its text_hash field: round 46's review).
        raise TextChanged("Another reviewer edited the text since it was submitted; edit the text you read by sending "
                          "the body_hash of the text your edit started from.")
    before = body_hash(answer.body)
    _set_body(answer, body, acting_user)
    answer.save()
    audit_record(actor=acting_user, verb="ai_answer.edit", target=answer, category=answer.thread.category,
                 data={"before": before, "after": body_hash(answer.body), "risk": answer.risk})
    return answer


# Grounding --------------------------------------------------------------------------------------


def stored_attributions(answer: AIAnswer) -> list[str] | None:
    """The lines the engine wrote itself, stored with the grounding since round 41, for every check of the answer's
    later text. An answer drafted before: the extractive engine wrote only its own attributions (any line of that
    shape is one, as then); any other engine wrote none, so every such line is a claim (round 41's review: a model's
    line shaped like one was checked by nothing, after the new checker too)."""
    if "attributions" in (answer.grounding or {}):
        return answer.grounding["attributions"]
    return None if answer.engine == "extractive" else []


def grounding_of(answer: AIAnswer) -> dict:
    """The answer's grounding, with the claims its standing confirmations let stand as they are now (a reviewer who
    no longer reviews its category no longer confirms anything: ``policy.standing_confirmations``), checked now if
    it has none for its body yet (an answer drafted before the checker existed, or by an older checker): the gate
    never passes an unchecked text, nor a claim on the word of someone who lost the right to give it. The caller
    saves the answer."""
    confirmed = ai_policy.confirmed_keys(answer)
    if answer.grounding.get("checker") != grounding.CHECKER:
        drew_on = dict(answer.sources.order_by("number").values_list("number", "text"))
        answer.grounding = ground(answer.body, drew_on, confirmed, machine=answer.original_body or None,
                                  attributions=stored_attributions(answer))
    else:
        blocking = {claim["key"] for claim in answer.grounding["claims"] if claim["blocking"]}
        answer.grounding = {**answer.grounding, "confirmed": sorted(blocking & confirmed)}
    return answer.grounding


def unresolved_claims(answer: AIAnswer) -> list[dict]:
    """The blocking claims of the current text (invented or contradicted) that no standing confirmation lets stand,
    once each (a claim repeated word for word has one key: one confirmation covers every copy)."""
    confirmed = set(grounding_of(answer)["confirmed"])
    unresolved = {}
    for claim in answer.grounding["claims"]:
        if claim["blocking"] and claim["key"] not in confirmed:
            unresolved.setdefault(claim["key"], claim)
    return list(unresolved.values())


def _shorten(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rsplit(" ", 1)[0] + "…"


def _refuse_unresolved(answer: AIAnswer, verb: str) -> None:
    unresolved = unresolved_claims(answer)
    if unresolved:
        listed = "; ".join(f"“{_shorten(c['text'])}” ({c['status']}: {c['reason']})" for c in unresolved)
        n = len(unresolved)
        raise UnresolvedClaims(
            f"This answer cannot be {verb}: {n} claim{'s' if n != 1 else ''} {'are' if n != 1 else 'is'} not "
            f"supported by {'their' if n != 1 else 'its'} sources. Edit {'them' if n != 1 else 'it'} away or "
            f"confirm {'each' if n != 1 else 'it'} with a reason: {listed}.",
            details={"claims": [{"key": c["key"], "text": c["text"], "status": c["status"], "reason": c["reason"]}
                                for c in unresolved]})


@audited
def answer_confirm_claim(*, acting_user, answer: AIAnswer, key: str, reason: str) -> ClaimConfirmation:
    """A reviewer lets one invented or contradicted claim of the current text stand, saying why. It
    counts while that claim is in the text; approving still takes the approvals the answer needs."""
    _reviewer_only(acting_user, answer)
    reason = _reason(reason, "confirm a claim")
    answer = _locked(answer)
    _reviewer_only(_as_now(acting_user), answer)
    if answer.status != S.IN_REVIEW:
        raise InvalidTransition("Only the claims of an answer in review can be confirmed.")
    claims = {claim["key"]: claim for claim in grounding_of(answer)["claims"]}
    claim = claims.get(key if isinstance(key, str) else "")
    if claim is None:
        raise InvalidInput("No claim of the current text has this key; reload the answer (it may have been edited).",
                           details={"key": ["Not a claim of the current text."]})
    if not claim["blocking"]:
        raise InvalidInput(f"This claim is {claim['status']}, not invented or contradicted: there is nothing "
                           "to confirm.", details={"key": ["Not a blocking claim."]})
    # Confirmed already while a confirmation of it stands (``grounding_of`` read them): one whose reviewer no longer
    # reviews here counts for nothing, and another reviewer may give their own.
    if key in answer.grounding["confirmed"]:
        raise InvalidTransition("This claim is already confirmed.")
    if ClaimConfirmation.objects.filter(answer=answer, key=key, reviewer=acting_user).exists():
        # Given when they still reviewed here, and no longer counting (their rights, read once a request, changed
        # within this one): refused, never a second row.
        raise InvalidTransition("You confirmed this claim before; it no longer counts. Ask another reviewer.")
    confirmation = ClaimConfirmation.objects.create(
        answer=answer, key=key, text=claim["text"], status=claim["status"], check_reason=claim["reason"][:1000],
        reviewer=acting_user, reason=reason, body_hash=body_hash(answer.body))
    answer.grounding = {**answer.grounding, "confirmed": sorted({*answer.grounding["confirmed"], key})}
    answer.save(update_fields=["grounding", "updated_at"])
    audit_record(actor=acting_user, verb="ai_answer.confirm_claim", target=answer, category=answer.thread.category,
                 # The answer's text stays out of the log, as everywhere (the claim's text is on the confirmation
                 # row, found by its key): the claim's hash, its status and the reviewer's reason.
                 data={"key": key, "claim": hashlib.sha256(claim["text"].encode()).hexdigest(),
                       "status": claim["status"], "reason": reason, "body": body_hash(answer.body),
                       "confirmation": confirmation.pk})
    return confirmation


def counting_approvals(answer: AIAnswer) -> list[Approval]:
    """The approvals that count for ``answer`` now: of its current text, not by its asker, and standing
    (``policy.standing_approvals``). One query, none when they were prefetched that way."""
    current = body_hash(answer.body)
    return [a for a in ai_policy.standing_approvals_of(answer)
            if a.standing and a.body_hash == current and a.reviewer_id != answer.asker_id]


def approvals_needed(answer: AIAnswer, *, adding=None) -> dict:
    """What the current text still needs: counts of valid approvals against the rule.

    Valid means of the current text, not by the asker, and standing now: a reviewer who lost
    ``review_ai_answers`` since no longer counts, one who lost ``approve_high_risk`` counts as a
    plain reviewer (``policy.standing_approvals``). Publishing asks this again.

    With ``adding`` (a reviewer), the counts as they would be after that reviewer's approval too
    (the review page's "Approve and publish" label).
    """
    current = [(a.reviewer_id, a.standing_high_risk) for a in counting_approvals(answer)]
    if adding is not None and not ai_policy.is_asker(adding, answer):
        current.append((adding.pk, forum_policy.access_for(adding, answer.thread.category).can_approve_high_risk))
    reviewers = {reviewer for reviewer, _ in current}
    authority = any(held for _, held in current)
    if answer.risk == AIAnswer.Risk.HIGH:
        missing = max(0, 2 - len(reviewers))
        return {"have": len(reviewers), "need": 2, "needs_security_reviewer": not authority,
                "complete": missing == 0 and authority}
    return {"have": len(reviewers), "need": 1, "needs_security_reviewer": False, "complete": len(reviewers) >= 1}


@audited
def answer_approve(*, acting_user, answer: AIAnswer, body: str | None = None,
                   text_hash: str | None = None) -> AIAnswer:
    """Approve the answer (optionally with an edited text); publishes when the approvals are complete.

    An approval covers the text its reviewer read: ``text_hash`` (the ``body_hash`` served with the text, or with
    an edited ``body`` the text the edit started from) must match the text as it stands; without it, an approval
    is refused once someone else has edited the text since it was submitted (they may not have seen the edit)."""
    _reviewer_only(acting_user, answer)
    answer = _locked(answer)
    access = _reviewer_only(_as_now(acting_user), answer)
    if answer.status != S.IN_REVIEW:
        lifecycle.check(answer, S.PUBLISHED)  # raises with the state's own message
    _check_read(answer, text_hash)
    _refuse_outdated(answer, "approved", remedy="Reject it, so that its asker can ask for a new draft.")
    if text_hash is None and answer.edited_by_id not in (None, acting_user.pk):
        # With a body too: an edit made from an older read would silently undo the other reviewer's.
        raise TextChanged("Another reviewer edited the text since it was submitted; approve the text you read by "
                          "sending its body_hash (with your edit, the body_hash of the text it started from).")
    if body is not None and _normalised(body, answer.body) != answer.body:
        before = body_hash(answer.body)
        _set_body(answer, body, acting_user)
        answer.save()
        audit_record(actor=acting_user, verb="ai_answer.edit", target=answer, category=answer.thread.category,
                     data={"before": before, "after": body_hash(answer.body), "risk": answer.risk})
    if answer.grounding.get("checker") != grounding.CHECKER:
        grounding_of(answer)
        answer.save(update_fields=["grounding", "updated_at"])
    _refuse_unresolved(answer, "approved")
    digest = body_hash(answer.body)
    if Approval.objects.filter(answer=answer, reviewer=acting_user, body_hash=digest).exists():
        raise InvalidTransition("You have already approved this text; another reviewer must approve it too.")
    Approval.objects.create(answer=answer, reviewer=acting_user, body_hash=digest,
                            high_risk_authority=access.can_approve_high_risk)
    audit_record(actor=acting_user, verb="ai_answer.approve", target=answer, category=answer.thread.category,
                 data={"body": digest, "risk": answer.risk, "high_risk_authority": access.can_approve_high_risk})
    if approvals_needed(answer)["complete"]:
        return answer_publish(acting_user=acting_user, answer=answer)
    return answer


def _check_read(answer: AIAnswer, text_hash: str | None) -> None:
    if text_hash is not None and text_hash != body_hash(answer.body):
        who = f" ({answer.edited_by.username} edited it)" if answer.edited_by_id else ""
        raise TextChanged(f"The text changed since you read it{who}; read it again before approving or editing.")


def assistant_account():
    """The system account that authors published AI posts; it cannot log in.

    Found by its name (``ASSISTANT_USERNAME``), created at the first publication. A person's account of that name
    (``_a_persons``) is never taken over: AI posts would go out under a colleague's name, on their profile, and their
    account would be locked. Publishing stops with the remedy instead (a review of round 45). The assistant's own
    account, given a password and used since, is locked again."""
    user, created = User.objects.get_or_create(
        username=settings.ASSISTANT_USERNAME, defaults={"is_active": False, "first_name": "AI assistant"})
    if not created and _a_persons(user):
        raise InvalidTransition(
            f"Nothing can be published: the assistant's account name {user.username!r} belongs to a person's "
            "account. An administrator must rename that account or set ASSISTANT_USERNAME to a free name.")
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.is_active = False
        user.save(update_fields=["password", "is_active"])
    return user


def _a_persons(user) -> bool:
    """Whether an account named like the assistant is a person's: one that wrote a post of its own, or that has
    authored no AI post and shows a person's use (a sign-in, an API token, staff rights, a group). One that authored
    AI posts and no other is the assistant's, whatever was done to it since."""
    from rest_framework.authtoken.models import Token

    kinds = set(Post.objects.filter(author=user).values_list("kind", flat=True).distinct())
    if kinds - {Post.Kind.ASSISTANT}:
        return True
    if kinds:
        return False
    return bool(user.last_login or user.is_staff or user.is_superuser or user.groups.exists()
                or Token.objects.filter(user=user).exists())


def answer_publish(*, acting_user, answer: AIAnswer) -> AIAnswer:
    """Create the public post. Only ``answer_approve`` calls this, inside its transaction."""
    if current_task and current_task.request.id:
        raise RuntimeError("AI answers are never published from a worker")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("answer_publish runs inside answer_approve's transaction")
    # The audience is the thread's as it stands under its lock, read again here: a move that committed since the
    # answer was read (while this waited on the audit chain) has moved it, and one not yet committed holds the row
    # until it has (its receivers then find this answer published, and withdraw it if it must go). Every transaction
    # that takes a thread's row holds the audit chain's lock first (``audited``), as this approval does: a reply, a
    # hide or a move in this thread runs wholly before or after it.
    from forum.services import _create_post, locked_thread  # the forum's own post creation (counts, search index)

    answer.thread = thread = locked_thread(answer.thread_id)
    _refuse_outside_audience(answer, "published")
    _refuse_outdated(answer, "published", remedy="Reject it, so that its asker can ask for a new draft.")
    _refuse_unresolved(answer, "published")
    lifecycle.check(answer, S.PUBLISHED)
    if not approvals_needed(answer)["complete"]:
        raise InvalidTransition("This answer does not have the approvals it needs.")
    if thread.locked:
        raise InvalidTransition("The thread is locked; unlock it before publishing into it.")
    post = _create_post(author=assistant_account(), thread=thread, body=answer.body, kind=Post.Kind.ASSISTANT)
    # Its [n] markers link to the sources listed under the post (templates/aiassist/partials/published_sources.html).
    cited = frozenset(answer.sources.filter(cited=True).values_list("number", flat=True))
    post.body_html = desk.link_citations(post.body_html, desk.source_anchor(answer), cited)
    post.save(update_fields=["body_html"])
    answer.status, answer.published_post, answer.published_at = S.PUBLISHED, post, timezone.now()
    answer.attention_reason, answer.attention_at = "", None
    answer.save()
    # The post names the reviewers whose approvals counted, as ``approvals_needed`` weighed them just now: not one
    # who approved this text but no longer reviews the category (round 43's review), nor an earlier publication's.
    counted = [approval.pk for approval in counting_approvals(answer)]
    answer.approvals.update(counted=Case(When(pk__in=counted, then=Value(True)), default=Value(False)))
    reviewers = list(Approval.objects.filter(pk__in=counted).values_list("reviewer__username", flat=True))
    data = {"post": post.pk, "reviewers": reviewers}
    if answer.grounding["confirmed"]:  # published with claims the sources do not support, on a reviewer's word
        data["claims_confirmed"] = answer.grounding["confirmed"]
    audit_record(actor=acting_user, verb="ai_answer.publish", target=answer, category=thread.category, data=data)
    notify(recipient=answer.asker, verb="ai_published",
           text=f"The AI answer you asked for in “{thread.title}” was reviewed and published"
                f"{disclaimers.NOTIFICATION_SUFFIX}", url=post_url(post))
    notify_watchers(post=post, verb="ai_published", exclude={answer.asker_id, acting_user.pk},
                    text=f"An AI answer in “{thread.title}”, a thread you watch, was reviewed and published"
                         f"{disclaimers.NOTIFICATION_SUFFIX}")
    return answer


@audited
def answer_reject(*, acting_user, answer: AIAnswer, reason: str, code: str | None = None) -> AIAnswer:
    _reviewer_only(acting_user, answer)
    code, reason = _coded_reason(code, reason, "reject an answer")
    answer = _locked(answer)
    _reviewer_only(_as_now(acting_user), answer)
    lifecycle.check(answer, S.REJECTED)
    answer.status, answer.reject_reason, answer.reject_code = S.REJECTED, reason, code
    answer.rejected_at = timezone.now()
    answer.save(update_fields=["status", "reject_reason", "reject_code", "rejected_at", "updated_at"])
    audit_record(actor=acting_user, verb="ai_answer.reject", target=answer, category=answer.thread.category,
                 data={"reason": reason, "code": code})
    notify(recipient=answer.asker, verb="ai_rejected",
           text=f"The AI answer you submitted in “{answer.thread.title}” was rejected: {reason}",
           url=answer_url(answer))
    return answer


_WITHDRAWN_BY = {"reviewer": "a reviewer", "moderator": "a moderator", "administrator": "an administrator"}


def _withdrawer(acting_user, answer: AIAnswer) -> str:
    """Who may retract (``policy.can_withdraw_answer``), and in which capacity, for the notice and the audit."""
    if not (ai_policy.can_view_answer(acting_user, answer) or ai_policy.can_withdraw_answer(acting_user, answer)):
        raise NotFound("No such answer.")
    if ai_policy.can_review_answer(acting_user, answer):
        return "reviewer"
    if ai_policy.can_withdraw_answer(acting_user, answer):
        return "administrator" if acting_user.is_superuser else "moderator"
    reviews_here = forum_policy.access_for(acting_user, answer.thread.category).can_review
    if reviews_here and ai_policy.is_asker(acting_user, answer):
        raise Forbidden("You asked this question: someone else must review the answer.")
    raise Forbidden("Only reviewers and moderators of this category may retract an answer.")


def _hide_published_post(answer: AIAnswer, reason: str, *, acting_user) -> Post:
    """Hide the answer's post: its readers lose it, its thread keeps it as a placeholder for moderators. Accepted as
    the thread's answer, it is no longer: "Has an accepted answer", the lists' "Answered" and the API's
    ``accepted_post`` went on naming a text the reviewers withdrew (round 39's review:
    ``forum.services.thread_unaccept_hidden``, as for a reply a moderator hides)."""
    post = Post.objects.select_for_update().get(pk=answer.published_post_id)
    post.hidden, post.hidden_reason = True, reason[:500]
    post.save(update_fields=["hidden", "hidden_reason", "updated_at"])
    thread_unaccept_hidden(acting_user=acting_user, thread=answer.thread, post=post)
    return post


# For someone who read an AI answer but can no longer open its thread (it moved): the warning, nothing more.
WITHDRAWN_ELSEWHERE = ("An AI-generated answer you read earlier, in a thread you can no longer open, was withdrawn "
                       "by the reviewers. It must not be relied on; ask a colleague if you acted on it.")


def _readers(post: Post) -> set[int]:
    """Everyone who was shown the post's text, on any surface (view receipts), and the reviewers who approved it
    (they read it before anyone: round 29's review found them untold of a retraction by someone else)."""
    return (set(PostViewReceipt.objects.filter(post=post).values_list("user_id", flat=True))
            | set(Approval.objects.filter(answer__published_post=post).values_list("reviewer_id", flat=True)))


@audited
def answer_retract(*, acting_user, answer: AIAnswer, reason: str, code: str | None = None) -> AIAnswer:
    """Withdraw a published answer: hide its post and tell the asker and everyone who saw it. The
    category's reviewers may, and always its moderators and administrators."""
    _withdrawer(acting_user, answer)
    code, reason = _coded_reason(code, reason, "retract an answer")
    answer = _locked(answer)
    withdrawer = _withdrawer(_as_now(acting_user), answer)  # of the row as locked, as ``_reviewer_only``
    lifecycle.check(answer, S.RETRACTED)
    post = _hide_published_post(answer, f"Retracted: {reason}", acting_user=acting_user)
    answer.status, answer.retract_reason, answer.retracted_at = S.RETRACTED, reason, timezone.now()
    answer.retract_code = code
    answer.attention_reason, answer.attention_at = "", None  # the second look is settled
    answer.save(update_fields=["status", "retract_reason", "retract_code", "retracted_at", "attention_reason",
                               "attention_at", "updated_at"])
    AnswerReport.objects.filter(answer=answer, resolved_at__isnull=True).update(resolved_at=timezone.now())
    recipients = User.objects.filter(Q(pk__in=_readers(post)) | Q(pk=answer.asker_id)).exclude(pk=acting_user.pk)
    text = (f"An AI answer in “{answer.thread.title}” was withdrawn by {_WITHDRAWN_BY[withdrawer]} and must not be "
            f"relied on. Reason: {reason}")
    for user in recipients:
        if forum_policy.can_be_notified_about(user, answer.thread):
            notify(recipient=user, verb="ai_retracted", text=text, url=post_url(post),
                   fallback_text=WITHDRAWN_ELSEWHERE)
        else:  # told all the same, without the thread's title, the reason or a link they cannot open
            notify(recipient=user, verb="ai_retracted", text=WITHDRAWN_ELSEWHERE, fallback_text=WITHDRAWN_ELSEWHERE)
    audit_record(actor=acting_user, verb="ai_answer.retract", target=answer, category=answer.thread.category,
                 data={"reason": reason, "code": code, "post": post.pk, "as": withdrawer,
                       "notified": sorted(u.pk for u in recipients)})
    return answer


@audited
def answer_report(*, acting_user, answer: AIAnswer, reason: str, code: str | None = None) -> AnswerReport:
    """Any reader of a published AI post can report it; it goes back to the review queue."""
    if answer.status != S.PUBLISHED or not forum_policy.can_view_post(acting_user, answer.published_post):
        raise NotFound("No such answer.")
    code, reason = _coded_reason(code, reason, "report an answer")
    if AnswerReport.objects.filter(answer=answer, reporter=acting_user, resolved_at__isnull=True).exists():
        raise InvalidTransition("You have already reported this answer; a reviewer will look at it.")
    report = AnswerReport.objects.create(answer=answer, reporter=acting_user, reason=reason, code=code)
    # A reporter has read it, whichever way they reached it: a retraction must reach them too.
    PostViewReceipt.objects.get_or_create(post=answer.published_post, user=acting_user)
    _flag(answer, f"Reported by a reader: {reason}")
    audit_record(actor=acting_user, verb="ai_answer.report", target=answer, category=answer.thread.category,
                 data={"reason": reason, "code": code})
    return report


@audited
def answer_confirm(*, acting_user, answer: AIAnswer) -> AIAnswer:
    """A reviewer looked again at a flagged published answer and keeps it."""
    _reviewer_only(acting_user, answer)
    answer = _locked(answer)
    _reviewer_only(_as_now(acting_user), answer)
    if answer.status != S.PUBLISHED or not answer.attention_reason:
        raise InvalidTransition("Only a published answer flagged for re-review can be confirmed.")
    _refuse_outside_audience(answer, "kept")
    if taken_back(answer):  # its edit's recheck took such an answer down (``answers_recheck_edit``): never kept up
        raise DraftOutdated("This answer cannot be kept: what it was written from changed since it was reviewed. "
                            "Retract it, or regenerate it.")
    previous = answer.attention_reason
    answer.attention_reason, answer.attention_at = "", None
    answer.save(update_fields=["attention_reason", "attention_at", "updated_at"])
    AnswerReport.objects.filter(answer=answer, resolved_at__isnull=True).update(resolved_at=timezone.now())
    audit_record(actor=acting_user, verb="ai_answer.confirm", target=answer, category=answer.thread.category,
                 data={"flag": previous})
    return answer


# Stale sources --------------------------------------------------------------------------------


def _flag(answer: AIAnswer, reason: str) -> None:
    AIAnswer.objects.filter(pk=answer.pk).update(attention_reason=reason[:REASON_MAX], attention_at=timezone.now())


def _published_answers(*, post_ids=None, category: Category | None = None, thread: Thread | None = None,
                       source_thread: Thread | None = None) -> list[AIAnswer]:
    """Published answers with a source among the given posts (or any post in ``category``, or in ``source_thread``);
    with ``thread``, the answers published in that thread instead (its audience changed under them)."""
    if thread is not None:
        answers = AIAnswer.objects.filter(status=S.PUBLISHED, thread=thread)
    else:
        cited = AnswerSource.objects.all()
        if post_ids is not None:
            cited = cited.filter(post_id__in=post_ids)
        if category is not None:
            cited = cited.filter(post__thread__category=category)
        if source_thread is not None:
            cited = cited.filter(post__thread=source_thread)
        answers = AIAnswer.objects.filter(status=S.PUBLISHED, sources__in=cited).distinct()
    # In the order of their posts: a page recording its view locks the posts it shows in that order too
    # (``posts_mark_viewed``), so hiding several never deadlocks with it (round 40's review of its own fix).
    return list(answers.select_related("thread__category").order_by("published_post_id"))


def _flag_audited(answer: AIAnswer, reason: str) -> None:
    _flag(answer, reason)
    audit_record(actor=None, verb="ai_answer.flag", target=answer, category=answer.thread.category,
                 data={"reason": reason})


def answers_lock_posts(*selections: dict) -> None:
    """Lock, in id order, the posts of the published answers that several passes of one change may withdraw (each a
    ``_published_answers`` selection): each pass hides its own in id order, but one pass after another does not, and a
    page recording its view of two of them locks them in id order (``posts_mark_viewed``): a thread moved hid the
    answers citing it, then the answers in it, and a reader of both deadlocked with it (round 40's review)."""
    ids = sorted({answer.published_post_id for selection in selections for answer in _published_answers(**selection)
                  if answer.published_post_id})
    if ids:
        list(Post.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def answers_recheck_audience(*, acting_user, post_ids=None, category: Category | None = None,
                             thread: Thread | None = None, reason: str) -> list[int]:
    """After a change to who may read what (a thread moved, a category became restricted, a post hidden), each
    published answer it concerns (``_published_answers``) is unpublished at once
    when a source now lies outside its thread's audience or the question it restates was hidden
    (``question_withheld``), and flagged for another look otherwise.
    Runs in the change's transaction; returns the ids of the answers unpublished."""
    unpublished = []
    for answer in _published_answers(post_ids=post_ids, category=category, thread=thread):
        if sources_outside_audience(answer) or question_withheld(answer):
            answer_unpublish(acting_user=acting_user, answer=answer, reason=reason)
            unpublished.append(answer.pk)
        else:
            _flag_audited(answer, reason)
    return unpublished


def answers_recheck_edit(*, acting_user, post_ids=None, thread: Thread | None = None,
                         source_thread: Thread | None = None, reason: str) -> list[int]:
    """After an edit of posts published answers drew on (``post_ids``, or any post of ``source_thread``: retitled),
    or of the question of ``thread``: each
    published answer it concerns that no longer stands on what its reviewers vetted (``taken_back``: its question
    reads otherwise now, or a passage it was given is no longer in its post as written) is unpublished at once, as a
    draft so changed could not be published (``DraftOutdated``): the public page must not keep what an author took
    back (a host name edited out of a reply the answer quoted), nor an answer vetted for another question under a new
    one, nor a title its thread no longer has. An edit that leaves all of that standing (a paragraph added beside the
    quoted one) flags it for another look. Runs in the edit's transaction; returns the ids of the answers
    unpublished."""
    unpublished = []
    for answer in _published_answers(post_ids=post_ids, thread=thread, source_thread=source_thread):
        if taken_back(answer):
            answer_unpublish(acting_user=acting_user, answer=answer, reason=reason, why=CHANGED_SINCE)
            unpublished.append(answer.pk)
        else:
            _flag_audited(answer, reason)
    return unpublished


# At most this many passages of one post are rendered to tell whether it still shows them (``still_shown`` renders the
# whole post each time: 32 ms a passage of a 42,000-character post here, inside the edit's transaction, which holds
# the audit chain's lock). Any beyond it are counted taken back: more is withheld, nothing leaks (round 37's review).
TAKEN_BACK_RENDERS = 16


def sources_mark_taken_back(*, post, body_changed: bool = True) -> int:
    """After an edit of ``post``: each passage an answer drew from it is marked ``taken_back`` while the post no
    longer shows it as written (``still_shown``), and unmarked once it does again (the edit undone). An edit keeps no
    history, so such text is nobody's to read now: an answer quoting it is withheld from its asker and its reviewers
    as if the post were hidden (``policy.unreadable_sources``), where its desk, the API and the asker's panel used to
    go on showing it (round 37). Nothing to do when the body did not change (a retitle). A passage no longer in the
    body as written is gone without rendering; of the others, ``TAKEN_BACK_RENDERS`` at most are rendered. Runs in
    the edit's transaction; returns how many distinct passages it marks (0 when the body did not change)."""
    if not body_changed:
        return 0
    texts = sorted(set(AnswerSource.objects.filter(post=post).values_list("text", flat=True).distinct()))
    gone, _ = _passages_gone(post.body, texts, renders=TAKEN_BACK_RENDERS)
    AnswerSource.objects.filter(post=post, taken_back=False, text__in=gone).update(taken_back=True)
    # Unmarked where the passage stands again, but not a source whose thread has another title than it shows
    # (``sources_mark_retitled``).
    title = Thread.objects.values_list("title", flat=True).get(pk=post.thread_id)[:200]
    (AnswerSource.objects.filter(post=post, taken_back=True, title=title).exclude(text__in=gone)
     .update(taken_back=False))
    return len(gone)


def _passages_gone(body: str, texts, *, renders: int) -> tuple[set[str], int]:
    """Which of ``texts`` (sorted) the post's ``body`` no longer shows as written, and how many renderings that took:
    one no longer in it verbatim is gone without rendering; of the others, ``renders`` at most are rendered
    (``still_shown``), the rest count as gone."""
    normal = normalised_body(body)
    found = [text for text in texts if text in normal]
    gone = set(texts) - set(found) | set(found[renders:])
    return gone | {text for text in found[:renders] if not still_shown(text, body)}, min(len(found), renders)


def sources_mark_retitled(*, thread: Thread) -> int:
    """After a retitle of ``thread``: a title is text its author can take back as a passage is (a customer's name, a
    host name), and every answer given a post of the thread shows the title it had (the quote's attribution, the
    sources listed under the answer, cited or not: the asker's panel, the desk and the API list every source given,
    and a reviewer's edit that drops an attribution's marker leaves its title in the text uncited). Each such source is
    marked ``taken_back`` while its title is not the thread's, so the answer is withheld from its asker and reviewers
    as for a passage edited out; the retitle undone, it is unmarked where its post still shows its passage as written
    (``TAKEN_BACK_RENDERS`` renderings at most over the thread; the others stay marked). Until round 38 a draft or an
    answer in review went on showing the old title (submission and approval refused as outdated: ``taken_back``). The
    title is read in the edit's transaction. Returns how many sources it marks."""
    title = Thread.objects.values_list("title", flat=True).get(pk=thread.pk)[:200]
    given = AnswerSource.objects.filter(post__thread_id=thread.pk)
    marked = given.filter(taken_back=False).exclude(title=title).update(taken_back=True)
    restored = given.filter(taken_back=True, title=title)
    rows: dict[int, list[tuple[int, str]]] = {}
    bodies: dict[int, str] = {}
    for pk, post_id, text, body in restored.values_list("pk", "post_id", "text", "post__body"):
        rows.setdefault(post_id, []).append((pk, text))
        bodies[post_id] = body
    budget, shown = TAKEN_BACK_RENDERS, []
    for post_id in sorted(rows):
        gone, rendered = _passages_gone(bodies[post_id], sorted({text for _, text in rows[post_id]}), renders=budget)
        budget -= rendered
        shown += [pk for pk, text in rows[post_id] if text not in gone]
    if shown:
        AnswerSource.objects.filter(pk__in=shown).update(taken_back=False)
    return marked


def answers_mark_question_taken_back(*, thread: Thread) -> int:
    """After an edit of ``thread``'s question (its opening post, its title): each answer in the thread whose text
    restates a word its author has edited out of the question since, and no source of its holds
    (``restates_taken_back``), is marked
    ``question_taken_back``, and withheld from its asker and its reviewers as one quoting a passage edited out
    (``policy.unreadable_sources``); unmarked once the question holds the word again. Published ones are marked too:
    the edit's recheck takes every one whose question changed back to review in the same transaction
    (``answers_recheck_edit``). Until round 38 a draft or an answer in review went on showing it (submission and
    approval refused as outdated). Runs in the edit's transaction; returns how many answers it marks."""
    now = question_of(thread, as_written=True)
    marks = {True: [], False: []}
    rows = list(AIAnswer.objects.filter(thread_id=thread.pk).values_list("pk", "question", "body", "original_body",
                                                                          "risk_reasons", "question_taken_back"))
    sources: dict[int, list[str]] = {}
    changed = [pk for pk, asked, *_ in rows if asked != now]
    for answer_id, text, title in AnswerSource.objects.filter(answer_id__in=changed).values_list(
            "answer_id", "text", "title") if changed else ():
        sources.setdefault(answer_id, []).extend((text, title))
    for pk, asked, body, original, reasons, marked in rows:
        restates = restates_taken_back(asked, now, [body, original, *(reasons or [])], sources=sources.get(pk, ()))
        if restates != marked:
            marks[restates].append(pk)
    for flag, pks in marks.items():
        if pks:
            AIAnswer.objects.filter(pk__in=pks).update(question_taken_back=flag)
    return len(marks[True])


def taken_back(answer: AIAnswer) -> bool:
    """Whether the answer's question reads otherwise than when it was drafted (``question_of``), or a passage it was
    given (cited or not: a model may copy one it does not cite) is no longer shown by its post as written
    (``still_shown``), or a source's thread no longer has the title the answer shows (its attributions and the
    sources listed under it). Uncited sources count too (round 38's review): a reviewer's edit that drops an
    attribution's marker leaves the source uncited and its title in the text; so a retitle of a thread an answer was
    only given takes it down as well, more than needed and never less."""
    if answer.question != question_of(answer.thread):
        return True
    sources = AnswerSource.objects.filter(answer=answer, post__isnull=False).select_related("post__thread")
    return any(source.title != source.post.thread.title[:200]
               or not still_shown(source.text, source.post.body) for source in sources)


UNPUBLISHED = "what it drew on may no longer be read by everyone who can read the thread"
CHANGED_SINCE = "the question it answers, or a post it quoted, was changed since it was reviewed"
_REMEDY = {UNPUBLISHED: "regenerate it for the thread's audience", CHANGED_SINCE: "regenerate it"}


def answer_unpublish(*, acting_user, answer: AIAnswer, reason: str, why: str = UNPUBLISHED) -> AIAnswer:
    """Take a published answer whose sources left its thread's audience back to review, inside the
    transaction of the change that moved them (``answers_recheck_audience``): its post is hidden as on
    retraction, the reviewers decide again (``reason`` is theirs), and the asker, the category's
    reviewers and everyone who was shown the text are told, without it.

    Its approvals go (the audit log keeps them): they vetted the text for an audience it no longer
    has, so publishing it again takes as many fresh ones as the first time. ``why`` is what readers are told
    (``UNPUBLISHED``, or ``CHANGED_SINCE`` from ``answers_recheck_edit``), naming no post."""
    answer = _locked(answer)
    lifecycle.check(answer, S.IN_REVIEW)
    post = _hide_published_post(answer, f"Withdrawn for review: {why}.", acting_user=acting_user)
    shown_to = _readers(post)  # before the approvals go: their reviewers read it first (round 40's review)
    voided = sorted(answer.approvals.values_list("reviewer__username", flat=True))
    answer.approvals.all().delete()
    answer.status = S.IN_REVIEW
    answer.attention_reason, answer.attention_at = reason[:REASON_MAX], timezone.now()
    answer.save(update_fields=["status", "attention_reason", "attention_at", "updated_at"])
    thread, category = answer.thread, answer.thread.category
    if forum_policy.can_be_notified_about(answer.asker, thread):
        notify(recipient=answer.asker, verb="ai_withdrawn",
               text=f"The AI answer you asked for in “{thread.title}” was withdrawn from the thread and is back in "
                    f"review: {why}. You can take it back and {_REMEDY.get(why, 'regenerate it')}.",
               url=answer_url(answer), fallback_text=WITHDRAWN_ELSEWHERE)
    else:  # the thread moved out of the asker's reach
        notify(recipient=answer.asker, verb="ai_withdrawn", text=WITHDRAWN_ELSEWHERE, fallback_text=WITHDRAWN_ELSEWHERE)
    reviewers = list(forum_policy.holders_of(forum_policy.REVIEW, category).exclude(pk=answer.asker_id).order_by("pk"))
    for reviewer in reviewers:
        notify(recipient=reviewer, verb="ai_review_requested",
               text=f"An AI answer in “{thread.title}” in {category.name} was withdrawn from the thread and awaits "
                    f"review: {why}.", url=reverse("assistant:review", args=[answer.pk]), thread=thread)
    told = {answer.asker_id} | {r.pk for r in reviewers}
    readers = list(User.objects.filter(pk__in=shown_to - told).order_by("pk"))
    for reader in readers:
        if forum_policy.can_be_notified_about(reader, thread):
            notify(recipient=reader, verb="ai_withdrawn",
                   text=f"An AI answer you read in “{thread.title}” was withdrawn: {why}. It must not be "
                        f"relied on.", url=post_url(post), fallback_text=WITHDRAWN_ELSEWHERE)
        else:
            notify(recipient=reader, verb="ai_withdrawn", text=WITHDRAWN_ELSEWHERE, fallback_text=WITHDRAWN_ELSEWHERE)
    audit_record(actor=acting_user, verb="ai_answer.unpublish", target=answer, category=category,
                 data={"reason": reason, "post": post.pk, "approvals_voided": voided,
                       "notified": sorted(told | {r.pk for r in readers})})
    return answer
