"""The answer state machine: which transitions exist. Services perform them, one function each."""
from common.exceptions import InvalidTransition

from .models import AIAnswer

S = AIAnswer.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.GENERATING, S.FAILED, S.DISCARDED}),
    S.GENERATING: frozenset({S.DRAFT, S.QUEUED, S.FAILED}),
    S.DRAFT: frozenset({S.IN_REVIEW, S.DISCARDED}),
    S.FAILED: frozenset({S.QUEUED, S.DISCARDED}),
    S.DISCARDED: frozenset(),
    S.IN_REVIEW: frozenset({S.PUBLISHED, S.REJECTED, S.DRAFT}),
    S.PUBLISHED: frozenset({S.RETRACTED, S.IN_REVIEW}),
    S.REJECTED: frozenset(),
    S.RETRACTED: frozenset(),
}

MESSAGES = {
    S.DISCARDED: "This answer was discarded.",
    S.REJECTED: "This answer was rejected.",
    S.RETRACTED: "This answer was retracted.",
}


def check(answer: AIAnswer, to: str) -> None:
    """Raise ``InvalidTransition`` unless ``answer`` may move to ``to``."""
    if to not in TRANSITIONS[answer.status]:
        label_from = AIAnswer.Status(answer.status).label.lower()
        label_to = AIAnswer.Status(to).label.lower()
        raise InvalidTransition(
            MESSAGES.get(answer.status, f"An answer that is {label_from} cannot become {label_to}."),
            details={"status": answer.status, "target": to},
        )
