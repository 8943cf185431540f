"""What an engine is: (question, sources) in, a draft out. Engines know nothing of Django."""
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SourceDoc:
    """One retrieved passage, numbered as the draft must cite it: [number]. Best first.

    ``text`` is the passage's Markdown exactly as its author wrote it (a code block is whole and
    verbatim), so quoting it shows what the source showed.
    """

    number: int
    title: str
    text: str
    category: str = ""
    role: str = "reply"  # "question", "reply", "accepted" or "ai": the passage's post in its thread
    author: str = ""
    url: str = ""  # the exact post, for the citation's link
    score: float = 0.0  # relevance to the question, higher is better
    thread_asker: bool = False  # written by the asker of the source thread (a follow-up, not an answer)


# What every engine's draft says when nothing it was given answers the question: the same words whoever decided it.
NOTHING_FOUND = (
    "Nothing in the posts you can read answers this question, so I have no answer to offer rather than "
    "a guess. A colleague may know: your question is in the thread for them to answer."
)


@dataclass(frozen=True)
class Draft:
    text: str
    model: str
    cited: list[int] = field(default_factory=list)
    # The engine found nothing in its sources that answers the question: ``text`` is ``NOTHING_FOUND``, it cites
    # nothing, and the draft is stored without sources (none of them is in it; the audit event keeps who was given).
    declined: bool = False
    # Paragraphs of ``text`` the engine wrote itself around what it quotes, its opening line first, then each
    # attribution: the app's words, with a title and a name in them. The risk encoder reads them as the reader sees
    # them, together, and the opening line does not decide that they name something sensitive (``risk_model.flagged``).
    # They are also the only lines the grounding check reads as attributions ("— *dana*, reply in [title](/t/…) [2]"):
    # a line of that shape an engine does not list here is checked as a claim (round 41).
    framing: tuple[str, ...] = ()

    @classmethod
    def nothing_found(cls, model: str) -> "Draft":
        return cls(text=NOTHING_FOUND, model=model, cited=[], declined=True)


class EngineError(Exception):
    """The engine could not produce a draft. ``user_message`` is safe to show the asker."""

    user_message = "The assistant could not draft an answer."

    def __init__(self, message: str, user_message: str | None = None):
        super().__init__(message)
        if user_message:
            self.user_message = user_message


class TransientEngineError(EngineError):
    """Worth retrying: timeouts, 5xx, rate limits, malformed replies."""

    user_message = "The assistant's model did not answer in time. Try again in a few minutes."


class PermanentEngineError(EngineError):
    """Retrying will not help: bad configuration, refused request."""

    user_message = "The assistant is misconfigured; the administrators have been told."


class Engine(Protocol):
    name: str

    def draft(self, question: str, sources: list[SourceDoc]) -> Draft: ...
