"""The assistant's tables: AI answers, the sources they cite, the kill switch.

Workflow lives in ``aiassist.services`` (one function per transition, see ``lifecycle``); the
check constraints below back the invariants in the database as well.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q

from forum.models import Category, Post, Thread

from .engines.base import NOTHING_FOUND


class AnswerStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    GENERATING = "generating", "Drafting"
    DRAFT = "draft", "Private draft"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    RETRACTED = "retracted", "Retracted"

class AnswerRisk(models.TextChoices):
    UNKNOWN = "unknown", "Not yet classified"
    LOW = "low", "Low"
    HIGH = "high", "High"

class AnswerAudience(models.TextChoices):
    ASKER = "asker", "Everything the asker may read"
    THREAD = "thread", "Only what the thread's whole audience may read"

class ReasonCode(models.TextChoices):
    """Why a reviewer rejected or retracted an answer, or a reader reported it (counted on the metrics page)."""

    INCORRECT = "incorrect", "Incorrect"
    UNSAFE = "unsafe", "Unsafe"
    OUTDATED = "outdated", "Outdated"
    INCOMPLETE = "incomplete", "Incomplete"
    OTHER = "other", "Other"

class AnswerRating(models.TextChoices):
    NONE = "", "Not rated"
    HELPFUL = "helpful", "Helpful"
    NOT_HELPFUL = "not_helpful", "Not helpful"



class AIAnswer(models.Model):
    Status = AnswerStatus
    Risk = AnswerRisk
    Audience = AnswerAudience
    Rating = AnswerRating
    Reason = ReasonCode

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="ai_answers")
    asker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ai_answers")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    audience = models.CharField(max_length=8, choices=Audience.choices, default=Audience.ASKER)
    question = models.TextField(help_text="The question as it stood when the answer was requested, then when its "
                                          "drafting began.")
    regenerated_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    engine = models.CharField(max_length=100, blank=True)
    model_name = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="Markdown as drafted (or as edited in review).")
    body_html = models.TextField(blank=True, help_text="Sanitised HTML rendered from body.")
    original_body = models.TextField(blank=True, help_text="The machine's text, kept when a reviewer edits.")
    question_taken_back = models.BooleanField(
        default=False, help_text="Its text holds a word its question's author has edited out of the question since "
                                 "(services.restates_taken_back): nobody can read it now, so the answer is not shown.")
    risk = models.CharField(max_length=8, choices=Risk.choices, default=Risk.UNKNOWN)
    risk_reasons = models.JSONField(default=list, blank=True)
    rating = models.CharField(max_length=12, choices=Rating.choices, default=Rating.NONE, blank=True)

    attempts = models.PositiveIntegerField(default=0, help_text="Claims since it was asked or last retried: the budget "
                                                             "of 1 + ASSISTANT_MAX_RETRIES.")
    claims = models.PositiveIntegerField(
        default=0, help_text="Every claim by a worker, never reset (a retry resets attempts): a worker's result is "
                             "stored only while this is still its claim's number.")
    error = models.CharField(max_length=500, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    discarded_at = models.DateTimeField(null=True, blank=True,
                                        help_text="When its asker discarded it (they may restore it for a while).")

    # Review and publication.
    submitted_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", help_text="The last reviewer who edited the body.")
    reject_reason = models.CharField(max_length=1000, blank=True)
    reject_code = models.CharField(max_length=12, choices=ReasonCode.choices, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    published_post = models.OneToOneField(Post, null=True, blank=True, on_delete=models.PROTECT,
                                          related_name="ai_answer")
    published_at = models.DateTimeField(null=True, blank=True)
    retract_reason = models.CharField(max_length=1000, blank=True)
    retract_code = models.CharField(max_length=12, choices=ReasonCode.choices, blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    # A published answer that needs another look (a report, or a cited source changed).
    attention_reason = models.CharField(max_length=1000, blank=True)
    attention_at = models.DateTimeField(null=True, blank=True)
    # Claim-level grounding of the current body (aiassist.grounding.record): each claim's status, the
    # passage and span it rests on, and "confirmed", the keys of ClaimConfirmation rows that count for it.
    grounding = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name, verbose_name_plural = "AI answer", "AI answers"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["thread", "asker", "-created_at"]),
            models.Index(fields=["asker", "-created_at"]),
            models.Index(fields=["status", "updated_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AnswerStatus.values), name="aianswer_status_valid"
            ),
            models.CheckConstraint(condition=Q(risk__in=AnswerRisk.values), name="aianswer_risk_valid"),
            # A draft and everything after it has a body and a risk level.
            models.CheckConstraint(
                condition=Q(status__in=["queued", "generating", "failed"])
                | (~Q(body="") & ~Q(risk="unknown") & Q(generated_at__isnull=False))
                | Q(status="discarded"),
                name="aianswer_drafted_has_body_and_risk",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="aianswer_failed_has_error"
            ),
            models.CheckConstraint(
                condition=~Q(status="generating") | Q(lease_expires_at__isnull=False),
                name="aianswer_generating_has_lease",
            ),
            # Published (and later retracted) answers have their post; approvals are enforced by a
            # trigger (migration 0003), since a check constraint cannot count rows of another table.
            models.CheckConstraint(
                condition=~Q(status__in=["published", "retracted"])
                | (Q(published_post__isnull=False) & Q(published_at__isnull=False)),
                name="aianswer_published_has_post",
            ),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reject_reason=""),
                                   name="aianswer_rejected_has_reason"),
            models.CheckConstraint(condition=~Q(status="retracted") | ~Q(retract_reason=""),
                                   name="aianswer_retracted_has_reason"),
            models.CheckConstraint(condition=Q(reject_code__in=["", *ReasonCode.values])
                                   & Q(retract_code__in=["", *ReasonCode.values]), name="aianswer_reason_codes_valid"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reject_code=""),
                                   name="aianswer_rejected_has_code"),
            models.CheckConstraint(condition=~Q(status__in=["in_review", "published", "rejected", "retracted"])
                                   | Q(submitted_at__isnull=False), name="aianswer_reviewed_was_submitted"),
        ]

    def __str__(self):
        return f"AI answer {self.pk} ({self.status}) on thread {self.thread_id}"

    @property
    def is_ai_generated(self):
        return True

    @property
    def is_pending(self):
        return self.status in (self.Status.QUEUED, self.Status.GENERATING)

    @property
    def declined(self):
        """The draft says nothing the asker can read answers the question (every engine's words for it): there is
        nothing in it for a reviewer to check or a reader to act on."""
        return self.body == NOTHING_FOUND


class Approval(models.Model):
    """One reviewer's approval of one exact text of an answer (editing the text makes it stale)."""

    answer = models.ForeignKey(AIAnswer, on_delete=models.CASCADE, related_name="approvals")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body_hash = models.CharField(max_length=64, help_text="sha256 of the body this approval covers.")
    high_risk_authority = models.BooleanField(
        default=False, help_text="The reviewer held approve_high_risk on the category when approving.")
    counted = models.BooleanField(
        default=False, help_text="It counted when the answer was (last) published: the published post names its "
                                 "reviewer. An approval of the text whose reviewer no longer reviewed the category "
                                 "then did not count, and is not named.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "reviewer", "body_hash"], name="approval_once_per_text"),
        ]

    def __str__(self):
        return f"Approval of answer {self.answer_id} by user {self.reviewer_id}"


class AnswerReport(models.Model):
    """A reader's report on a published AI answer; open reports put the answer back in the queue."""

    answer = models.ForeignKey(AIAnswer, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=1000)
    code = models.CharField(max_length=12, choices=ReasonCode.choices, default=ReasonCode.OTHER)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["answer", "reporter"], condition=Q(resolved_at__isnull=True),
                                               name="answerreport_one_open_per_reader"),
                       models.CheckConstraint(condition=Q(code__in=ReasonCode.values), name="answerreport_code_valid")]

    def __str__(self):
        return f"Report on answer {self.answer_id}"


