"""Engines turn (question, sources) into a draft. ``load_engine`` picks one by name or dotted path."""
from importlib import import_module

from .base import NOTHING_FOUND, Draft, EngineError, PermanentEngineError, SourceDoc, TransientEngineError

BUILTIN = {
    "extractive": "aiassist.engines.extractive.ExtractiveEngine",
    "openai": "aiassist.engines.openai_engine.OpenAIEngine",
}


def load_engine(name: str, config: dict):
    """``name`` is a built-in engine or a dotted path to a class (tests use that for fault engines)."""
    path = BUILTIN.get(name, name)
    module_name, _, class_name = path.rpartition(".")
    if not module_name:
        raise PermanentEngineError(f"unknown engine {name!r}")
    try:
        cls = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise PermanentEngineError(f"unknown engine {name!r}") from exc
    return cls(**config)


__all__ = ["NOTHING_FOUND", "Draft", "EngineError", "PermanentEngineError", "SourceDoc", "TransientEngineError",
           "load_engine"]
