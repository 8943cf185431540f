"""A word model of risky advice, learned from the labelled risk sets, beside the rules of ``aiassist.risk``.

The rules name what they match and miss advice worded unlike anything they were written for: on a set written
later by someone who saw neither the rules nor their sets, they found 37-77 % of the risky texts (bench/README.md,
rounds 13-17). This model reads the same kind of text as words and word pairs, each weighed by how often it came
with risky or benign advice in the labelled sets: TF-IDF features (sublinear term frequency, L2-normalised) and a
logistic regression over them, trained by ``bench/risk_words.py`` with scikit-learn, which writes
``data/risk_words.json`` (each feature's IDF and weight, the bias and the threshold) from the sets in
tests/data/risk. Scoring needs neither scikit-learn nor numpy: a sum over a dictionary. A block of text scoring at
least the file's ``threshold`` is high risk; the reason names the words that weighed most, so a reviewer sees why.

Blocks: a Markdown text is read paragraph by paragraph (a fenced code block with the paragraph that introduces
it), the size of the labelled texts: a whole draft read at once would average away the one risky paragraph in it.
Blocks with fewer than ``MIN_FEATURES`` known features, or with no word of a sensitive topic, are not scored.
"""
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

MODEL = Path(__file__).resolve().parent / "data" / "risk_words.json"
# A block with fewer features the model knows is not scored: a heading or a one-line question ("Disk full on the
# runners again.") weighs a handful of words, and those few decide (the labelled texts hold 16 known features at
# the median; the rules still read every block).
MIN_FEATURES = 10

# Words (a letter then letters, digits, underscores), flags, and "*" (a wildcard in a policy).
_TOKEN = re.compile(r"[a-z][a-z0-9_]+|--?[a-z][\w-]*|\*")
# What advice must be about for its words to count: access, credentials, security checks, deletion, production ("off"
# only as a setting: "turn off", "ssl=off"; "retries back off" is about nothing of the kind). A
# block with none of these ("+1. Could someone add this to the runbook?") is not scored: on 487 generated forum
# posts no rule flags, this gate took the model's flags from 25 to 12 without changing what it found on the held-out
# set (bench/README.md, round 13).
_SENSITIVE = re.compile(
    r"\b(?:admin\w*|owners?|roles?|permission\w*|access|public|everyone|anyone|all\s+users|grant\w*|polic(?:y|ies)|"
    r"acls?|iam|rbac|password\w*|secret\w*|token\w*|keys?|credential\w*|creds|cert\w*|tls|ssl|https?|verif\w*|"
    r"auth\w*|mfa|2fa|sso|csrf|cors|encrypt\w*|logs?|logging|header\w*|firewall|ingress|root|sudo|privileged|"
    r"disabl\w*|skip\w*|bypass\w*|(?:turn\w*|switch\w*|set\w*|[=:])\s*[\"']?off|delet\w*|drop\w*|truncate|purg\w*|"
    r"wip\w*|destroy\w*|remov\w*|rm|force\w*|"
    r"reset\w*|prod\w*|production|shared|backup\w*|snapshot\w*|prune|uninstall\w*|revok\w*)\b|0\.0\.0\.0|\*",
    re.IGNORECASE)
# A block that opens by forbidding something is scored without that opening sentence ("Never run `rm -rf` on the
# shared hosts; the cleanup job handles old releases." has too little left to score): words cannot tell "never do X"
# from "do X", and the rules read the negation (round 14). What follows the prohibition still counts, and "don't
# worry / forget / bother / wait" forbids nothing.
_WARNING = re.compile(r"^\W*(?:please\s+)?(?:never|don'?t|do\s+not|avoid|no\s+one\s+should|nobody\s+should)\b"
                      r"(?!\s+(?:mind|worry|forget|bother|wait|hesitate|panic|be\s+afraid)\b)", re.IGNORECASE)
_OPENING_SENTENCE = re.compile(r"^.*?(?:[.!?;:](?:\s|$)|\n|$)", re.DOTALL)
# A question about how something works or who owns it asks, it does not advise ("Does anyone know who owns the
# `prod-admin` role?"): such sentences are left out of what is scored, as a prohibition's opening is. "Why not just
# make it public?", "How about …?", "What if you just …?", "Did you try …?" and any question with "just" suggest, and
# stay.
_QUESTION = re.compile(
    r"(?:(?<=[.!?]\s)|(?<=\n)|^)[^\S\n]*(?:[\w ]{0,30}(?::|\s-+|\u2014|\u2013)\s*)?"
    r"(?!(?:did|have|has)\s+(?:you|we|anyone)\s+(?:try|tried|considered?)\b)"
    r"(?:does|do|did|is|are|was|were|has|have|which|who|why(?!\s+not\b)(?!\s+(?:don'?t|do\s+not|can'?t)\b)|"
    r"(?:some|any)(?:one|body)\s+(?:can\s+(?:explain|tell)|knows?)|(?:can|could)\s+(?:some|any)(?:one|body)\s+"
    r"(?:explain|tell))\b(?![^.!?\n]*\b(?:just|simply)\b)[^.!?\n]*\?", re.IGNORECASE)
# Words that say little alone; a reason names the features with something more in them.
_SMALL_WORDS = frozenset(
    "a an and are as at be but by can do does for from get go got has have he her him his how i if in into is it its "
    "just me my no not of on once one or our out she so than that the their them then there these they this those to "
    "up us was we were what when where which who will with you your".split())
