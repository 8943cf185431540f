"""Every disclaimer text the assistant shows, in one place.

The thread page, review queue, API payloads, notifications and exports all take their words from
here, so what people are told about machine-written text is the same everywhere.
"""
PRIVATE_DRAFT = (
    "Only you can see this answer. It was written by an AI assistant, not a person, and it may be "
    "wrong or out of date. Verify it against the sources and with a colleague before you act on it."
)
IN_REVIEW = (
    "AI-generated draft submitted for review. It was written by a machine and has not been vetted "
    "yet; nobody but its asker and the category's reviewers can see it."
)
PUBLISHED = (
    "AI-generated answer, reviewed and approved by the people named below. It may still be wrong: "
    "verify it before acting on it."
)
HIGH_RISK = (
    "High-risk advice: this answer touches {reasons}. Do not apply it to any system, permission or "
    "data without checking it with the owning team first."
)
REJECTED = (
    "AI-generated draft that a reviewer rejected: it was not published. It was written by a machine and may be "
    "wrong; only its asker and the category's reviewers can see it."
)
CLAIMS_CONFIRMED = "A reviewer confirmed {count} claim{plural} not found in the sources."
ATTENTION = "This answer is being checked again by a reviewer."
RETRACTED = "This AI-generated answer was withdrawn by a reviewer and must not be relied on."
NOTIFICATION_SUFFIX = " (AI-generated; verify before acting on it)"


def disclaimer_for(status: str) -> str:
    if status in ("published",):
        return PUBLISHED
    if status == "in_review":
        return IN_REVIEW
    if status == "rejected":
        return REJECTED
    if status == "retracted":
        return RETRACTED
    return PRIVATE_DRAFT


def high_risk_banner(reasons: list[str]) -> str:
    topics = ", ".join(r.split(" (")[0].lower() for r in reasons) or "sensitive operations"
    return HIGH_RISK.format(reasons=topics)


def risk_notice(answer) -> str:
    """The high-risk banner of ``answer`` (its status aside), or "" for low risk: what every surface showing its text
    shows beside it, the thread page, search results and the API alike."""
    return high_risk_banner(answer.risk_reasons) if answer.risk == "high" else ""


def attention_notice(answer) -> str:
    """That reviewers are looking at a published ``answer`` again (a reader reported it, or a post it cites changed),
    or "": without the reason, which is the reviewers' (it may quote a reader's report)."""
    return ATTENTION if answer.attention_reason else ""


def claims_confirmed_notice(answer) -> str:
    """That a reviewer let claims of ``answer`` stand that no source supports (``grounding["confirmed"]``), or ""."""
    count = len((answer.grounding or {}).get("confirmed", []))
    return CLAIMS_CONFIRMED.format(count=count, plural="" if count == 1 else "s") if count else ""
