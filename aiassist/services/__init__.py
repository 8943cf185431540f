"""The assistant's verbs (writes). ``drafting``: asking, the worker's path, the kill switch;
``review``: submission, review, publication, retraction, reports and stale sources."""
from .drafting import (
    BODY_MAX,
    AssistantPaused,
    _store_draft,
    answer_claim,
    answer_discard,
    answer_fail,
    answer_feedback,
    answer_generate,
    answer_regenerate,
    answer_release,
    answer_request,
    answer_retry,
    answer_url,
    answers_sweep,
    assistant_configure,
    assistant_switch,
    pause_message,
)
from .review import (
    SourcesOutsideAudience,
    answer_approve,
    answer_confirm,
    answer_edit,
    answer_reject,
    answer_report,
    answer_retract,
    answer_submit,
    answer_unpublish,
    answer_withdraw,
    answers_flag_for_sources,
    answers_recheck_audience,
    approvals_needed,
    assistant_account,
    body_hash,
    sources_outside_audience,
)

__all__ = [
    "BODY_MAX", "AssistantPaused", "SourcesOutsideAudience", "_store_draft", "answer_approve", "answer_claim",
    "answer_confirm", "answer_discard", "answer_edit", "answer_fail", "answer_feedback", "answer_generate",
    "answer_regenerate", "answer_reject", "answer_release", "answer_report", "answer_request", "answer_retract",
    "answer_retry", "answer_submit", "answer_unpublish", "answer_url", "answer_withdraw", "answers_flag_for_sources",
    "answers_recheck_audience", "answers_sweep",
    "approvals_needed", "assistant_account", "assistant_configure", "assistant_switch", "body_hash", "pause_message",
    "sources_outside_audience",
]