_FENCE = re.compile(r"^\s*(?:```|~~~)")
_BLANK = re.compile(r"^\s*$")
# Markdown emphasis around words (``*ops*``, ``**only**``): the stars are markup, not the wildcard "*" of a policy
# (``"Action": "*"``, ``GRANT ALL ON *.*``, ``s3:*``) or a glob (``/var/cache/*tmp*``, ``"ec2:*Instance*"``): emphasis
# opens after a space, a line's start or a bracket and closes before no word character. A draft's attribution line
# ("— *ops*, reply in [Cleaning the build cache](…) [1]") was rated risky for its star (round 17).
_EMPHASIS = re.compile(r"(?<![^\s(\[])(\*{1,2})(?=\w)([^*\n]*?\w)\1(?![\w*])")


def plain(text: str) -> str:
    """The text with Markdown emphasis around words taken off (what the model reads)."""
    return _EMPHASIS.sub(r"\2", text) if "*" in text else text


def counts(text: str) -> Counter[str]:
    """How often each word and each pair of neighbouring words occurs in the text, lower case (the features
    ``bench/risk_words.py`` trains on: scikit-learn's word n-grams of 1 and 2 over the same tokens)."""
    words = _TOKEN.findall(plain(text).lower())
    return Counter(words) + Counter(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))


def features(text: str) -> set[str]:
    """The text's distinct words and pairs of neighbouring words, lower case."""
    return set(counts(text))


def blocks(markdown: str) -> list[str]:
    """Paragraphs, each fenced code block joined to the paragraph before it (its intro), in order."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            current.append(line)
            fenced = not fenced
        elif not fenced and _BLANK.match(line):
            if current:
                paragraphs.append(current)
                current = []
        else:
            current.append(line)
    if current:
        paragraphs.append(current)
    merged: list[str] = []
    for lines in paragraphs:
        block = "\n".join(lines)
        if _FENCE.match(lines[0]) and merged:
            merged[-1] += "\n\n" + block  # a code block after a blank line still belongs to its intro
        else:
            merged.append(block)
    return [block for block in merged if block.strip()]


def sensitive(text: str) -> bool:
    """Whether ``text`` names something advice must be about for its words to count (``_SENSITIVE``)."""
    return bool(_SENSITIVE.search(plain(text)))


def advice(block: str) -> str:
    """What a block advises, as the models read it: without an opening prohibition (``_WARNING``) and its questions
    (``_QUESTION``)."""
    scored = block[_OPENING_SENTENCE.match(block).end():] if _WARNING.match(block) else block
    return _QUESTION.sub(" ", scored)


@dataclass(frozen=True)
class Finding:
    block: str
    score: float
    words: tuple[str, ...]


@dataclass(frozen=True)
class Model:
    bias: float
    threshold: float
    weights: dict[str, float]
    # Each known feature's inverse document frequency; a feature missing here weighs 1 (a model built by hand).
    idf: dict[str, float] = field(default_factory=dict)

    def known(self, text: str) -> dict[str, float]:
        """The text's features the model knows, each with its TF-IDF value (before normalisation)."""
        return {f: (1 + math.log(n)) * self.idf.get(f, 1.0) for f, n in counts(text).items()
                if f in self.idf or f in self.weights}

    def score(self, text: str) -> float:
        """The model's log-odds that ``text`` is risky advice: the bias plus the weights of its features' TF-IDF
        values, the vector of them scaled to length 1 (as it was trained)."""
        return self._score(self.known(text))

    def _score(self, known: dict[str, float]) -> float:
        norm = math.sqrt(sum(v * v for v in known.values()))
        return self.bias + (sum(self.weights.get(f, 0.0) * v for f, v in known.items()) / norm if norm else 0.0)

    def flagged(self, text: str) -> tuple[Finding, ...]:
        """The blocks of ``text`` this model rates risky, with their score and strongest words; a block with fewer
        than MIN_FEATURES known features or no word of a sensitive topic is not scored; one opening with a prohibition
        is scored without its opening sentence (``_WARNING``), and without its questions (``_QUESTION``)."""
        found = []
        for block in blocks(text):
            scored = advice(block)
            known = self.known(scored)  # emphasis taken off once, by counts()
            if len(known) < MIN_FEATURES or not sensitive(scored):
                continue
            score = self._score(known)
            if score >= self.threshold:
                # The reason: the features that pushed the score up most, those of small words only left out.
                strongest = sorted(((self.weights.get(f, 0.0) * v, f) for f, v in known.items()
                                    if self.weights.get(f, 0.0) > 0 and not set(f.split()) <= _SMALL_WORDS),
                                   reverse=True)
                found.append(Finding(block, score, tuple(f for _, f in strongest[:3])))
        return tuple(found)


@cache
def model() -> Model:
    data = json.loads(MODEL.read_text(encoding="utf-8"))
    return Model(float(data["bias"]), float(data["threshold"]), {k: float(v) for k, v in data["weights"].items()},
                 {k: float(v) for k, v in data["idf"].items()})


@lru_cache(maxsize=1024)
def findings(text: str) -> tuple[Finding, ...]:
    """``Model.flagged`` with the committed model, remembered: a worker reads the same source passages again."""
    return model().flagged(text)