class ClaimConfirmation(models.Model):
    """A reviewer's explicit word that a claim the sources do not support (invented or contradicted)
    may stand, with why. Counts while a claim with its key is in the body and its reviewer still reviews the
    answer's category (``policy.standing_confirmations``); editing the claim away leaves the row (and its audit
    event) but it no longer counts."""

    answer = models.ForeignKey(AIAnswer, on_delete=models.CASCADE, related_name="claim_confirmations")
    key = models.CharField(max_length=64, help_text="aiassist.grounding.Claim.key of the confirmed claim.")
    text = models.TextField(help_text="The claim as it stood when confirmed.")
    status = models.CharField(max_length=12, help_text="Its grounding status then: invented or contradicted.")
    check_reason = models.CharField(max_length=1000, blank=True, help_text="Why the checker flagged it.")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=1000, help_text="Why the reviewer lets it stand.")
    body_hash = models.CharField(max_length=64, help_text="sha256 of the body it was confirmed in.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # Once per reviewer: a confirmation counts only while its reviewer still reviews the answer's category
            # (policy.standing_confirmations), and then another reviewer may confirm the claim in their own name.
            models.UniqueConstraint(fields=["answer", "key", "reviewer"], name="claimconfirmation_once_per_reviewer"),
            models.CheckConstraint(condition=~Q(reason=""), name="claimconfirmation_has_reason"),
            models.CheckConstraint(condition=Q(status__in=["invented", "contradicted"]),
                                   name="claimconfirmation_blocking_status"),
        ]

    def __str__(self):
        return f"Claim {self.key} of answer {self.answer_id} confirmed by user {self.reviewer_id}"


class AnswerSource(models.Model):
    """A passage the engine was given for an answer, cited or not, as it was when the answer was drafted.

    Every source counts for the audience checks: a model may copy a source it does not cite."""

    answer = models.ForeignKey(AIAnswer, on_delete=models.CASCADE, related_name="sources")
    number = models.PositiveSmallIntegerField(help_text="The [n] the body cites it by (cited sources first).")
    cited = models.BooleanField(default=True, help_text="The draft cites it; uncited sources were given all the same.")
    text = models.TextField(blank=True, help_text="The passage's Markdown as the engine was given it.")
    role = models.CharField(max_length=10, blank=True, help_text="question, reply, accepted or ai.")
    post = models.ForeignKey(Post, null=True, on_delete=models.SET_NULL, related_name="ai_citations")
    thread = models.ForeignKey(Thread, null=True, on_delete=models.SET_NULL, related_name="+")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    content_hash = models.CharField(max_length=64, help_text="sha256 of the source text when it was cited.")
    taken_back = models.BooleanField(
        default=False, help_text="Its post no longer shows this passage as written (edited out since: "
                                 "sources.still_shown), or its thread has another title now: nobody can read "
                                 "it now, so no answer quoting it is shown.")

    class Meta:
        ordering = ["answer", "number"]
        constraints = [models.UniqueConstraint(fields=["answer", "number"], name="answersource_unique_number")]

    def __str__(self):
        return f"[{self.number}] {self.title}"


class AssistantSwitch(models.Model):
    """The kill switch: one row. Off globally, or off for some categories."""

    enabled = models.BooleanField(default=True)
    disabled_categories = models.ManyToManyField(Category, blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name, verbose_name_plural = "assistant switch", "assistant switches"
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="assistantswitch_singleton")]

    def __str__(self):
        return "Assistant enabled" if self.enabled else "Assistant paused everywhere"
