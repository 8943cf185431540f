"""What an engine is: (question, sources) in, a draft out. Engines know nothing of Django."""
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class SourceDoc:
    """One retrieved post, numbered as the draft must cite it: [number]."""

    number: int
    title: str
    text: str
    category: str = ""


@dataclass(frozen=True)
class Draft:
    text: str
    model: str
    cited: list[int] = field(default_factory=list)


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
