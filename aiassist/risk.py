"""Risk classification of AI answers: which advice needs a security reviewer's second approval.

An answer is high risk when it, its question or a passage it drew on tells someone to *do* something
risky: a command, a configuration or an instruction that opens access, exposes credentials or data,
switches a security check off, or destroys or rewrites something shared. Mentioning a sensitive word
is not enough ("ask IT to reset your password", "the firewall team owns that change"): a classifier
that flags every mention floods the security reviewers and teaches them to rubber-stamp.

Text is classified as a reader sees it. Each text is taken twice: rendered the way the forum renders
it (Markdown, sanitised HTML, tags stripped, entities decoded) and raw (entities decoded, Markdown
backslash escapes removed, because a code span shows both literally and a shell undoes a backslash);
both are normalised (NFKC, invisible format characters removed, look-alike dashes and letters mapped
to ASCII) and a rule matching either counts. So neither an entity, an escape, a zero-width character
nor a full-width or Cyrillic letter hides "rm -rf".

Rules are grouped by topic and each names what it matched, as the reader sees it. A match does not
count when its own clause tells the reader *not* to do it ("never run `rm -rf` on shared hosts",
"instead of `verify=False`") or recounts an incident ("was caused by someone running `DROP TABLE`").
The labelled set in tests/data/risk/ measures recall and false alarms (bench/risk.py prints them).

Rules miss advice worded unlike anything they were written for. Beside them a word model learned from the
labelled sets (``aiassist.risk_words``) reads the draft and its sources paragraph by paragraph, where no rule
matched; a paragraph it rates risky makes the answer high risk, with the reason ``WORDED`` naming its strongest
words. On a set held out from both (tests/data/risk/blind4) the rules alone find 63 % of the risky texts, the two
together 91 %, at 7 % false alarms (bench/README.md, round 13).

A third reader, the sentence encoder fine-tuned on the same sets (``aiassist.risk_model``), reads the draft where no
rule matched, for advice in words neither the rules nor the word model know; both models' findings make one reason.
On the sets written after it, the three find 93 % of the risky texts at 14 % false alarms, the rules and the words
87 % at 11 % (bench/README.md, round 18). ``ASSISTANT_RISK_MODEL`` turns it off.
"""
import bisect
import hashlib
import html
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from aiassist import risk_model, risk_words
from forum.markup import render_markdown

logger = logging.getLogger(__name__)

# --- What the reader sees -----------------------------------------------------------------------

# Characters a reader does not see but that split a word for a pattern: zero-width (U+200B-U+200D,
# U+2060, U+FEFF), soft hyphen, bidi controls, variation selectors, tag characters.
_INVISIBLE_RANGES = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF),
]
# Look-alikes NFKC leaves alone: dashes and minus signs read as "-", Cyrillic and Greek letters that
# render like Latin ones read as those.
_LOOKALIKES = {
    **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\u02d7\ufe58\ufe63\uff0d\u2e3a\u2e3b"},
    **dict(zip("аеорсухѕіјһԁԛԝӏАВЕКМНОРСТХЅІЈУ", "aeopcyxsijhdqwlABEKMHOPCTXSIJY", strict=True)),
    **dict(zip("οαρνικτΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "oapvikTABEZHIKMNOPTYX", strict=True)),
}
_TRANSLATE = {
    **{cp: None for start, end in _INVISIBLE_RANGES for cp in range(start, end + 1)},
    **{ord(k): v for k, v in _LOOKALIKES.items()},
}
_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE_TAG = re.compile(r"</?code\b[^>]*>", re.IGNORECASE)
_CELL_TAG = re.compile(r"</?t[dh]\b[^>]*>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"</?(?:p|br|hr|pre|li|ul|ol|h[1-6]|blockquote|table|thead|tbody|tr)\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]*>")


def normalised(text: str) -> str:
    """NFKC, invisible characters removed, look-alike dashes and letters mapped to ASCII."""
    return unicodedata.normalize("NFKC", text).translate(_TRANSLATE)


def _rendered(text: str) -> str:
    """``_render`` remembering passage-sized texts: a worker classifies the same source passages over and
    over (bounded in count and in size: a long draft or post is rendered each time)."""
    return _render_cached(text) if len(text) <= 4000 else _render(text)


# One line of words and plain punctuation, no Markdown syntax, not starting or ending in a blank: Markdown makes
# it one paragraph of the same text (checked against the renderer on generated lines, tests/aiassist/test_risk.py).
# Most of a draft's claims are such lines; rendering each cost a third of the classifier's Markdown time.
PLAIN_LINE = re.compile(r"[A-Za-z][A-Za-z0-9 ,.;:?'\"()/%=+-]*(?<! )\Z")


def _render(text: str) -> str:
    """The text a reader sees: the forum's Markdown rendering, tags stripped, entities decoded.

    A code span keeps a backtick at each end: the reader sees where the code box ends, and so do the
    rules (a command's arguments stop there).
    """
    if PLAIN_LINE.match(text):
        return f"\n{text}\n"
    return _render_markup(text)


def _render_markup(text: str) -> str:
    markup = render_markdown(text)
    markup = _CODE_TAG.sub("`", markup)
    markup = _CELL_TAG.sub(" ", markup)
    markup = _BLOCK_TAG.sub("\n", markup)
    return html.unescape(_ANY_TAG.sub("", markup))


_render_cached = lru_cache(maxsize=4096)(_render)


# Between the forms of a text: no rule matches across it (rules stop at a line break, and their gaps
# exclude NUL).
FORM_SEPARATOR = "\n\x00\n"


# `chmod` `777`: code spans next to each other read as one command.
_ADJACENT_CODE = re.compile(r"`[ \t]+`")
_LINE_MARKUP = re.compile(r"^\s*(?:[-*+]|\d+[.)]|#{1,6}|>)\s+")
_FENCE = re.compile(r"(?:~~~+|`*)[\w+-]*")


_CONTINUATION = re.compile(r"\\\r?\n[ \t]*")


def reader_text(text: str) -> str:
    """What is classified: the normalised forms of ``text``, rendered first, then raw with escapes undone,
    joined by FORM_SEPARATOR.

    Of the raw form only what reads differently from the rendered one is kept (each such line with two
    lines either side, for statements that span lines): a line the reader sees as it is written adds
    nothing to the union, and leaving it out halves the work.
    """
    # A shell joins a line ending in a backslash with the next: so does the classifier ("rm \\⏎ -rf").
    text = _CONTINUATION.sub(" ", text)
    rendered = _ADJACENT_CODE.sub(" ", normalised(_rendered(text)))
    raw = _ADJACENT_CODE.sub(" ", normalised(html.unescape(_MD_ESCAPE.sub(r"\1", text.replace("\x00", "")))))
    raw = raw.split("\n")
    seen = {line.replace("`", "").strip() for line in rendered.split("\n")}
    differs = [n for n, line in enumerate(raw)
               if (bare := _LINE_MARKUP.sub("", line).replace("`", "").strip()) not in seen
               and line.replace("`", "").strip() not in seen and not _FENCE.fullmatch(bare)]
    keep = sorted({k for n in differs for k in range(max(0, n - 2), min(len(raw), n + 3))})
    if not keep:
        return _by_first(rendered)
    return _by_first(rendered + FORM_SEPARATOR + "\n".join(raw[n] for n in keep))


# "by simply turning off", "by  disabling": the rules read the gerund right after "by" (``_BY_GERUNDS``), so the words
# between move before it and the space closes up ("simply by turning off"): round 29's final review.
_BY_ADVERBS = re.compile(r"\bby[ \t]+((?:(?:\w+ly|just|then|first|also|even|temporarily)[ \t]+)*)(?=\w+ing\b)",
                         re.IGNORECASE)


def _by_first(text: str) -> str:
    return _BY_ADVERBS.sub(lambda m: " ".join(m.group(1).split() + ["by "]), text)


# --- Rule machinery -----------------------------------------------------------------------------

FLAGS = re.IGNORECASE
_SENTENCE_END = re.compile(r"[.!?;](?:\s|$)|\n")

Accept = Callable[[re.Match, str], bool]


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern
    # Lower-case strings of which every match contains at least one. The pattern only runs near
    # their occurrences: a substring search costs far less than a regex scan of the whole text.
    needs: tuple[str, ...]
    # Further groups of lower-case strings, each of which must occur near a keyword: the other parts
    # of a rule like "verb ... credential ... place", so it runs only where all of them occur.
    also: tuple[tuple[str, ...], ...] = ()
    # A further check of a match in its text (its sentence, what it deletes ...).
    accept: Accept | None = None
    # Whether "never ..."/"instead of ..." in the match's own clause makes it a warning, not advice.
    negatable: bool = True
    # Whether a negation inside the match counts too ("passwords are never stored in plaintext").
    negatable_inside: bool = False
    # How the match is shown in the reason (masking a secret); by default the matched text.
    shown: Callable[[re.Match], str] | None = None
    # Whether every match lies within one sentence (the rule is made of words and _within() gaps), so it
    # is searched sentence by sentence; else this far either side of each keyword (every match of the
    # rule is shorter).
    sentence: bool = False
    reach: tuple[int, int] = (200, 200)
    # Whether a sentence about the reader's own local, personal or throwaway resources makes the match harmless
    # ("FLUSHDB on your local compose redis", "terraform destroy on your personal ephemeral env"). None: never,
    # whatever its topic (what it destroys is elsewhere: "push your local branches with --prune" prunes the remote).
    scoped: bool | None = False
    # Whether a read-only inspection command on the match's line makes it harmless (``_inspecting``): a query
    # naming a role or a policy grants nothing.
    inspected: bool = False


@dataclass(frozen=True)
class Topic:
    name: str
    rules: tuple[Rule, ...]


_GAP = r"[^\n\x00]"


def _within(n: int) -> str:
    """Up to n characters between two parts of a rule that stays inside one sentence.

    A rule using it is searched one sentence at a time (see _windows), which is what keeps the gap
    inside the sentence; a full stop before a non-space ("settings.py") does not end one.
    """
    return _GAP + f"{{0,{n}}}?"


# The verbs that switch a safeguard off, as the rules write them, also as the gerund after "by": "avoid the errors by
# turning off TLS verification" recommends turning it off (round 29's review; ``_MEANS``). Only after "by": "disabling
# MFA is how the incident started" and "it turns off certificate checking" describe, and the blind sets keep them low.
_BY_GERUNDS = ((r"turn\s+off", r"(?:turn|(?<=\bby\s)turning)\s+off"),
               (r"switch\s+off", r"(?:switch|(?<=\bby\s)switching)\s+off"),
               (r"(?<=[:|(])disable(?=[|)])", r"(?:disable|(?<=\bby\s)disabling)"),
               (r"(?<=[:|(])remove(?=[|)])", r"(?:remove|(?<=\bby\s)removing)"))


def _by_gerunds(pattern: str) -> str:
    for plain, both in _BY_GERUNDS:
        pattern = re.sub(plain if plain[0] == "(" else re.escape(plain), both.replace("\\", "\\\\"), pattern)
    return pattern


# A gap of one character class repeated ("[^\n]*?", "[^\n;&|`]*"), at most this long: a rule's keyword windows merge
# into one span where the keyword repeats, and an unbounded gap then read to the end of the line from each repeat
# ("curl -" 8,000 times: 9 s). Every match of a rule is shorter than its reach (Rule.reach, 300 at most).
GAP_MAX = 500
_UNBOUNDED_GAP = re.compile(r"(\[\^(?:\\.|[^\]\\])*\])\*(\?)?(?!\+)")


def _bounded_gaps(pattern: str) -> str:
    return _UNBOUNDED_GAP.sub(lambda m: f"{m.group(1)}{{0,{GAP_MAX}}}{m.group(2) or ''}", pattern)


def _rule(pattern: str, needs: str | tuple[str, ...], accept: Accept | None = None, **options) -> Rule:
    """A rule; one whose pattern spans words with _within() gaps is searched sentence by sentence."""
    return Rule(re.compile(_bounded_gaps(_by_gerunds(pattern)), FLAGS), (needs,) if isinstance(needs, str) else needs,
                accept=accept, sentence=options.pop("sentence", _GAP in pattern), **options)


def _sentence_around(text: str, start: int, end: int) -> str:
    before = text[max(0, start - 300):start]
    cut = max((m.end() for m in _SENTENCE_END.finditer(before)), default=0)
    after = _SENTENCE_END.search(text, end, min(len(text), end + 300))
    return before[cut:] + text[start:after.start() if after else min(len(text), end + 300)]


def _near(pattern: str, chars: int = 200) -> Accept:
    """Accept a match only when ``pattern`` occurs within ``chars`` characters of it."""
    compiled = re.compile(pattern, FLAGS)
    return lambda match, text: bool(compiled.search(text, max(0, match.start() - chars), match.end() + chars))


def _in_sentence(pattern: str | None, *, unless: str | None = None) -> Accept:
    """Accept a match only when its sentence contains ``pattern`` (if given) and not ``unless``."""
    wanted = re.compile(pattern, FLAGS) if pattern else None
    unwanted = re.compile(unless, FLAGS) if unless else None

    def accept(match: re.Match, text: str) -> bool:
        sentence = _sentence_around(text, match.start(), match.end())
        return (not wanted or bool(wanted.search(sentence))) and not (unwanted and unwanted.search(sentence))
    return accept


def _not_near(pattern: str, chars: int = 150) -> Accept:
    """Accept a match only when ``pattern`` does not occur within ``chars`` characters before it (or just after)."""
    compiled = re.compile(pattern, FLAGS)
    return lambda match, text: not compiled.search(text, max(0, match.start() - chars), match.end() + 40)


# A negation just before a part of the match, in its clause: "… to the office range, never from the internet", "but not
# from the internet", "not reachable from the outside".
_NEGATED_BEFORE = re.compile(r"(?:\b(?:never|not|no|nor|without)|n't)(?:[ \t]+[\w-]+){0,3}?[ \t]+$", FLAGS)


def _not_negated_before(group: str) -> Accept:
    """Accept a match unless the words inside it just before its ``group`` negate that part (the negation before the
    match is ``_negated``'s)."""
    return lambda match, text: not _NEGATED_BEFORE.search(text, match.start(), match.start(group))


def _all_of(*accepts: Accept) -> Accept:
    """Accept a match only when every one of ``accepts`` does."""
    return lambda match, text: all(accept(match, text) for accept in accepts)


# --- Vocabulary ---------------------------------------------------------------------------------

_SHARED_BRANCH = r"(?:main|master|develop|development|trunk|release[\w./-]*|prod[\w./-]*|production|staging|stable)"
_SYSTEM_PATH = (r"/(?:\*|(?:etc|usr|var|bin|sbin|lib\w*|boot|root|home|opt|srv|sys|proc|dev|mnt)"
                r"(?:/(?:bin|sbin|lib\w*|local|share|log|run|spool|www))?/?\*?)?(?=$|[\s`'\";)|&])")
# Audiences too broad to grant anything restricted to; "everyone on the team" is not one. Round 46 (blind set 43): nor
# a possessive ("rather than anyone's personal login" names whose login, not who is granted).
_BROAD = (r"(?:(?:everyone|everybody|anyone)(?!['’]s\b)|all\s+(?:the\s+)?(?:employees|staff|users|engineers|"
          r"engineering|members|contractors|vendors|company)|(?:the\s+)?(?:whole|entire)\s+(?:company|org\w*|staff|internet|"
          r"engineering\s+org)|the\s+(?:public|internet|world)|public\s+internet|all-(?:employees|staff|company|"
          r"users|hands|engineering)|(?:the\s+)?(?:employees|staff|everyone|all[- ]employees|all[- ]staff|"
          r"all[- ]users|company)\s+group|domain\s+users|authenticated\s+users|everyone@\S*|all@\S*|all-staff@\S*|"
          r"company-wide|allusers|allauthenticatedusers)"
          r"(?!\s+(?:on|in|from|at|of)\s+(?:the|your|our|this|my)\s+(?:[\w#-]+\s+){0,2}?(?:team|squad|channel|meeting|"
          r"call|thread|project|rotation|review|pod)\b)(?!\s+who\s+(?:needs?|asks?|requests?))")
_BROAD_KEYS = ("everyone", "everybody", "anyone", "employees", "staff", "users", "engineer", "members", "contractors",
               "vendors", "company", "whole", "entire", "public", "internet", "world", "all-", "all@", "allusers")
# A whole group of people, the organisation, or outsiders: who a broad role must not go to.
_BROAD_AUDIENCE = (r"\b(?:all|every|whole|entire)\s+(?:of\s+)?(?:the\s+)?(?:our\s+)?[`'\"]?(?:[\w-]+[`'\"]?\s+)?"
                   r"(?:devs?|developers?|engineers?|engineering|users?|members?|contractors?|vendors?|employees|staff|company|"
                   r"org\w*|group|department|tenant|domain)\b|\$\{?ALL_\w+|\bdomain\s+users\b|\bcontractors?\b|"
                   r"\bvendors?\b|\bexternal\w*\b|\bguests?\b|\bthird[- ]part\w+|\bagency\b|\bfreelancers?\b|"
                   r"\bconsultants?\b|\binterns?\b|" + _BROAD)
# Credentials by name, including inside an identifier (AWS_SECRET_ACCESS_KEY).
# The environment dumped, maybe piped on to a reader or a file (``env | sort``).
_DUMP = r"(?:printenv|env|set|export\s+-p)\s*(?:\|\s*(?:sort|grep\s+-v\s+\S+|less|cat|tee\s+\S+)\s*)?"
_CREDENTIAL = (r"(?:(?<=_)|\b|(?=\.))(?:passwords?|passphrases?|passwd|secrets?(?!\s+(?:manager|management|scanning|"
               r"scanner|module|engine|store|operator))|api[ _-]?keys?|access[ _-]?keys?|private[ _-]?keys?|"
               r"(?:ssh|deploy|signing|aws|gcp|azure|cloud|stripe|slack|github|gitlab|license)[ _-]?keys?|tokens?|"
               r"credentials?|creds|\.pem\b|id_rsa|"
               # Round 46 (blind set 43): a wireless network's pre-shared key is its one shared password.
               r"psks?\b|pre-?shared\s+keys?|"
               r"id_ed25519(?!\.pub)|kubeconfig|\.env\b(?!\.(?:example|sample|template|dist|defaults?)\b)|\S*\.tfstate\b|"
               r"[a-z0-9]+_session\b|service[ -]account\s+(?:json\s+)?(?:keys?|json)|key\s*files?)")
_CREDENTIAL_KEYS = ("pass", "secret", "key", "token", "credential", "creds", ".pem", "id_rsa", "id_ed25519", "tfstate",
                    "psk",
                    "_session",
                    "kubeconfig", ".env", "service")
# Places a credential must not go: chat, tickets, wikis, mail, logs, repositories, other people.
_LEAK_PLACE = (r"(?:\b|(?=[#/]))(?:chat|channels?|slack|teams|thread|forum|tickets?|jira|wiki|confluence|e-?mail|mail|"
               r"readme|docs?|document|spreadsheet|sheet|logs?|stdout|console|plain ?text|clear ?text|pastebin|gist|"
               r"notes?|repo(?:sitory)?|git|image|contractors?|vendors?|partners?|agency|customers?|clients?|"
               r"colleagues?|interns?|consultants?|freelancers?|external\w*|outside|team|everyone|him|her|them|me|us|"
               r"here|public|desktop|/tmp|shared|rotation|whiteboard|board|sticky|post-it|paper|wall|#[\w-]+)\b")
# Where a credential belongs: "the vault password lives in the team's 1Password" (round 44, blind set 30).
_PASSWORD_MANAGER = (r"\b(?:in|into|to)\s+(?:the\s+|our\s+|your\s+)?(?:team'?s?\s+|shared\s+)?(?:1password|"  # noqa: S105
                     r"bitwarden|lastpass|keepass\w*|dashlane|keeper|password\s+manager|secrets?\s+manager|key\s?vault)\b")
# Round 46 (blind set 44's false alarms). A credential handed over the safe way: through a password manager's share or a
# one-time link, by phone or another channel than the one carrying what it opens, or kept where only administrators
# read it ("send the secret through the password manager's one-time share link", "the password by phone, never in the
# same email", "in the tool config, where only admins can see it").
_SAFE_HANDOVER = (r"\b(?:through|via|using|with|from)\s+(?:the\s+|our\s+|your\s+|a\s+)?(?:team'?s?\s+|shared\s+)?"  # noqa: S105
                  r"(?:1password|bitwarden|lastpass|keepass\w*|dashlane|keeper|password\s+manager|secrets?\s+manager|"
                  r"key\s?vault)\b|\b(?:one-?time|single-?use|self-?destruct\w*|burn[- ]after[- ]read\w*)\s+"
                  r"(?:share\s+|secret\s+)?(?:links?|urls?|notes?|messages?)\b|\b(?:by|over\s+the|via|on\s+a)\s+"
                  r"(?:phone|voice\s+call|call)\b|\b(?:separate|different|second|another)\s+(?:channel|medium|path|route)\b|"
                  r"\bout[- ]of[- ]band\b|"
                  r"\bonly\s+(?:the\s+)?(?:[\w-]+\s+)?(?:admins?|administrators?|owners?|security\s+team)\s+(?:can|could|may)\s+"
                  r"(?:see|read|view|access|open|retrieve)\b")
# Round 45 (blind set 38's false alarms). A verb's participle after a determiner names a thing ("swap the stored
# access keys for OIDC", "rotate the shared token"), it tells nobody to store or share anything.
_NOT_AFTER_DETERMINER = (r"(?<!\bthe\s)(?<!\ba\s)(?<!\ban\s)(?<!\bany\s)(?<!\byour\s)(?<!\bour\s)(?<!\bits\s)"
                         r"(?<!\btheir\s)(?<!\bthose\s)(?<!\bthese\s)")
# Access kept to those that need it: least privilege ("keep `get`/`list` on secrets to the workloads that need them").
_TO_THOSE_WHO_NEED = (r"\b(?:keep|limit|restrict|scope|narrow)\w*\b[^.!?\n]{0,80}?\bto\s+(?:only\s+)?(?:the\s+)?"
                      r"(?:[\w-]+\s+){0,2}?[\w-]+\s+(?:that|which|who)\s+(?:actually\s+|really\s+)?need\w*\b")
_SCREENSHOT_SAFE = re.compile(r"\b(?:regenerat\w*|rotat\w*|revok\w*|deactivat\w*|invalidat\w*|blur\w*|redact\w*|"
                              r"mask\w*|environment\s+variables?|env\s+vars?|placeholders?|demo|dummy|fake|re-?issu\w*)\b",
                              FLAGS)
_PERSONAL = (r"(?:users?|customers?|clients?|employees?|staff|members?|subscribers?|patients?|contacts?|people|persons|"
             r"candidates?|applicants?|students?|citizens?|accounts?|hr|payroll|personnel)")
_PERSONAL_KEYS = ("user", "customer", "client", "employee", "staff", "member", "subscriber", "patient", "contact",
                  "people", "person", "candidate", "applicant", "student", "citizen", "account", "hr", "payroll")
_PERSONAL_DATA = (r"(?:list|lists|data|table|tables|records?|e-?mails?|e-?mail\s+addresses|addresses|details|directory|"
                  r"database|db|info\w*|profiles?|phone\s+numbers|pii|export|dump|csv|spreadsheet|collection|index)")
_PII = (r"(?:personal\s+(?:data|information|details)|pii|phi|personally\s+identifiable\w*|e-?mail\s+addresses|"
        r"phone\s+numbers?|home\s+address(?:es)?|social\s+security\s+numbers?|ssns?|credit\s+card\s+(?:numbers?|data|"
        r"details)|card\s+(?:numbers?|details)|cvvs?|ibans?|bank\s+(?:account\s+)?(?:numbers?|details)|"
        r"passport\s+(?:numbers?|scans|copies)|national\s+insurance\s+numbers?|driver'?s\s+licen[cs]es?|"
        r"dates?\s+of\s+birth|salar(?:y|ies)|medical\s+records|health\s+records|hr\s+records|passports?|"
        r"id\s+(?:scans?|cards?|documents?)|identity\s+documents?|(?:names?|e-?mails?)\s*,\s*(?:and\s+)?(?:e-?mails?|"
        r"phones?(?:\s+numbers?)?|(?:home\s+)?addresses))")
_PII_KEYS = ("personal", "pii", "phi", "identifiable", "mail", "phone", "address", "social security", "ssn", "card",
             "cvv", "iban", "bank", "passport", "insurance", "licen", "birth", "salar", "medical", "health",
             "hr records", "id scan", "id card", "id document", "identity")
# After "public": a programming language's member, not an audience ("make the field private and add a public getter").
_NOT_CODE_VISIBILITY = (r"(?!\s+(?:static|final|class|void|abstract|interface|constructor|fields?|getters?|setters?|"
                        r"members?|methods?|functions?|enum|record|struct|override|property|properties|readonly|"
                        r"modifier|keyword|accessor))")
# Round 44: "run them through `redact-logs` first", "strips emails and phone numbers" (blind sets 29 and 31).
_DEIDENTIFIED = (r"\b(?:masked|hashed|anonymi[sz]\w*|pseudonymi[sz]\w*|scrub\w*|synthetic|redact\w*|fake)\b|"
                 r"\bstrip(?:s|ped|ping)?\s+(?:out\s+)?(?:the\s+|all\s+)?(?:e-?mails?|pii|personal|names?|phone)")
# What a logging change that hides values says: it masks, redacts or replaces them before they are written.
_SECRET_PART = (r"(?:tokens?|authorization|headers?|cards?|passwords?|cookies?|secrets?|credentials?|values?|"  # noqa: S105
                r"pan|cvv)")
_MASKED = (r"\b(?:mask\w*|redact\w*|scrub\w*|obfuscat\w*|sanitiz\w*|sanitis\w*|filter\w*\s+out|strip\w*\s+out)"
           r"[^.!?\n]{0,40}?\b" + _SECRET_PART + r"\b|\b" + _SECRET_PART + r"\b[^.!?\n]{0,40}?\b(?:masked|masking|"
           r"redacted|redaction|"
           r"replac\w*\s+(?:\w+\s+){0,3}?with\s+[`'\"]?(?:\*|x{3}|\[redacted\]|<redacted>))")
_EXPORT_VERB = (r"\b(?:export|dump|download|extract|pull|copy|send|share|e-?mail|upload|forward|scrape|sync|mirror|"
                r"transfer|attach|paste|hand\s+over|provide|post|give|put|move)\w*\b")
_SHARING_VERBS = ("paste", "post", "shar", "send", "mail", "slack", "dm", "message", "forward", "upload", "put",
                  "writ", "stor", "sav", "keep", "print", "echo", "leav", "add", "export", "attach")
_EXPORT_VERBS = ("export", "dump", "download", "extract", "pull", "copy", "send", "shar", "mail", "upload", "forward",
                 "scrap", "sync", "mirror", "transfer", "attach", "paste", "hand", "provid", "post", "giv", "put",
                 "mov")
_DISABLING_VERBS = ("disabl", "remov", "comment", "turn", "bypass", "skip", "switch", "stop", "shut", "deactivat",
                    "uninstall", "ignor", "suspend")
_PROD = r"\b(?:prod|production|live|primary)\b|[\w-]prod\b|\bprod[-_.\d]"
# At most twelve hours (a signed link that short is a hand-over, not a standing door).
_SHORT_WHILE = (r"(?:(?:[1-9]|1[0-2])\s*(?:h|hrs?|hours?)|(?:[1-9]|[1-5]\d|60)\s*(?:m|mins?|minutes?)|an?\s+hour|"
                r"one\s+hour)")
_LOCAL = r"\b(?:localhost|127\.0\.0\.1|local|dev|development|laptop|your\s+machine)\b"
_DATA_PORTS = (r"(?:3306|5432|6379|27017|27018|9200|9300|11211|2375|2376|2379|5984|3389|23|1433|1521|5601|8086|9042|"
               r"15672|5672|6443|10250)")
_INTERNAL_SERVICE = (r"\b(?:admin|dashboard|grafana|kibana|jenkins|database|db|redis|postgres|mysql|mongo\w*|"
                     r"elastic\w*|internal|staging|debug|metrics|prometheus|rabbitmq|kubernetes|k8s|etcd|docker|ssh|"
                     r"rdp|port\s+\d+)\b")
_ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - a string to look for, not an address to bind


# --- Checks some rules make on a match ----------------------------------------------------------

_PLACEHOLDER = re.compile(
    r"change_?me|example|placeholder|your[-_]|^your|[-_]here$|xxx|\*{3}|\.\.\.|redacted|dummy|fake|test|sample|"
    r"^(?:secret|password|pass|token|none|null|true|false|empty|admin)$|^<|>$", FLAGS)
_REFERENCE = re.compile(r"^(?:\$|\{|%|<|(?:\.{1,2}|~)/|/(?:run|var|etc|mnt|secrets?|opt|home|tmp|vault)/|file:|os\.|"
                        r"env\b|getenv|settings\.|config\.|process\.env|"
                        r"self\.|request|form|vault:|secret:|ref\+|!)", FLAGS)
_DOTTED_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
# A setting that names where a credential is kept, not the credential ("existingSecret: forum-db-credentials").
_NAMES_A_STORE = re.compile(r"existing[_-]?$", FLAGS)
_RESOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*")


def _literal_credential(match: re.Match, text: str) -> bool:
    """A credential-named setting given a literal value, not a reference to where the value lives."""
    value = match.group("quoted") or match.group("bare")
    if _REFERENCE.search(value) or _PLACEHOLDER.search(value):
        return False
    if (_NAMES_A_STORE.search(_name_before(match)) and match.group("name").lower().startswith("secret")
            and _RESOURCE_NAME.fullmatch(value)):
        return False  # existingSecret: forum-db-credentials, a Secret's name
    return not (match.group("bare") and ("(" in value or "[" in value or value.endswith(":")
                                         or _DOTTED_NAME.match(value)))


_NAME_TAIL = re.compile(r"[\w.-]*$")


def _name_before(match: re.Match) -> str:
    """The rest of the setting name a match starts inside of (REQUIRE_ for a match at AUTH)."""
    return _NAME_TAIL.search(match.string, max(0, match.start() - 60), match.start()).group(0)


def _masked_setting(match: re.Match) -> str:
    name = _name_before(match) + match.group("name")
    return f"{name} = {(match.group('quoted') or match.group('bare'))[:2]}…"


def _setting_shown(match: re.Match) -> str:
    return _name_before(match) + match.group(0)


_INGRESS = re.compile(r"\b(?:ingress|inbound|allow\w*|source|from|open\w*|firewall|security\s+group|sg|nsg|"
                      r"authori[sz]ed\s+networks|whitelist|allowlist|ports?|ssh|rdp|cidr|hba|host\s+all)\b|--cidr",
                      FLAGS)
_EGRESS = re.compile(r"\b(?:egress|outbound|route|routes|routing|nat|gateway|default\s+route)\b", FLAGS)
_STRICT_INGRESS = re.compile(r"\b(?:ingress|inbound)\b", FLAGS)


_DIRECTION = re.compile(r"\b(?:ingress|inbound|egress|outbound)\b", FLAGS)
_REFUSED_ON_LINE = re.compile(r"\b(?:reject|deny|drop)\b", FLAGS)  # after the address, in its own entry
_ENTRY_END = re.compile(r"`|&&|\|\||;|\bto\b", FLAGS)
_COMMAND_BREAK = re.compile(r"&&|\|\||;|\||\n")


def _command_start(text: str, at: int) -> int:
    """Where the command holding position ``at`` starts: after the last ``&&``, ``||``, ``;``, ``|`` or line break."""
    return max((m.end() for m in _COMMAND_BREAK.finditer(text, max(0, at - 400), at)), default=max(0, at - 400))
# A command that takes a rule away (``aws ec2 revoke-security-group-ingress … --cidr 0.0.0.0/0``).
_REMOVING_COMMAND = re.compile(r"\brevoke-[\w-]+|\b(?:delete|remove)-[\w-]*(?:rule|ingress|binding|permission)[\w-]*|"
                               r"\bfirewall-rules\s+delete\b|\bufw\s+delete\b|\biptables\s+-D\b|"
                               # Round 45: ``gsutil iam ch -d allUsers:objectViewer gs://…`` deletes the binding.
                               r"\b(?:gsutil|gcloud\s+storage)\s+(?:iam|acl)\s+ch\s+(?:-\w\s+\S+\s+)*?-d\b", FLAGS)
_LATER = re.compile(r"\b(?:later|then|until|but|after|once|tomorrow|first)\b", FLAGS)


_WEB_PORTS = re.compile(r"\b(?:443|80)\b|\bhttps?\b|\bpublic\s+(?:site|website|web)\b", FLAGS)
_OTHER_PORTS = re.compile(r"\b(?:22|3389|ssh|rdp|all\s+ports|0-65535|-1)\b|\b" + _DATA_PORTS + r"\b|"
                          r"\b(?:all|any)\s+(?:traffic|protocols?)\b", FLAGS)


def _ingress(match: re.Match, text: str) -> bool:
    """0.0.0.0/0 as the source people may connect from, not the default egress route, nor a line that rejects or
    denies it (``host all all 0.0.0.0/0 reject`` in pg_hba.conf)."""
    line_start = text.rfind("\n", 0, match.start()) + 1
    line_end = text.find("\n", match.end())
    line_end = line_end if line_end >= 0 else len(text)
    entry_end = _ENTRY_END.search(text, match.end(), line_end)
    refused = (_REFUSED_ON_LINE.search(text, match.end(), min(entry_end.start() if entry_end else line_end,
                                                                match.end() + 30))
               and not _LATER.search(text, line_start, line_end))
    if refused or _REMOVING_COMMAND.search(text, _command_start(text, match.start()), match.start()):
        return False
    before = [m.group(0).lower() for m in _DIRECTION.finditer(text, max(0, match.start() - 150), match.start())]
    if before:
        return before[-1] in ("ingress", "inbound")
    window = text[max(0, match.start() - 150):match.end() + 150]
    if not _INGRESS.search(window):
        return False
    if _WEB_PORTS.search(window) and not _OTHER_PORTS.search(window):
        return False  # a public site on 80/443: what a load balancer in front of one is for
    return not _EGRESS.search(window) or bool(_STRICT_INGRESS.search(window))


_TRACED_SECRET = re.compile(r"\$\{?[A-Z_]*(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
                            r"CREDENTIALS?)\w*|\$\{\{\s*secrets\.|\s-p\s+[\"']?\$", FLAGS)
# A cloud CLI deletion that takes a credential or a grant away rather than data: an old service-account key after a
# rotation, a public binding. (A KMS key is not one of them: what it encrypted is lost with it.)
_TAKES_AWAY_ACCESS = re.compile(
    r"\b(?:service-accounts\s+keys|api-keys|ssh-keys?)\s+delete\b|\bdelete-(?:access-key|ssh-public-key|"
    r"signing-certificate|login-profile|service-specific-credential)\b|\bremove-iam-policy-binding\b|"
    r"\brole\s+assignment\s+delete\b", FLAGS)
def _command_end(text: str, at: int) -> int:
    found = _COMMAND_BREAK.search(text, at)
    return found.start() if found else len(text)


_IGNORED = re.compile(r"\b(?:add|list|put|keep)\w*\b(?:[^.!?\n]|\.(?!\s)){0,80}?\b(?:to|in|into)\s+(?:the\s+)?"
                      r"(?:repo'?s\s+|project'?s\s+)?[`'\"]?\.?(?:git|docker)ignore\b|\b(?:is|are)\s+(?:already\s+)?(?:in|listed\s+in)\s+"
                      r"(?:the\s+)?[`'\"]?\.?(?:git|docker)ignore\b", FLAGS)
_UNIGNORED = re.compile(r"\b(?:out\s+of|remov\w*|delet\w*|drop\w*|tak\w*|comment\w*)\b[^.!?\n]{0,40}?\.?(?:git|docker)"
                        r"ignore\b", FLAGS)


def _not_ignored(match: re.Match, text: str) -> bool:
    """Not a file being kept out of the repository: "add `*.pem` and `.env` to the repo's `.gitignore`" (but "take it
    out of `.gitignore`" lets it in)."""
    sentence = _sentence_around(text, match.start(), match.end())
    return not _IGNORED.search(sentence) or bool(_UNIGNORED.search(sentence))


def _in_debug_overrides(text: str, at: int) -> bool:
    """Inside an open ``<debug-overrides>`` element of the same code block (debug builds only)."""
    fence = text.rfind("```", 0, at)
    before = text[fence + 3 if fence >= 0 else max(0, at - 2000):at].lower()
    opened = before.rfind("<debug-overrides")
    return opened >= 0 and "</debug-overrides" not in before[opened:] and "<base-config" not in before[opened:]


def _not_removed(match: re.Match, text: str) -> bool:
    """Not a principal named in a command that takes a grant away (``remove-iam-policy-binding --member=allUsers``)."""
    return not _REMOVING_COMMAND.search(text, _command_start(text, match.start()), match.start())


_EFFECT = re.compile(r"[\"']?effect[\"']?\s*[:=]\s*[\"']?(allow|deny)\b", FLAGS)


def _block_around(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The innermost ``{…}`` holding ``start``-``end`` (a JSON statement, an HCL ``statement {}``), or None."""
    depth, opening = 0, None
    for k in range(start - 1, max(-1, start - 2000), -1):
        if text[k] == "}":
            depth += 1
        elif text[k] == "{":
            if depth == 0:
                opening = k
                break
            depth -= 1
    if opening is None:
        return None
    depth = 0
    for k in range(end, min(len(text), end + 2000)):
        if text[k] == "{":
            depth += 1
        elif text[k] == "}":
            if depth == 0:
                return opening, k
            depth -= 1
    return None


def _not_denied(match: re.Match, text: str) -> bool:
    """A wildcard in a policy statement that allows, not one that denies (``"Effect": "Deny", "Principal": "*"`` takes
    a right away from everyone): the Effect of the statement's own braces; none there (prose, HCL's default) allows."""
    block = _block_around(text, match.start(), match.end())
    if block is None:
        return True
    effects = {m.group(1).lower() for m in _EFFECT.finditer(text, block[0], block[1])}
    return effects != {"deny"}


_WEAK_LOGIN = re.compile(r"\b(?:legacy|basic[- ]?auth\w*|insecure|old|weak|deprecated|password\s+auth\w*|ntlm|"
                         r"anonymous|guest)\b", FLAGS)


def _not_weak_login(match: re.Match, text: str) -> bool:
    """Switching a login check off, not switching off a weak way in (which is hardening)."""
    return not _WEAK_LOGIN.search(match.group(0))


_ALLOWED_ANY_HOST = re.compile(r"\bALLOWED_HOSTS\s*=\s*\[\s*[\"']\*[\"']\s*\]", FLAGS)
_DEBUG_ON = re.compile(r"\bDEBUG\s*[:=]\s*[\"']?True\b", FLAGS)
_ON_A_SERVER = _in_sentence(r"\b(?:prod\w*|live|the\s+server|deployed|customers)\b", unless=_LOCAL)
_IN_PRODUCTION = _in_sentence(_PROD)


def _debug_exposed(match: re.Match, text: str) -> bool:
    """DEBUG on where others reach it: a production server, or any host accepted."""
    return bool(_ALLOWED_ANY_HOST.search(text)) or _ON_A_SERVER(match, text)


def _any_host_with_debug(match: re.Match, text: str) -> bool:
    return bool(_DEBUG_ON.search(text)) or _IN_PRODUCTION(match, text)


_SCHEMA_ONLY = re.compile(r"--schema-only|--no-data|\s-s\b|\s-d\b", FLAGS)
_DUMP_DESTINATION = re.compile(
    r"~/|\bdownloads\b|\blaptop\b|\byour\s+machine\b|\blocal\s+(?:machine|postgres|mysql|db|database)\b|\bscp\b|"
    r"\bdesktop\b|\busb\b|\bpersonal\b|\bgmail\b|\bdropbox\b|\bdrive\b|\be-?mail\b|\battach\w*\b|\bvendor\b|"
    r"\bpartner\b|\bticket\b|\bslack\b|\bshare\w*\b", FLAGS)
_PROD_RE = re.compile(_PROD, FLAGS)


def _data_dump(match: re.Match, text: str) -> bool:
    """A dump of data (not just the schema) from production, or headed for a laptop, a ticket, a person."""
    command = match.group(0)
    if _SCHEMA_ONLY.search(command):
        return False
    sentence = _sentence_around(text, match.start(), match.end())
    return bool(_PROD_RE.search(command) or _PROD_RE.search(sentence) or _DUMP_DESTINATION.search(sentence))


def _first_words(match: re.Match) -> str:
    return " ".join(match.group(0).split()[:6])


_RM_STOP = re.compile(r"\s(?:and|then|if|or|to|so|before|after|because|when|again|first|afterwards|once|on|in|"
                      r"inside|from|with)\b|[,.](?:\s|$)", FLAGS)
# What a recursive delete may remove without review: build output and caches that are rebuilt.
_RM_SAFE = re.compile(
    r"(?:\./|(?:\.\./)+)?(?:[\w.-]+/)*(?:node_modules|dist|build|out|target|\.next|\.nuxt|\.turbo|\.parcel-cache|"
    r"\.angular|\.svelte-kit|__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.hypothesis|\.tox|\.nox|\.venv|"
    r"venv|\.eggs|[\w.-]*\.egg-info|htmlcov|\.coverage|coverage|\.gradle|\.terraform|bower_components|\.sass-cache|"
    r"_build|\.cache|tmp|\.tmp)/?\*?|(?:[\w.-]+/)*(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml|\.DS_Store)"
    r"|~/\.(?:cache|npm|m2|gradle|yarn|pnpm-store|cargo/registry)(?:/[\w.-]+)*/?"
    r"|(?:/tmp|/var/tmp|\$TMPDIR)/(?!\.{1,2}(?:/|$))[\w.-]+/?"
    r"|\"?\$\{?(?:RUNNER_TEMP|TMPDIR|TMP|TEMP)(?::\?)?\}?/(?!\.{1,2}(?:[/\"*]|$))[\w.-]+\"?\*?"
    # Round 45: a cache or build directory's variable guarded with ``:?`` (empty: the shell aborts, no ``/*``).
    r"|\$\{(?:\w*_)?(?:CACHE|TMP|TEMP|BUILD|DIST|OUT|OUTPUT|ARTIFACTS?|SCRATCH)(?:_\w*)?:\?[^}\s]*\}\"?(?:/[\w.*-]*)*",
    FLAGS)
_RECURSIVE_FLAG = re.compile(r"(?:^|\s)-[a-zA-Z]*[rR]|--recursive")


def _rm_targets(match: re.Match) -> str:
    targets = match.group("targets")
    stop = _RM_STOP.search(targets)
    return (targets[:stop.start()] if stop else targets).strip()


def _rm_recursive(match: re.Match, text: str) -> bool:
    """A recursive rm, unless all it removes is build output or caches."""
    if not _RECURSIVE_FLAG.search(match.group("flags")):
        return False
    targets = _rm_targets(match).split()
    line_start = match.string.rfind("\n", 0, match.start()) + 1
    if targets and targets[0] == "{}" and re.search(r"\bfind\b[^\n]*-exec(?:dir)?\s+(?:sudo\s+)?(?:\S*/)?$",
                                                      match.string[line_start:match.start()]):
        return False  # find's -exec: what it removes is find's selection, which the find rule judges
    return not targets or not all(_RM_SAFE.fullmatch(t.strip("\"'")) for t in targets)


_FIND_NAME = re.compile(r"-i?name\s+[\"']?([^\s\"']+)")
_FIND_WIDENS = re.compile(r"(?:^|\s)(?:!|-not|-o|-or|\\!)(?=\s)")
_SAFE_PATTERN = re.compile(r"\*\.(?:pyc|pyo|orig|rej|swp|tmp|class|o)|\*~|\.DS_Store", FLAGS)


def _find_unsafe(match: re.Match, text: str) -> bool:
    """A bulk delete by find, unless all it selects by name is build output or caches."""
    line_end = text.find("\n", match.end())
    line = text[match.start():line_end if line_end >= 0 else len(text)]
    names = _FIND_NAME.findall(line)
    return (not names or bool(_FIND_WIDENS.search(line))
            or not all(_RM_SAFE.fullmatch(n) or _SAFE_PATTERN.fullmatch(n) for n in names))


_DROPPED = re.compile(r"\bdrop\s+table\s+(?:if\s+exists\s+)?([\w.\"]+(?:\s*,\s*[\w.\"]+)*)", FLAGS)


def _not_own_temporary(match: re.Match, text: str) -> bool:
    """Not the drop of temporary tables the same text created before it ("CREATE TEMP TABLE tmp_ids …; DROP TABLE
    tmp_ids")."""
    dropped = _DROPPED.match(text, match.start())
    if not dropped:
        return True
    before = text[:match.start()]
    return not all(re.search(rf"\bcreate\s+(?:local\s+|global\s+)?(?:temp|temporary)\s+table\s+"
                             rf"(?:if\s+not\s+exists\s+)?{re.escape(name.strip())}(?![\w.])", before, FLAGS)
                   for name in dropped.group(1).split(","))


def _rm_shown(match: re.Match) -> str:
    return f"rm {' '.join(match.group('flags').split())} {_rm_targets(match)}".strip()


_STATEMENT_END = re.compile(r";|\n\s*\n|`|[.!?](?:\s|$)")
_WHERE = re.compile(r"\bwhere\b", FLAGS)
_TAUTOLOGY = re.compile(
    r"\bwhere\s+\(?\s*(?:1\s*=\s*1|true\b|1\b(?!\s*[=<>])|'(\w*)'\s*=\s*'\1'|([a-z_]\w*)\s*=\s*\2\b|"
    r"(?:\w+\.)?id\s+is\s+not\s+null\b(?!\s+and)|not\s+false\b|1\s*<>\s*0|0\s*=\s*0|id\s*>\s*0\b)", FLAGS)


def _unbounded(match: re.Match, text: str) -> bool:
    """An SQL DELETE/UPDATE with no WHERE, or a WHERE that is always true."""
    end = _STATEMENT_END.search(text, match.end())
    statement = text[match.start():end.start() if end else len(text)]
    return not _WHERE.search(statement) or bool(_TAUTOLOGY.search(statement))


# Round 44's checks (blind sets 27-32's false alarms).
# A secret echoed into something that reads it and prints nothing: a decoder writing a file, a login reading stdin
# (``echo "$KEY_B64" | base64 -d > key.p8``, ``echo "$TOKEN" | docker login --password-stdin``).
_READS_STDIN = re.compile(r"--password-stdin\b|--password-file[= ]-(?:\s|$)|\bssh-add\s+-(?:\s|$)|"
                          r"\bgpg\b[^|\n]*--import\b|\s-f\s+-(?:\s|$)|\bsecurity\s+import\b", FLAGS)
_TO_A_FILE = re.compile(r"(?<![0-9&])>{1,2}\s*(?![&\s]|/dev/(?:stdout|stderr|tty)\b)(?=\S)[\"']?"
                        r"(?P<file>[^\s;&|`)'\"]*)", FLAGS)
# Where the echo's own command ends: the next one (``&&``, ``||``, ``;``) no longer reads its output.
_NEXT_COMMAND = re.compile(r"&&|\|\||;")
# A command printing a file (not a substitution reading it into another command: ``"$(cat token.txt)"``).
_PRINTS_FILE = (r"(?<!\$\()(?<!`)\b(?:cat|less|more|head|tail|bat|tac|nl|xxd|od|strings|type|get-content|gc)\b"
                r"[^\n;&|`]*?")


def _not_printed(match: re.Match, text: str) -> bool:
    """A secret echoed, unless its own command hands it to a reader of stdin or writes it to a file that nothing after
    prints, on its line or the next (``echo $API_TOKEN > token.txt && cat token.txt`` prints it all the same)."""
    line_end = text.find("\n", match.end())
    rest = text[match.end():line_end if line_end >= 0 else len(text)]
    ends = _NEXT_COMMAND.search(rest)
    command = rest[:ends.start() if ends else len(rest)]
    if _READS_STDIN.search(command):
        return False
    written = _TO_A_FILE.search(command)
    if not written or re.search(r"\|\s*tee\b", command):
        return True
    name = (written.group("file") or "").rstrip("/").rsplit("/", 1)[-1]
    after = match.end() + written.end()
    return bool(name) and bool(re.search(_PRINTS_FILE + r"(?<![\w.-])" + re.escape(name) + r"(?![\w.-])",
                                         text[after:after + 300], FLAGS))


_MADE_DIR = re.compile(r"\bmkdir\s+(?:-[\w-]+\s+)*([^\s;&|`]+)")


def _not_own_directory(match: re.Match, text: str) -> bool:
    """Not the removal of directories the same text made before it (``mkdir -p ~/.x/keys`` … ``rm -rf ~/.x/keys``)."""
    targets = [t.strip("\"'") for t in _rm_targets(match).split()]
    made = {m.group(1).strip("\"'").rstrip("/") for m in _MADE_DIR.finditer(text, 0, match.start())}
    return not (targets and all(t.rstrip("/") in made for t in targets))


# A credential-named word followed by prose, not a setting ("revoke the token: revoke it first", "eas secret:create").
_PROSE_VALUE = re.compile(r"[a-z]+")
_PROSE_GOES_ON = re.compile(r"[ \t]+(?:[a-z]|--?\w)")


def _not_prose(match: re.Match, text: str) -> bool:
    value = match.group("bare")
    return not (value and _PROSE_VALUE.fullmatch(value) and _PROSE_GOES_ON.match(text, match.end()))


# A password in SQL that is a placeholder for the real one ("IDENTIFIED BY '<from secrets manager>'", ":'pw'", "%s").
# Round 45: or empty quotes, what the rendered text keeps of ``'<from vault>'`` (an HTML tag to Markdown; blind set 41).
_SQL_PASSWORD_PLACEHOLDER = re.compile(r"\b(?:password|identified\s+by)\s+(?:''|\"\"|[\"']?(?:<[^>\n]*>|:[\"']?\w+|"
                                       r"\$\{?\w+|%s|\?|\{\{))", FLAGS)


# Round 45 (blind sets 40 and 41 as development sets). Just before a match: it is switched off ("disable anonymous
# access in the wizard" hardens a fresh install).
_SWITCHED_OFF_BEFORE = re.compile(r"\b(?:disabl\w*|turn\w*\s+off|switch\w*\s+off|remov\w*|block\w*|den(?:y|ies)|"
                                  r"revok\w*|untick\w*|uncheck\w*|prevent\w*|forbid\w*|no)\s+(?:the\s+|all\s+|any\s+)?[`'\"“*]*$",
                                  FLAGS)
# Security controls by name: what "turn … off", "set … to off" must not be said of.
_SECURITY_CONTROL = (r"(?:firewall|selinux|apparmor|antivirus|anti-virus|defender|edr|crowdstrike|falcon|sentinelone|"
                     r"waf|web\s+application\s+firewall|bot\s+(?:fight\s+mode|protection)|ddos\s+protection|"
                     r"security\s+(?:level|settings?|features?|checks?)|audit\s+log(?:s|ging)?|auditd|"
                     r"endpoint\s+protection|real-?time\s+(?:protection|scanning)|tamper\s+protection|malware\s+scanning|"
                     r"branch\s+protection|encryption(?:\s+at\s+rest)?|filevault|bitlocker|luks|disk\s+encryption|"
                     r"gatekeeper|system\s+integrity\s+protection|sip|smartscreen|uac|user\s+account\s+control|applocker|"
                     r"mfa|2fa|two-factor(?:\s+auth\w*)?|multi-factor(?:\s+auth\w*)?|secret\s+scanning|push\s+protection|"
                     r"rate\s+limit\w*|xprotect|device\s+trust|conditional\s+access(?:\s+polic\w*)?|dlp|"
                     r"data\s+loss\s+prevention|csrf\s+protection|(?:certificate|cert|tls|ssl|signature)\s+"
                     r"(?:validation|verification|checks?|checking)|authentication|auth|zscaler|netskope|umbrella)")
_SECURITY_CONTROL_KEYS = ("firewall", "selinux", "apparmor", "virus", "defender", "edr", "crowdstrike", "falcon",
                          "sentinelone", "waf", "bot", "ddos", "security", "audit", "endpoint", "real", "protection",
                          "malware", "encryption", "filevault", "bitlocker", "luks", "gatekeeper", "sip",
                          "smartscreen", "uac", "account control", "applocker", "mfa", "2fa", "factor", "scanning",
                          "rate limit", "xprotect", "device trust", "conditional", "dlp", "loss prevention", "csrf",
                          "validation", "verification", "check", "auth", "zscaler", "netskope", "umbrella")
# Agents on a company's machines that inspect, protect or manage them (web gateways, EDR, antivirus, device management):
# not VPN clients, which people quit for good reasons.
_SECURITY_AGENT = (r"(?:zscaler|netskope|umbrella|cloudflare\s+warp|warp\s+client|crowdstrike|falcon(?:\s+sensor)?|"
                   r"sentinel\s?one|defender(?:\s+for\s+endpoint)?|carbon\s?black|cylance|sophos|tanium|jamf\s+protect|"
                   r"santa|osquery|wazuh|edr|antivirus|anti-virus|dlp(?:\s+agent)?|security\s+agent|endpoint\s+agent|"
                   r"mdm\s+agent|intune\s+agent)")
_SECURITY_AGENT_KEYS = ("zscaler", "netskope", "umbrella", "warp", "crowdstrike", "falcon", "sentinel", "defender",
                        "carbon", "cylance", "sophos", "tanium", "jamf", "santa", "osquery", "wazuh", "edr", "virus",
                        "dlp", "agent")
_MDM = r"(?:jamf|intune|mdm|kandji|mosyle|workspace\s+one|airwatch|device\s+management|endpoint\s+manager|fleet\s*dm)"
# Vendors' token formats: a value in one is a real credential, however much of it is shown ("ghp_...").
_VENDOR_TOKEN = (r"(?:ghp_|gho_|ghs_|ghu_|ghr_|github_pat_|glpat-|xox[abprs]-|[sr]k_live_|sk-(?:proj-|ant-)?|"  # noqa: S105
                 r"bkua_|npm_|pypi-|hvs\.|dop_v1_|shpat_|dckr_pat_|AKIA|ATATT|SG\.|xapp-)")
_VENDOR_TOKEN_KEYS = ("ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_", "glpat-", "xox", "k_live_", "sk-", "bkua_",
                      "npm_", "pypi-", "hvs.", "dop_v1_", "shpat_", "dckr_pat_", "akia", "atatt", "sg.", "xapp-")
_TOKEN_PLACEHOLDER = re.compile(r"x{3,}|your|example|<|changeme|fake|dummy|redacted|placeholder|\*{3}|\$|\{", FLAGS)
# Round 46 (blind set 42). A sentence that makes the thing a condition to take to the security team ("if it really
# insists on --privileged, that's a conversation with security first"): an escalation, not the advice.
_ESCALATED_IF = (r"^\W*(?:and\s+|but\s+|only\s+)?(?:if|unless|should|in\s+case|where)\b[^.!?\n]*?(?:\b(?:conversation|"
                 r"talk|discuss|check|raise|escalat|ask|approv|sign-?off|exception|take|bring|clear|consult|involve|"
                 r"loop)\w*\b[^.!?\n]{0,30}?\b(?:security|secops|infosec|appsec|ciso)\b|\b(?:security|secops|infosec|"
                 r"appsec)(?:\s+team)?(?:'s)?\s+(?:review|sign-?off|approval|exception|go-ahead)\b)")
# What a page or a report holds that is not for the whole internet: people's records, money, how the systems run.
_INTERNAL_CONTENT = (r"\b(?:hr|headcount|payroll|salar\w*|employees?|staff|personnel|customers?|clients?|patients?|"
                     r"financ\w*|revenue|budgets?|forecasts?|internal|intranet|confidential|private|runbooks?|"
                     r"playbooks?|on-?call|incidents?|post-?mortems?|credentials?|passwords?|infra\w*|roadmaps?|legal|"
                     r"contracts?|pii|board\s+(?:pack|deck|minutes)|wiki)\b")
# A password given as a command's argument ("security unlock-keychain -p 'S3cret'", "-passin pass:hunter2"): written
# into the script, the shell's history and the process list, not a variable or a prompt.
_ARGUMENT_PASSWORD = re.compile(r"^[\"']?(?![$<{%(]|-\w)(?P<value>[^\s\"'`]{3,})")


def _literal_argument(match: re.Match, text: str) -> bool:
    value = _ARGUMENT_PASSWORD.match(match.group("pw"))
    return bool(value) and not (_PLACEHOLDER.search(value.group("value").rstrip(".,;:)")) or
                                _REFERENCE.search(value.group("value")))


_PR_HEAD = re.compile(r"\bref\s*:\s*\$\{\{\s*github\.event\.pull_request\.head|github\.event\.pull_request\.head\."
                      r"(?:sha|ref)\b|\brefs/pull/|\bgh\s+pr\s+checkout\b|"
                      r"\bcheck(?:s|ing|ed)?[- ]?outs?\b[^.!?\n]{0,40}?\b(?:the\s+)?(?:pr|pull\s+request|fork|forked|"
                      r"contributor|incoming|untrusted)(?:'s)?\s+(?:head|branch|code|ref|commit|sha|merge\s+commit)\b",
                      FLAGS)
_NOT_DONE_BEFORE = re.compile(r"(?:\b(?:never|not|no|nor|without|avoid\w*)|n't)\b[^.!?;\n]{0,30}$", FLAGS)


def _pr_head_checked_out(match: re.Match, text: str) -> bool:
    """A ``pull_request_target`` workflow that checks the pull request's own code out (in YAML or in words), not
    told not to ("never check out and run the PR's code in that trigger")."""
    return any(not _NOT_DONE_BEFORE.search(text, max(0, head.start() - 40), head.start())
               for head in _PR_HEAD.finditer(text, max(0, match.start() - 300), match.end() + 300))


def _polkit_for_anyone(match: re.Match, text: str) -> bool:
    """A polkit rule returning YES without looking at who asks (``subject.isInGroup``, ``subject.user``)."""
    opened = text.rfind("polkit.addRule", max(0, match.start() - 1500), match.start())
    body = text[opened if opened >= 0 else max(0, match.start() - 600):match.start()]
    return not re.search(r"\bsubject\s*\.\s*(?:isInGroup|user|local|active)\b", body)


def _no_own_secret_flag(match: re.Match, text: str) -> bool:
    """A ``config set`` of a credential without the flag that encrypts it."""
    end = _command_end(text, match.end())
    line_end = text.find("\n", match.end())
    command = text[_command_start(text, match.start()):min(end, line_end if line_end >= 0 else len(text))]
    return not re.search(r"--secret\b|--secure\b|--type[= ][\"']?SecureString\b", command, FLAGS)


def _sql_password_literal(match: re.Match, text: str) -> bool:
    return not _SQL_PASSWORD_PLACEHOLDER.search(text, match.start(), min(len(text), match.end() + 60))


def _nowhere_near(pattern: str, before: int, after: int) -> Accept:
    """Accept a match only when ``pattern`` occurs neither ``before`` characters before it nor ``after`` after it."""
    compiled = re.compile(pattern, FLAGS)
    return lambda match, text: not compiled.search(text, max(0, match.start() - before), match.end() + after)


# Hardware leaving service, whose erasure is the required last step (a switch reset, a fleet of laptops wiped): sent
# back for an RMA or at a lease's end, decommissioned, recycled; or not in service at all (on the bench, in the lab).
_NOT_RETIRED_HARDWARE = _nowhere_near(
    r"\b(?:rma\W?d?|decommission\w*|before\s+(?:(?:they|it)\s+(?:are|is|get|gets)\s+|being\s+)?(?:boxing|boxed|shipping|"
    r"shipped|returning|returned|disposal|disposed\s+of|recycling|recycled)|returns?\s+(?:group|batch|queue|pile|bin)|"
    r"(?:being|to\s+be|are|is)\s+(?:returned|shipped\s+back|sent\s+back)|(?:shipped|sent|going)\s+back\s+to\s+the\s+"
    r"(?:vendor|leasing\s+company|lessor|manufacturer)|end\s+of\s+(?:the\s+)?lease|off-?lease|"
    r"(?:is|isn't|is\s+not|not)\s+connected\s+to\s+anything|on\s+the\s+bench|in\s+the\s+lab)\b", 200, 200)


def _in_sentence_beside(pattern: str) -> Accept:
    """Accept a match only when its sentence, the match itself left out, contains ``pattern`` ("to a personal account"
    is no personal data because "account" is one of its words)."""
    compiled = re.compile(pattern, FLAGS)

    def accept(match: re.Match, text: str) -> bool:
        sentence = _sentence_around(text, match.start(), match.end())
        at = sentence.find(match.group(0))
        if at >= 0:
            sentence = sentence[:at] + " " + sentence[at + len(match.group(0)):]
        return bool(compiled.search(sentence))
    return accept


_ASKED_PERSON = re.compile(r"\b(?:ping|ask|contact|message|e-?mail|dm|slack|escalate\s+to|via|by|from|with)\s+"
                           r"(?:an?\s+|the\s+|your\s+|our\s+|one\s+of\s+the\s+)?"
                           r"(?:org\w*\s+|project\s+|repo\w*\s+|team\s+|workspace\s+|group\s+)?$", FLAGS)


def _not_person_asked(match: re.Match, text: str) -> bool:
    """A role, not the person to ask for it ("it takes 5 minutes if you ping an org owner")."""
    return not _ASKED_PERSON.search(text, max(0, match.start() - 60), match.start())


def _not_sql_filter(match: re.Match, text: str) -> bool:
    """A setting, not a comparison in a query's WHERE (``where rowsecurity = false`` lists tables without it)."""
    before = text[max(0, match.start() - 200):match.start()]
    where = list(_WHERE.finditer(before))
    return not (where and ";" not in before[where[-1].end():] and not re.search(r"\bset\b", before[where[-1].end():],
                                                                                  FLAGS))


def _not_read_only_acl(match: re.Match, text: str) -> bool:
    """A recursive ACL change, unless each entry it sets gives a named user or group no write (``-m u:filebeat:rX``)."""
    line_end = text.find("\n", match.end())
    line = text[text.rfind("\n", 0, match.start()) + 1:line_end if line_end >= 0 else len(text)]
    specs = re.findall(r"\s-[a-zA-Z]*m\s+(\S+)", line)
    return not specs or not all(re.fullmatch(r"(?:d:|default:)?(?:u|g|user|group):[\w.-]+:[r\-xX]*", spec.strip("`'\""))
                                for spec in specs)


_HEADER_PASSED_ON = re.compile(r"[ \t`]*(?:proxy_set_header|grpc_set_header|fastcgi_param|uwsgi_param|"
                               r"more_set_input_headers)\b", FLAGS)


def _not_passed_on(match: re.Match, text: str) -> bool:
    """A request header in a log format, not one a proxy passes on to its upstream."""
    return not _HEADER_PASSED_ON.match(text, text.rfind("\n", 0, match.start()) + 1)


# Round 44, later (set 37's false alarms): the narrower thing chosen. An organisation's base permission set to Read or
# none, the higher level granted repository by repository or through teams ("Set the org's base permission to Read (or
# No permission) and grant Write per repo through teams"): the base's own value decides, and the higher level only
# where it is scoped.
_NARROW_BASE = re.compile(r"base\s+permissions?\s*(?:to|=|:|at|as|→|->)?\s*[*_\"'“`]*\s*"
                          r"(?:read|none|no\s+(?:permission|access))\b", FLAGS)
_HIGHER_LEVEL = re.compile(r"(?:admin|write|maintain)\w*$", FLAGS)
_GRANTED_PER_RESOURCE = re.compile(
    r"\w+[*_\"'”`]*\s+(?:access\s+|permissions?\s+)?(?:per[- ](?:repo\w*|project|team)|only\s+(?:on|to|for|where|"
    r"through|via)|(?:through|via|by)\s+teams?\b|(?:on|to|for|through)\s+(?:specific|individual|named|selected|"
    r"the\s+(?:specific|relevant|individual))\b|where\s+(?:it'?s\s+)?needed|as\s+needed)", FLAGS)


def _not_least_privilege(match: re.Match, text: str) -> bool:
    if not _NARROW_BASE.match(match.group(0)):
        return True
    higher = _HIGHER_LEVEL.search(match.group(0))
    return not (higher and _GRANTED_PER_RESOURCE.match(text, match.start() + higher.start()))


# An administrator role cut down to what is needed ("a custom admin role with only the Groups privileges", "admin
# scoped to the staging project"), unless the sentence gives it everything all the same.
_NARROWED_AFTER = re.compile(
    r"[`'\"”’*]*\s+(?:(?:role|group|account|permission\s+set|profile)s?\s+)?(?:(?:with|having|that\s+(?:has|holds|"
    r"grants?|gives?|covers?)|for)\s+(?:just|only)\b(?!\s+(?:one|a\s+few|a\s+couple\s+of|two|three)\s+(?:exceptions?|"
    r"restrictions?|limits?|caveats?))|(?:limited|scoped(?:\s+down)?|restricted)\s+to\b)", FLAGS)
_BROAD_PRIVILEGES = re.compile(r"\b(?:all|full|every|any|unrestricted)\s+(?:the\s+)?(?:\w+\s+)?"
                               r"(?:privileges|permissions|rights|access|scopes)\b", FLAGS)


def _not_narrowed_role(match: re.Match, text: str) -> bool:
    return not (_NARROWED_AFTER.match(text, match.end())
                and not _BROAD_PRIVILEGES.search(_sentence_around(text, match.start(), match.end())))


# A default login named as what must be changed ("the admin password needs changing on first start — admin/admin is the
# first thing scanners try"), not one kept, for now or for good ("don't bother changing admin/admin", "we'll change it
# once the fleet is stable"). Round 46 (blind set 43): the pair itself named as what to change ("change the admin/admin
# default").
_DEFAULT_LOGIN = re.compile(r"(guest|admin|root)/\1", FLAGS)
_CHANGE_DEMANDED = re.compile(r"\b(?:needs?|must|has\s+to|have\s+to|should)\s+(?:be\s+)?(?:chang|rotat|replac|"
                              r"reset)\w*|\b(?:change|rotate|replace|reset)\s+(?:it|that|them|the\s+(?:[\w/]+\s+)?(?:password|"
                              r"default\w*|login|credentials?))\b", FLAGS)
_DEFAULT_KEPT = re.compile(r"\b(?:don'?t|do\s+not|wouldn'?t|won'?t|no\s+need|not|never|bother\w*|later|eventually|"
                           r"someday|for\s+now|once|afterwards|but|anyway|fine|keep\w*|leave|stays?|fallback|works?)\b",
                           FLAGS)


def _default_login_kept(match: re.Match, text: str) -> bool:
    if not _DEFAULT_LOGIN.fullmatch(match.group(0)):
        return True
    sentence = _sentence_around(text, match.start(), match.end())
    return not (_CHANGE_DEMANDED.search(sentence) and not _DEFAULT_KEPT.search(sentence))


# A directory listing of every entry (round 44, later): ``-All``, ``-Filter *``, ``-ResultSize Unlimited``, an LDAP
# filter on every person; and the fields that say how to reach each one.
_ALL_ENTRIES = re.compile(r"\s-All\b|\s-Filter\s+[\"'{]?\s*\*|\s-ResultSize\s+Unlimited\b|"
                          r"\(objectClass=(?:person|user|inetOrgPerson|organizationalPerson|\*)\)", FLAGS)
_CONTACT_FIELDS = re.compile(r"\b(?:mobile\w*|telephoneNumber|\w*phone\w*|homePostalAddress|StreetAddress|"
                             r"postalAddress|"
                             r"BirthDate|DateOfBirth|birthday|mail|EmailAddress|WindowsEmailAddress|PrimarySmtpAddress|"
                             r"EmployeeId|employeeNumber)\b", FLAGS)


_HOSTS_FILE = re.compile(r"hosts\.(allow|deny)\b", FLAGS)


def _into_hosts_allow(match: re.Match, text: str) -> bool:
    """A TCP wrappers line headed for hosts.allow, the file named next after it or else last before it (``ALL: ALL`` in
    hosts.deny is the usual default deny)."""
    after = _HOSTS_FILE.search(text, match.end(), match.end() + 60)
    if after:
        return after.group(1).lower() == "allow"
    before = list(_HOSTS_FILE.finditer(text, max(0, match.start() - 200), match.start()))
    return bool(before) and before[-1].group(1).lower() == "allow"


# Round 45 (blind set 39's false alarms as a development set): the safe twin of a risky action, in its words.
# A negation just before a rule's last part, inside the match: "it runs with your secrets, so never check out the
# fork's head", "enable Vault Lock, so nobody can delete recovery points", "no one can delete it".
_NEGATED_BEFORE_LAST = re.compile(r"(?:\b(?:never|not|no|nor|without|nobody|no\s+one|cannot)|n't)(?:[ \t]+[\w-]+){0,3}?"
                                  r"[ \t]+[`'\"]*$", FLAGS)


def _last_part_not_negated(match: re.Match, text: str) -> bool:
    """Accept a match unless a negation comes just before its last word ("secrets … never check out the fork")."""
    said = match.group(0).rstrip()
    last = match.start() + max(said.rfind(" "), said.rfind("\t")) + 1
    return last <= match.start() or not _NEGATED_BEFORE_LAST.search(text, match.start(), last)


# A CI runner's masking command prints nothing: "echo "::add-mask::$TOKEN"", Azure's "##vso[task.setsecret]".
_MASKING = re.compile(r"::add-mask::|##vso\[task\.setsecret\]|\bissecret=true\b", FLAGS)


def _not_masking(match: re.Match, text: str) -> bool:
    return not _MASKING.search(match.group(0))


# A name among tags, labels or fields ("unified service tagging: `env`, `service`, `version`"), in a sentence that runs
# nothing and prints nothing: not the ``env`` command.
_NAMES_FIELDS = re.compile(r"\b(?:tag\w*|labels?|fields?|attributes?|dimensions?|facets?|columns?|propert(?:y|ies))\b",
                           FLAGS)
_RUN_WORDS = re.compile(r"\b(?:run\w*|execut\w*|type|paste\w*|print\w*|output\w*|shell|terminal|steps?|script\w*|"
                        r"echo\w*|dump\w*|debug\w*|shows?|see|view|list\w*|add\s+(?:a|the|this)\s+line)\b", FLAGS)


def _not_field_name(match: re.Match, text: str) -> bool:
    sentence = _sentence_around(text, match.start(), match.end())
    return not _NAMES_FIELDS.search(sentence) or bool(_RUN_WORDS.search(sentence))


# A secret file named as what goes into the ignore file ("commit a `.env.example` and add `.env` to `.gitignore`"): the
# match's last part is the one added there, not the one committed.
_ADDED_BEFORE = re.compile(r"\b(?:add|list|put)\w*\s+(?:[`'\"“]?[\w.*/-]+[`'\"”]?\s*(?:,|and)\s+)*[`'\"“]*$", FLAGS)
_INTO_IGNORE_FILE = re.compile(r"[\w.*-]*[`'\"”]*\s*(?:(?:,|and)\s+[`'\"“]?[\w.*/-]+[`'\"”]?\s*)*\s(?:to|in|into)\s+"
                               r"(?:the\s+|your\s+|our\s+)?(?:repo'?s\s+|project'?s\s+)?[`'\"“]?\.?(?:git|docker)ignore\b",
                               FLAGS)


def _not_added_to_ignore_file(match: re.Match, text: str) -> bool:
    said = match.group(0).rstrip()
    last = match.start() + max(said.rfind(" "), said.rfind("\t")) + 1
    return not (last > match.start() and _ADDED_BEFORE.search(text, match.start(), last)
                and _INTO_IGNORE_FILE.match(text, match.end()))


# --- Rules by topic -----------------------------------------------------------------------------

ACCESS = Topic("Access control and permissions", (
    # World-writable modes (octal with write for others, or symbolic o/a write), setuid, recursive
    # changes of system paths, recursive ACLs.
    _rule(r"\bchmod\s+(?:-[a-z]+\s+|--[\w-]+\s+)*0?[0-7]?[0-7]{2}[2367]\b", "chmod"),
    _rule(r"\bchmod\s+(?:-[a-z]+\s+|--[\w-]+\s+)*(?:[ugoa]*[+=-][rwxXst]*,)*[ugo]*[oa][ugo]*[+=][rwxXst]*w",
          "chmod"),
    _rule(r"\bchmod\s+(?:-[a-z]+\s+|--[\w-]+\s+)*(?:[4-7][0-7]{3}\b|u\+[rwx]*s)", "chmod"),
    _rule(r"\b(?:chmod|chown|chgrp|setfacl)\b(?=[^\n;&|`]*\s(?:-[a-z]*R|--recursive))[^\n;&|`]*?\s" + _SYSTEM_PATH,
          ("chmod", "chown", "chgrp", "setfacl")),
    _rule(r"\bsetfacl\s+(?:-[a-z]+\s+)*-[a-z]*R|\bsetfacl\b[^\n;&|`]*\s-m\s+(?:o|other)::?[r-]?w", "setfacl",
          _not_read_only_acl),
    _rule(r"\bumask\s+[0-7]{0,3}[0145]\b", "umask"),
    _rule(r"\b(?:file_mode|dir_mode|defaultmode|mode)[\"']?\s*[:=]\s*[\"']?0?[0-7]?[0-7]{2}[2367]\b", "mode"),
    _rule(r"\bworld[- ]?writ(?:e)?able\b|\b(?:0?777|0?666|a\+rwx)\s+(?:permissions|mode|access)\b",
          ("world", "777", "666", "a+rwx")),
    _rule(r"\bicacls\b[^\n]*?/grant(?::r)?\s+\"?(?:\*S-1-1-0|everyone|users|authenticated users|domain users|"
          r"builtin\\users)\"?:", "icacls"),
    _rule(r"\b(?:everyone|authenticated\s+users|domain\s+users)\b(?:\s+group)?" + _within(40)
          + r"\b(?:full\s+control|modify|write)\b", ("everyone", "authenticated", "domain")),
    # Databases: privileges for every role, all privileges, superuser.
    _rule(r"\bgrant\b" + _within(120) + r"\bto\s+(?:role\s+)?public\b", "grant"),
    _rule(r"\b(?:modify|view)\s+all\s+data\b", ("modify all", "view all"),
          _in_sentence(r"\b(?:enable|grant|give|add|tick|check|assign|turn\s+on)\w*\b")),
    _rule(r"\bpermit\s+(?:ip|tcp|udp|any)\s+any\s+any\b", "permit"),
    _rule(r"[\"']?authLevel[\"']?\s*[:=]\s*[\"']?anonymous\b", "authlevel"),
    _rule(r"\bdefault\s+roles?\b" + _within(60) + r"\b(?:[\w-]*admin\w*|owner|superuser|manage-\w+)\b|"
          r"\b(?:[\w-]*admin\w*|owner|superuser)\b" + _within(40) + r"\b(?:to|into|in)\s+(?:the\s+)?(?:[\w']+\s+)?"
          r"default\s+roles?\b", "default",
          _in_sentence(r"\b(?:add|assign|grant|give|put|include|set)\w*\b")),
    # Rules languages that let every request through: Firebase/Firestore "if true", a mesh ACL from any source
    # to any port.
    _rule(r"\ballow\s+(?:read|write|get|list|create|update|delete)(?:\s*,\s*(?:read|write|get|list|create|update|"
          r"delete))*\s*:\s*if\s+true\b", "allow"),
    _rule(r"[\"']?(?:src|source)[\"']?\s*:\s*\[\s*[\"']\*[\"']\s*\][^\n]{0,60}?[\"']?(?:dst|destination)[\"']?\s*:\s*"
          r"\[\s*[\"']\*(?::\*)?[\"']", ("src", "source")),
    _rule(r"\bgrant\s+all(?:\s+privileges)?\b", "grant"),
    _rule(r"\bwith\s+grant\s+option\b|\bon\s+\*\.\*\s+to\b|\bto\s+'?[\w-]+'?@'%'", ("grant", "*.*", "@'%'")),
    _rule(r"\bgrant\s+(?:rds_superuser|pg_read_all_data|pg_write_all_data|pg_execute_server_program|"
          r"pg_read_server_files|pg_write_server_files|azure_pg_admin|cloudsqlsuperuser|dba|sysadmin|db_owner|"
          r"super)\b", "grant"),
    _rule(r"\b(?:grant|give|assign|add)\w*\b" + _within(40) + r"\b(?:ACCOUNTADMIN|SECURITYADMIN|ORGADMIN|USERADMIN|"
          r"SYSADMIN|rds_superuser|cloudsqlsuperuser|azure_pg_admin|db_owner|sysadmin)\b",
          ("accountadmin", "securityadmin", "orgadmin", "useradmin", "sysadmin", "rds_superuser", "cloudsqlsuperuser",
           "azure_pg_admin", "db_owner"), _in_sentence(None, unless=r"\bshow\s+grants\b")),
    _rule(r"\b(?:alter|create)\s+(?:role|user)\s+[\w.\"]+\s+(?:with\s+)?(?:\w+\s+)*?(?:superuser|bypassrls|createrole)\b",
          ("superuser", "bypassrls", "createrole")),
    # Kubernetes RBAC.
    _rule(r"\bcluster-?admin\b", ("cluster-admin", "clusteradmin"),
          _near(r"\b(?:bind|binding|rolebinding|roleref|clusterrole=|grant|give|assign|add)")),
    _rule(r"\bsystem:(?:masters|authenticated|unauthenticated|anonymous)\b", "system:"),
    _rule(r"\b(?:verbs|resources)\s*:\s*\[\s*[\"']\*[\"']", ("verbs", "resources")),
    # Cloud IAM: wildcards, administrator policies, public or domain-wide principals.
    _rule(r"\"?principal\"?\s*[:=]\s*(?:\{\s*\"?aws\"?\s*[:=]\s*)?\[?\s*[\"']\*[\"']", "principal", _not_denied),
    _rule(r"\"?action\"?\s*[:=]\s*\[?\s*[\"'](?:\*|(?:iam|sts|kms|organizations|s3|ec2|secretsmanager|\*):\*)[\"']",
          "action", _not_denied),
    _rule(r"\b(?:iam|sts|kms|organizations):\*", ":*", _not_denied),
    _rule(r"\bAdministratorAccess\b", "administratoraccess",
          _near(r"\b(?:attach|add|give|grant|assign|put|arn)")),
    _rule(r"\ballusers\b|\ballauthenticatedusers\b|\bdomain:[\w-]+\.[a-z]{2,}",
          ("allusers", "allauthenticatedusers", "domain:"), _not_removed),
    _rule(r"\b(?:give|grant|assign|add|make)\w*\b" + _within(40)
          + r"\b(?:owner|admin(?:istrator)?|editor|full\s+access|full\s+control|root)\b" + _within(30)
          + r"\bon\s+(?:the\s+)?prod(?:uction)?\b", "prod"),
    _rule(r"\b(?:give|grant|assign|add|make)\w*\b" + _within(50)
          + r"\b(?:vendors?|contractors?|partners?|agency|external\w*|third[- ]part\w+|consultants?|freelancers?|"
            r"interns?)\b" + _within(60) + r"(?:\b|(?=roles/))(?:owner|admin\w*|editor|roles/(?:owner|editor)|"
            r"full\s+(?:access|control)|write\s+access|superuser|root)\b",
          ("vendor", "contractor", "partner", "agency", "external", "third", "consultant", "freelancer", "intern"),
          _not_narrowed_role,
          also=(("giv", "grant", "assign", "add", "make"), ("owner", "admin", "editor", "full", "write", "superuser",
                                                             "root"))),
    # Public buckets, containers, repositories, links; restricted things opened.
    _rule(r"\bpublic-read(?:-write)?\b", "public-read"),
    _rule(r"\b(?:block_?public_?\w*|restrict_?public_?buckets|ignore_?public_?acls)[\"']?\s*[:=]\s*[\"']?false",
          "public"),
    _rule(r"\b(?:turn\s+off|disable|remove|switch\s+off|uncheck|untick|deactivate)\w*\b" + _within(30)
          + r"\bblock\s+(?:all\s+)?public\s+access\b", "block"),
    _rule(r"\banonymous\s+(?:read\s+)?access\b", "anonymous",
          # Round 45: "… set a strong one, and disable anonymous access in the wizard" hardens (blind set 40).
          _all_of(_near(r"\b(?:enable|allow|set|level|turn\s+on|grant)", 80),
                  lambda match, text: not _SWITCHED_OFF_BEFORE.search(text, max(0, match.start() - 40),
                                                                      match.start()))),
    _rule(r"\ballow[-_]?blob[-_]?public[-_]?access[\"']?\s*[:=]?\s*[\"']?true|--public-access\s+(?:blob|container)\b",
          ("blob", "public-access")),
    _rule(r"\bpublicly[_ -]?accessible[\"']?\s*[:=]\s*[\"']?true\b|--publicly-accessible\b", "publicly"),
    _rule(r"\b(?:make|set|change|switch|turn|convert|mark|flip)\w*\s+" + _within(40)
          + r"\b(?:[\w.]+[-_])?(?:bucket|container|blob|repo|monorepo|repository|project|folder|drive|share|files?|"
            r"dataset|dashboard|"
            r"sheet|spreadsheet|doc|document|notebook|snapshot|ami|image|index|category|space|channel|page|board|"
            r"visibility|it|them|link|calendar|site|wiki|gist|instance|database|db|cluster|endpoint)\b"
          + _within(25) + r"\b(?:to|into|as)?\s*(?:an?\s+)?(?P<pub>public\b(?!\s+(?:key|keys|ip|api|holiday|method|"
            r"static|final|class|void|abstract|interface|constructor|field|getter|setter|member|function|fun|def|"
            # Round 45: "add the public half as read-only" (a key pair's half, blind set 40).
            r"half|halves|part|portion|side|certs?|certificates?|"
            r"enum|record|struct|override|property|properties|readonly|modifier))|"
            r"publicly\s+(?:readable|accessible|visible|available|writable|listable|open)\b|world-readable\b)",
          # Round 46 (blind set 44): "make the expiry longer, don't make the bucket public" warns.
          ("public", "world-readable"), _not_negated_before("pub")),
    _rule(r"\b(?:make|set|change|switch|turn|convert|mark|flip)\w*\b" + _within(40)
          + r"\b(?:into|to|as)\s+(?:an?\s+)?public\s+(?:bucket|container|repo|repository|project|folder|drive|share|"
            r"dataset|dashboard|sheet|spreadsheet|doc|document|notebook|snapshot|image|index|category|space|channel|"
            r"page|board|link|calendar|site|wiki|gist|group)\b", "public"),
    _rule(r"\b(?:make|set|change|switch|turn|convert|mark|flip)\w*\b" + _within(50)
          + r"\b(?:restricted|private|confidential)\b" + _within(50) + r"\b(?:open|public|unrestricted)\b"
          + _NOT_CODE_VISIBILITY,
          ("restricted", "private", "confidential")),
    _rule(r"\b(?:set|change|switch|flip|turn|make)\w*\b" + _within(40)
          + r"\b(?:category|channel|space|folder|repo|repository|project|share|group)\b" + _within(30)
          + r"\b(?:to|as)\s+(?:open|unrestricted)\b", ("open", "unrestricted")),
    _rule(r"\brestricted[\"']?\s*[:=]\s*[\"']?false\b|\b(?:uncheck|untick)\w*\b" + _within(20) + r"\brestricted\b",
          "restricted"),
    # Shared with, or granted to, everyone.
    _rule(r"\banyone\b" + _within(30) + r"\b(?:with|who\s+has)\s+(?:the|a)\s+link\b", "anyone"),
    _rule(r"\b(?:share|sharing|shared|grant\w*|open\w*\s+up|expose\w*|assign\w*|allow\w*|extend\w*|"
          r"make\s+(?:\S+\s+){1,4}?(?:available|accessible|visible|readable|writable|open))\b" + _within(80)
          + r"\b(?:with|to|for|by)\s+(?:the\s+)?[\"'“‘]?" + _BROAD, _BROAD_KEYS,
          also=(("shar", "grant", "open", "expos", "assign", "allow", "extend", "make"),)),
    _rule(r"\b(?:give|giving|grant\w*|allow\w*|let)\s+(?:the\s+)?[\"'“‘]?" + _BROAD + _within(40)
          + r"\b(?:access|permissions?|rights?|read|write|view|edit|admin|owner|membership|role|control)\b",
          _BROAD_KEYS, also=(("give", "giving", "grant", "allow", "let"),)),
    _rule(r"\badd\w*\s+(?:the\s+)?[\"'“‘]?" + _BROAD + _within(40) + r"\bto\b" + _within(40)
          + r"\b(?:private|restricted|confidential|secret|incident\w*|security|sec-\w+|admins?|hr|legal|finance|"
            r"payroll|salary)\b", _BROAD_KEYS, also=(("add",),)),
    # People made administrators.
    _rule(r"\b(?:is_superuser|is_staff)\s*=\s*true\b", ("is_superuser", "is_staff")),
    _rule(r"\b(?:tick|check|enable|give|grant|promote|assign|toggle)\w*\b" + _within(50) + r"\bsuperuser\b",
          "superuser"),
    _rule(r"\bmake\s+(?!sure\b)(?:\S+\s+){1,4}?(?:an?\s+)?(?:superuser|(?:domain\s+|global\s+|org\w*\s+|cluster\s+|"
          r"db\s+|database\s+)?admin(?:istrator)?|owner|root)\b", ("superuser", "admin", "owner", "root")),
    _rule(r"\b(?:add|put|move)\w*\b" + _within(50) + r"\b(?:to|in|into)\s+(?:the\s+)?(?:domain\s+admins|"
          r"enterprise\s+admins|administrators|local\s+administrators|sudoers|sudo\s+group|wheel(?:\s+group)?|"
          r"admins\s+group|root\s+group|org\w*\s+owners)\b", ("admins", "administrators", "sudo", "wheel", "root",
                                                              "owners")),
    _rule(r"\bNOPASSWD\s*:\s*(?:ALL\b|\S*/(?:ba|z|k|c|tc|fi|da)?sh\b|\S*/(?:docker|podman|su|env|vi|vim|nano|emacs|"
          r"python[\d.]*|perl|ruby|node|less|more|find|tar|chmod|chown|cp|mv|tee|dd|rsync)\b)|"
          r"\bALL\s*=\s*\(ALL(?::ALL)?\)\s*ALL\b", ("nopasswd", "(all")),
    _rule(r"\busermod\s+(?:-\w+\s+)*-[a-z]*G\s+(?:\S*,)?(?:sudo|wheel|root|adm|admin)\b", "usermod"),
    # Containers with the host's privileges.
    _rule(r"--privileged\b|\bprivileged\s*:\s*true\b|\ballowPrivilegeEscalation\s*:\s*true\b|"
          r"--cap-add[= ](?:ALL|SYS_ADMIN)\b|\bhost(?:PID|IPC)\s*:\s*true\b|\s-v\s+/:/|/var/run/docker\.sock:",
          ("privilege", "cap-add", "hostpid", "hostipc", "/:/", "docker.sock"),
          # Round 46: "if it really insists on --privileged, that's a conversation with security first" (blind set 42).
          _in_sentence(None, unless=_ESCALATED_IF), scoped=True),
    _rule(r"\b(?:mount|bind|expose|pass|share|map|give)\w*\b" + _within(40) + r"/?(?:var/)?run/docker\.sock\b|"
          r"\bhostPath\b" + _within(60) + r"docker\.sock\b", "docker.sock", scoped=True),
    _rule(r"\btype:\s*(?:NodePort|LoadBalancer)\b|\bpublic\s+DNS\b|\bpublic\s+(?:ip|load\s+balancer|alb|elb)\b",
          ("nodeport", "loadbalancer", "public dns", "public ip", "public load", "public alb", "public elb"),
          _all_of(_near(r"\b(?:argo\s*cd|argocd|grafana|kibana|jenkins|admin|dashboard|console|prometheus|"
                        r"alertmanager|rabbitmq|vault|consul|pgadmin|phpmyadmin|k8s|kubernetes\s+dashboard|"
                        r"airflow)\b", 200),
                  _near(r"\b(?:anyone|everyone|from\s+home|without\s+(?:the\s+)?vpn|internet|public(?:ly)?|"
                        r"outside)\b", 300))),
    # Broad or administrative roles given to a whole group, the organisation or outsiders, in any tool's words
    # ("Contributor on the prod subscription for all devs", "the whole contractors group Maintainer").
    _rule(r"\b(?:owners?|contributors?|editors?|maintainers?|admin(?:istrator)?s?|super\s*admin\w*|global\s+admin\w*|"
          r"full\s+(?:access|control)|write\s+access|roles/(?:owner|editor)|cluster-admin|"
          r"(?:app|account|workspace|billing|org\w*)\s+managers?)\b"
          r"(?!\s+(?:console|panel|page|ui|portal|cent(?:er|re)|settings|dashboard|screen|api)\b"
          r"(?!\s+(?:access|login|role|rights|permissions?|privileges?)))",
          ("owner", "contributor", "editor", "maintainer", "admin", "full", "write", "roles/", "manager"),
          _all_of(_in_sentence(r"\b(?:give|gave|giving|grant\w*|assign\w*|add\w*|set|make|bump|promote\w*|--role|"
                               r"role\s+assignment|add-iam-policy-binding)\b"), _in_sentence(_BROAD_AUDIENCE),
                  _not_person_asked, _not_narrowed_role)),
    # Round 16 (blind set 11's misses): a permission scheme opened to "Anyone on the web"; an outsider's personal
    # address added to a group the whole company is in.
    _rule(r"\b(?:add|grant|give|set|allow|open|assign)\w*\b" + _within(40)
          + r"[\"“'`]?anyone\s+on\s+the\s+(?:web|internet)\b", "anyone"),
    _rule(r"\b(?:add|invite|put)\w*\s+(?:(?:her|his|their|the|a|an|its)\s+)?(?:personal\s+|private\s+)?(?:gmail|outlook\.com|"
          r"yahoo|hotmail|icloud|proton\w*|personal|private)\b" + _within(60) + r"\b(?:to|into|in)\s+(?:the\s+)?[`'\"]?"
          r"[\w.-]*(?:all|everyone|staff|employees|company|allhands|all-hands)[\w.-]*@?[\w.-]*[`'\"]?",
          ("gmail", "outlook.com", "yahoo", "hotmail", "icloud", "proton", "personal", "private")),
    # Owner or editor at the top of a cloud's hierarchy: every project, folder and account under it (round 16).
    _rule(r"(?:\b|(?=roles/))(?:roles/(?:owner|editor)|owner|editor)\b" + _within(40)
          + r"\b(?:on|at|for|across)\s+(?:the\s+)?(?:whole\s+|entire\s+)?(?:organi[sz]ation(?:\s+(?:node|level|root))?|"
            r"org\s+(?:node|level|root)|org-level|organi[sz]ation-level|root\s+(?:folder|management\s+group)|"
            r"tenant\s+root\s+group)\b",
          ("owner", "editor", "roles/"),
          _in_sentence(r"\b(?:give|gave|giving|grant\w*|assign\w*|add\w*|bind\w*|set|make)\b")),
    _rule(r"\baz\s+role\s+assignment\s+create\b[^\n`]*?--role\s+[\"']?(?:owner|contributor|user\s+access\s+administrator)\b|"
          r"\badd-iam-policy-binding\b[^\n`]*?--role[= ][\"']?roles/(?:owner|editor|iam\.\w*admin\w*)\b|"
          r"\bbase\s+permissions?\b" + _within(40) + r"\b(?:admin|write|maintain)\b",
          ("role", "add-iam-policy-binding", "base"), _not_least_privilege),
    # Wildcard policies: every action on every resource, every path, every principal.
    _rule(r"\b(?:actions?|resources?|not_?actions?)[\"']?\s*[:=]\s*\[\s*[\"']\*[\"']", ("action", "resource"),
          _not_denied),
    _rule(r"\bpath\s+[\"']\*[\"']|\bcapabilities\s*=\s*\[[^\]\n]*[\"']sudo[\"']", ("path", "capabilities")),
    _rule(r"[\"'`]\*[\"'`]" + _within(40) + r"\bprincipals?\b|\bprincipals?\b" + _within(30) + r"[\"'`]\*[\"'`]",
          "principal", _not_denied),
    # Authorisation switched off for everyone.
    _rule(r"\bAlwaysAllow\b|\banyone\s+can\s+do\s+anything\b|"
          r"\ballow\.everyone\.if\.no\.acl\.found\s*=\s*true\b|--auth-type[= ][\"']?NONE\b|"
          r"\bauth_?type[\"']?\s*[:=]\s*[\"']?NONE\b|\banyRequest\(\)\s*\.permitAll\(\)|"
          r"\[auth\.anonymous\][^\[]{0,80}?\benabled\s*=\s*true\b",
          ("alwaysallow", "anyone", "allow.everyone", "auth-type", "auth_type", "authtype", "permitall",
           "[auth.anonymous]")),
    # Another account's SSH keys: a shared, deploy or root account anyone's key logs in to.
    _rule(r"(?:~|/home/)(?:deploy|root|ubuntu|ec2-user|admin|jenkins|git|shared|svc[\w-]*|service|ops)\b[^\s`'\"]*"
          r"/\.ssh/authorized_keys\b|/root/\.ssh/authorized_keys\b", "authorized_keys",
          _in_sentence(r"\b(?:add|append|put|copy|paste|echo|cat|ssh-copy-id)\w*\b|>>")),
    # Administrators' groups, in any directory's name for them.
    _rule(r"\b(?:add|put|move)\w*\b" + _within(50) + r"\b(?:to|in|into)\s+(?:the\s+)?[\"'`]?(?:cluster-admins?|"
          r"admins?\s+(?:team|group))\b", "admin", also=(("add", "put", "mov"),)),
    _rule(r"\bAdd-(?:LocalGroupMember|ADGroupMember)\b[^\n]*?-Group\s+[\"']?(?:Administrators|Domain\s+Admins|"
          r"Enterprise\s+Admins)\b|\bnet\s+localgroup\s+administrators\b[^\n]*?/add\b", ("add-", "localgroup")),
    # Network restrictions on an internal page removed (round 44, later: in a settings page's words too, "untick IP
    # Address Rules for the whole account", blind set 34).
    _rule(r"\b(?:remove|delete|drop|comment\w*\s+out|disable|take\s+out|get\s+rid\s+of|strip|untick|uncheck|"
          r"turn\s+off|switch\s+off)\w*\b" + _within(60)
          + r"(?:\ballow\s+[\d./]+;?\s*deny\s+all\b|\bip\s+(?:allow|white)[- ]?list\w*|\bip\s+restrictions?\b|"
            r"\ballowed\s+ip\s+ranges?\b|\bauthori[sz]ed\s+networks\b|\bsource\s+ranges?\b|\bip\s+filter\w*|"
            r"\bip\s+(?:address\s+)?(?:rules|restrictions)\b)",
          ("allow", "ip", "authori", "source"), also=(("remov", "delet", "drop", "comment", "disabl", "take", "rid",
                                                        "strip", "untick", "uncheck", "turn", "switch"),)),
    # Snapshots, images and objects shared with everyone.
    _rule(r"--group-names\s+all\b|\b(?:Group|UserGroups?)[\"']?\s*[:=]\s*[\"']?all\b|"
          r"\beveryone\s*\(\s*public\s+access\s*\)|\b(?:all|any)\s+users\s+can\s+(?:read|write|list|access|download)\b",
          ("group", "everyone", "users")),
    # Admin roles of a whole directory or tool given at all, and any admin role given to a group or outsider.
    _rule(r"\b(?:super\s*admin\w*|global\s+admin\w*|org(?:anization)?\s+owners?|domain\s+admins?|enterprise\s+admins?)\b",
          ("admin", "owner"),
          _all_of(_in_sentence(r"\b(?:give|gave|giving|grant\w*|assign\w*|add\w*|make|promote\w*)\b"),
                  _not_person_asked)),
    _rule(r"\bdefault\w*[\"']?\s*[:=]\s*[\"']?(?:role:)?admin\b|--enable-skip-login\b", ("default", "skip-login")),
    # Accounts and keys shared by a team, default logins let in from anywhere.
    _rule(r"\b(?:one|a\s+single|the\s+same|shared|common)\s+(?:iam\s+user|account|login|access\s+key|api\s+key|"
          r"service\s+account|ssh\s+key|deploy\s+key|key)\b",
          ("one", "single", "same", "shared", "common"),
          _in_sentence(r"\b(?:everybody|everyone|all\s+of\s+us|whole\s+team|every\s+(?:dev|engineer)\w*|the\s+team|"
                       r"we\s+all)\b")),
    _rule(r"\bloopback_users\s*=\s*none\b|\bloopback_users\.guest\s*=\s*false\b|\b(guest|admin|root)/\1\b",
          ("loopback_users", "guest/guest", "admin/admin", "root/root"), _default_login_kept),
    # Firewalls opened to every address, dashboards and snapshots published.
    _rule(r"\b0\.0\.0\.0\b[^\n]{0,30}?\b255\.255\.255\.255\b", "255.255.255.255"),
    _rule(r"\bsnapshots\.raintank\.io\b|\bpublish\w*\s+(?:it\s+|them\s+)?to\s+(?:the\s+)?(?:public\s+)?snapshots?\b|"
          r"\b(?:make|set|switch|change)\w*\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?(?:workspace|collection|report|app|portal|"
          r"album|form|survey|postman\s+\w+)\s+(?:to\s+)?[\"'*]*public\b", ("snapshot", "public")),
    # Round 44 (blind sets 27-31's misses): a database's rules that let anyone read or write; an app installed on every
    # repository with write; an outside organisation added to an internal channel; anonymous users let in; any app
    # consented to by any user; unmanaged devices let past device trust.
    _rule(r"[\"']\.(?:read|write)[\"']\s*:\s*[\"']?true\b", (".read", ".write")),
    _rule(r"[\"“']?\ball\s+repositories\b[\"”']?", "repositories",
          _all_of(_in_sentence(r"\b(?:install\w*|pick|choose|select|grant\w*|give|enable|accept|allow)\w*\b"),
                  _in_sentence(r"\b(?:write|read/write|read-write|admin\w*|everything|full\s+access)\b"))),
    _rule(r"\b(?:add|invite|bring|connect)\w*\s+(?:\S+\s+){1,4}?(?:to|into)\s+(?:the\s+|our\s+)?#[\w-]*(?:incident|"
          r"security|sec|internal|eng|ops|oncall|on-call|infra|hr|legal|finance|exec|leadership|soc)[\w-]*",
          ("incident", "security", "sec", "internal", "eng", "ops", "oncall", "on-call", "infra", "hr", "legal",
           "finance", "exec", "leadership", "soc"),
          _in_sentence(r"\bslack\s+connect\b|\b(?:external|vendors?|partners?|customers?|agency|contractors?|"
                       r"third[- ]part\w+|outside)\b")),
    _rule(r"\b(?:let|give|grant)\w*\s+(?:the\s+)?anonymous\s+(?:users?|visitors?|access|read|role)\b", "anonymous",
          _in_sentence(None, unless=r"\banonymous\s+(?:gets?|has|have)\s+(?:nothing|no)\b")),
    _rule(r"\busers?\s+can\s+consent\s+to\s+apps\b|\b(?:allow|enable|turn\s+on)\w*\s+user\s+consent\b", "consent",
          _in_sentence(r"\b(?:allow|enable|on|yes|all\s+apps|any\s+app)\w*\b",
                       unless=r"\bverified\s+publishers?\b|\blow[- ]risk\b|\b(?:off|disable\w*|do\s+not\s+allow)\b")),
    _rule(r"\b(?:allow|permit|let\s+in|trust|accept)\w*\s+(?:all\s+|any\s+)?[\"“']?(?:unmanaged|non-?compliant|personal|byod|"
          r"untrusted|jailbroken|rooted)\s+devices\b", "devices"),
    # Round 45 (blind set 38 as a development set; the misses of sets 33-37). Owner, or the role that hands out
    # roles, at the top of an Azure hierarchy ("assign the Owner role to the pipeline's service principal at
    # subscription scope"): every resource under it.
    _rule(r"\b(?:give|gave|giving|grant\w*|assign\w*|add\w*|bind\w*|make)\b" + _within(60)
          + r"\b(?:owner|user\s+access\s+administrator|role\s+based\s+access\s+control\s+administrator)\b" + _within(80)
          + r"(?:\b(?:at|on|across|over|for)\s+(?:the\s+)?(?:whole\s+|entire\s+)?(?:subscription|management[- ]group|"
            r"tenant(?:\s+root(?:\s+group)?)?)(?:\s+(?:scope|level))?\b|\bsubscription[- ](?:scope|level|wide)\b)",
          ("owner", "access administrator"), _not_narrowed_role,
          also=(("subscription", "management", "tenant"),)),
    # A bucket served as a website, its contents public, when what it holds is internal ("enable static website hosting
    # on the `hr-documents` bucket so people can open the PDFs").
    _rule(r"\b(?:enable|turn\w*\s+on|switch\w*\s+on|set\w*\s+up|configur\w*|use)\w*\b" + _within(40)
          + r"\bstatic\s+(?:website|site|web)\s+hosting\b|\bwebsite\s+hosting\b" + _within(30) + r"\b(?:on|for)\b",
          "hosting",
          _in_sentence(r"\b(?:hr|payroll|salar\w*|invoices?|contracts?|legal|finance|financial|backups?|exports?|"
                       r"internal|private|confidential|personal|customers?|patients?|employees?|staff|documents?|"
                       r"reports?|records|dumps?|logs?|pdfs?|scans?)\b|[\w-](?:hr|docs|documents|reports|backups?|"
                       r"exports?|private|internal)\b")),
    # Every mailbox opened to a group ("Get-Mailbox -ResultSize Unlimited | Add-MailboxPermission … FullAccess").
    _rule(r"\bGet-(?:EXO)?Mailbox\b(?:\s+-ResultSize\s+Unlimited|\s+-Filter\s+[\"'{]?\*[\"'}]?|\s+-RecipientTypeDetails\s+"
          r"\w+)*\s*\|\s*(?:[^\n|]*\|\s*)?Add-(?:MailboxPermission|RecipientPermission)\b[^\n]*?\b(?:FullAccess|SendAs)\b",
          "get-"),
    # TCP wrappers letting every host into every wrapped service ("put `ALL: ALL` in /etc/hosts.allow").
    _rule(r"\bALL\s*:\s*ALL\b(?!\s*:\s*(?:deny|spawn))", "all", _into_hosts_allow),
    # A file server's guest account switched on or given write ("enable the Guest account, then give Guest read/write
    # on the backups share").
    _rule(r"\b(?:enable|turn\w*\s+on|switch\w*\s+on|activate|allow)\w*\s+(?:the\s+)?[\"“'`*]?guest[\"”'`*]?\s+"
          r"(?:account|user|login|access)\b|\b(?:give|gave|giving|grant\w*|allow\w*)\s+(?:the\s+)?[\"“'`*]?guests?"
          r"[\"”'`*]?(?:\s+(?:account|users?))?\s+(?:read/write|read-write|rw|write|modify|full\s+(?:access|control))\b",
          "guest", _in_sentence(None, unless=r"\b(?:wi-?fi|ssid|wireless|captive|network|vlan|teams|slack|zoom|"
                                             r"meetings?|tenant|b2b)\b")),
    # Round 45 (blind sets 40 and 41 as development sets; the misses of sets 33-39). The anonymous principal of any tool
    # given a permission, the permission quoted as its screen names it ("give Anonymous 'View' on the INFRA space").
    _rule(r"\b(?:give|gave|giving|grant\w*|assign\w*|add\w*|tick\w*|check\w*)\s+(?:the\s+)?[\"“'`*]?anonymous"
          r"(?:\s+(?:users?|visitors?|group|role|principal))?[\"”'`*]?\s+(?:an?\s+|the\s+)?[\"“'`*]?(?:view|read|browse|"
          r"access|read-only|download|use|write|edit|comment|search|can\s+view)\b", "anonymous"),
    # A polkit rule that says yes to whoever asks (no ``subject.isInGroup``): any local user gets the action.
    _rule(r"\breturn\s+polkit\.Result\.YES\b", "polkit", _polkit_for_anyone),
    # Round 46 (blind set 42). A database server made to run the operating system's commands or code it cannot
    # confine, or a database trusted to act as the server's administrator: ``xp_cmdshell`` and OLE automation switched
    # on, CLR strict security off, ``TRUSTWORTHY ON``, an ``UNSAFE`` assembly, ownership chaining across databases.
    _rule(r"\bsp_configure\s+[N\"']*(?:xp_cmdshell|ole\s+automation\s+procedures|ad\s+hoc\s+distributed\s+queries|"
          r"cross\s+db\s+ownership\s+chaining|external\s+scripts\s+enabled)[\"']?\s*,\s*1\b|"
          r"\bsp_configure\s+[N\"']*clr\s+strict\s+security[\"']?\s*,\s*0\b|"
          r"\b(?:enable|turn\w*\s+on|switch\w*\s+on|allow|re-?enable)\w*\s+(?:the\s+)?[`'\"]?(?:xp_cmdshell|"
          r"ole\s+automation(?:\s+procedures)?)\b|"
          r"\bset\s+(?:trustworthy|db_chaining)\s+on\b|\b(?:trustworthy|db_chaining)\s*(?:=|to)\s*[`'\"]?on\b|"
          r"\bpermission_set\s*=\s*unsafe\b|\b(?:mark|make|set|create|register|flag)\w*\s+(?:it|the\s+(?:\w+\s+)?assembly|"
          r"them)\s+(?:as\s+)?[`'\"]?unsafe\b",
          ("sp_configure", "xp_cmdshell", "ole", "trustworthy", "db_chaining", "permission_set", "unsafe")),
    # Internal pages and reports published to the open web ("Publish to web" for a headcount report, a runbook shared
    # to the web with search engines let in): anyone with the address, or a search engine, reads them.
    _rule(r"\b(?:publish|share)(?:ed|ing)?\s+to\s+(?:the\s+)?web\b(?![-'’]|\s+(?:team|server|app|tier|front|ui|console|"
          r"hooks?|sockets?|client|version|build|folder|directory|root)\b)|\b(?:allow|let|enable|permit|turn\s+on|invite)\w*\s+"
          r"(?:the\s+)?(?:search\s+engines?|google|crawlers?|bots)\s+(?:to\s+)?(?:index|crawl|find|discover)\w*\b|"
          r"\b(?:enable|turn\s+on|switch\s+on|allow|tick|check)\w*\s+(?:the\s+)?[\"“'`*]?search\s+engine\s+"
          r"(?:indexing|visibility|crawling)\b",
          ("web", "search engine", "google", "crawler", "bots"),
          _all_of(_in_sentence(_INTERNAL_CONTENT, unless=r"\b(?:is|are|was|were|stays?|remains?|been)\s+(?:\w+\s+)?"
                                                        r"(?:turned\s+off|switched\s+off|disabled|off|blocked|"
                                                        r"not\s+allowed|forbidden)\b|\bpublic\s+(?:docs?|documentation|"
                                                        r"(?:web)?site|pages?|blog|marketing|pricing|api|landing|"
                                                        r"help\s+cent(?:er|re)|status\s+page)\b"),
                  lambda match, text: not _SWITCHED_OFF_BEFORE.search(text, max(0, match.start() - 40),
                                                                      match.start()))),
    # Round 46 (blind set 43). Physical access control taken off a room that holds the systems: a server room, a comms
    # closet or a data centre's door left unlocked, propped open, on an "unlocked" schedule, or its badge reader off.
    _rule(r"\b(?:unlock\w*|(?:prop|wedg)\w*\s+(?:\w+\s+){0,4}?open|leav\w*\s+(?:\w+\s+){0,3}?(?:open|unlocked)|"
          r"(?:disabl|bypass|turn\w*\s+off|switch\w*\s+off)\w*\s+(?:the\s+)?(?:badge|card|door|key\s*card|fob)\s*"
          r"(?:readers?|access|locks?|control))\b" + _within(60)
          + r"\b(?:server|comms?|communications|network|telecom|wiring|equipment|data|it|ups)\s+(?:rooms?|closets?|"
            r"cupboards?|cabinets?|cages?|cent(?:er|re)s?|halls?)\b|"
          r"\b(?:server|comms?|communications|network|telecom|wiring|equipment|data|it|ups)\s+(?:rooms?|closets?|"
          r"cupboards?|cabinets?|cages?|cent(?:er|re)s?|halls?)\b" + _within(60)
          + r"\b(?:unlock\w*|(?:propped|wedged|left)\s+open|doors?\s+(?:wide\s+)?open\b(?!\s+(?:the|a|an)\b)|"
            r"(?:badge|card)\s+readers?\s+(?:off|disabled))\b",
          ("unlock", "open", "badge", "card", "door", "fob"),
          _in_sentence(None, unless=r"\b(?:escort\w*|accompan\w*|supervis\w*|only\s+(?:while|when)|audit\w*|"
                                    r"alarm\w*|alert\w*|(?:is|was|are|were|been|found|gets?)\s+(?:left\s+)?(?:unlocked|"
                                    r"propped\s+open|open))\b"),
          also=(("room", "closet", "cupboard", "cabinet", "cage", "center", "centre", "hall"),)),
    # Round 46 (blind set 43). Badges, cards or accounts of people who left, still live and used by others: shared
    # identity, and access nobody took back ("grab a spare, they're still active under people who left").
    _rule(r"\b(?:still\s+(?:active|enabled|live|valid|working|open|good)|never\s+(?:got\s+|been\s+|were\s+)?"
          r"(?:deactivated|disabled|revoked|removed|cancelled|turned\s+off))\b" + _within(60)
          + r"\b(?:(?:people|staff|employees|users|folks|colleagues|contractors|those|someone|others)\s+who\s+"
            r"(?:have\s+|had\s+|already\s+)?(?:left|quit|departed|resigned)|leavers?|former\s+(?:employees|staff|"
            r"colleagues|users|contractors)|ex-?(?:employees|staff|colleagues))\b|"
          r"\b(?:(?:people|staff|employees|users|colleagues|contractors)\s+who\s+(?:have\s+|had\s+)?(?:left|quit|departed)|"
          r"leavers?'?s?|former\s+(?:employees|staff|colleagues)'?s?)\b" + _within(40)
          + r"\b(?:badges?|cards?|fobs?|accounts?|logins?)\b" + _within(40)
          + r"\b(?:still\s+(?:active|enabled|work\w*|valid|open)|never\s+(?:got\s+|been\s+)?"
            r"(?:deactivated|disabled))\b",
          ("still", "never", "leaver", "former", "left", "quit", "departed"),
          _all_of(_near(r"\b(?:grab|borrow|use|take|reuse|re-use|hand|give|lend|share|log\s+in|sign\s+in|swipe)\w*\b",
                        200),
                  _not_near(r"\b(?:deactivat\w*|disabl\w*|revok\w*|remov\w*|audit\w*|report\w*|clean\w*\s+up|"
                            r"offboard\w*|flag\w*|review\w*|collect\w*|cancel\w*|shred\w*|destroy\w*|reclaim\w*)\b",
                            200))),
    # Round 46 (blind set 43). Universal or wildcard access in a mainframe's security manager (RACF): a profile's
    # ``UACC`` above READ, a ``PERMIT`` to ``ID(*)`` for writing, a user given the SPECIAL or OPERATIONS attribute.
    _rule(r"\buacc\s*\(\s*(?:update|control|alter)\s*\)|\buacc\b" + _within(20) + r"\b(?:to|=|of|at)\s*[`'\"]?"
          r"(?:update|control|alter)\b|\bpermit\b[^\n`;]*?\bid\s*\(\s*\*\s*\)[^\n`;]*?\baccess\s*\(\s*(?:update|control|"
          r"alter)\s*\)|\bpermit\b[^\n`;]*?\baccess\s*\(\s*(?:update|control|alter)\s*\)[^\n`;]*?\bid\s*\(\s*\*\s*\)|"
          r"\b(?:altuser|adduser)\b[^\n`;]*?\s(?:special|operations)\b(?!\s*\()",
          ("uacc", "permit", "altuser", "adduser")),
    # Round 46 (blind set 43). One login or seat shared among several people ("share the support@ agent login with
    # the weekend contractors"): nobody can tell who did what, and a leaver keeps it.
    _rule(r"\b(?:shar|hand\w*\s+out|pass\w*\s+around|circulat|split|reus)\w*\s+(?:the|our|a|one|an|this|that|my|your)\s+"
          r"(?:[`'\"]?[\w.@-]+[`'\"]?\s+){0,3}?(?:logins?|accounts?|seats?|licen[cs]es?|credentials?|creds|"
          r"sign-?ins?|passwords?|usernames?)\s+(?:with|among|between|across)\s+(?:all\s+)?(?:the\s+|our\s+)?"
          r"(?:[\w-]+\s+){0,2}?(?:contractors?|temps?|freelancers?|interns?|agents|staff|team|people|shifts?|crews?|"
          r"everyone|colleagues|users|volunteers|students|consultants|vendors?|agency|helpers|partners?|outsourcers?)\b",
          ("shar", "hand", "pass", "circulat", "split", "reus"),
          _in_sentence(None, unless=r"\b(?:stop\w*|retir\w*|(?:instead\s+of|rather\s+than)\s+shar\w*|each\s+(?:person|"
                                    r"user|agent)\s+(?:gets?|has)|own\s+(?:login|account|seat)s?|"
                                    r"read-?only|view-?only|viewer)\b")),
    # Round 46 (blind set 44). A role that runs the whole tool given at its top scope, where it covers every course,
    # project or site under it ("assign the Manager role at the system context instead of per course"), in any tool's
    # name for that scope: site, system, global, root, tenant, organisation, instance level.
    _rule(r"\b(?:give|gave|giving|grant\w*|assign\w*|add\w*|make|promot\w*)\b" + _within(60)
          + r"\b(?:manager|admin\w*|owner|super\s*users?|full[- ]control|maintainer)\b" + _within(40)
          + r"\b(?:at|on|across|in|for)\s+(?:the\s+)?(?:whole\s+|entire\s+)?(?:site|system|global|root|top|tenant|"
            r"org(?:ani[sz]ation)?|account|instance|platform|enterprise)(?:[- ]wide|\s*\(\s*\w+\s*\))?\s*"
            r"(?:\(\s*\w+\s*\)\s*)?(?:level|context|scope|wide)\b",
          ("manager", "admin", "owner", "super", "control", "maintainer"),
          _in_sentence(None, unless=r"\bonly\s+(?:the\s+|our\s+)?(?:\w+\s+){0,2}?(?:admins?|administrators?|owners?)\b|"
                                    r"\b(?:instead\s+of|rather\s+than|not)\s+(?:at\s+)?(?:the\s+)?(?:site|system|"
                                    r"global|root|tenant|org\w*)\b"),
          also=(("site", "system", "global", "root", "top", "tenant", "org", "account", "instance", "platform",
                 "enterprise"),)),
    # Round 46 (blind set 44). A service told to take connections from any caller it does not know: a setting that
    # accepts any calling device, client, host, peer or certificate ("tick 'Accept any calling AE'"), so nothing checks
    # who connects.
    _rule(r"\b(?:tick|check|enable|turn\s+on|switch\s+on|select|choose|set|activate)\w*\s+(?:the\s+)?(?:option\s+)?"
          r"[\"“'‘`*]*(?:accept|allow|trust|permit)s?\s+(?:any|all|every|unknown|unregistered|untrusted)\s+"
          r"(?:[\w-]+\s+){0,2}?(?:callers?|calling\s+\w+|clients?|devices?|hosts?|peers?|senders?|sources?|origins?|"
          r"certificates?|certs?|nodes?|stations?|terminals?|endpoints?|modalities|connections?)\b",
          ("any", "all", "every", "unknown", "unregistered", "untrusted")),
    # Round 46 (blind set 44). An account that signs in with no password at all: a blank or empty password, or the
    # password field left empty, on a login others can reach ("auto-logon as 'operator' with a blank password").
    _rule(r"\bwith\s+(?:an?\s+)?(?:blank|empty|null)\s+passwords?\b|\b(?:leave|leaving|left|keep|set)\w*\s+(?:the\s+|its\s+|"
          r"their\s+)?(?:[\w-]+\s+)?password(?:\s+field)?\s+(?:blank|empty)\b|"
          r"\b(?:blank|empty)\s+password\s+(?:on|for)\s+(?:the\s+|all\s+|every\s+|each\s+)?(?:[\w-]+\s+)?"
          r"(?:accounts?|logins?|users?|panels?|terminals?|stations?|hmis?|consoles?|devices?|admins?)\b",
          ("blank", "empty", "null"),
          _in_sentence(r"\b(?:log\w*\s*(?:on|in)|logon|login|sign\w*\s+in|auto-?log\w*|creat\w*|set\s+up|configur\w*|"
                       r"provision\w*|ship\w*|deploy\w*|leave|leaving|left|keep|set)\b",
                       unless=r"\b(?:reject\w*|refus\w*|block\w*|forbid\w*|prevent\w*|fail\w*|error\w*|limit\w*|"
                              r"test\w*|local\s+dev\w*)\b")),
    # Round 46 (blind set 44). A factory or well-known password kept on purpose ("the admin console is still `admin`,
    # not worth changing"): the first thing anyone who reaches it tries.
    _rule(r"\b(?:password|passcode|pin|login|credentials?|rcon|admin|console|panel|it)\b[^.!?\n]{0,40}?\b(?:is|are)\s+"
          r"(?:still|left\s+(?:at|as|on)|kept\s+(?:at|as))\s+(?:the\s+)?[`'\"“]?(?:change_?me|default|factory\s+default|"
          r"admin|password|1234\d*|0000|vendor(?:'s)?\s+default|12345\d*)\b[`'\"”]?",
          ("still", "left", "kept"),
          _all_of(_near(r"\bnot\s+worth\s+chang\w*|\bno\s+need\s+to\s+change\b|\bdon'?t\s+bother\b|"
                        r"\b(?:leave|keep)\s+it\b|\bwon'?t\s+change\b|\bit'?s\s+fine\b", 120),
                  _not_near(r"\b(?:chang|rotat|replac|reset)\w*\s+(?:it|them|that)\s+(?:now|today|first|asap|before)\b",
                            120))),
))

CREDENTIALS = Topic("Credentials and secrets", (
    # A credential in the text itself, or a credential-named setting with a literal value.
    _rule(r"\bAKIA(?![0-9A-Z]*EXAMPLE)[0-9A-Z]{16}\b|\bgh[pousr]_[A-Za-z0-9]{20,}|\bgithub_pat_\w{20,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|"
          r"\b[rs]k_live_[0-9a-zA-Z]{10,}|-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----|\bAIza[0-9A-Za-z_-]{35}\b|"
          r"\bglpat-[\w-]{20,}|\bnpm_[A-Za-z0-9]{36}\b",
          ("akia", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "k_live_", "private key-----",
           "aiza", "glpat-", "npm_"),
          negatable=False, shown=lambda m: m.group(0)[:12] + "…"),
    _rule(r"(?<!\bno)(?P<name>(?:password|passwd|pwd|secret|secret[_-]?key|token|api[_-]?key|access[_-]?key|"
          r"private[_-]?key|"
          r"client[_-]?secret|auth[_-]?token))[\"'\]]*[ \t]*[:=][ \t]*"
          r"(?:(?P<q>[\"'])(?P<quoted>[^\"'\s]{4,})(?P=q)|(?P<bare>[^\s\"'`,;)\]}]{6,}))",
          ("password", "passwd", "pwd", "secret", "token", "api_key", "api-key", "apikey", "access_key",
           "access-key", "accesskey", "private_key", "private-key", "privatekey"),
          _all_of(_literal_credential, _not_prose), negatable=False, shown=_masked_setting, reach=(8, 120)),
    # Passwords on command lines and in URLs.
    _rule(r"\bmysql(?:dump|admin)?\b[^\n]{0,80}?\s(?-i:-p)(?![\s$])\S+", "mysql"),
    # Round 45: not a placeholder ("-u user:pass") nor the way replaced ("--netrc-file … instead of -u …", blind
    # set 41).
    _rule(r"\bcurl\b[^\n]{0,80}?\s(?:-u|--user)\s+[^\s:]+:(?![\s$])(?P<pw>[^\s@]+)", "curl",
          lambda match, text: not (_PLACEHOLDER.search(match.group("pw").rstrip(".,;:)`'\"")) or re.search(
              r"\b(?:instead\s+of|rather\s+than|not)\s+$", text[match.start():match.start("pw")].rsplit("-", 1)[0]
              + " ", FLAGS))),
    _rule(r"\bsshpass\s+-p\s*\S+|--password[= ](?![-$])[\"']?[^\s\"']{3,}", ("sshpass", "--password")),
    _rule(r"\b[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:(?![$<{])(?P<pw>[^/\s:@'\"]{3,})@(?!localhost\b|127\.0\.0\.1\b)", "://",
          lambda m, text: not _PLACEHOLDER.search(m.group("pw")), shown=lambda m: m.group(0).split(":")[0] + "://…@"),
    # Credentials committed, baked into images, pasted, sent, printed or logged.
    _rule(r"(?<![-\w])(?<!the\s)(?<!a\s)(?<!that\s)(?<!this\s)(?<!your\s)(?<!each\s)(?<!last\s)"
          r"(?:commit|check(?:ing)?\s+in|git\s+add)\w*\b" + _within(60) + _CREDENTIAL,
          ("commit", "check", "git"), _not_added_to_ignore_file, also=(_CREDENTIAL_KEYS,)),
    _rule(r"\b(?:add|put|store|keep|save|check|commit|push)\w*\b" + _within(40) + _CREDENTIAL + _within(40)
          + r"\b(?:to|in|into)\s+(?:the\s+|our\s+|your\s+)?(?:repo(?:sitory)?|git|source\s+control|"
            r"version\s+control|codebase|readme|image|dockerfile|container\s+image)\b",
          ("repo", "git", "source control", "version control", "codebase", "readme", "image", "dockerfile"),
          _not_ignored,
          also=(_CREDENTIAL_KEYS, ("add", "put", "stor", "keep", "sav", "check", "commit", "push"))),
    _rule(_CREDENTIAL + _within(60)
          + r"\b(?:commit|push|check\s+in)\w*\s+(?:it|them|that|this|the\s+(?:file|change)s?)\b",
          ("commit", "push", "check"), also=(_CREDENTIAL_KEYS,)),
    _rule(r"\bCOPY\s+\S*(?:id_rsa|id_ed25519(?!\.pub)|\.pem|\.env|credentials|\.key)\b", "copy"),
    # A YAML credential one level down ("password:\n  default: Winter2024!"): the value is a literal there too.
    _rule(r"(?m)^[ \t]*(?P<name>password|passwd|secret|token|api_?key|access_?key|client_?secret)[ \t]*:[ \t]*\n"
          r"[ \t]+(?![\w-]*(?:name|ref|file|path|id|key|mode|provider|type|kind)[ \t]*:)[\w-]+[ \t]*:[ \t]*"
          r"(?:(?P<q>[\"'])(?P<quoted>[^\"'\s]{4,})(?P=q)|(?P<bare>[^\s\"'`,;)\]}]{6,}))[ \t]*$",
          ("password", "passwd", "secret", "token", "api_key", "apikey", "access_key", "accesskey", "client_secret"),
          _literal_credential, negatable=False, shown=_masked_setting, reach=(60, 160)),
    _rule(r"(?m)^[\s`]*ENV\s+(?P<name>\w*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY))\s+(?P<quoted>)"
          r"(?P<bare>[^\s\"'`$]{6,})", "env", _literal_credential, negatable=False, shown=_masked_setting),
    _rule(_NOT_AFTER_DETERMINER + r"\b(?:(?:paste|post|share|send|e-?mail|forward|upload|put|write|store|save|keep|"
          r"print|echo|leave|add|export|attach)\w*|(?:slack|dm|message)(?=\s+(?:me|us|them|him|her|it|the|your|this|that)\b))\b"
          + _within(60) + _CREDENTIAL + _within(60)
          + r"(?:\b(?:in|into|to|on|via|over|with|under)\s+" + _within(25) + _LEAK_PLACE + r"|\bhere\b)",
          _CREDENTIAL_KEYS, _all_of(_in_sentence(None, unless=r"\b(?:masked|redacted|encrypted|hashed|hidden|"
                                                               r"obfuscated)\b|" + _PASSWORD_MANAGER + "|"
                                                               + _TO_THOSE_WHO_NEED + "|" + _SAFE_HANDOVER),
                                    _not_ignored),
          also=(_SHARING_VERBS,)),
    _rule(_CREDENTIAL + _within(50) + r"\b(?:upload|paste|post|share|send|e-?mail|commit|push|forward)\w*\s+"
          r"(?:it|them|that|this)\b" + _within(30) + r"\b(?:to|in|into|on|with)\b" + _within(20) + _LEAK_PLACE,
          _CREDENTIAL_KEYS, also=(("upload", "paste", "post", "shar", "send", "mail", "commit", "push", "forward"),)),
    _rule(r"\b(?:send|give|tell|dm|slack|e-?mail|share|paste|post|forward)\s+(?:me|us)\s+(?:your|the|their|his|her|its)\s+"
          + _within(20) + _CREDENTIAL, _CREDENTIAL_KEYS, also=((" me ", " us "),)),
    _rule(r"\bhard-?cod\w*\b" + _within(40) + _CREDENTIAL + "|" + _CREDENTIAL + _within(40) + r"\bhard-?cod\w*",
          "hard", also=(_CREDENTIAL_KEYS,)),
    _rule(r"\b(?:echo|print|printf|printenv|cat|console\.log|puts)\b[^\n]{0,30}?\$\{?\w*(?:token|secret|password|"
          r"passwd|key|credential)s?\w*\}?", "$", _all_of(_not_printed, _not_masking)),
    _rule(r"\blog(?:s|ged|ging)?\s+(?:the\s+|all\s+|every\s+|full\s+|raw\s+)*(?:request\s+)?(?:authorization|bearer|"
          r"passwords?|tokens?|secrets?|credentials?|api\s+keys?|cookies?)\b", "log"),
    _rule(_CREDENTIAL + _within(40) + r"\b(?:in\s+)?(?:plain\s?text|clear\s?text|unencrypted)\b",
          ("plain", "clear", "unencrypted"), negatable_inside=True),
    _rule(r"\b(?:plain\s?text|clear\s?text|unencrypted)\s+(?:passwords?|secrets?|credentials?|keys?|tokens?)\b",
          ("plain", "clear", "unencrypted")),
    _rule(r"\b(?:cp|scp|rsync|copy|move|mv|upload|share|send)\b" + _within(40)
          + r"(?:~?/?\.aws/credentials|\bid_rsa\b|\bid_ed25519\b(?!\.pub)|\.kube/config|\bkubeconfig\b|"
            r"\bservice-account\S*\.json|\.npmrc\b|\.pypirc\b|\.netrc\b)",
          (".aws/credentials", "id_rsa", "id_ed25519", ".kube/config", "kubeconfig", "service-account", ".npmrc",
           ".pypirc", ".netrc")),
    # Database passwords set in SQL end up in server logs and shell history.
    _rule(r"\b(?:alter|create)\s+(?:role|user)\b[^;\n]{0,80}?\b(?:password|identified\s+by)\b|"
          r"\bset\s+password\s+for\b", ("password", "identified"), _sql_password_literal,
          also=(("alter", "create", "set"),)),
    _rule(r"\bpasswords?\b" + _within(40) + r"\b(?:with|via|using)\s+(?:an?\s+)?alter\s+(?:role|user)\b", "alter"),
    # Weakening how credentials are handled.
    _rule(r"\b(?:disable|turn\s+off|switch\s+off|bypass|skip|remove|uninstall)\w*\b" + _within(40)
          + r"\b(?:(?:secret|credential|leak)s?\s+(?:scann\w*|detect\w*|checks?)|push\s+protection|gitleaks|trufflehog|"
            r"detect-secrets|git-secrets)\b",
          ("scann", "detect", "check", "push protection", "gitleaks", "trufflehog", "git-secrets")),
    _rule(r"\b(?:reuse|re-use|same)\b" + _within(40) + r"\bpasswords?\b", "password",
          also=(("reuse", "re-use", "same"),)),
    _rule(r"\b(?:disable|turn\s+off|remove)\w*\b" + _within(20)
          + r"\bpassword\s+(?:expiry|expiration|rotation|policy|complexity)\b", "password", also=(_DISABLING_VERBS,)),
    _rule(_CREDENTIAL + _within(60) + r"\b(?:no|without(?:\s+an?)?|never|non)[ -]?expir\w*|"
          r"\bnon-?expiring\s+(?:tokens?|keys?)\b", "expir"),
    _rule(r"\b(?:pat|personal\s+access\s+token|access\s+token|api\s+key|service\s+account\s+key)s?\b" + _within(80)
          + r"\bexpir\w*\b" + _within(20) + r"\b(?:no\s+expir\w*|never)\b", "expir"),
    _rule(r"\b(?:drop|remove|omit|skip|delete|strip)\w*\s+(?:the\s+)?[`'\"]?exp[`'\"]?\s+claim\b", "exp"),
    _rule(r"--years\s+(?:[3-9]|\d{2,})\b|--end-date\s+[\"']?(?:20[4-9]\d|2[1-9]\d\d|9999)", ("--years", "--end-date")),
    # A secret output shown in plans and logs.
    _rule(r"\bsensitive\s*=\s*false\b", "sensitive",
          _in_sentence(r"(?:\b|_)(?:password|passwd|secret|token|key|credential)\w*\b")),
    _rule(r"\b(?:access\s+keys?|api\s+keys?|credentials?)\s+(?:for|of)\s+(?:the\s+)?(?:aws\s+)?(?:account\s+)?root\b|"
          r"\broot\s+(?:user|account)(?:'s)?\s+(?:access\s+keys?|credentials?)\b", "root"),
    _rule(r"\b(?:_?session_?id|sessionid|jsessionid|session\s+(?:cookie|token)|auth\s+cookie|cookie\s+value)\b",
          ("session", "cookie"), _in_sentence(r"\b(?:dm|send|sent|paste|share|post|slack|e-?mail|message|give|"
                                              r"forward)\w*\b")),
    # Accounts listed with their passwords on a page others read.
    _rule(r"\b(?:usernames?|logins?|accounts?|users?)\s+(?:and|&|with)\s+(?:its|their|the)?\s*passwords?\b|"
          r"\bpasswords?\s+(?:for|of)\s+(?:each|every|all)\b", "password",
          _in_sentence(r"\b(?:page|wiki|confluence|notion|sharepoint|doc|document|sheet|spreadsheet|readme|table|"
                       r"space|channel)\b")),
    # Credentials sent through a channel that keeps a copy others read: mail, chat, screenshots.
    _rule(r"(?:^|[.!?:;]\s+|\b(?:just|simply|please|then|and|or|can|could|should|you|to)\s+)"
          r"(?:e-?mail|mail|dm|slack|text|sms|whatsapp)\w*\b" + _within(60) + _CREDENTIAL
          + r"|\bscreen-?shot\w*\b" + _within(60) + _CREDENTIAL,
          ("mail", "dm", "slack", "text", "sms", "whatsapp", "screen"),
          # Round 44: a screenshot whose secret is a variable, a demo tenant's, or made dead afterwards (blind 28, 29).
          lambda match, text: not (re.search(r"screen-?shot", match.group(0), FLAGS) and _SCREENSHOT_SAFE.search(
              _sentence_around(text, match.start(), match.end()))),
          also=(_CREDENTIAL_KEYS,)),
    _rule(r"\b(?:connection\s+strings?|unseal\s+keys?|recovery\s+(?:codes?|keys?)|root\s+passwords?|\.kube/config|"
          r"master\s+keys?|[\w-]*\.(?:ovpn|p12|pfx|jks)|keystores?|vpn\s+(?:profile|config)\w*)\b",
          ("connection", "unseal", "recovery", "root", ".kube/config", "master", ".ovpn", ".p12", ".pfx", ".jks",
           "keystore", "vpn"),
          _all_of(_in_sentence(r"\b(?:paste|post|share|send|e-?mail|attach|screenshot|write|put|commit|drop|upload|"
                               r"forward|print|log|give|gave|giving|hand)\w*\b"), _in_sentence(_LEAK_PLACE))),
    _rule(r"\b(?:paste|post|share|drop|send|put|dm)\w*\s+(?:them|it|those|these)\s+(?:in|into|to|on)\s+(?:#[\w-]+|slack|"
          r"(?:the\s+)?(?:chat|channel|thread|ticket|teams|wiki|jira))\b",
          ("paste", "post", "shar", "drop", "send", "put", "dm"),
          _near(r"\b(?:credentials?|creds|passwords?|tokens?|secrets?|(?:api|private|deploy|ssh|signing|root|admin|access)"
                r"\s+keys?|break-?glass)\b",
                200)),
    # Round 16: a credential put where a channel's members read it, in any verb ("drop the OpenAI key in #general"),
    # kept there ("the creds are in the pinned message in #ops"), or one login shared by a whole team.
    _rule(r"\b(?:paste|post|drop|put|share|send|stick|throw|leave|dump|publish|pin)\w*\s+(?:the|your|our|my|an?|this|"
          r"that|their)\s+(?:[\w.-]+\s+){0,3}?(?:" + _CREDENTIAL + r"|(?<=\w\s)keys?)\s+(?:\w+\s+){0,3}?"
          r"(?:in|into|to|on)\s+(?:the\s+)?"
          r"(?:#[\w-]+|slack|(?:team\s+|general\s+|company\s+)?(?:chat|channel|thread|ticket|wiki|jira|confluence)\b)",
          ("paste", "post", "drop", "put", "shar", "send", "stick", "throw", "leav", "dump", "publish", "pin"),
          also=(_CREDENTIAL_KEYS,)),
    _rule(r"\b(?:creds|credentials?|passwords?|logins?|tokens?|api\s+keys?|secrets?)\s+(?:are|is|live|lives|sit|sits|stay|"
          r"stays)\s+(?:in|on)\s+(?:the\s+)?(?:pinned\b|#[\w-]+|channel\s+(?:topic|description|bookmarks?)\b)",
          ("creds", "credential", "password", "login", "token", "key", "secret")),
    _rule(r"\b(?:one|a\s+single|the\s+same|a\s+shared|shared|common)\s+[`'\"]?[\w.@-]*[`'\"]?\s*(?:logins?|accounts?|"
          r"user(?:name)?s?|credentials?|creds|passwords?)\s+(?:for|across|between|among)\s+(?:the\s+)?(?:whole|entire|"
          r"all|every)\b", ("login", "account", "user", "credential", "creds", "password")),
    _rule(r"\b(?:give|set|assign|hand)\w*\s+(?:everyone|everybody|all\s+(?:of\s+)?(?:them|the\s+\w+|\w+))\s+"
          + _within(40)
          + r"\bas\s+(?:the|their|an?)\s+(?:initial\s+|default\s+|first\s+|temporary\s+)?password\b|"
          r"\b(?:the\s+same|one|a\s+single|a\s+shared|a\s+common)\s+(?:initial\s+|default\s+|temporary\s+|starter\s+)?"
          r"password\s+for\s+(?:every|all|each)\b", "password"),
    _rule(r"\b(?:untick|uncheck|clear|disable|turn\s+off|remove)\w*\b" + _within(30)
          + r"[\"“'`]?(?:user\s+)?must\s+change\s+(?:the\s+)?password", "must change"),
    _rule(r"\b(?:(?:incoming\s+)?webhook\s+urls?|hooks\.slack\.com/services/\S+)", ("webhook", "hooks.slack.com"),
          _all_of(_in_sentence(r"\b(?:put|paste|post|commit|add|publish|write|share|drop|embed)\w*\b"),
                  _in_sentence(r"\b(?:readme|public|open[- ]source|wiki|docs?|gist|forum|blog|github|repo\w*)\b"))),
    _rule(r"\b(?:attach|upload|post|share|send|paste|drop|forward)\w*\b" + _within(60)
          + r"(?:\bhar\b|\.har\b)|\bas\s+har\b" + _within(80)
          + r"\b(?:attach|upload|post|share|send|paste|forward)\w*\b",
          ("har",), _in_sentence(None, unless=r"\b(?:saniti[sz]ed|redacted|scrubbed)\s+(?:\w+\s+)?har\b|"
                                               r"\b(?:saniti[sz]e|redact|scrub)\s+(?:it|the\s+har)\s+first\b")),
    _rule(r"(?:\bprintenv\b|`env`|\benv\s+output\b)" + _within(80)
          + r"\b(?:paste|post|attach|share|send|put|drop|dump|copy)\w*\b" + _within(60)
          + r"\b(?:in|into|to|on)\s+(?:the\s+)?(?:\w+\s+){0,2}?(?:jira|tickets?|incidents?|issues?|chat|channels?|"
            r"slack|threads?|wiki|confluence|doc|e-?mail|#[\w-]+)\b", ("printenv", "env")),
    # The whole environment (every secret in it) printed and handed to people, in whatever order it is said: "paste the
    # output of `kubectl exec deploy/api -- printenv` into #incident", "run `env` in the pod and paste it here",
    # "Get-ChildItem env:" under "paste the full output here" (round 42: misses that recurred in nine blind sets).
    _rule(r"`(?:[^`\n]*?(?:\s--\s+|\bexec\s+\S+\s+))?(?:printenv|env|export\s+-p)\s*(?:\|[^`\n]*)?`|"
          r"\b(?:Get-ChildItem|gci|dir|ls)\s+env:(?=\s|\||`|$)",
          ("printenv", "env"),
          _all_of(_near(r"\b(?:paste|post|attach|share|send|upload|forward|drop)\w*\b", 200),
                  _near(r"\b(?:outputs?|here|tickets?|jira|incidents?|issues?|cases?|chat|channels?|slack|threads?|"
                        r"wiki|confluence|vendors?|support|e-?mail)\b|#[\w-]+", 200),
                  _not_near(r"\b(?:never|don['\u2019]?t|do\s+not|redact\w*|mask\w*|scrub\w*|without\s+(?:the\s+)?"
                            r"(?:secrets?|values?)|variable\s+names|-ExpandProperty\s+Name|cut\s+-d\s*=?\s*-f\s*1)\b",
                            200))),
    # Round 44 (blind sets 28, 29, 31): a device's whole configuration, keys included, handed to people ("paste the
    # whole `show running-config` into the ticket", "attached the output of `wg showconf wg0`").
    _rule(r"\bshow\s+(?:running-config|startup-config|tech-support|tech)\b(?!\s*\|\s*(?:i|in|inc|include|section|"
          r"begin|exclude)\b)|\bwg\s+showconf\b|\bmore\s+system:running-config\b|\bdisplay\s+current-configuration\b",
          ("show", "showconf", "running-config", "current-configuration"),
          _all_of(_near(r"\b(?:paste|post|attach|share|send|upload|forward|drop|put)\w*\b", 200),
                  _near(r"\b(?:outputs?|tickets?|jira|cases?|forums?|community|tac|vendors?|support|chat|channels?|slack|"
                        r"threads?|wiki|confluence|e-?mail|gist|pastebin)\b|#[\w-]+", 200),
                  _not_near(r"\b(?:never|don['\u2019]?t|do\s+not|redact\w*|mask\w*|scrub\w*|saniti[sz]\w*|"
                            r"without\s+(?:the\s+)?(?:secrets?|keys?|passwords?))\b", 200))),
    # A pre-shared key or password written out in the text ("the PSK for the Frankfurt tunnel is `k8Pq!vZ7r2LmW`").
    _rule(r"\b(?:psk|pre-?shared\s+key|passwords?|passphrase|passwd|secret)\b(?:\s+(?:for|of|on|to)\s+(?:the\s+)?"
          r"[\w.-]+(?:\s+[\w.-]+){0,2}?)?\s+(?:is|are|=|:)\s+`(?P<value>[^`\s]{8,})`",
          ("psk", "pre-shared", "preshared", "password", "passphrase", "passwd", "secret"),
          lambda match, text: bool(re.search(r"\d", match.group("value"))
                                   and re.search(r"[A-Za-z]", match.group("value"))
                                   and not _PLACEHOLDER.search(match.group("value"))
                                   and not _REFERENCE.search(match.group("value"))),
          shown=lambda m: m.group(0)[:m.start("value") - m.start()] + m.group("value")[:2] + "…"),
    # Users' tokens sent to a crash reporter or analytics ("setCustomValue(session.accessToken, …)").
    _rule(r"\b(?:setCustomValue|setCustomKey|setUserProperty|setUserProperties|setTag|setExtra|setContext|addBreadcrumb|"
          r"logEvent|putCustomAttribute|setAttribute|recordCustomKey)\s*\([^)\n]{0,80}?(?:access_?token|refresh_?token|"
          r"id_?token|session_?token|auth_?token|bearer|password|secret|api_?key|authorization)",
          ("setcustom", "setuserpropert", "settag", "setextra", "setcontext", "addbreadcrumb", "logevent",
           "putcustomattribute", "setattribute", "recordcustomkey")),
    # A person's login handed to an outside firm ("share the release manager's Apple ID login with the agency").
    _rule(r"\bshar\w*\s+(?:(?:the|our|my|his|her|their)\s+)?(?:[\w-]+\s+){0,2}?(?:[\w-]+['’]s\s+)?(?:[\w-]+\s+){0,2}?"
          r"(?:apple\s+id|logins?|"
          r"credentials?|creds|passwords?|accounts?)\b(?:\s+\w+){0,2}?\s+with\s+(?:the\s+|an?\s+|our\s+)?"
          r"(?:agency|vendors?|contractors?|partners?|freelancers?|consultants?|outsourc\w*|offshore|external\w*|"
          r"third[- ]part\w+)",
          "shar", also=(("agency", "vendor", "contractor", "partner", "freelancer", "consultant", "outsourc",
                         "offshore", "external", "third"),)),
    # A secret printed by a playbook's debug task.
    _rule(r"\bdebug\s*:\s*(?:\n\s*)?(?:var\s*:\s*[\"']?[\w.\[\]'\"]*?|msg\s*:\s*[^\n]*?\{\{[^}\n]*?)" + _CREDENTIAL,
          "debug"),
    # A secret read out of its store, then posted.
    _rule(r"\b(?:kubectl\s+get\s+secrets?|vault\s+(?:kv\s+)?(?:get|read)|aws\s+secretsmanager\s+get-secret-value|"
          r"az\s+keyvault\s+secret\s+show|gcloud\s+secrets\s+versions\s+access)\b[^\n]*",
          ("kubectl", "vault", "secretsmanager", "keyvault", "gcloud"),
          _all_of(_in_sentence(r"\b(?:paste|post|share|send|e-?mail|drop|forward|put)\w*\b" + _within(40)
                               + r"\b(?:in|into|to|on)\b"),
                  _in_sentence(None, unless=r"\bonly\s+the\s+(?:key\s+)?names\b|\bjq\s+'?keys\b"))),
    # Secrets and request contents written to logs and console output.
    _rule(r"\b(?:log|logs|logging|logged|dump|dumps|print|prints|record|capture)\w*\b" + _within(60)
          + r"\b(?:headers?|bod(?:y|ies)|payloads?)\b", ("header", "bod", "payload"),
          _all_of(_in_sentence(r"\b(?:authorization|auth|bearer|tokens?|cookies?|passwords?|card|pan|cvv|pii|personal|"
                               r"secrets?|credentials?)\b", unless=_MASKED),
                  lambda match, text: not (re.search(r"bod(?:y|ies)|payload", match.group(0), FLAGS) and re.search(
                      r"\b(?:no|without(?:\s+the)?)\s+(?:request\s+|response\s+)?bod(?:y|ies)\b",
                      _sentence_around(text, match.start(), match.end()), FLAGS))),
          negatable_inside=True),
    _rule(r"\b(?:console\.\w+|logger\.\w+|log\.\w+|print|puts|echo|printf)\b[^\n]{0,40}?"
          # Round 46 (blind set 43): not a name tested for membership ("print('AWS_PROFILE' in os.environ)").
          r"(?<!\bin\s)(?:process\.env|os\.environ|ENV\.to_h|System\.getenv\(\))(?![.\[\w])",
          ("process.env", "os.environ", "env.to_h", "getenv")),
    _rule(r"\bLOG_\w*(?:TOKEN|SECRET|PASSWORD|CREDENTIAL|HEADER|BODY|BODIES)\w*[\"']?\s*[:=]\s*[\"']?(?:true|1|on|yes)\b|"
          r"\bno_log\s*:\s*(?:false|no)\b|\bshow-values\s*=\s*ALWAYS\b|"
          r"\bexposure\.include\s*[:=]\s*[\"']?\*", ("log_", "no_log", "show-values", "exposure.include")),
    _rule(r"\bsensitive\s*=\s*false\b", "sensitive",
          _near(r"\b(?:password|secret|token|key|credential)", 200)),
    _rule(r"\b(?:echo|print|printf|cat|tee|console\.log|write-host|write-output)\b[^\n]{0,40}?\$\{\{\s*secrets\.",
          "secrets."),
    # Shell tracing where secrets are used: every command is printed with its arguments expanded.
    _rule(r"\bset\s+-[a-wyz]*x[a-z]*\b|\bset\s+-o\s+xtrace\b", ("set",),
          _all_of(lambda match, text: bool(
                      _TRACED_SECRET.search(text, match.start(), match.end() + 400)
                      or re.search(r"\b(?:tokens?|secrets?|passwords?|credentials?|keys?)\b",
                                   _sentence_around(text, match.start(), match.end()), FLAGS)),
                  _in_sentence(None, unless=r"\b(?:remov\w*|drop\w*|delet\w*|disabl\w*|turn\w*\s+off|without)\s+"
                                            r"(?:the\s+)?[`'\"]?set\s+-|\bset\s+\+x\b"))),
    _rule(r"\b(?:uncheck|untick|disable|turn\s+off|remove)\w*\b" + _within(30) + r"[\"'“]?masked\b|"
          r"\bmasked[\"']?\s*[:=]\s*false\b", "masked"),
    _rule(r"[?&](?:token|access_token|api_?key|apikey|password|secret|auth)=", ("token=", "key=", "password=",
                                                                                "secret=", "auth="),
          _in_sentence(r"\b(?:pass|put|send|add|use|append|give|call|hit|open|curl|request|fetch|link|bookmark|"
                       r"share|embed|paste)\w*\b")),
    # The environment (and every secret in it) printed into a job's log.
    # After a code span's opening, "run:", "&&" or ";" it may end the span; at a line's start, only the line or the
    # command: "Set `permissions: contents: read`" opens a span after a word, dumping nothing (round 44).
    _rule(r"(?:(?:`|\brun:\s*|&&\s*|;\s*)" + _DUMP + r"(?=`|$|\n|;|&&)|^\s*(?:-\s+)?" + _DUMP + r"(?=$|\n|;|&&))",
          ("printenv", "env", "set", "export"),
          _all_of(_near(r"\b(?:ci|pipelines?|jobs?|steps?|workflows?|actions|gitlab|jenkins|builds?|logs?|runners?)\b",
                        200), _not_field_name)),
    _rule(r"\b(?:echo|print|printf|console\.log|write-host|write-output|puts)\b[^\n]{0,20}?\$\{?[A-Z_]*(?:TOKEN|SECRET|"
          r"PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY)\b", ("token", "secret", "password", "passwd", "key"),
          _all_of(_near(r"\b(?:ci|pipelines?|jobs?|steps?|workflows?|actions|gitlab|jenkins|builds?|logs?|debug\w*)\b",
                        200), _not_printed)),
    # Credentials that live for years or never expire.
    _rule(r"\b(?:ttl|max_ttl|token_ttl|token_max_ttl|expir\w*|lifetime|valid(?:ity)?|rotation\s+period)\b[^\n.!?]{0,40}?"
          r"(?:\b\d{4,}\s*h\b|\b\d{4,}h\b|\b(?:[2-9]|\d{2,})\s*(?:years?|y)\b|\b\d{3,}\s*(?:days?|d)\b|\bnever\b|\bno\s+expir\w*|"
          r"\b(?:unlimited|infinite|indefinite\w*)\b)|\bnever\s+(?:has\s+to\s+|needs?\s+to\s+)?(?:re-?auth\w*|expires?|"
          r"rotat\w*|renew\w*)\b|\bnon-?expiring\b|\bno\s+expiration\b",
          ("ttl", "expir", "lifetime", "valid", "rotation", "never", "non-expiring", "nonexpiring"),
          _in_sentence(r"\b(?:tokens?|keys?|credentials?|creds|passwords?|pats?|secrets?|certs?|certificates?|"
                       r"service\s+accounts?|sessions?|api)\b")),
    _rule(r"\b(?:turn\w*\s+off|disabl\w*|switch\w*\s+off|stop\w*|paus\w*|remov\w*|skip\w*)\s+(?:the\s+)?"
          r"(?:automatic\s+|auto-?)?(?:key\s+|secret\s+|password\s+|credential\s+)?rotation\b", "rotation"),
    _rule(r"(?m)^[\s`]*ARG\s+\w*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY)\w*\s*$|"
          r"--build-arg\s+[\w]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY)\w*\b", ("arg", "--build-arg")),
    # A credential baked into an image, or left where every user of a host reads it.
    _rule(r"(?m)(?:^|`)[\s`]*(?:ENV|ARG)\s+\w*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY)\w*\s*[= ]\s*"
          r"(?![$<\s])(?!(?:changeme|example|xxx|your)\b)[^\s\"'`]{4,}", ("env", "arg"), negatable=False),
    _rule(r"\bexport\s+\w*(?:PASSWORD|PASSWD|SECRET|TOKEN)\w*=", "export",
          _in_sentence(r"/etc/profile|\bshared\b|\beveryone\b|\bjump\s?(?:host|server|box)\b|\bbastion\b")),
    _rule(r"\bGetNetworkCredential\(\)\.Password\b|\bConvertFrom-SecureString\b[^\n]*-AsPlainText\b",
          ("getnetworkcredential", "convertfrom-securestring")),
    # Traffic that carried secrets sent in clear.
    _rule(r"\b(?:SASL_SSL|SSL|TLS)\b" + _within(40) + r"\bto\s+[`'\"]?PLAINTEXT\b|"
          r"\bsecurity\.protocol\s*=\s*PLAINTEXT\b|\blisteners?\s*=\s*PLAINTEXT://", "plaintext",
          _in_sentence(None, unless=_LOCAL)),
    # Links that hand production data to outsiders.
    _rule(r"\b(?:presign\w*|pre-signed|signed)\s+urls?\b|\bsas\s+(?:token|url)s?\b", ("sign", "sas"),
          _all_of(_nowhere_near(r"\bexpires_?in\s*[=:]\s*(?:[1-9]\d{0,3}|[1-3]\d{4}|4[0-2]\d{3}|43200)\b|"
                                r"\b(?:dies|expires?|lapses)\s+(?:after|in|within)\s+" + _SHORT_WHILE + r"\b",
                                200, 600),
                  _in_sentence(r"\b(?:give|send|drop|post|share|hand|forward|paste|e-?mail)\w*\b",
                               unless=r"\b" + _SHORT_WHILE + r"[- ](?:expiry|expiration|ttl|lifetime)\b|"
                                      r"\b(?:expir\w*|ttl|valid\w*|lifetime)\s+(?:of\s+|in\s+|for\s+|after\s+)?"
                                      + _SHORT_WHILE + r"\b"),
                  _in_sentence(r"\b(?:vendors?|partners?|external\w*|slack|customers?|agency|contractors?|everyone|"
                               r"all-?hands|company|public)\b|#(?:general|random|all|announce\w*|company\w*)\b"))),
    # Credentials kept in clear where a host's other users read them; secret files let into git.
    _rule(r"\bcredential\.helper\s+store\b", "credential.helper"),
    _rule(r"\b(?:remove|delete|drop|take)\w*\s+[`'\"]?(?:\.env\w*|\S*\.pem|\S*\.key|id_rsa|\S*credentials\S*|"
          r"\S*secrets?\S*)[`'\"]?\s+(?:out\s+of|from)\s+[`'\"]?\.gitignore", ".gitignore"),
    # Secrets, headers and bodies written by logging calls and log formats.
    _rule(r"\b(?:console\.\w+|log\.\w+|logger\.\w+|logging\.\w+|print\w*|puts|fmt\.\w*print\w*|System\.out\.print\w*|"
          r"Write-(?:Host|Output))\s*\([^)\n]{0,120}?\b(?:dsn|password|passwd|secret|token|api_?key|(?:req|request)\."
          r"(?:headers|body)|authorization|cookies?|credentials?|conn(?:ection)?_?str\w*)\b",
          ("console.", "log.", "logger.", "logging.", "print", "puts", "system.out", "write-")),
    _rule(r"\$http_(?:authorization|cookie)\b|\bsetInclude(?:Headers|Payload)\s*\(\s*true\s*\)|"
          r"\bincludePayload\s*[:=]\s*true\b", ("$http_", "setinclude", "includepayload"), _not_passed_on),
    _rule(r"\bgeneral_log\s*=\s*'?(?:ON|1)\b", "general_log", _in_sentence(_PROD)),
    # Encryption in transit switched off in a client's or server's settings.
    _rule(r"\b(?:ssl|tls|use_?ssl|require_?ssl|encrypt(?:ion)?)[\"']?\s*[:=]\s*[\"']?(?:off|false|0|no|disabled?)\b|"
          r"\bTrustServerCertificate\s*=\s*(?:true|yes)\b", ("ssl", "tls", "encrypt", "trustservercertificate"),
          _in_sentence(None, unless=_LOCAL)),
    # CI secrets handed to code from outside.
    _rule(r"\bsecrets?\b" + _within(40) + r"\bfork(?:ed|s)?\b", "fork",
          _all_of(_in_sentence(r"\b(?:turn\s+on|enable|allow|pass|check|tick|expose)\w*\b"), _last_part_not_negated)),
    _rule(r"\bpull_request_target\b", "pull_request_target",
          # Round 46: the pull request's head checked out in words ("checkout the PR head and run `npm ci`", blind
          # set 42): its code runs with the target's write token and secrets.
          _pr_head_checked_out),
    # Round 45 (blind set 38 as a development set; the misses of sets 33-37). A credential written out in a
    # manifest or a config file where a reference to its store belongs ("put the database password directly as a
    # `value:` in the Deployment env"): every reader of the repository, and `kubectl describe`, shows it.
    _rule(r"\b(?:put|set|paste|write|inline|hard-?code|add|drop|stick|store|keep|use|place)\w*\s+(?:the\s+|your\s+|"
          r"our\s+|an?\s+|its\s+|their\s+)?(?:[\w.-]+\s+){0,3}?" + _CREDENTIAL + _within(40)
          + r"\b(?:directly|inline|in-line|in\s+line|literally|verbatim|as\s+(?:a\s+)?(?:plain|literal|raw|hard-?coded|"
            r"clear-?text)\s+(?:value|string|text)|as\s+(?:a\s+|the\s+)?[`'\"]?value:?[`'\"]?)",
          _CREDENTIAL_KEYS,
          _in_sentence(r"\b(?:deployment|manifests?|pod\s*spec|configmaps?|values\.ya?ml|helm|chart|compose|"
                       r"task\s+definition|env(?:ironment)?\s+(?:block|section|list|vars?|variables?)|ya?ml|terraform|"
                       r"\.tf|workflow|pipeline|dockerfile|app\s+settings|appsettings\.json|application\.(?:properties|"
                       r"ya?ml)|settings\.py|statefulset|daemonset|cronjob|job\s+spec)\b",
                       unless=r"\b(?:from|via|through|by)\s+(?:the\s+|a\s+|an\s+)?(?:vault|secrets?\s+manager|key\s*vault|"
                              r"ssm|parameter\s+store|csi|secretKeyRef|valueFrom|external\s*secrets?|sealed\s*secrets?)\b|"
                              r"\$\{|\{\{|" + _PASSWORD_MANAGER),
          also=(("directly", "inline", "in-line", "in line", "literal", "verbatim", "plain", "raw", "hard", "clear",
                 "value"),)),
    # The key kept beside what it encrypts ("store the backup passphrase in the same bucket as the archives"): whoever
    # reaches the backups can read them.
    _rule(r"\b(?:store|keep|put|save|write|upload|copy|drop|leave|stash|place|ship|include)\w*\b" + _within(60)
          + r"\b(?:passphrases?|(?:en|de)cryption\s+(?:keys?|passwords?|secrets?)|key\s*files?|private\s+keys?|"
            r"gpg\s+keys?|master\s+keys?|(?:backup|archive|restic|borg|gpg|age|repo(?:sitory)?)\s+(?:keys?|passwords?|passphrases?))\b"
          + _within(60) + r"(?P<place>\b(?:in|into|on|to)\s+the\s+same\s+(?:\w+\s+)?(?:bucket|folder|directory|dir|"
            r"share|volume|location|place|disk|drive|repo\w*|path|prefix|container|account|server|host|tape|media)s?\s+as\b|"
            r"\b(?:next\s+to|alongside|beside|together\s+with|along\s+with)\s+(?:the\s+|each\s+|every\s+)?"
            r"(?:encrypted\s+)?(?:backups?|archives?|dumps?|snapshots?|tarballs?|ciphertext|encrypted\s+files?)\b|"
            r"\b(?:in|into|on|to)\s+(?:the\s+)?(?:backup|archive|dump|snapshot)s?\s+(?:bucket|folder|directory|share|"
            r"volume|repo\w*|drive|disk|container|location|prefix)\b)",
          ("passphrase", "key", "password", "secret"), _not_negated_before("place"),
          also=(("same", "next to", "alongside", "beside", "together", "along", "backup", "archive", "dump",
                 "snapshot"),)),
    # One's own login handed to someone else ("I gave them my AD login on the support call", "just give the contractor
    # your password"): whatever they do is done as you, and nothing ends their access.
    _rule(r"\b(?:give|gave|given|giving|hand\w*|lend\w*|lent|tell|told|send|sent|share\w*)\s+(?:them|him|her|the\s+"
          r"(?:[\w-]+\s+){0,2}?(?:vendor|contractor|consultant|agency|partner|freelancer|support|tech|engineer|intern|"
          r"temp|new\s+hire)s?)\s+(?:my|your|our|his|her)\s+(?:own\s+)?(?:[\w-]+\s+)?(?:logins?|passwords?|credentials?|"
          r"creds|sign-?ins?|account\s+password|username\s+and\s+password)\b",
          ("give", "gave", "giving", "hand", "lend", "lent", "tell", "told", "send", "sent", "shar"),
          _in_sentence(None, unless=r"\b(?:phish\w*|scam\w*|hang\s+up|report\s+(?:it|them)|suspicious|"
                                    r"claim\w*\s+to\s+be|pretend\w*|impersonat\w*|fake)\b"),
          also=(("login", "password", "credential", "creds", "sign"),)),
    # Round 45 (blind sets 40 and 41 as development sets). A credential-named setting given a value in a vendor's token
    # format, shown whole or cut short ("`BUILDKITE_AGENT_TOKEN: "bkua_8f3c..."` in pipeline.yml", "export
    # GITHUB_TOKEN=ghp_... in /etc/profile.d/team.sh"): the real token goes where the setting is kept.
    # Round 46 (blind set 43): also a constant defined in code (PHP's ``define('STRIPE_SK', 'sk_live_…')``, a hash's
    # ``'secret' => '…'``) and a name that abbreviates it (``_SK``, ``_PWD``).
    _rule(r"\b[A-Za-z_]*(?:TOKEN|SECRET|KEY|PASSWORD|PASSWD|PAT|AUTH|_SK|_PWD|CREDENTIALS?)\w*[\"']?\s*"
          r"(?:[:=]|=>|(?<=[\"'])\s*,)\s*[\"']?(?P<value>"
          + _VENDOR_TOKEN + r"[\w.…-]*)", _VENDOR_TOKEN_KEYS,
          lambda match, text: not _TOKEN_PLACEHOLDER.search(match.group("value")),
          shown=lambda m: m.group(0)[:m.start("value") - m.start()] + m.group("value")[:5] + "…"),
    # A leaked credential left live: "it was in a public gist for a day, no need to rotate it", "don't bother revoking".
    _rule(r"\b(?:no\s+need\s+(?:to|for)|(?:do\s+not|don'?t|doesn'?t|won'?t|needn'?t|wouldn'?t)\s+(?:really\s+)?"
          r"(?:need\s+to\s+|have\s+to\s+|bother\s+(?:to\s+|with\s+)?)?|not\s+worth|no\s+point\s+(?:in\s+)?|skip|"
          r"without)\s*(?:the\s+)?(?:rotat|revok|reset|regenerat|roll|invalidat|re-?issu)\w*",
          ("rotat", "revok", "reset", "regenerat", "roll", "invalidat", "issu"),
          _all_of(_in_sentence(r"\b(?:tokens?|keys?|secrets?|passwords?|credentials?|creds|pats?)\b"),
                  _near(r"\b(?:public|gist|leak\w*|expos\w*|pushed|committed|pasted|posted|screenshot\w*|shared|"
                        r"slack|channel|logs?|logged|github|pastebin|forum|ticket|in\s+the\s+(?:repo|history))\b", 200),
                  _in_sentence(None, unless=r"\b(?:never|wasn'?t|weren'?t|not\s+(?:exposed|leaked|real|live)|already|"
                                            r"expired|dead|revoked|dummy|fake|placeholder|example)\b")),
          negatable=False),
    # A credential kept in a tool's configuration without the flag that encrypts it ("`pulumi config set dbPassword
    # '…'` is fine without --secret"; an SSM parameter of type String).
    _rule(r"\bpulumi\s+config\s+set\s+(?:-{1,2}[\w-]+(?:[= ]\S+)?\s+)*?[\w:.-]*(?:password|passwd|secret|token|key|"
          r"credential)\w*\s+[\"']?(?![$<{])[^\s\"'`]{4,}|\baws\s+ssm\s+put-parameter\b[^\n`]*?--name\s+[\"']?\S*(?:password|"
          r"passwd|secret|token|key|credential)[^\n`]*?--type\s+[\"']?String\b",
          ("pulumi", "put-parameter"), _no_own_secret_flag),
    _rule(r"\b(?:without|skip\w*|drop\w*|omit\w*|no\s+need\s+for|leave\s+(?:off|out))\s+(?:the\s+|a\s+)?[`'\"]?"
          r"(?:--secret|--secure|--sensitive|SecureString|secure\s+string)\b[`'\"]?",
          ("secret", "secure", "sensitive"),
          _in_sentence(r"(?:\b|_)(?:passwords?|passwd|secrets?|tokens?|keys?|credentials?)\b|[a-z](?:Password|Secret|"
                       r"Token|Key)\b")),
    # One secret for every environment, production included ("the same Stripe secret key in dev, staging and prod").
    _rule(r"\b(?:the\s+same|one|a\s+single|a\s+shared|shared)\s+(?:[\w-]+\s+){0,2}?(?:secret|key|password|token|"
          r"credential|api\s+key|secret\s+key|connection\s+string)s?\b" + _within(50)
          + r"\b(?:in|across|for|between|everywhere|on)\b" + _within(30)
          + r"\b(?:dev|development|staging|test|qa|uat|local)\b",
          ("same", "one", "single", "shared"),
          _in_sentence(_PROD + r"|\b(?:every|all)\s+(?:environments?|envs?|stages?)\b",
                       unless=r"\b(?:different|separate|distinct|own|per[- ]environment|each\s+environment)\b"),
          also=(("secret", "key", "password", "token", "credential", "connection"),)),
    # Round 46 (blind set 42). A password written as a command's argument, in any tool's flag for it: a keychain
    # unlocked with ``-p``, OpenSSL's ``pass:``, keytool's ``-storepass``, gpg's ``--passphrase``, sqlcmd's ``-P``,
    # ``zip -P``, PowerShell's ``ConvertTo-SecureString '…' -AsPlainText``. The script, the history and the process
    # list keep it.
    _rule(r"(?:\bsecurity\s+(?:unlock|create)-keychain\b[^\n`;&|]*?\s-p\s+|\s-pass(?:in|out)\s+[\"']?pass:|"
          r"\s-(?:src|dest|new)?(?:store|key)pass\s+|--passphrase[= ]|"
          r"\b(?:sqlcmd|bcp|osql|zip)\b[^\n`;&|]*?\s(?-i:-P)\s*|"
          r"\bConvertTo-SecureString\s+(?=[^\n`]*?-AsPlainText)(?:-String\s+)?(?=[\"']))(?P<pw>[^\s`]+)",
          ("keychain", "-pass", "storepass", "keypass", "passphrase", "sqlcmd", "bcp", "osql", "zip",
           "convertto-securestring"), _literal_argument, shown=lambda m: m.group(0)[:m.start("pw") - m.start()] + "…"),
    # Secrets taken out of the masked, secret or password kind of variable a CI server or a tool keeps, into the
    # kind it shows ("move the deploy keys from password variables to plain plan variables", "untick Masked"): every
    # build log, and everyone who reads the settings, then sees them.
    _rule(r"\b(?:mov|convert|chang|switch|turn|mak|copy|migrat|recreat|put)\w*\b" + _within(60)
          + r"\b(?:from|out\s+of)\s+(?:the\s+|their\s+|its\s+)?[\"“'`*]?(?:password|secret|masked|protected|secure|"
            r"secured|sensitive|encrypted|hidden)[\"”'`*]?\s+(?:[\w-]+\s+)?(?:variables?|vars?|parameters?|settings?|"
            r"fields?|values?)\b" + _within(40)
          + r"\b(?:to|into)\s+(?:the\s+|an?\s+)?(?:[\w-]+\s+)?[\"“'`*]?(?:normal|plain|regular|ordinary|unmasked|"
            r"visible|non-?secret|non-?sensitive|public|standard|clear-?text|unencrypted|plaintext)\b|"
          r"\b(?:unmask|un-mask|unprotect)(?:s|ing)?\s+(?:the\s+|all\s+|those\s+|these\s+)?(?:[\w-]+\s+){0,2}?"
          r"(?:variables?|secrets?|vars|keys?|tokens?|passwords?|credentials?)\b|"
          r"\b(?:uncheck|untick|disable|turn\s+off|switch\s+off)\w*\s+(?:the\s+)?[\"“'`*]?(?:mask(?:ed|ing)?(?:\s+variable)?|"
          r"protect(?:ed)?\s+variable|keep\s+(?:this\s+)?value\s+secret|hide\s+value)[\"”'`*]?(?![\w-])|"
          r"\b(?:uncheck|untick|disable|turn\s+off|switch\s+off)\w*\s+(?:the\s+)?[\"“'`*]?(?:secret|sensitive|secure)"
          r"[\"”'`*]?\s+(?:flag|checkbox|box|option|toggle|attribute)\b|\b(?:masked|is_?secret)\s*[:=]\s*[\"']?false\b",
          ("password", "secret", "masked", "protected", "secure", "sensitive", "encrypted", "hidden", "unmask",
           "un-mask", "unprotect", "mask", "issecret", "is_secret"),
          _in_sentence(r"(?:\b|_)(?:passwords?|secrets?|tokens?|keys?|credentials?|creds|api|variables?|vars)\b")),
    # Round 46 (blind set 43). A credential serialised into a log or an output ("a node that logs `JSON.stringify` of
    # the credential object", "print the whole secrets dict"): whoever reads the logs reads the secret.
    _rule(r"\b(?:log|logs|logging|logged|print\w*|dump\w*|console\.log|echo\w*|write\w*|output\w*)\b" + _within(40)
          + r"(?:\bJSON\.stringify|\bjson\.dumps?|\bvar_dump|\bprint_r|\brepr\b|\binspect\b|\bto_?json|\bpprint|"
            r"\b(?:the\s+)?(?:whole|full|entire|raw|decrypted|complete)\b)" + _within(40)
          + r"(?:\b|_)(?:credentials?|creds|secrets?|tokens?|passwords?|api[ _-]?keys?|auth)(?:\s+(?:objects?|dicts?|"
            r"maps?|hash(?:es)?|structs?|records?|payloads?|json|blobs?))?\b",
          ("log", "print", "dump", "echo", "writ", "output"),
          _in_sentence(None, unless=r"\b(?:mask\w*|redact\w*|scrub\w*|sanitiz\w*|sanitis\w*|filter\w*\s+out|"
                                    r"keys\s+only|names\s+only|only\s+the\s+(?:keys|names)|omit\w*|exclud\w*|strip\w*|"
                                    r"never|rather\s+than|instead\s+of|not\s+the\s+values?)\b")),
    # Round 46 (blind set 43). A key, password or access not taken back when someone who had it leaves ("don't bother
    # re-keying the Wi-Fi after the contractor left", "no need to disable his account, he's gone").
    _rule(r"\b(?:no\s+need\s+(?:to|for)|(?:do\s+not|don'?t|doesn'?t|won'?t|needn'?t|wouldn'?t)\s+(?:really\s+)?"
          r"(?:need\s+to\s+|have\s+to\s+|bother\s+(?:to\s+|with\s+)?)?|not\s+worth|no\s+point\s+(?:in\s+)?|"
          r"skip(?:s|ped|ping)?(?=\s)|forget\s+about|never\s+mind)\s*(?:the\s+)?(?:rotat|revok|reset|regenerat|re-?key|chang|deactivat|disabl|"
          r"remov|offboard|collect|retriev|wip|cancel|invalidat|re-?issu)\w*",
          ("rotat", "revok", "reset", "regenerat", "key", "chang", "deactivat", "disabl", "remov", "offboard",
           "collect", "retriev", "wip", "cancel", "invalidat", "issu"),
          _all_of(_in_sentence(r"\b(?:keys?|passwords?|psks?|pre-?shared|passphrases?|credentials?|creds|tokens?|"
                               r"badges?|fobs?|access|accounts?|logins?|certs?|certificates?|wi-?fi|vpn|re-?key\w*)\b"),
                  _near(r"\b(?:left|leaves|leaver|leavers|departed|departure|quit|fired|let\s+go|offboard\w*|"
                        r"resign\w*|last\s+day|no\s+longer\s+(?:with|works?|here|at)|moved\s+on|gone)\b", 120)),
          negatable=False),
))

NETWORK = Topic("Network exposure and disabled security checks", (
    # Open to the internet.
    _rule(r"(?<![\d.])0\.0\.0\.0/0\b|(?<![\w:])::/0\b", ("0.0.0.0/0", "::/0"), _ingress),
    _rule(r"\b(?:open|expose|allow|permit|accept|whitelist|allowlist)\w*\b" + _within(60)
          + r"\b(?:from|to|for)\s+(?:the\s+)?(?:world|internet|anywhere|any\s*where|any\s+(?:ip|source|address|host)|"
            r"all\s+(?:ips|sources|addresses|hosts)|everyone|public)\b",
          ("open", "expose", "allow", "permit", "accept", "whitelist"),
          _in_sentence(r"\b(?:ports?|firewall|security\s+group|sg|nsg|inbound|ingress|\d{2,5}|ssh|rdp|database|db|"
                       r"redis|tcp|udp|traffic|rule)\b",
                       # Round 46 (blind set 44): only the one port the public service answers on ("open only
                       # 27015/udp to the public"), not a database's, a remote shell's or a remote desktop's.
                       unless=r"\b(?:open|expose|allow)\w*\s+only\s+(?:ports?\s+)?(?!(?:22|3389|5900|"
                       + _DATA_PORTS[3:-1] + r")\b)\d{2,5}(?:/(?:tcp|udp))?\s+(?:to|for|from)\b")),
    _rule(r"\b(?:source|src)\b\s*[:=]?\s*[\"']?(?:anywhere|any(?:\s+ip(?:v4|v6)?)?|internet|the\s+internet|\*)(?=[\s\"'.,;)`]|$)"
          r"(?!\s*(?:in|within|inside|on|from)\s+(?:the\s+)?(?:vpc|subnet|office|vpn|vnet|cluster|network))",
          ("source", "src"),
          _in_sentence(r"\b(?:inbound|ingress|rule|ports?|ssh|rdp|\d{2,5}|security\s+group|firewall|nsg|allow\w*)\b")),
    _rule(r"--source-address-prefix(?:es)?\s+[\"']?\*|\bsource_?address_?prefix(?:es)?[\"']?\s*[:=]\s*[\"']?\*",
          "address"),
    _rule(r"\bufw\s+allow\s+(?!from\b)(?:in\s+)?(?:proto\s+\w+\s+)?(?:to\s+any\s+)?(?:port\s+)?" + _DATA_PORTS + r"\b",
          "ufw"),
    _rule(r"\biptables\b(?![^\n]*\s-s\s)[^\n]*--dport\s+" + _DATA_PORTS + r"\b[^\n]*-j\s+ACCEPT", "iptables"),
    _rule(r"\bbind\w*\b" + _within(30) + r"\b0\.0\.0\.0\b(?!/)", _ALL_INTERFACES,
          _near(r"\b(?:redis|mongo\w*|memcache\w*|elastic\w*|etcd|protected-mode|without\s+auth|no\s+auth|--auth)\b")),
    _rule(r"--bind_ip_all\b|\bprotected-mode\s+no\b|\bnetwork\.host\s*:\s*[\"']?0\.0\.0\.0|--address[= ]0\.0\.0\.0|"
          r"\btcp://(?:0\.0\.0\.0)?:2375\b", ("bind_ip_all", "protected-mode", "network.host", "--address", ":2375")),
    _rule(r"\b(?:expose|publish|open|make)\w*\b" + _within(60)
          + r"\b(?:to\s+the\s+(?:internet|world|public)|publicly|on\s+(?:a|the)\s+public\s+(?:ip|internet|url|"
            r"endpoint|load\s?balancer)|with\s+a\s+(?:public\s+)?load\s?balancer)\b",
          ("internet", "world", "public", "load"),
          _in_sentence(_INTERNAL_SERVICE)),
    _rule(r"\bkubectl\s+expose\b[^\n`]*?--type[= ]?(?:LoadBalancer|NodePort)\b", "kubectl",
          _in_sentence(_INTERNAL_SERVICE)),
    # Host firewalls and security tooling switched off.
    _rule(r"\bufw\s+disable\b|\bsetenforce\s+0\b|\bSELINUX\s*=\s*(?:disabled|permissive)\b|"
          r"\biptables\s+(?:-t\s+\w+\s+)?-F\b|\biptables\s+-P\s+INPUT\s+ACCEPT\b|"
          r"\bnetsh\s+advfirewall\s+set\s+\w+\s+state\s+off\b|\bSet-MpPreference\s+-Disable\w+\s+\$?true\b|"
          r"\bSet-NetFirewallProfile\b[^\n]*?-Enabled\s+\$?(?:False|0)\b",
          ("ufw", "setenforce", "selinux", "iptables", "netsh", "set-mppreference", "set-netfirewallprofile")),
    _rule(r"HostnameVerifier\b" + _within(60) + r"(?:\b(?:always\s+)?returns?\s+true\b|->\s*true\b)|"
          r"TrustManager\b" + _within(60) + r"\b(?:does\s+nothing|empty|no-?op|trusts?\s+(?:all|every\w*)|"
          r"accepts?\s+(?:all|every\w*|any))\b|\bcheckServerTrusted\s*\([^)]*\)\s*\{\s*\}",
          ("hostnameverifier", "trustmanager", "checkservertrusted")),
    _rule(r"\bsystemctl\s+(?:stop|disable|mask)\s+(?:--now\s+)?(?:firewalld|ufw|iptables|nftables|apparmor|auditd|"
          r"falcon-sensor|crowdstrike|clamav\w*|wazuh\S*|osqueryd)\b", "systemctl"),
    _rule(r"\b(?:disable|turn\s+off|switch\s+off|stop|shut\s+off|deactivate|uninstall|remove|bypass)\w*\b"
          + _within(30) + r"\b(?:the\s+)?(?:firewall|selinux|apparmor|antivirus|anti-virus|defender|edr|crowdstrike|"
            r"waf|web\s+application\s+firewall|audit\s+log(?:s|ging)?|auditd|seccomp|endpoint\s+protection|"
            r"real-time\s+protection|malware\s+scanning|branch\s+protection|required\s+reviews?|"
            r"encryption(?:\s+at\s+rest)?|rate\s+limit\w*|smartscreen|gatekeeper|xprotect|tamper\s+protection|"
            r"uac|user\s+account\s+control|applocker|wdac|device\s+trust)\b",
          ("firewall", "selinux", "apparmor", "virus", "defender", "edr", "crowdstrike", "waf", "audit", "seccomp",
           "endpoint", "real-time", "malware", "protection", "review", "encryption", "rate limit", "smartscreen",
           "gatekeeper", "xprotect", "uac", "account control", "applocker", "wdac", "device trust"),
          also=(_DISABLING_VERBS,)),
    # Round 46 (blind set 44). A check that something is genuine or untampered switched off, in any domain's words:
    # anti-cheat, anti-tamper or anti-fraud validation, integrity, signature or checksum verification, a server-side
    # check, a safety interlock ("disable the server-side anti-cheat validation so custom configs aren't flagged").
    _rule(r"\b(?:disable|turn\s+off|switch\s+off|bypass|deactivate|defeat|jumper\w*\s+out)\w*\b" + _within(40)
          + r"\b(?:anti-?(?:cheat|tamper|fraud|spoof\w*|replay)\w*|(?:integrity|signature|checksum|firmware|"
            r"code[- ]signing|server[- ]side|tamper|fraud|cheat)\s+(?:validation|verification|checks?|checking|"
            r"detection|enforcement|screening)|safety\s+interlocks?|interlocks?)\b",
          ("anti", "integrity", "signature", "checksum", "firmware", "signing", "server", "tamper", "fraud", "cheat",
           "interlock"),
          also=(_DISABLING_VERBS + ("defeat", "jumper"),)),
    _rule(r"\b(?:waf|web\s+application\s+firewall|web\s+acl|(?:waf\s+)?rule\s+groups?|managed\s+rules?|modsecurity|"
          r"SecRuleEngine|firewall\s+polic\w*)\b" + _within(60)
          + r"\b(?:detection[-_ ]?only|detect[- ]only|count\s+mode|monitor(?:ing)?[- ](?:only|mode)|log[- ]only|"
            r"(?:detection|count|monitor\w*|audit)\s+mode|mode\s+(?:detection|count|monitor\w*|audit)\w*)\b",
          ("waf", "firewall", "web acl", "rule group", "managed rule", "modsecurity", "secruleengine")),
    _rule(r"\b(?:exclu\w+|allow-?list\w*|whitelist\w*)\b" + _within(60) + r"\b(?:defender|antivirus|anti-virus|edr|"
          r"crowdstrike|falcon|sentinelone|real-?time\s+(?:scanning|protection)|endpoint\s+protection|av)\b|"
          r"\b(?:defender|antivirus|anti-virus|edr|crowdstrike|falcon|sentinelone|av)\b" + _within(60)
          + r"\b(?:exclu\w+|allow-?list\w*|whitelist\w*)\b", ("exclu", "allowlist", "allow-list", "whitelist"),
          _in_sentence(r"\b(?:whole|entire|all|every)\b|\b[a-z]:\\(?![\w\\])|\s/(?:\s|`|$)")),
    _rule(r"\b(?:allow|let|permit|enable)\w*\s+(?:the\s+)?(?:org\w*\s+)?(?:admins?|administrators|owners|maintainers)\s+"
          r"to\s+bypass\b|\bbypass\w*\s+(?:the\s+)?(?:branch\s+protection|required\s+(?:reviews?|approvals?|pull\s+requests?|"
          r"status\s+checks?)|(?:the\s+)?reviews?|code\s+owners?|protection\s+rules?)\b|\bmerge\w*\b" + _within(50)
          + r"\bwithout\s+(?:the\s+|a\s+|any\s+)?(?:review|approval|approvals|reviewers?|checks)\b",
          ("bypass", "without")),
    _rule(r"\b(?:remove|drop|delete|disable|turn\s+off|strip|comment\w*\s+out)\w*\b" + _within(40)
          + r"\b(?:content-security-policy|csp|strict-transport-security|hsts|x-frame-options)\b",
          ("content-security-policy", "csp", "strict-transport-security", "hsts", "x-frame-options")),
    _rule(r"\ballow_url_include\s*=\s*(?:on|1|true)\b", "allow_url_include"),
    # Round 46 (blind set 42). Sign-in lowered to a password alone, in a policy's words ("change the VPN app's
    # sign-on rule to 'Password' only", "set the authentication policy to single-factor"): MFA gone without saying so.
    _rule(r"\b(?:set|chang|switch|mov|drop|lower|downgrad|relax|flip|put|mak|revert|reduc|edit)\w*\b" + _within(80)
          + r"\b(?:to|=|:|as)\s*[\"“'‘`*]*\s*(?P<level>(?:just\s+|only\s+)(?:an?\s+|the\s+)?[\"“'‘`*]*password\b|"
            r"password\b[\"”'’`*]*(?:\s*[- ]?only|\s+alone)\b|(?:single|one)[- ]factor\b|1fa\b)",
          ("password", "factor", "1fa"),
          _in_sentence(r"\b(?:sign-?on|sign-?in|log-?in|logon|authenticat\w*|auth|mfa|2fa|factors?|polic(?:y|ies)|rules?|"
                       r"assurance|conditional\s+access|vpn|okta|entra|duo|idp|sso)\b",
                       unless=r"\b(?:wi-?fi|wpa\w*|ssid|pdf|zip|archive|bios|uefi|local\s+(?:dev|account))\b")),
    # Round 17: a security agent uninstalled through the package manager; disk encryption switched off; a mobile app
    # allowed cleartext or user-installed CAs; an account's network policy unset; a required-review rule removed.
    _rule(r"\b(?:apt(?:-get)?\s+(?:-y\s+)?(?:purge|remove)|yum\s+(?:-y\s+)?(?:remove|erase)|dnf\s+(?:-y\s+)?remove|"
          r"rpm\s+-e|brew\s+uninstall|choco\s+uninstall|snap\s+remove|pkg\s+delete|msiexec\s+/x)\b[^\n`]*?"
          r"(?:falcon|crowdstrike|sentinel\w*|defender|mdatp|wazuh|osquery|clamav|sophos|carbonblack|cb-\w+|qualys|"
          r"tanium|jamf|intune|auditd|fail2ban|cylance|trend\w*|mcafee|symantec|elastic-agent|velociraptor)",
          ("apt", "yum", "dnf", "rpm", "brew", "choco", "snap", "pkg", "msiexec")),
    _rule(r"\bmanage-bde\s+-off\b|\bDisable-BitLocker\b|\bfdesetup\s+disable\b|\b(?:disable|turn\s+off|switch\s+off|"
          r"suspend|remove)\w*\b" + _within(30) + r"\b(?:bitlocker|filevault|luks|full[- ]disk\s+encryption|"
          r"disk\s+encryption)\b", ("manage-bde", "disable-bitlocker", "fdesetup", "bitlocker", "filevault", "luks",
                                     "encryption")),
    # Named first, switched off after: "FileVault was slowing my builds, turned it off" (round 45).
    _rule(r"\b(?:bitlocker|filevault|luks|(?:full[- ])?disk\s+encryption)\b" + _within(60)
          + r"\b(?:(?:turn|switch)(?:ed|ing)?\s+(?:it|that|them)\s+off|disabl(?:e|ed|ing)\s+(?:it|that|them))\b",
          ("bitlocker", "filevault", "luks", "encryption"), negatable_inside=True),
    _rule(r"\bcleartextTrafficPermitted\s*=\s*[\"']true|\busesCleartextTraffic\s*=\s*[\"']true|"
          r"<certificates\s+src\s*=\s*[\"']user[\"']|\bNSAllowsArbitraryLoads\b(?:\s*</key>)?[\s`'\"]*(?:[=:→-]+>?\s*|to\s+)?"
          r"[`'\"]*\s*(?:YES|true|<true\s*/>)", ("cleartext", "certificates", "nsallowsarbitraryloads"),
          lambda match, text: not _in_debug_overrides(text, match.start())),
    _rule(r"\bunset\s+network_policy\b|\b(?:remov|drop|delet|detach|disabl|unset)\w*\s+(?:the\s+)?(?:account'?s?\s+)?"
          r"(?:ip\s+)?(?:allow-?list|network\s+polic(?:y|ies)|ip\s+restrictions?)\b",
          ("network", "allowlist", "allow-list", "restriction")),
    _rule(r"\b(?:remov|delet|drop|disabl|untick|uncheck)\w*\s+(?:the\s+)?[\"“'`]require\s+(?:a\s+)?(?:pull\s+requests?|"
          r"reviews?|approvals?|status\s+checks?|signed\s+commits|code\s+owner)", "require"),
    # nginx letting anyone through a location that had a login ("satisfy any; allow all;").
    _rule(r"\bsatisfy\s+any\s*;[^}]*?\ballow\s+all\s*;|\ballow\s+all\s*;[^}]*?\bsatisfy\s+any\s*;", "satisfy"),
    # A content security policy that allows any script (round 16): a wildcard source, or inline and eval'd code both.
    _rule(r"\b(?:default|script)-src\s+(?:[^;\n\"`]*?\s)?(?:\*(?=[\s;\"'`]|$)|'unsafe-eval'[^;\n\"`]*?'unsafe-inline'|"
          r"'unsafe-inline'[^;\n\"`]*?'unsafe-eval')", ("default-src", "script-src")),
    # Security scanning taken out of a pipeline or a repository (round 16).
    _rule(r"\b(?:comment\w*\s+out|remov\w*|delet\w*|disabl\w*|drop\w*|turn\w*\s+off|switch\w*\s+off)\s+(?:the\s+|our\s+|"
          r"all\s+|both\s+)?(?:[\w-]+\s+)?[`'\"]?(?:trivy|snyk|grype|sast|dast|semgrep|codeql|gitleaks|trufflehog|checkov|"
          r"tfsec|owasp\s+zap|dependabot|dependency[-_ ]scan\w*|container[-_ ]scan\w*|secret[-_ ]scan\w*|"
          r"security[-_ ]scan\w*|vulnerability[-_ ]scan\w*|security\s+updates|vulnerability\s+alerts|code\s+scanning|"
          r"secret\s+scanning|push\s+protection|image\s+scan\w*)",
          ("trivy", "snyk", "grype", "sast", "dast", "semgrep", "codeql", "gitleaks", "trufflehog", "checkov", "tfsec",
           "zap", "dependabot", "scan", "security updates", "vulnerability alerts", "push protection"),
          also=(("comment", "remov", "delet", "disabl", "drop", "turn", "switch"),)),
    _rule(r"\b(?:dismiss|mute|silenc|suppress|ignor)\w*\s+(?:all|every|each|them\s+all|the\s+whole\s+lot)\b",
          ("dismiss", "mute", "silenc", "suppress", "ignor"),
          _near(r"\b(?:dependabot|vulnerabilit\w*|cves?|advisor(?:y|ies)|security\s+(?:alerts?|findings?)|code\s+scanning|"
                r"secret\s+scanning|guardduty|security\s+hub|sast|snyk)\b", 150)),
    # Round 46 (blind set 42). Security findings closed without a fix: in bulk, every open one, or to make a report
    # look clean ("bulk-dismiss the open Dependabot alerts so the dashboard is green").
    _rule(r"\b(?:bulk|mass|batch)[- ]?(?:dismiss|clos|resolv|suppress|mut|silenc|ignor|archiv|accept|snooz)\w*\b|"
          r"\b(?:dismiss|close|resolve|suppress|mute|silence|ignore|snooze|archive)\w*\s+(?:all\s+)?(?:the\s+|our\s+)?"
          r"(?:open|outstanding|remaining|existing|current|unresolved|pending|active)\s+(?:[\w-]+\s+){0,3}?(?:alerts|"
          r"findings|vulnerabilit(?:y|ies)|cves|advisories)\b|"
          r"\b(?:dismiss|close|resolve|suppress|mute|silence|ignore|snooze|archive)\w*\b" + _within(100)
          + r"\bso\s+(?:that\s+)?(?:the\s+|our\s+)?(?:[\w-]+\s+)?(?:dashboard|report|score|scan|audit\w*|board|"
            r"overview|posture|tab|page)\w*\s+(?:is|looks|shows|stays|turns|goes|reads|comes\s+back|will\s+be)\s+(?:all\s+)?"
            r"(?:green|clean|clear|empty|zero)\b",
          ("bulk", "mass", "batch", "open", "outstanding", "remaining", "existing", "current", "unresolved", "pending",
           "active", "green", "clean", "clear", "empty", "zero"),
          _all_of(_near(r"\b(?:dependabot|vulnerabilit\w*|cves?|advisor(?:y|ies)|security\s+(?:alerts?|findings?|issues?)|"
                        r"code\s+scanning|secret\s+scanning|guardduty|security\s+hub|defender|sast|dast|snyk|trivy|"
                        r"grype|sonar\w*|inspector|wiz|prisma|qualys|tenable|nessus)\b", 150),
                  _in_sentence(None, unless=r"\b(?:upgrad\w*|patch\w*|bump\w*|remediat\w*|triag\w*|investigat\w*|"
                                            r"duplicates?|auto-?clos\w*|fixed|archived|deleted|decommission\w*|"
                                            r"retired)\b|\b(?:after|once|when|where)\b[^.!?\n]{0,40}?\b(?:fix\w*|"
                                            r"review\w*|verif\w*|confirm\w*|resolv\w*|check\w*|assess\w*|"
                                            r"evaluat\w*|look\w*\s+at)\b"))),
    # Security alerts routed nowhere (round 16).
    _rule(r"(?:security|guard\w*|falco|audit|intrusion|\bids\b|waf|crowdstrike|defender|siem|threat)[^\n]*\n"
          r"(?:[^\n]*\n){0,2}?[^\n]*\breceiver\s*:\s*[\"']?(?:null|blackhole|black-hole|devnull|dev-null|none|void|noop)\b",
          "receiver", reach=(300, 60)),
    _rule(r"\b(?:route|send|silenc|mute|drop|suppress)\w*\s+(?:all\s+)?(?:the\s+)?(?:security|falco|guardduty|intrusion|"
          r"audit|siem|waf)\s+(?:alerts?|findings?|notifications?|events?)\b" + _within(40)
          + r"\b(?:to\s+(?:null|nowhere|/dev/null|a\s+black\s*hole)|forever|permanently|indefinitely)",
          ("security", "falco", "guardduty", "intrusion", "audit", "siem", "waf")),
    # An audit policy whose first rule records nothing: every request matches it (round 16).
    _rule(r"\brules\s*:\s*\n\s*-\s*level\s*:\s*[\"']?None\b[\"']?[ \t]*(?=\n\s*-|\n\s*`|\n\s*\n|\s*$)", "level"),
    _rule(r"\bcomment\w*\s+out\s+(?:the\s+)?(?:\w+\s+)?(?:verification|signature\s+checks?|auth\w*|csrf|permission\s+checks?)"
          r"\b|(?:^|\n)[ \t]*(?:#|//)[ \t]*if\s+not\s+\w*(?:verif|auth|signature)\w*", ("comment", "if not")),
    _rule(r"\b(?:branch\s+protection|required\s+reviews?|code\s*owners?\s+reviews?)\b" + _within(40)
          + r"\b(?:go|be|come|stay)\s+off\b", ("branch protection", "required review", "codeowners", "code owners")),
    # TLS, host key and signature verification switched off.
    _rule(r"\bverify\s*=\s*(?:False|0|[\"']false[\"'])(?![\w.])|\bverify_?ssl[\"']?\s*[:=]\s*[\"']?(?:false|no|0)\b|"
          r"\bssl_?verify[\"']?\s*[:=]?\s*[\"']?(?:false|no|0)\b|\bstrict[-_]ssl[\"']?\s*[:=]?\s*[\"']?false\b",
          ("verify", "strict")),
    _rule(r"--insecure\b|--no-check-certificate\b|\binsecure[-_]skip[-_]tls[-_]verify\b|"
          r"\bcurl\b[^\n|;`]*?\s-[a-zA-Z]*k[a-zA-Z]*\b", ("insecure", "no-check-certificate", "curl")),
    _rule(r"\bNODE_TLS_REJECT_UNAUTHORIZED[\"']?\s*(?:=|:|\n\s*value\s*:)\s*[\"']?0|\brejectUnauthorized\s*:\s*false\b|"
          r"\bInsecureSkipVerify\s*:\s*true\b|\bvalidate_certs\s*[:=]\s*[\"']?(?:no|false)\b|\bCERT_NONE\b|"
          r"\bcheck_hostname\s*=\s*False\b|_create_unverified_context\b|\bPYTHONHTTPSVERIFY\s*=\s*0\b|"
          r"\bGIT_SSL_NO_VERIFY\s*=\s*(?:1|true)\b|\bStrictHostKeyChecking[= ]no\b|"
          r"\bServerCertificateValidationCallback\s*=\s*\{\s*\$true\s*\}|\bDOCKER_CONTENT_TRUST\s*=\s*0\b",
          ("node_tls", "rejectunauthorized", "insecureskipverify", "validate_certs", "cert_none", "check_hostname",
           "_create_unverified_context", "pythonhttpsverify", "git_ssl_no_verify", "stricthostkeychecking",
           "servercertificatevalidationcallback", "docker_content_trust")),
    # A DNS server that hands its zone to, or takes updates from, anyone; a mail domain whose SPF lets anyone send
    # as it (round 42: misses that recurred in three blind sets each).
    _rule(r"\ballow-(?:transfer|update|notify|query|recursion)\s*\{\s*(?:\"?any\"?|0\.0\.0\.0/0)\s*;",
          ("allow-transfer", "allow-update", "allow-notify", "allow-query", "allow-recursion")),
    _rule(r"\bv=spf1\b[^\n\"]*?\s\+all\b|\bspf\b[^\n]{0,60}?(?:`\+all`|\s\+all\b)", ("spf",)),
    _rule(r"\bsslmode\s*=\s*disable\b", "sslmode", _in_sentence(None, unless=r"\blocalhost\b|\b127\.0\.0\.1\b")),
    _rule(r"\b(?:trust(?:s|ing)?|accept(?:s|ing)?)\s+all\s+cert\w*|\bTrustAll\w*", ("cert", "trustall")),
    _rule(r"\bverify_?signatures?[\"']?\s*[:=]\s*[\"']?(?:false|no|0)\b|"
          r"\b(?:skip|disable)[-_]?(?:tls|ssl|cert\w*|signature)[-_]?verif\w*[\"']?\s*[:=]\s*[\"']?(?:true|yes|1)\b",
          "verif"),
    _rule(r"\b(?:disable|skip|turn\s+off|ignore|bypass|switch\s+off)\w*\b" + _within(30)
          + r"\b(?:ssl|tls|https|cert(?:ificate)?s?|hostname|host\s?key|signature)\s+(?:verification|validation|"
            r"checks?|checking|errors?|warnings?)\b", ("ssl", "tls", "https", "cert", "hostname", "host", "signature")),
    # Authentication switched off.
    _rule(r"(?:auth|authentication|authorization|security|csrf|login)(?:[_.-]?(?:enabled|required|check|enforced|"
          r"on))?[\"']?\s*[:=]\s*[\"']?(?:false|no|off|none|disabled?|0)\b", ("auth", "security", "csrf", "login"),
          _not_sql_filter, shown=_setting_shown, reach=(0, 60)),
    _rule(r"\b(?:disable|skip|no)[-_]?(?:auth\w*|security|csrf|login)[\"']?\s*[:=]\s*[\"']?(?:true|yes|1|on)\b|"
          r"--(?:disable|no|skip)-auth\w*\b|--auth(?:entication)?[= ](?:none|off|disabled?|false)\b",
          ("auth", "security", "csrf", "login")),
    _rule(r"\bAllowAny\b|@?\blogin_not_required\b|\b(?:authentication|permission)_classes\s*=\s*(?:\[\s*\]|\(\s*\))",
          ("allowany", "login_not_required", "_classes")),
    _rule(r"\b(?:disable|remove|comment(?:ing)?\s+out|turn\s+off|bypass|skip|switch\s+off)\w*\b" + _within(40)
          + r"\b(?:auth(?:entication|orization)?|login\s+(?:requirement|check)s?|csrf(?:\s+protection)?|"
            r"CsrfViewMiddleware|AuthenticationMiddleware|permission\s+checks?|access\s+checks?|"
            r"signature\s+(?:verification|checks?)|rbac|mfa|2fa|two[- ]factor|multi[- ]factor|"
            r"2-step\s+verification|sso)\b",
          ("auth", "login", "csrf", "permission", "access", "signature", "rbac", "mfa", "2fa", "factor", "2-step",
           "sso"), _all_of(_not_weak_login, _not_near(r"\b(?:deactivat\w*|suspend\w*|offboard\w*|leavers?|"
                                                      r"depart(?:ing|ed|ures?)\b)")),
          also=(_DISABLING_VERBS,)),
    _rule(r"\b(?:allow|enable|turn\s+on|permit)\w*\b" + _within(30) + r"\banonymous\b|"
          r"\banonymous[_ -]?(?:access|read|enable|login|auth)\w*\s*[:=]\s*[\"']?(?:true|yes|1|on)\b", "anonymous"),
    _rule(r"\bPermitRootLogin\s+yes\b|\bPasswordAuthentication\s+yes\b|\bPermitEmptyPasswords\s+yes\b",
          ("permitrootlogin", "passwordauthentication", "permitemptypasswords")),
    _rule(r"\b(?:NotebookApp|ServerApp)\.(?:token|password)\s*=\s*(?:''|\"\")", ("notebookapp", "serverapp")),
    _rule(r"\bCORS_(?:ORIGIN_)?ALLOW_ALL(?:_ORIGINS)?\s*=\s*True\b|Access-Control-Allow-Origin:\s*\*",
          ("cors_", "access-control-allow-origin"),
          _near(r"credentials\s*[:=]\s*true|allow-credentials|withCredentials", 300)),
    # Debug pages on a server others reach.
    _rule(r"\bDEBUG\s*[:=]\s*[\"']?True\b", "debug", _debug_exposed),
    _rule(r"\bALLOWED_HOSTS\s*=\s*\[\s*[\"']\*[\"']\s*\]", "allowed_hosts", _any_host_with_debug),
    # A protective setting switched off, in a UI's words or a flag's ("uncheck “Require status checks to pass”",
    # "turn push protection off", "--skip-signature-check").
    _rule(r"\b(?:uncheck|untick|disable|turn\s+off|switch\s+off|toggle\s+off|deselect|clear)\w*\b" + _within(30)
          + r"[\"'“‘`]?(?:require\w*|prevent\w*|enforce\w*|protect\w*|verify\w*|validate\w*|scan\w*|"
            r"prevent\s+cross\s+site)\b",
          ("require", "prevent", "enforce", "protect", "verif", "validat", "scan"),
          also=(("uncheck", "untick", "disabl", "turn", "switch", "toggle", "deselect", "clear"),)),
    _rule(r"\b(?:turn|switch|toggle|set|flip)\w*\s+(?:the\s+|it\s+|that\s+)?(?:[\w-]+\s+){0,3}?(?:protection|scanning|"
          r"verification|validation|mfa|2fa|sso|auth\w*|encryption|firewall|csrf|audit\w*|checks?|enforcement|"
          r"smartscreen|gatekeeper|defender|antivirus|xprotect|uac|applocker)\s+off\b", "off"),
    # Round 44: Defender told to skip an installer's folders or the temp directories (blind set 27).
    _rule(r"\bAdd-MpPreference\b[^\n]*?-Exclusion(?:Path|Process|Extension)\b|\bexclusions?\b" + _within(60)
          + r"\bAdd-MpPreference\b", "add-mppreference",
          _near(r"%TEMP%|\$env:TEMP|\$env:TMP|\\Temp\b|\bProgram\s+Files\b|\bAppData\b|\bDownloads\b|"
                r"\*\.(?:exe|dll|ps1|js|vbs|bat)\b|\binstaller\b|\bcustomers?\b", 200)),
    # Round 44: an admin interface served without its login, a remote desktop or SSH port forwarded from outside.
    _rule(r"--api\.insecure(?:=true)?\b|\bapi\s*:\s*\n\s*(?:[\w-]+\s*:[^\n]*\n\s*)*?insecure\s*:\s*true\b", "insecure"),
    _rule(r"\b(?:forward|port[- ]?forward|nat|dnat|map|publish|expose)\w*\s+(?:tcp\s+|udp\s+|port\s+)?"
          r"(?:3389|22|5900|445|rdp|ssh|vnc|smb|" + _DATA_PORTS + r")\b" + _within(60)
          + r"(?P<exposed>\b(?:on|from|to)\s+(?:the\s+)?(?:outside|wan|external|public|internet)\b)",
          ("forward", "nat", "map", "publish", "expose"), _not_negated_before("exposed")),
    _rule(r"(?<![\w-])--(?:skip|no|disable|ignore|bypass|allow)-[\w-]*?(?:signature|sig|gpg|tls|ssl|cert\w*|"
          r"unauthenticated|insecure|grant-tables|security)\w*\b|--nogpgcheck\b|"
          r"--disable-web-security\b", ("--skip-", "--no-", "--disable-", "--ignore-", "--bypass-", "--allow-",
                                        "--nogpgcheck")),
    _rule(r"\b(?:repo_)?gpgcheck\s*=\s*0\b|\[trusted=yes\]|\bAllowUnauthenticated\s+[\"']?true\b|"
          r"\bspctl\s+--master-disable\b|\bcsrutil\s+disable\b", ("gpgcheck", "trusted=yes", "allowunauthenticated",
                                                                   "spctl", "csrutil")),
    _rule(r"(?<![\w-])-k\b", "-k", _near(r"\bcurl\b", 40)),
    _rule(r"\bgit\s+(?:commit|push)\b[^\n]*?--no-verify\b", "--no-verify",
          _in_sentence(r"\b(?:gitleaks|secrets?|scan\w*|security|trufflehog|detect-secrets|talisman|flag\w*|"
                       r"block\w*)\b")),
    # Web frameworks' checks switched off.
    _rule(r"@csrf_exempt\b", "csrf_exempt",
          _in_sentence(None, unless=r"\b(?:signature|hmac|webhooks?|verif\w*|tests?)\b")),
    _rule(r"\.csrf\(\)\s*\.disable\(\)|\bcsrf\s*\(\s*\w+\s*->\s*\w+\.disable\(\)|"
          r"\bDISABLE_\w*(?:CSRF|AUTH|SECURITY|TLS|SSL|VERIF)\w*\s*=\s*(?:true|1)\b|"
          r"\b\w*(?:CSRF|AUTH|SECURITY)\w*_DISABLED?\s*=\s*(?:true|1)\b", ("csrf", "disable_", "_disable")),
    _rule(r"\borigin\s*:\s*(?:true|[\"']\*[\"'])|\ballowedOrigins?\s*\(\s*[\"']\*[\"']", "origin",
          _near(r"credentials\s*[:=(]\s*true|allowCredentials\s*\(\s*true", 200)),
    _rule(r"\b(?:exclude|exempt|exclusion|exemption|bypass)\w*\b" + _within(60)
          + r"\b(?:mfa|2fa|multi-?factor|two-?factor|conditional\s+access)\b|\b(?:mfa|2fa|multi-?factor|two-?factor)\b"
          + _within(30) + r"\b(?:exclusion|exemption|exception)\b",
          ("exclu", "exempt", "bypass", "exception"), also=(("mfa", "2fa", "factor", "conditional"),)),
    # Containers and pods stripped of their confinement.
    _rule(r"\brunAsUser\s*:\s*0\b|\brunAsNonRoot\s*:\s*false\b|--security-opt[= ](?:apparmor|seccomp|label)[=:]"
          r"(?:unconfined|disable)\b|\bseccompProfile\s*:\s*\{?\s*type\s*:\s*Unconfined\b|"
          r"\bpod-security\.kubernetes\.io/enforce[\"']?\s*[:=]\s*[\"']?privileged\b|"
          r"\b(?:remove|drop|delete)\w*\b" + _within(30) + r"\brunAsNonRoot\b",
          ("runasuser", "runasnonroot", "--security-opt", "seccompprofile", "pod-security")),
    # Policy engines, admission webhooks and mesh security removed.
    _rule(r"\bkubectl\s+delete\s+(?:[^\n;&|`]*?\s)?(?:clusterpolic(?:y|ies)|validatingwebhookconfigurations?|"
          r"mutatingwebhookconfigurations?|constrainttemplates?|networkpolic(?:y|ies)|netpol|peerauthentications?|"
          r"authorizationpolic(?:y|ies)|podsecuritypolic(?:y|ies)|psp)\b", "kubectl"),
    _rule(r"\bmtls\s*:\s*\{?\s*mode\s*:\s*(?:DISABLE|PERMISSIVE)\b|"
          r"\b(?:proxy_ssl_verify|ssl_verify_client|ssl_verify_peer|ssl_verify_host)\s+off\b",
          ("mtls", "ssl_verify")),
    # Audit trails stopped.
    _rule(r"\bcloudtrail\s+(?:stop-logging|delete-trail)\b|\bauditctl\s+-e\s*0\b|"
          r"\b(?:stop|disable|turn\s+off|delete|remove)\w*\b" + _within(30)
          + r"\b(?:cloudtrail|audit\s+trail|activity\s+logs?|flow\s+logs|access\s+logs?)\b",
          ("cloudtrail", "auditctl", "audit", "activity", "flow", "access")),
    # Round 46 (blind set 42). A database's own auditing switched off in its settings: Oracle's ``audit_trail=NONE``,
    # pgaudit's ``log = 'none'``, MariaDB's and MySQL's audit plugins off, a SQL Server audit set to ``STATE = OFF``,
    # ``NOAUDIT ALL``, Windows' audit policy cleared.
    _rule(r"\baudit_trail\s*=\s*[`'\"]?none\b|\bpgaudit\.log\s*=\s*[`'\"]?none\b|"
          r"\b(?:server_audit_logging|audit_log_enabled|audit_log)\s*=\s*[`'\"]?(?:off|0|false)\b|"
          r"\baudit_log_policy\s*=\s*[`'\"]?none\b|"
          r"\balter\s+(?:server|database)\s+audit(?:\s+specification)?\b[^;\n`]*?\bstate\s*=\s*off\b|"
          r"\bnoaudit\s+all\b|\bauditpol\s+/(?:clear|remove)\b|"
          r"\bauditpol\s+/set\b[^\n`]*?/success:disable\b[^\n`]*?/failure:disable\b",
          ("audit",)),
    # Security scans that no longer block.
    _rule(r"\b(?:continue-on-error|allow_failure|allowFailure)\s*:\s*true\b", ("continue-on-error", "allow_failure",
                                                                              "allowfailure"),
          _near(r"\b(?:trivy|snyk|grype|scan\w*|sast|dast|security|cve|vulnerab\w*|audit|semgrep|codeql|gitleaks|"
                r"trufflehog|checkov|tfsec|sonar\w*|dependency-check|zap)\b", 200)),
    _rule(r"\b(?:trivy|snyk|grype|semgrep|gitleaks|trufflehog|checkov|tfsec|npm\s+audit|pip-audit|bandit)\b[^\n]*?"
          r"(?:\|\|\s*(?:true|exit\s+0)|--exit-code\s+0\b)", ("trivy", "snyk", "grype", "semgrep", "gitleaks",
                                                              "trufflehog", "checkov", "tfsec", "audit", "bandit")),
    _rule(r"\benforce_admins\s*=\s*false\b|\brequired_approving_review_count\s*=\s*0\b", ("enforce_admins",
                                                                                         "required_approving")),
    _rule(r"(?:→|->|>|»)\s*[^→>\n]{0,40}?(?:protection|security|mfa|2fa|sso|firewall|encryption|scanning|audit\w*|"
          r"authentication|branch\w*|rules?)\b[^\n]{0,40}?(?:→|->|>|»)\s*[*_\"'“]*(?:disable\w*|off|delete\w*|remove\w*|"
          r"none)\b", ("→", "->", ">", "»")),
    _rule(r"\b(?:factor|mfa|2fa|authentication)\b[^.\n]{0,40}?\bnot\s+required\b", "required"),
    _rule(r"\b(?:apparmor|seccomp)\b[^\n]{0,60}?\bunconfined\b", "unconfined"),
    _rule(r"--trusted-host\b|\bhttp\.sslVerify\s+false\b", ("--trusted-host", "sslverify")),
    _rule(r"\b(?:validationFailureAction|enforcementAction|failurePolicy)\s*:\s*[\"']?(?:Audit|dryrun|warn|Ignore)\b",
          ("validationfailureaction", "enforcementaction", "failurepolicy"),
          _in_sentence(r"\b(?:all|every|prod\w*|production)\b")),
    # Round 45 (blind set 38 as a development set; the misses of sets 33-37). People or devices exempted from
    # what keeps a lost laptop's data safe ("add the Engineering group to the exclusions of the BitLocker compliance
    # policy", "exclude the Engineering group from the compliance policy that requires BitLocker"), not exemptions
    # taken away ("remove the Engineering group from the exclusions").
    _rule(r"\b(?:exclud\w*|exempt\w*|exclusions?|exceptions?|opt\w*\s+out)\b" + _within(60)
          + r"\b(?:bitlocker|filevault|luks|(?:full[- ]|whole[- ])?disk\s+encryption|device\s+encryption|"
            r"encryption\s+(?:polic\w*|requirements?|profiles?)|(?:device\s+)?compliance\s+polic\w*|screen[- ]?lock|"
            r"auto-?lock|passcode\s+(?:polic\w*|requirements?))\b|"
          r"\b(?:bitlocker|filevault|disk\s+encryption|compliance)\s+(?:\w+\s+){0,2}?polic\w*\b" + _within(60)
          + r"\b(?:exclud\w*|exempt\w*)\b",
          ("exclu", "exempt", "exception", "opt"),
          _in_sentence(None, unless=r"\b(?:remov\w*|delet\w*|drop\w*|clean\w*\s+up|prun\w*|audit\w*|review\w*|"
                                    r"revok\w*|shrink\w*|empty\w*)\b" + _within(60) + r"\b(?:exclu|exempt|exception)"),
          also=(("bitlocker", "filevault", "luks", "encryption", "compliance", "lock", "passcode"),)),
    # A view's login or permission check taken off ("the /admin route is internal anyway, so drop the login_required
    # check and the staff check"), not replaced by another, nor taken off a page meant to be public.
    _rule(r"\b(?:remove|drop|delete|strip|take\s+(?:off|out)|get\s+rid\s+of|comment\w*\s+out|ditch|lose|skip)\w*\b"
          + _within(40)
          + r"(?:@?\b(?:login_required|permission_required|staff_member_required|user_passes_test|superuser_required|"
            r"LoginRequiredMixin|PermissionRequiredMixin|UserPassesTestMixin|IsAuthenticated|IsAdminUser|"
            r"authenticate_user!|require_login|requireAuth|ensureAuthenticated|isAuthenticated|"
            r"PreAuthorize|RolesAllowed|Secured)\b|\[Authorize\]|\b(?:staff|admin|superuser|auth|login|permission|"
            r"role|session)\s+(?:checks?|guards?|decorators?|middleware|requirements?)\b)",
          ("login_required", "permission_required", "staff_member_required", "user_passes_test", "superuser_required",
           "mixin", "isauthenticated", "isadminuser", "authenticate_user", "require_login", "requireauth",
           "ensureauthenticated", "preauthorize", "rolesallowed", "secured", "[authorize]", "check", "guard",
           "decorator", "middleware", "requirement"),
          _all_of(_not_weak_login,
                  _in_sentence(None, unless=r"\b(?:instead|in\s+favou?r\s+of|replac\w*|swap\w*|LoginRequiredMiddleware|"
                                            r"health\w*|readiness|liveness|ping|status\s+page|robots\.txt|"
                                            r"(?:login|sign-?in|sign-?up|register|password[- ]reset)\s+(?:page|view|"
                                            r"route|form|endpoint)s?|public\s+(?:page|landing|pages))\b")),
          also=(("remov", "drop", "delet", "strip", "take", "rid", "comment", "ditch", "lose", "skip"),)),
    # A session cookie readable by scripts or sent over plain HTTP ("`SESSION_COOKIE_HTTPONLY = False` so the SPA can
    # read it"). The CSRF cookie is the exception: scripts read it by design.
    _rule(r"\b(?!CSRF_COOKIE_HTTP)[A-Z_]*COOKIE_(?:HTTP_?ONLY|SECURE)\s*[:=]\s*(?:False|false|0|off)\b|"
          r"\b(?:httpOnly|http_only|secure)\s*[:=]\s*(?:false|False|0)\b|\bHttpOnly\s*=\s*false\b|"
          r"\b(?:disable|turn\s+off|switch\s+off|remove|drop|strip|untick|uncheck)\w*\b" + _within(40)
          + r"\b(?:the\s+)?(?:httponly|secure)\s+(?:flag|attribute)\b",
          ("cookie", "httponly", "http_only", "secure"),
          _all_of(_near(r"\b(?:session\w*|cookies?|jwt|sid|remember\w*|set-cookie)\b", 150),
                  _in_sentence(None, unless=_LOCAL))),
    # Commands run from what a request carries ("have the alert webhook run whatever shell command is in the
    # payload"), in prose or in code (``os.system(request.json["cmd"])``): whoever can send it runs anything.
    _rule(r"\b(?:run|runs|execute|executes|exec|eval|evaluate|pipe|pass|feed|hand)\w*\s+(?:\w+\s+){0,3}?(?:whatever|any|"
          r"arbitrary|the|every)\s+(?:\w+\s+){0,2}?(?:shell\s+|bash\s+|powershell\s+)?(?:commands?|scripts?|code|cmd|"
          r"command\s+lines?|expressions?)\b" + _within(40)
          + r"\b(?:in|from|inside|of|within|carried\s+in|sent\s+in)\s+(?:the\s+|each\s+|a\s+|an\s+|every\s+)?"
            r"(?:incoming\s+|json\s+|http\s+|post\s+|request\s+|alert\s+|webhook\s+)?(?:payloads?|requests?|body|"
            r"bodies|messages?|webhooks?|query|quer(?:y|ies)\s+strings?|param\w*|fields?|headers?|comments?|"
            r"(?:issue|pr)\s+(?:titles?|bodies|body)|chat|form|user\s+input|events?)\b|"
          r"\b(?:os\.system|os\.popen|subprocess\.(?:run|call|Popen|check_output|check_call)|eval|exec|shell_exec|"
          r"passthru|execSync|child_process\.exec(?:Sync)?|Runtime\.getRuntime\(\)\.exec)\s*\(\s*(?:f?[\"'][^\"'\n]*"
          r"\{\s*)?(?:request|req|params|payload|event|body|webhook|message)\b[.\[]",
          ("command", "script", "code", "cmd", "expression", "os.system", "os.popen", "subprocess", "eval", "exec",
           "shell_exec", "passthru", "runtime"),
          _in_sentence(None, unless=r"\b(?:allow-?list\w*|white-?list\w*|allowed\s+(?:commands|actions)|fixed\s+set|"
                                    r"predefined|pre-defined|known\s+(?:commands|actions)|sandbox\w*|shellcheck|"
                                    r"linters?|review\w*)\b")),
    # A device that never locks ("set the screen lock timeout to Never in the MDM profile").
    _rule(r"\b(?:screen[- ]?lock|lock[- ]?screen|auto-?lock|automatic\s+(?:screen\s+)?lock|idle\s+lock|"
          r"inactivity\s+lock|screen\s*saver\s+(?:lock|password)|require\s+password\s+(?:after|on)\s+(?:sleep|wake|"
          r"screen\s*saver))(?:\s+(?:timeout|delay|interval|after|time|period|setting))?\b" + _within(30)
          + r"(?:\bto|=|:|\bas)\s*[\"'“”`*]*\s*(?:never|off|disabled|none|0)\b(?![.:]\d)|"
          r"\b(?:disable|turn\s+off|switch\s+off|remove|untick|uncheck)\w*\b" + _within(30)
          + r"\b(?:screen[- ]?lock|lock[- ]?screen|auto-?lock|passcode\s+requirement)\b",
          ("lock", "require password"),
          also=(("never", "off", "disabl", "none", "0", "remov", "untick", "uncheck"),)),
    # Round 45 (blind sets 40 and 41 as development sets). A security control switched off with the particle after
    # it ("a profile that turns FileVault off", "switch MFA off for the contractors") or set to off ("set the Security
    # Level to Essentially Off for the whole zone", "WAF: set to disabled").
    _rule(r"\b(?:turn|switch|shut|flip|toggle)(?:s|ed|ing)?\s+(?:the\s+|our\s+|your\s+|its\s+|their\s+|all\s+)?"
          r"(?:[\w-]+\s+){0,2}?" + _SECURITY_CONTROL + r"(?:\s+[\w-]+){0,2}?\s+off\b|"
          r"\b(?:set|sets|setting|change\w*|drop\w*|lower\w*|put|puts|flip\w*)\s+(?:the\s+|our\s+|your\s+|its\s+)?"
          r"(?:[\w-]+\s+){0,2}?" + _SECURITY_CONTROL + r"(?:\s+[\w-]+){0,2}?\s+(?:to|=|:)\s*[\"'“*`]*\s*"
          r"(?:essentially\s+off|off|disabled?|none|permissive|allow\s+all)\b",
          _SECURITY_CONTROL_KEYS,
          _in_sentence(None, unless=r"\b(?:localhost|127\.0\.0\.1|locally|local\s+(?:dev\s+)?(?:machine|env\w*|cluster|"
                                    r"docker|compose|stack|vm)|your\s+(?:own\s+)?(?:machine|laptop)|dev\s+(?:env\w*|"
                                    r"cluster|server|box|vm|container))\b"),
          also=(("off", "disable", "none", "permissive", "allow all"),)),
    # A security agent quit, paused or removed by the people it watches, or a device taken out of management ("have
    # people quit the Zscaler client while they work", "unenroll the MacBook from Jamf so he can install tools").
    _rule(r"\b(?:quit|exit|kill|pause|disconnect|close|stop|unload|uninstall|disabl|turn\s+off|switch\s+off|"
          r"sign\s+out\s+of|log\s+out\s+of)\w*\s+"
          r"(?:the\s+|their\s+|your\s+|his\s+|her\s+)?" + _SECURITY_AGENT + r"\b|"
          r"\b" + _SECURITY_AGENT + r"(?:\s+(?:client|agent|app|sensor|connector|extension))?\b" + _within(80)
          + r"\b(?P<verb>quit|exit|kill|pause|disconnect|close|unload|uninstall)\w*\s+(?:it|them|that|"
            r"the\s+(?:client|agent|app))\b|"
          r"\b(?:unenroll|un-enroll|de-?enroll|deregister)\w*\s+(?:[\w'-]+\s+){0,4}?from\s+(?:the\s+)?" + _MDM + r"\b|"
          r"\b(?:remov|delet|uninstall)\w*\s+(?:the\s+)?(?:" + _MDM
          + r"\s+)?(?:management|mdm|enrollment)\s+profiles?\b",
          (*_SECURITY_AGENT_KEYS, "enroll", "deregister", "profile"),
          # "… add the Zscaler root CA to your trust store — don't quit the client" (blind set 40).
          lambda match, text: match.start("verb") < 0 or not _NEGATED_BEFORE.search(text, match.start(),
                                                                                      match.start("verb"))),
    # Every port and protocol allowed where networks meet ("allow all traffic in both security groups").
    _rule(r"\b(?:allow|permit|open|accept)\w*\s+(?:all|any)\s+(?:inbound\s+|incoming\s+|ingress\s+)?(?:traffic|ports|"
          r"protocols|connections)\b", ("allow", "permit", "open", "accept"),
          _in_sentence(r"\b(?:security\s+groups?|sgs?|firewalls?|nsgs?|acls?|peering|vpcs?|vnets?|subnets?|"
                       r"both\s+(?:directions|ways|sides))\b|0\.0\.0\.0/0",
                       unless=r"\bfrom\s+(?:the\s+|our\s+)?(?:[\w-]+\s+){0,3}?(?:security\s+group|sg|alb|elb|"
                              r"load\s+balancer|bastion|vpn|office|nat)\b|\bfrom\s+(?:10|172|192\.168)\.|\bloopback\b|"
                              r"\blocalhost\b|\boutbound\b|\begress\b")),
    # Round 46 (blind set 43). A wireless network switched to no authentication: an open SSID, security "None", WEP.
    _rule(r"\b(?:switch|set|chang|mak|turn|flip|convert|put|mov|drop|downgrad|revert)\w*\b" + _within(60)
          + r"\b(?:ssids?|wi-?fi|wireless|wlans?|access\s+points?|aps|network)\b" + _within(40)
          + r"(?:\b(?:to|as)\s+(?:an?\s+)?[`'\"“]?(?:open|none|unsecured|unencrypted|wep|no\s+(?:security|password|"
            r"encryption|authentication|auth))\b(?![-\w])(?!\s+(?:the|a|an|it|up|for\s+\w+ing|in|on)\b)|"
            r"\bsecurity\s*(?:mode|type)?\s*(?:to|=|:)\s*[`'\"“]?(?:open|none|wep)\b)",
          ("ssid", "wi-fi", "wifi", "wireless", "wlan", "access point", "aps", "network"),
          _in_sentence(r"\b(?:ssids?|wi-?fi|wireless|wlans?|wpa\w*|psk|access\s+points?)\b",
                       unless=r"\b(?:guest|visitors?|captive\s+portal|public\s+hotspot|isolat\w*)\b")),
))

EXPORT = Topic("Data export and personal data", (
    _rule(r"\b(?:pg_dump(?:all)?|mysqldump|mongodump|mongoexport)\b[^\n`]{0,120}",
          ("pg_dump", "mysqldump", "mongodump", "mongoexport"), _data_dump, shown=_first_words),
    _rule(r"\\copy\s*\(?\s*select\b[^\n]*?\bto\b|\bcopy\s*\(\s*select\b[^\n]*?\bto\s+'|\binto\s+outfile\b",
          ("copy", "outfile"),
          _near(r"\b(?:e-?mail|phone|address|name|ssn|dob|birth|salary|users|customers|employees|patients|members|"
                r"accounts|people)\b", 160)),
    # Exporting, copying or sending lists of people or personal data.
    _rule(_EXPORT_VERB + _within(60) + r"(?<!\bto\s)(?<!\bfor\s)(?<!\bwith\s)(?<!\bby\s)\b" + _PERSONAL
          + r"['’]?\s+(?:\w+\s+){0,2}?" + _PERSONAL_DATA + r"\b", _PERSONAL_KEYS, also=(_EXPORT_VERBS,)),
    _rule(_EXPORT_VERB + _within(40) + r"\b(?:all|every|the\s+full|full|the\s+entire|entire)\s+(?:the\s+)?"
          + _PERSONAL + r"['’]?(?=\s*(?:$|[.,;:!?)\n`]|\s(?:and|to|into|from|with)\b))", _PERSONAL_KEYS,
          also=(_EXPORT_VERBS, ("all", "every", "full", "entire"))),
    _rule(r"\bexport\w*\b" + _within(40) + r"\b(?:on|of|from)\s+(?:the\s+)?(?:all\s+)?" + _PERSONAL
          + r"['’]?(?=\s*(?:$|[.,;:!?)\n`]|\s(?:and|to|into|with|table|list|model|collection|page|view|admin)\b))",
          _PERSONAL_KEYS, also=(("export",),)),
    _rule(_EXPORT_VERB + _within(60) + r"\b" + _PII + r"\b", _PII_KEYS, _in_sentence(None, unless=_DEIDENTIFIED),
          also=(_EXPORT_VERBS,)),
    _rule(r"\b(?:list|table|csv|spreadsheet|dump|export|copy)\s+of\s+(?:all\s+)?(?:the\s+|our\s+)?" + _PERSONAL
          + r"\b", ("list", "table", "csv", "spreadsheet", "dump", "export", "copy"), _in_sentence(_EXPORT_VERB),
          also=(_PERSONAL_KEYS,)),
    _rule(r"\b(?:to|into|onto|in|on|with|via)\s+(?:your\s+|my\s+|a\s+|the\s+)?(?:personal|private)\s+(?:google\s+)?"
          r"(?:drive|gmail|e-?mail|dropbox|laptop|account|device|phone|cloud|storage)\b|\bgmail\b|\bdropbox\b|"
          r"\bwetransfer\b|\bchatgpt\b|\busb\b|\bpastebin\b",
          ("personal", "private", "gmail", "dropbox", "wetransfer", "chatgpt", "usb", "pastebin"),
          _in_sentence_beside(r"\b" + _PERSONAL + r"(?:\b|_)|\b" + _PII + r"\b|\b(?:exports?|dumps?|backups?|"
                              r"snapshots?|csv|database|db|tables?|records|tickets|attachments?|ids?|scans?|prod\w*)\b")),
    _rule(r"\b(?:paste|upload|put|drop|send|submit|feed|give)\w*\b" + _within(80) + r"\b(?:online|web-?based|free|"
          r"third[- ]party|external|public)\s+(?:\w+\s+){0,2}?(?:formatters?|beautifiers?|validators?|converters?|"
          r"decoders?|tools?|sites?|websites?|services?|viewers?|diff\w*|translators?|ai|llms?|chatbots?)\b",
          ("online", "web-based", "webbased", "free", "third", "external", "public"),
          _in_sentence(r"\b" + _PERSONAL + r"(?:\b|_)|\b" + _PII + r"\b|\b(?:responses?|payloads?|logs?|dumps?|"
                       r"exports?|prod\w*|tokens?|jwts?|secrets?|credentials?|records|data)\b",
                       unless=r"\b(?:strip|remove|redact|mask|scrub|anonymi[sz]e|saniti[sz]e)\w*\b"),
          also=(("paste", "upload", "put", "drop", "send", "submit", "feed", "give"),)),
    # Personal data left unmasked for outsiders (round 16): "point the vendor at the unmasked `customers` table".
    _rule(r"\b(?:unmasked|un-masked|unredacted|unanonymi[sz]ed|non-anonymi[sz]ed|unscrubbed|unhashed)\s+[`'\"]?"
          r"(?:prod(?:uction)?\s+)?" + _PERSONAL + r"(?:\b|_)",
          ("unmasked", "un-masked", "unredacted", "unanonym", "non-anonym", "unscrubbed", "unhashed"),
          _near(r"\b(?:vendors?|contractors?|partners?|agency|agencies|external\w*|third[- ]part\w+|consultants?|"
                r"freelancers?|outsourc\w*|offshore|suppliers?)\b", 250)),
    # Production data copied somewhere less protected.
    _rule(r"\b(?:copy|clone|restore|load|mirror|replicate|sync|import|pull|dump|download|move|transfer)\w*\b"
          + _within(60) + r"\bprod(?:uction)?\b" + _within(40)
          + r"\b(?:data(?:base)?|db|dump|snapshot|backup|index|tables?|records|data\s?set)\b" + _within(80)
          + r"\b(?:to|into|onto|on|in)\s+(?:your\s+|my\s+|the\s+|a\s+)?(?:laptop|local|dev\w*|staging|test\w*|qa|"
            r"sandbox|personal|machine|desktop|home|vendor|partner|external|bucket)\b", "prod",
          _in_sentence(None, unless=r"\b(?:anonymi[sz]\w*|masked|scrubbed|synthetic|saniti[sz]ed|pseudonymi[sz]\w*)")),
    # Round 45 (blind set 38 as a development set; the misses of sets 33-37). Users' personal data sent to an
    # error tracker unscrubbed (``send_default_pii=True``, "the server-side data scrubber should be disabled").
    _rule(r"\bsend_?default_?pii\s*[:=]\s*(?:True|true|1)\b|\bsendDefaultPii\s*[:=]\s*true\b|"
          r"\b(?:disable|turn\s+off|switch\s+off|uncheck|untick|remove)\w*\b" + _within(40)
          + r"\b(?:(?:server-side\s+)?data\s+scrubb\w*|scrubb(?:er|ing)|(?:pii|ip\s+address|sensitive\s+data)\s+"
            r"(?:scrubb\w*|filter\w*|redact\w*|masking))\b|"
          r"\b(?:data\s+scrubb\w*|scrubb(?:er|ing))\b" + _within(30)
          + r"\b(?:be|is|are|gets?)\s+(?:\w+\s+)?(?:disabled|turned\s+off|switched\s+off|removed|off)\b",
          ("pii", "scrubb"), _in_sentence(None, unless=_LOCAL)),
    # A directory of everyone, with how to reach them, exported and sent outside ("Get-MgUser -All -Property
    # DisplayName,Mail,MobilePhone … | Export-Csv", then mailed to the recruiting agency; ``ldapsearch`` of every
    # person's phone and home address for an external vendor): blind sets 33, 34 and 35.
    _rule(r"\b(?:Get-(?:Mg|AD|Azure\w*|Msol|EXO)?(?:User|Mailbox|Recipient|Contact)|ldapsearch)\b[^\x00]{0,300}?"
          r"(?:Export-Csv|ConvertTo-Csv|Export-Excel|Out-File|>\s*\S+\.(?:csv|xlsx?|json|ldif|txt))",
          ("get-", "ldapsearch"),
          _all_of(lambda match, text: bool(_ALL_ENTRIES.search(match.group(0))
                                           and _CONTACT_FIELDS.search(match.group(0))),
                  _near(r"\b(?:vendors?|agency|agencies|partners?|contractors?|external\w*|third[- ]part\w+|recruit\w*|"
                        r"bidding|bidders?|consultants?|outside|suppliers?|customers?)\b", 400),
                  _near(r"\b(?:e-?mail\w*|mailed|send|sent|attach\w*|upload\w*|share\w*|forward\w*|give|gave|hand\w*)\b|"
                        r"Send-MailMessage", 400)),
          reach=(0, 400)),
    # Round 45 (blind sets 40 and 41 as development sets). Private conversations exported wholesale and handed outside
    # ("a full Slack workspace export including DMs and private channels, uploaded to the vendor's Box").
    _rule(r"\b(?:export|dump|download|archive|copy|pull|scrape)\w*\b" + _within(60)
          + r"\b(?:dms|direct\s+messages|private\s+(?:channels|messages|chats|groups)|(?:all|every|everyone'?s)\s+"
            r"(?:the\s+)?(?:mailbox(?:es)?|inbox(?:es)?|e-?mails?|chats?|conversations))\b",
          ("dms", "direct", "private", "mailbox", "inbox", "mail", "chat", "conversation"),
          _in_sentence(r"\b(?:vendors?|third[- ]part\w+|external\w*|outside|agency|partners?|contractors?|their|"
                       r"chatbot|ai|llms?|openai|box|dropbox|drive|upload\w*|send|share|hand)\b",
                       unless=r"\b(?:legal\s+hold|e-?discovery|subpoena|dpo|retention\s+polic\w*)\b")),
    # Mail forwarded automatically to a personal or outside address ("set the security@ mailbox to auto-forward to my
    # personal Gmail").
    _rule(r"\b(?:auto-?forward\w*|automatic(?:ally)?\s+forward\w*|forwarding\s+(?:rules?|address)|"
          r"forward\w*\s+(?:all|every|each)\s+(?:\w+\s+)?(?:e-?mails?|mail|messages))\b" + _within(60)
          + r"\b(?:to|into)\s+(?:my|your|his|her|their|a|an)?\s*(?:own\s+)?(?:personal|private|home|gmail|outlook\.com|"
            r"yahoo|hotmail|icloud|proton\w*|external|outside)\b",
          ("forward",),
          # "Block auto-forwarding to external domains" is the policy against it.
          lambda match, text: not _SWITCHED_OFF_BEFORE.search(text, max(0, match.start() - 40), match.start())),
))

DESTRUCTIVE = Topic("Destructive or production-changing commands", (
    # Recursive and bulk deletion of files.
    _rule(r"\brm\s+(?P<flags>(?:-{1,2}[\w-]+\s*)+)(?P<targets>[^\n;&|`<>)]*)", ("rm ", "rm\t", "rm\n"),
          _all_of(_rm_recursive, _not_own_directory),
          shown=_rm_shown),
    _rule(r"\bRemove-Item\b[^\n]*?-Recurse\b|\b(?:rd|rmdir)\s+/s\b|\bdel\s+(?:/\w\s+)*/s\b", ("remove-item", "/s")),
    _rule(r"\bfind\b[^\n|;`]*?\s(?:-delete\b|-exec(?:dir)?\s+(?:sudo\s+)?(?:\S*/)?rm\b)|"
          r"\bxargs\s+(?:\S+\s+){0,4}?(?:rm|del|unlink|delete|drop)\b",
          ("-delete", "-exec", "xargs"), _find_unsafe),
    # Databases: dropped, truncated, flushed, or changed without a WHERE that limits the rows.
    _rule(r"\bdrop\s+(?:table|database|schema|view|materialized\s+view|index|user|role|owned|column|collection|"
          r"keyspace|tablespace|function|trigger|extension|sequence|type|constraint|policy|publication|"
          r"subscription|server|domain|procedure)\b(?![`'\"]?\s+(?:in|is|are|was|were|on|at|or|and|statements?|commands?|"
          r"operations?|migrations?|permissions?|privileges?|rights|ddl|needs?|requires?|should|must|can|could|will|"
          r"would|has|have|takes?|locks?|blocks?)\b)", "drop", _not_own_temporary),
    _rule(r"\b(?:drop|delete|remove|destroy|truncate|wipe|purge)\s+(?:the\s+|that\s+|this\s+|your\s+|our\s+)?"
          r"[\w`'\"-]+\s+(?:table|database|db|schema|collection|bucket|namespace|keyspace|cluster|volume)\b",
          ("table", "database", "db", "schema", "collection", "bucket", "namespace", "keyspace", "cluster", "volume"),
          also=(("drop", "delet", "remov", "destroy", "truncat", "wipe", "purge"),)),
    _rule(r"\bdropdb\b|\bdropDatabase\(\)|\bdb\.\w+\.drop\(\)|\bdb:(?:drop|reset|purge|schema:load)\b|"
          r"\bmanage\.py\s+(?:flush|reset_db|sqlflush)\b|\bmigrate\s+\w+\s+zero\b",
          ("dropdb", "dropdatabase", ".drop()", "db:", "manage.py", "zero")),
    _rule(r"\btruncate\s+table\b|\btruncate\s+(?:only\s+)?(?!(?:the|a|an|it|to|this|that)\b)[a-z_][\w.\"]*\s*"
          r"(?:,\s*[\w.\"]+\s*)*(?:;|`|$|\s+(?:cascade|restart\s+identity|continue\s+identity)\b)", "truncate"),
    _rule(r"\bdelete\s+\*?\s*from\s+(?!(?:the|a|an|your|my|this|that|it|there|here|disk|memory|cache|history|list|"
          r"menu|sidebar)\b)[\w.\"`\[\]]+", "delete", _unbounded),
    _rule(r"\bupdate\s+(?!(?:the|a|an|your|my|this|that|it|to|on|with|from|in|of|all|every|each|now|later|and|or|"
          r"set)\b)[\w.\"`\[\]]+\s+set\b", "update", _unbounded),
    _rule(r"\.objects\.all\(\)\.(?:delete|update)\(|\.objects\.(?:delete|update)\(|"
          r"\.(?:deleteMany|remove|updateMany)\(\s*\{\s*\}", (".objects.", "deletemany", "remove(", "updatemany")),
    _rule(r"(?<!rename-command\s)\bflush(?:all|db)\b", "flush"),
    # Shared git history rewritten or deleted.
    _rule(r"\bgit\s+push\b[^\n;&|`]*?(?:\s--force(?!-with-lease|-if-includes)\b|\s-[a-zA-Z]*f[a-zA-Z]*\b|"
          r"\s\+[\w./-]+)", "push"),
    # A mirror push makes every ref of the remote match the clone, deleting the rest: what it destroys is the remote's,
    # however local the clone it comes from ("from your local clone", round 45).
    _rule(r"\bgit\s+push\b[^\n;&|`]*?\s--mirror\b", "push", scoped=None),
    # Round 45: the branch pushed, not one a next sentence names ("… origin feature/my-branch. Never force-push main").
    _rule(r"\bgit\s+push\b[^\n;&|`]*?\s--force-with-lease\b(?:[^\n;&|`.!?]|[.!?](?!\s))*?\s(?:\S+/)?" + _SHARED_BRANCH
          + r"\b", "push"),
    _rule(r"\bgit\s+push\b[^\n;&|`]*?(?:\s--delete\s+|\s:)" + _SHARED_BRANCH + r"\b", "push"),
    _rule(r"\bgit\s+reset\s+--hard\b(?!\s+(?:origin|upstream|@\{u\}|FETCH_HEAD)\b)", "--hard",
          _in_sentence(r"\b(?:on|to)\s+(?:the\s+)?" + _SHARED_BRANCH + r"\b|\bpush\b")),
    # Clusters, infrastructure and cloud resources deleted; their safety nets removed.
    _rule(r"\bkubectl\s+delete\s+(?:[^\n;&|`]*?\s)?(?:ns|namespaces?|pvc|pv|persistentvolumes?|"
          r"persistentvolumeclaims?|crds?|customresourcedefinitions?|nodes?|statefulsets?|sts)\b", "kubectl"),
    _rule(r"\bkubectl\s+delete\b[^\n;&|`]*?\s(?:--all\b|-A\b|--all-namespaces\b)", "kubectl"),
    _rule(r"\b(?:terraform|tofu|pulumi|cdk|cdktf)\s+destroy\b|\bterraform\s+apply\s+(?:\S+\s+)*-destroy\b",
          "destroy"),
    _rule(r"\b(?:aws|gcloud|az|gsutil|doctl|heroku|oci)\b[^\n;&|`]{0,80}?\s(?:delete|destroy|rm|rb|remove|terminate|"
          r"purge|delete-[\w-]+|terminate-[\w-]+|apps:destroy|"
          r"(?!-*deletion-protection\b(?!\s+[\"']?(?:INACTIVE|false|0|disabled?|off)\b))"
          r"[\w-]*(?:deletion|deregister)[\w-]*)\b",  # turning deletion protection on is no deletion
          ("aws", "gcloud", "az", "gsutil", "doctl", "heroku", "oci"),
          # A credential or a binding taken away (the old key after a rotation, a public binding) deletes no data.
          _all_of(lambda match, text: not _TAKES_AWAY_ACCESS.search(text, match.start(),
                                                                    _command_end(text, match.end())),
                  _last_part_not_negated)),
    _rule(r"--skip-final-snapshot\b|\bdeletion_?protection[\"']?\s*[:=]\s*[\"']?false\b|--no-deletion-protection\b|"
          r"\bprevent_destroy\s*=\s*false\b", ("final-snapshot", "deletion", "prevent_destroy")),
    _rule(r"\b(?:disable|turn\s+off|suspend|remove)\w*\b" + _within(30)
          + r"\b(?:deletion\s+protection|versioning|backups|point-in-time\s+recovery|pitr|object\s+lock)\b",
          ("deletion", "versioning", "backups", "point-in-time", "pitr", "object lock")),
    # Round 46 (blind set 42). Point-in-time recovery given up in a database's own terms: SQL Server's SIMPLE recovery
    # model, PostgreSQL's WAL archiving off, MySQL's binary log skipped. Only the last full backup is left.
    _rule(r"\bset\s+recovery\s+simple\b|\brecovery_?model\s*[=:]\s*[`'\"]?simple\b|"
          r"\b(?:switch|chang|set|put|mov|flip|convert|downgrad|drop)\w*\b" + _within(60)
          + r"(?:\b(?:to|into|in)\s+(?:the\s+)?[`'\"“]?simple[`'\"”]?\s+recovery\b|\brecovery\s+model\b" + _within(20)
             + r"\b(?:to|=|:)\s*[`'\"“]?simple\b)|"
          r"\barchive_mode\s*=\s*[`'\"]?off\b|(?<![\w-])(?:--)?(?:skip|disable)[-_]log[-_]bin\b|"
          r"\blog_bin\s*=\s*(?:off|0)\b",
          ("simple", "archive_mode", "log-bin", "log_bin")),
    _rule(r"\b(?:delete|remove|purge|wipe|erase|destroy|nuke|drop|clear)\w*\s+(?:all|every|each)\s+(?:of\s+)?"
          r"(?:the\s+)?(?:(?:old|existing|stale|prod|production)\s+)*(?:users?|accounts?|records|rows|data|tables|"
          r"backups?|snapshots?|audit\s+logs?|buckets?|objects|volumes?|databases?|indices|indexes|customers?|orders?|"
          r"versions|messages|repos|repositories|projects|namespaces|clusters|instances|keys|tenants|sessions)\b",
          ("delete", "remove", "purge", "wipe", "erase", "destroy", "nuke", "drop", "clear")),
    _rule(r"\b(?:wipe|nuke|purge|erase)\s+(?:the\s+|your\s+|our\s+)?(?:prod(?:uction)?\s+)?(?:database|db|disk|drive|"
          r"volume|cluster|bucket|server|data\s+directory)\b", ("wipe", "nuke", "purge", "erase")),
    _rule(r"\b(?:delete|drop|remove|destroy|wipe|nuke|purge|tear\s+down)\w*\b" + _within(30)
          + r"\b(?:prod(?:uction)?|live|primary)\b" + _within(20) + r"\b(?:database|db|cluster|bucket|namespace|table|"
            r"index|volume|server|instance|backups?|data|environment|stack)\b", ("prod", "live", "primary"),
          also=(("delet", "drop", "remov", "destroy", "wipe", "nuke", "purge", "tear"),)),
    _rule(r"\b(?:delete|remove|purge|wipe|destroy|nuke)\w*\s+(?:the\s+|our\s+|all\s+)?(?:[\w-]+\s+)?"
          r"(?:backups|snapshots|audit\s+logs?)\b", ("backups", "snapshots", "audit")),
    # Remote code run unseen; disks overwritten.
    _rule(r"\b(?:curl|wget|fetch|iwr|irm|invoke-webrequest|invoke-restmethod)\b[^\n]*?\|\s*(?:sudo\s+(?:-\S+\s+)*)?"
          r"(?:env\s+\S+\s+)?(?:(?:ba|z|k|da|fi)?sh|python3?|perl|ruby|node|iex|invoke-expression)\b|"
          r"\b(?:ba)?sh\s+(?:-c\s+)?[\"']?(?:\$\(|<\()\s*(?:curl|wget)\b",
          ("curl", "wget", "fetch", "iwr", "irm", "invoke-")),
    _rule(r"\bdd\b[^\n]*?\bof=/dev/(?!null\b|zero\b|stdout\b)\w+|\bmkfs(?:\.\w+)?\s+(?:-\w+\s+)*+(?![^\s`]+\.img\b)\S+|"
          r"\bwipefs\b|"
          r"\bshred\b[^\n]*?/dev/|\bformat\s+[a-z]:|\bclear-disk\b|>\s*/dev/(?:sd|nvme|xvd|hd)[a-z0-9]+\b",
          ("of=/dev/", "mkfs", "wipefs", "/dev/", "format", "clear-disk")),
    _rule(r"\"Prefix\"\s*:\s*\"\"", "prefix", _near(r"\"(?:Expiration|NoncurrentVersionExpiration)\"", 400)),
    _rule(r"\bpg_restore\b[^\n`]*?--clean\b[^\n`]*", "pg_restore", _in_sentence(None, unless=_LOCAL),
          shown=_first_words),
    # Deleting for good, and running what was decoded or downloaded without reading it.
    _rule(r"\bshred\b[^\n]*?(?:\s-\w*u\w*\b|--remove\b|--zero\b)|\bshutil\.rmtree\(\s*[\"']?/(?!tmp\b)|"
          r"\bbase64\s+(?:-d|--decode)\b[^\n]*?\|\s*(?:sudo\s+)?(?:(?:ba|z|k|da)?sh|python3?|perl)\b",
          ("shred", "rmtree", "base64")),
    # Shared data deleted through its own tool.
    _rule(r"\bretention\.ms\s*=\s*(?:\d{1,5}|[1-5]\d{5})\b", "retention.ms"),  # under ten minutes
    _rule(r"\bzfs\s+destroy\b(?![^\n`]*\s-[a-zA-Z]*n[a-zA-Z]*\b)", "zfs"),
    _rule(r"\bterraform\s+state\s+push\b[^\n`]*?\s-{1,2}force\b", "terraform"),
    _rule(r"\bdocker\s+(?:system\s+prune\b[^\n`]*?--volumes\b|volume\s+prune\b)", "docker",
          _in_sentence(r"\b(?:db|database|postgres\w*|mysql|mongo\w*|redis|prod\w*|server|host|db-[\w-]+|[\w-]+-db\b)",
                       unless=r"\b(?:laptop|your\s+machine|locally|local\s+(?:machine|docker))\b"), scoped=True),
    _rule(r"\b(?:terraform|tofu)\s+(?:apply|plan)\b[^\n`]*?-replace[= ][\"']?(?:[\w.\[\]\"-]*\.)?"
          r"(?:aws_db_instance|aws_rds_cluster\w*|aws_docdb_cluster|aws_dynamodb_table|aws_ebs_volume|aws_efs_file_system|"
          r"aws_elasticache\w*|aws_s3_bucket|aws_opensearch_domain|aws_elasticsearch_domain|google_sql_database_instance|"
          r"google_storage_bucket|google_bigquery_\w+|google_compute_disk|azurerm_\w*(?:sql|database|postgres\w*|mysql\w*|"
          r"storage_account|managed_disk|cosmosdb)\w*)\b|\b(?:terraform|tofu)\s+taint\s+[\"']?(?:[\w.\[\]\"-]*\.)?"
          r"(?:aws_db_instance|aws_rds_cluster\w*|google_sql_database_instance|azurerm_\w*(?:sql|database)\w*)\b",
          ("-replace", "taint")),
    # Audit, security, flow or backup records kept a few days or hours (round 42: hours, Splunk's frozen period,
    # NetFlow and backup volumes recurred among the blind sets' misses).
    _rule(r"\b(?:[1-7]|one|two|three)[- ]?(?:day|d)\b[^\n.]{0,20}?\bretention\b|"
          r"\bretention(?:_period)?\b[^\n.]{0,40}?\b(?:to|of|=|:|at)\s*[`'\"]?"
          r"(?:(?:[1-7]|one|two|three)[- ]?(?:days?|d)|(?:[1-9]|1\d|2[0-4])\s*(?:h|hrs?|hours?))\b|"
          r"\bfrozenTimePeriodInSecs\s*=\s*(?:[1-9]\d{0,4}|[1-5]\d{5}|60[0-4]\d{3})\b",
          ("retention", "frozentimeperiodinsecs"),
          _near(r"\b(?:audit\w*|cloudtrail|security|access\s+logs?|flow\s+logs?|net\s?flow|siem|compliance|"
                r"wineventlog|backups?|bacula)\b", 200)),
    _rule(r"\b(?:exclusions?|exclud\w*)\b" + _within(80) + r"\b(?:cloudaudit|audit\s*logs?|audit_?log\w*)\b",
          ("exclu",)),
    _rule(r"\b(?:delete|remove|destroy)\w*\s+(?:the\s+)?(?:[\w.-]+\s+){0,2}?(?:project|repo|repository|space|"
          r"workspace|organi[sz]ation)\b(?!\s+(?:member|variable|label|setting|token|key|webhook|hook|badge|"
          r"template|board|page|file|folder|branch))", ("delet", "remov", "destroy"),
          _in_sentence(r"\b(?:gitlab|github|bitbucket|gitea|confluence|jira|notion|slack|sentry|space\s+settings|"
                       r"settings)\b")),
    _rule(r"\bgit\s+push\b[^\n`]*?\s--prune\b", "prune", scoped=None),
    _rule(r"\bnodetool\s+clearsnapshot\b", "nodetool"),
    _rule(r"\bcomment\w*\s+out\b" + _within(60) + r"\b(?:pg_dump\w*|mysqldump|mongodump|pg_basebackup|backups?|"
          r"snapshots?|barman|pgbackrest|restic|borg)\b|"
          # The job named first, then the line that runs it: "the nightly `pg_dump` slows the standups, comment out the
          # cron line" (round 44, later: blind set 34).
          r"\b(?:pg_dump\w*|mysqldump|mongodump|pg_basebackup|backups?|snapshots?|barman|pgbackrest|restic|borg)\b"
          + _within(100) + r"\bcomment\s+out\s+(?:the\s+|its\s+|that\s+)?(?:\w+\s+)?(?:cron\w*|line|job|entry|"
            r"schedule|timer|task)s?\b", "comment"),
    _rule(r"\bkafka-topics(?:\.sh)?\b[^\n]*?--delete\b|\bkafka-delete-records\b|"
          r"\bkafka-consumer-groups(?:\.sh)?\b[^\n]*?--reset-offsets\b[^\n]*?--execute\b",
          ("kafka-topics", "kafka-delete-records", "kafka-consumer-groups")),
    _rule(r"\brabbitmqctl\s+(?:purge_queue|delete_queue|delete_vhost|reset|force_reset)\b|"
          r"\brabbitmqadmin\b[^\n]*?\b(?:purge|delete)\b", ("rabbitmqctl", "rabbitmqadmin")),
    # Removing the broker's default account is hardening; anyone else's account is someone's access.
    _rule(r"\brabbitmqctl\s+delete_user\b(?!\s+[\"']?guest[\"']?(?:\s|$|[`.;,]))", "rabbitmqctl"),
    _rule(r"\bcurl\b[^\n]*?-X\s*[\"']?DELETE\b|\bDELETE\s+/?(?:_all|\*|[\w.-]*\*)", ("curl", "delete")),
    _rule(r"\bhelm\s+(?:uninstall|delete|del)\b", "helm"),
    _rule(r"\betcdctl\b[^\n]*?\bdel\b", "etcdctl"),
    _rule(r"\bterraform\s+state\s+(?:rm|push|replace-provider)\b|\bstate\s+push\s+-force\b", ("terraform", "state")),
    _rule(r"\bansible\b[^\n]*?\bstate=absent\b", "ansible", _in_sentence(r"\b(?:all|prod\w*|production)\b")),
    # Recovery windows set to nothing: backups, Snowflake's Time Travel, soft delete (round 45).
    _rule(r"--backup-retention-period\s+0\b|\bbackup_retention_period\s*=\s*0\b|"
          # Snowflake's, for an account, a database or a schema (a transient scratch table keeps none, rightly).
          r"\balter\s+(?:account|database|schema)\b[^;\n`]{0,80}?\b(?:DATA_RETENTION_TIME_IN_DAYS|"
          r"MAX_DATA_EXTENSION_TIME_IN_DAYS)\s*=\s*0\b|"
          r"\bsoft[_-]?delete[_-]?retention[\w-]*\s*[=:]?\s*[\"']?0\b|--soft-delete-duration[= ]0\b",
          ("retention", "soft-delete-duration")),
    # Shared things deleted in plain words: on production, a shared host or namespace, the remote.
    _rule(r"\b(?:delete|drop|remove|destroy|wipe|nuke|purge|uninstall|erase|clear)\w*\b" + _within(40)
          + r"\b(?:topics?|queues?|indices|index(?:es)?|releases?|projects?|repos?|repositor(?:y|ies)|tags|"
            r"branch(?:es)?|data\s+dir\w*|state|offsets?|vhosts?|clusters?|namespaces?|buckets?|snapshots?|"
            r"backups?|zookeeper|znodes?)\b",
          ("topic", "queue", "ind", "release", "project", "repo", "tag", "branch", "data", "state", "offset", "vhost",
           "cluster", "namespace", "bucket", "snapshot", "backup", "zookeeper", "znode"),
          _in_sentence(_PROD + r"|\bshared[\w-]*|\bon\s+(?:the\s+)?(?:origin|remote|github|gitlab)\b|"
                       r"\bon\s+all\s+(?:\w+\s+)?(?:nodes|hosts|servers|brokers)\b|\b(?:all|every)\s+of\s+them\b"),
          also=(("delet", "drop", "remov", "destroy", "wipe", "nuke", "purge", "uninstall", "erase", "clear"),)),
    # A key revoked or deleted before its replacement is in place.
    _rule(r"\b(?:revoke|delete|remove|disable|deactivate|schedule)\w*\b[^,;.\n]{0,40}?"
          + r"\b(?:keys?|cmks?|certificates?|certs?|tokens?|credentials?)\b",
          ("key", "cmk", "cert", "token", "credential"),
          _in_sentence(r"\b(?:later|after\s+the\s+weekend|tomorrow|next\s+week|re-?encrypt\w*\s+later|"
                       r"add\s+the\s+new\s+one\s+(?:after|later|tomorrow))\b"),
          also=(("revok", "delet", "remov", "disabl", "deactivat", "schedul"),)),
    _rule(r"\bgit\s+push\b[^\n]*?--delete\b", "push",
          _in_sentence(r"\btags?\b|\$\(|\bxargs\b|\ball\b")),
    _rule(r"\bxargs\b[^\n|;]*?\bgit\s+push\b[^\n]*?--delete\b", "xargs"),
    _rule(r"\bgit\s+filter-(?:repo|branch)\b|\bbfg\b", ("filter-", "bfg"),
          _in_sentence(r"\bforce[- ]?push\w*|--force\b|\bpush\s+-f\b")),
    _rule(r"\bforce[- ]push\w*\s+(?:to\s+)?(?:all|every|the\s+shared|main|master)\b", "push"),
    _rule(r"\bvault\s+(?:secrets|auth)\s+disable\b", "vault"),
    _rule(r"(?:→|->|>|»)\s*[*_\"'“]*(?:delete|remove)\s+(?:this\s+)?(?:project|repository|repo|organization|workspace|"
          r"cluster|database|bucket|account|rule)\b", ("delete", "remove")),
    _rule(r"\bdocker\s+(?:system|volume)\s+prune\b[^\n`]*?(?:--volumes|-a)\b|\bdocker\s+volume\s+rm\b", "docker",
          _in_sentence(_PROD + r"|\bshared\b")),
    _rule(r"\bpulumi\s+stack\s+rm\b", "pulumi"),
    # Round 44 (blind sets 28, 31): a network device reset from its console; a fleet erased from the MDM.
    _rule(r"\bexecute\s+factoryreset\d?\b|\brequest\s+system\s+zeroize\b|\bformat\s+(?:flash|bootflash|disk0|nvram|slot0)\d?:|"
          r"\bwrite\s+erase\b|\berase\s+(?:startup-config|nvram:|flash:)",
          ("factoryreset", "zeroize", "format", "write erase", "erase"), _NOT_RETIRED_HARDWARE),
    _rule(r"\b(?:erase|wipe)\s+(?:all\s+)?(?:devices?|computers?|iphones?|ipads?|laptops?|macs?)\b[*\"”']*"
          r"(?:\s+(?:command\s+)?(?:to|on|for)\s+(?:the\s+|all\s+|every\s+)?(?:smart\s+)?(?:group|fleet|all|every)\b)?",
          ("erase", "wipe"),
          _all_of(_in_sentence(r"\b(?:smart\s+group|groups?|fleet|all|every|\d{2,})\b"), _NOT_RETIRED_HARDWARE)),
    # Round 45 (blind set 33): a mail server's whole queue deleted ("`postsuper -d ALL` and move on").
    _rule(r"\bpostsuper\s+-d\s+ALL\b|\bexiqgrep\b[^\n]*\|\s*xargs\s+exim\s+-Mrm\b", ("postsuper", "exiqgrep")),
    # Round 45 (sets 33-39's misses). Tapes and disks overwritten ("`mt -f /dev/nst0 erase`", "choose Install,
    # overwrite VMFS datastore"); every process of a hypervisor or a database killed at once ("`pkill -9 qemu` on the
    # node").
    _rule(r"\bmt\s+(?:-f\s+\S+\s+)?erase\b|\boverwrit\w*\s+(?:the\s+|all\s+)?(?:existing\s+|local\s+)?(?:vmfs\s+)?"
          r"(?:datastores?|disks?|volumes?|drives?|tapes?)\b",
          ("mt ", "overwrit")),
    _rule(r"\b(?:pkill|killall)\s+(?:-9|-KILL|-SIGKILL|-s\s+(?:KILL|9))\s+(?:-f\s+)?[\"']?(?:qemu[\w-]*|kvm|vmware[\w-]*|vmx|"
          r"postgres\w*|mysqld|mariadbd|mongod|redis-server|java|beam\.smp|etcd|kubelet|dockerd|containerd)\b",
          ("pkill", "killall")),
    # Round 46 (blind set 44). A wipe sent to a whole fleet at once: a factory reset, erase or re-image aimed at every
    # device, in words ("factory-reset all the gateways") or as a broadcast address (a topic or group ``…/all/…``,
    # ``*``, ``#``), so nothing is left running to recover the rest from.
    _rule(r"\b(?:factory[ _-]?reset|wipe|erase|re-?image|zeroi[sz]e|remote[ _-]?wipe)\w*\b" + _within(60)
          + r"\b(?:all|every|each|entire|whole)\s+(?:of\s+)?(?:the\s+|our\s+)?(?:[\w-]+\s+){0,2}?(?:fleet|devices|"
            r"sensors|nodes|units|gateways|cameras|terminals|endpoints|machines|phones|laptops|kiosks|controllers|plcs|robots|"
            r"vehicles|trackers|tablets|handsets|routers|switches|stores|sites)\b|"
          r"\b(?:factory[ _-]?reset|wipe|erase|re-?image|zeroi[sz]e)\w*\b[^\n]{0,80}?(?:[/.](?:all|broadcast|everyone|"
          r"\*|\+|#)(?=[/.\s`'\"]|$))|(?:[/.](?:all|broadcast|everyone|\*|\+|#)[/.])[^\n]{0,80}?\b(?:"
          r"factory[ _-]?reset|wipe|erase|re-?image|zeroi[sz]e)\w*\b",
          ("reset", "wipe", "erase", "image", "zeroi"),
          # Not the devices of one group on their way out ("erase all laptops in the returns group before they are
          # shipped back"): those are meant to be wiped.
          _in_sentence(None, unless=r"\b(?:in|of)\s+the\s+(?:[\w-]+\s+){0,3}?(?:group|batch|pool|collection|lot)\b|"
                                    r"\b(?:decommission\w*|retir\w*|recycl\w*|dispos\w*|return\w*|leas\w*|resale|"
                                    r"(?:shipped|sent|handed)\s+back|stolen|lost)\b")),
    # Round 46 (blind set 44). Everything selected, then wiped, in a device's or a console's menus ("Storage > HDD >
    # select all > Format"): every disk, recording or record gone in one click.
    _rule(r"\bselect(?:ing)?\s+all\b\s*(?:>|→|->|»|,|then|and)\s*(?:then\s+)?(?:click\s+|hit\s+|press\s+|choose\s+)?"
          r"[\"“'`*]*(?:format|delete|erase|wipe|initiali[sz]e|purge|destroy|factory\s+reset)\b",
          "select",
          _in_sentence(r">|→|»|\b(?:disks?|drives?|hdds?|volumes?|recordings?|footage|backups?|snapshots?|users|accounts|"
                       r"records|mailboxes|devices|vms|databases|tables|buckets|logs)\b")),
    # Round 46 (blind set 43). Data wiped, cleared or replaced while the copy that would bring it back is waved off
    # ("clear the sheet every night, no need to keep a copy", "nuke the folder, don't bother with version history").
    _rule(r"\b(?:no\s+need\s+(?:to|for)|(?:do\s+not|don'?t|doesn'?t|won'?t|needn'?t)\s+(?:really\s+)?(?:need\s+to\s+|"
          r"have\s+to\s+|bother\s+(?:to\s+|with\s+)?|worry\s+about\s+)?|not\s+worth|no\s+point\s+(?:in\s+)?|"
          r"skip(?:s|ped|ping)?(?=\s)|"
          r"forget\s+(?:about\s+)?)\s*(?:keep\w*|tak\w*|mak\w*|sav\w*|export\w*|check\w*|restor\w*|download\w*)?\s*"
          r"(?:an?\s+|the\s+|any\s+)?(?:(?:backup|safety|spare|extra)\s+)?(?:cop(?:y|ies)|backups?|snapshots?|"
          r"version\s+history|versions|previous\s+versions|exports?|archives?|recycle\s+bin|trash)\b|"
          # Round 46 (blind set 44): or the running state itself, read off first ("no need to upload the current
          # logic first", "don't bother backing up the running config").
          r"(?:\bno\s+need\s+to|\b(?:do\s+not|don'?t)\s+(?:bother\s+(?:to\s+)?|need\s+to\s+)?)\s*(?:back\w*\s+up|"
          r"upload\w*|pull\w*|read\w*|dump\w*|copy\w*|sav\w*|export\w*)\s+(?:the\s+)?(?:current|running|existing|"
          r"live|old)\s+(?:[\w-]+\s+)?(?:logic|program|config\w*|settings|firmware|image|state|version|project|"
          r"rules?|ruleset|data(?:base)?)\b",
          ("cop", "backup", "snapshot", "version", "export", "archive", "recycle", "trash", "current", "running",
           "existing"),
          _all_of(_near(r"\b(?:delet\w*|wip\w*|clear\w*|nuk\w*|purg\w*|eras\w*|drop\w*|overwrit\w*|truncat\w*|"
                        r"remov\w*|destroy\w*|empt\w*|replac\w*)\b|\.clear\(\)|\.clearContents\(\)|"
                        r"\b(?:download|flash|push|load|deploy|write)\w*\b[^.!?\n]{0,60}?\b(?:running|live|production|"
                        r"prod)\b", 200),
                  # Nor a cache's or a scratch copy's, named in the sentence or the one before ("empty the build cache;
                  # no need to keep a copy of it").
                  lambda match, text: not re.search(
                      r"\b(?:cache\w*|temp\w*|tmp|scratch|build|artifacts?|node_modules|throwaway|test|sandbox|dev|"
                      r"local|duplicates?)\b", text[max(0, _sentence_start(text, match.start()) - 150):
                                                    _sentence_end(text, match.end())], FLAGS)),
          # What is lost is the shared copy, whatever device re-sends it ("let your laptop re-upload everything").
          negatable=False, scoped=None),
))

# Destroying one's own local or throwaway things is not what a security reviewer is for.
DESTRUCTIVE = Topic(DESTRUCTIVE.name, tuple(replace(rule, scoped=rule.scoped is not None or None)
                                             for rule in DESTRUCTIVE.rules))
# Listing who holds a role ("kubectl get clusterrolebindings … cluster-admin") is how access is reviewed.
ACCESS = Topic(ACCESS.name, tuple(replace(rule, inspected=True) for rule in ACCESS.rules))
TOPICS = (ACCESS, CREDENTIALS, NETWORK, EXPORT, DESTRUCTIVE)
# Keyword -> the rules that need it: a text is searched only with rules one of whose keywords it holds.
_RULES_BY_KEYWORD: dict[str, list[Rule]] = {}
for _topic in TOPICS:
    for _r in _topic.rules:
        for _needed in _r.needs:
            _RULES_BY_KEYWORD.setdefault(_needed, []).append(_r)
_WORD = re.compile(r"\w+")
# (keyword, whether it is made of word characters, its rules); a word keyword is looked for among the
# text's distinct words, a much shorter string than the text.
_IS_WORD = {needed: bool(_WORD.fullmatch(needed)) for needed in _RULES_BY_KEYWORD}
_KEYWORDS = [(needed, _IS_WORD[needed], rules) for needed, rules in _RULES_BY_KEYWORD.items()]


# --- Warnings and incident reports quote risky commands -----------------------------------------

_CLAUSE_START = re.compile(r"[.!?;:](?:\s|$)|\n|,|\u2014|\u2013|\s-\s|\b(?:but|however|just|simply|then|so)\b", FLAGS)
_NEGATION = re.compile(
    r"\b(?:never|don'?t|do\s+not|does\s+not|doesn'?t|must\s+not|mustn'?t|should\s+not|shouldn'?t|cannot|can'?t|"
    r"won'?t|avoid\w*|instead\s+of|rather\s+than|not\s+to|no\s+more|no\s+longer|not\s+(?:with|for|via|through)|(?<!\bwhy\s)not(?=\s*$)|no\s+need\s+(?:to|for)|stop|refrain\s+from|prohibit\w*|forbid\w*|"
    r"resist\w*\s+the\s+(?:urge|temptation)\s+to|"
    r"(?:is|are)(?:\s+not|n'?t)\s+allowed|nobody|no\s+one|we\s+don'?t|not\s+use|not\s+run|"
    # Round 44: "without any committed .env", "nothing from 0.0.0.0/0", "ngrok links aren't allowed".
    r"without(?:\s+any)?|nothing\s+(?:from|to|on|in|via)|(?:is|are|was|were)(?:\s+not|n'?t)(?=\s*$)|"
    # Round 45 (blind set 38): a question someone asks, reported ("when someone asks how to disable SELinux, it's
    # usually a wrong file label").
    r"(?:asks?|asked|asking|wonders?|wondered|wondering)\s+(?:us\s+|me\s+|you\s+)?how\s+(?:to|(?:do|can|could|should)\s+"
    r"(?:i|we|you|they))|"
    r"caused\s+by|accidentally|by\s+(?:mistake|accident)|post-?mortem|root\s+cause|"
    r"(?:someone|somebody|an\s+engineer|a\s+colleague|a\s+contractor)\s+(?:had\s+)?(?:ran|running|typed|executed|"
    r"pushed|granted|shared|exported|set|deleted|dropped|opened|disabled|committed|pasted|used))\b", FLAGS)
# Round 16's cues govern only what follows them closely ("no more shared static password", "not with random gmail
# accounts"); "We no longer need the VPN for this, open 22 to …" forbids nothing.
_SHORT_REACH = re.compile(r"no\s+more|no\s+longer|not(?:\s+(?:with|for|via|through))?$|without|nothing|"
                          r"(?:is|are|was|were)(?:\s+not|n'?t)$", FLAGS)
# "Avoid the prompts by putting the password in the README": what follows "by" is the means recommended, not what
# is avoided (round 29's review: the four-eyes rule skipped for a reviewer's edit worded that way).
_AVOIDED_BY = re.compile(r"avoid\w*|stop|prevent\w*", FLAGS)
_MEANS = re.compile(r"\b(?:by|via|through)\b", FLAGS)  # not "with", "using": "avoid X with the --insecure flag"
# "Don't worry, ...", "do not hesitate to ...": words after a negation that undo it.
_NOT_A_NEGATION = re.compile(r"\b(?:hesitat|worr|forget|wait|afraid|fear|mind|bother|panic|problem|issue)\w*", FLAGS)
_NEGATION_INSIDE = re.compile(r"\b(?:never|not|n't|cannot)\b", FLAGS)
# Round 45 (blind sets 40, 41): the purpose of a protection ("Object Lock … so nothing, including the cleanup job, can
# delete recent backups"), and a verdict ending the sentence ("copying the prod customers table into the demo tenant
# isn't allowed").
_PREVENTED_BEFORE = re.compile(r"\b(?:so(?:\s+that)?|ensur\w*|making\s+sure|to\s+make\s+sure)\s+(?:nothing|nobody|"
                               r"no\s+one|no-one|noone)\b[^.!?\n]{0,60}?\b(?:can|could|will|may|is\s+able\s+to)\s+(?:\w+ly\s+)?$",
                               FLAGS)
_NOT_ALLOWED_END = re.compile(r"[^.!?\n]{0,60}?\b(?:is|are|was|were)(?:\s+not|n'?t)\s+(?:allowed|permitted|acceptable|"
                              r"ok|okay)(?:\s+(?:here|anymore|any\s+more))?\s*(?:[.!;]|$)", FLAGS)
_PROHIBITED_AFTER = re.compile(
    r"^[`'\"]?\s*(?:\w+\s+){0,3}?(?:is|are|was|would\s+be)\s+(?:(?:never|not|no\s+longer)\s+(?:acceptable|allowed|ok|"
    r"okay|permitted|safe|an\s+option|the\s+(?:answer|fix|solution|way)|needed|necessary|required|supported)|"
    r"forbidden|prohibited|banned|blocked|rejected|refused|denied|disallowed|dangerous|insecure|"
    # Round 45: "Turning MFA off is a terrible idea."
    r"an?\s+(?:very\s+|really\s+)?(?:bad|terrible|awful|horrible|poor|dangerous|risky)\s+idea|"
    r"discouraged|only\s+(?:allowed|permitted|run|done|used)|allowed\s+only|permitted\s+only|"
    r"a\s+(?:hard\s+|firm\s+|clear\s+|definite\s+)?no)\b", FLAGS)
# Round 15's verdicts on a command, counted only when the command opens its sentence and nothing after it turns to
# doing it anyway (``_commented``): "`@csrf_exempt` is the wrong fix for a 403", "`0.0.0.0/0` on a database port is an
# audit finding", but not "Open it to `0.0.0.0/0` even if it is an audit finding" nor "… is a red flag, but go ahead".
_JUDGED_AFTER = re.compile(
    r"[`'\"]?\s*(?:\w+\s+){0,5}?(?:is|are|was|would\s+be)\s+(?:the\s+wrong\s+(?:fix|answer|solution|approach|way|tool|"
    r"call)|an?\s+(?:audit\s+)?finding|an?\s+red\s+flag|flagged|(?:equivalent|equal)\s+to\s+(?:root|admin\w*|"
    r"cluster-admin|full\s+access))\b|[^.!?\n]{0,100}?\bhides?\s+(?:the\s+)?(?:real|actual|underlying|root)\s+(?:\w+\s+)?"
    r"(?:problems?|errors?|issues?|bugs?|causes?)\b", FLAGS)
# What turns a sentence back to advice after a warning or a description ("…, but go ahead", "…, so use it").
_ANYWAY = re.compile(r"\b(?:so|then|but|anyway|regardless|even\s+if|even\s+though|go\s+ahead|just|instead|only\s+way|"
                     r"works?|fix(?:es|ed)?|needed|needs?|requires?|add|attach|create|grant|give|use|set|run|put|open|"
                     r"make|bind|commit|push|exclude|suppress\w*|ignore|bypass|skip|disable|keep)\b|--no-verify", FLAGS)


# Just before a match: what undoes it ("remove that `InsecureSkipVerify: true`", "policy is no `--privileged`"), or
# says it was switched off ("we turned off “anyone with the link” sharing").
_UNDONE_BEFORE = re.compile(
    r"(?:\b(?:remove|delete|drop|revert|undo|take\s+out|take\s+away|get\s+rid\s+of|strip|no)\s+(?:that|the|this|any|"
    r"those|these|all)?|\b(?:turned|switched)\s+off|\b(?:disabled|banned|blocked|removed|revoked|prohibited|rejects|denies|"
    r"forbids|prevents|refuses))\s*[`'\"“‘*_]*\s*$|\b(?:denies|deny|rejects?|forbids?|prevents?)\b.*\bwhen\b",
    FLAGS)
# A precaution that comes before any such command (round 16): "Before any `terraform destroy`, read the plan".
_PRECAUTION_BEFORE = re.compile(
    r"\b(?:before|prior\s+to)\s+any\s*[`'\"“‘]*\s*$|"
    # Looking for it ("look for `allUsers` or `allAuthenticatedUsers`"), rejecting what carries it ("have the gateway
    # reject requests that use `?api_key=`").
    r"\b(?:look|looking|check|checking|search|searching|grep|scan|scanning|audit|alert)\s+for\s+(?:any\s+)?"
    r"(?:[`'\"“‘]?[\w:.@=?&/*-]+[`'\"”’]?\s*"
    r"(?:,|or|and)\s+)*[`'\"“‘]*\s*$|"
    r"\b(?:reject|rejects|block|blocks|deny|denies|refuse|refuses|drop|drops|fail|fails)\s+(?:any\s+|all\s+|the\s+)?"
    r"(?:requests?|calls?|traffic|connections?|pushes|commits?|builds?|deploys?|plans?|pods?|images?)\s+(?:that|which)\s+"
    r"(?:use|uses|carry|carries|contain|contains|include|includes|send|sends|have|has)\b[^.!?\n]{0,40}$",
    FLAGS)
# After a match, in its sentence: a warning about it ("… is tempting but the real fix is …", "…, so please don't",
# "… goes through review").
# Round 15's, weaker: "revoke the `cluster-admin` binding", "push protection blocks commits that contain tokens".
_STOPPED_BEFORE = re.compile(r"\b(?:revoke\s+(?:that|the|this|any|those|these|all)?|blocks|catches|detects|flags|stops)"
                             r"\s*[`'\"“‘]*\s*$|"
                             # Round 44: "it blocks wildcard deletes like `DELETE /logs-*`".
                             r"\b(?:blocks|catches|detects|flags|stops|prevents|rejects|refuses|denies|forbids)\s+"
                             r"(?:[\w-]+\s+){0,3}?(?:like|such\s+as|e\.g\.)\s*[`'\"“‘]*\s*$", FLAGS)
_WARNING_AFTER = re.compile(
    r"^[^.!?\n]{0,100}?\b(?:is\s+tempting|(?:is|are)\s+(?:a\s+)?(?:hack|workaround|bad\s+idea)|hides?\s+the\s+"
    r"(?:problem|error|issue)|(?::|\u2014)\s*(?:please\s+)?(?:don'?t|do\s+not|never)(?=\s*[.!]|\s*$)|so\s+(?:please\s+)?(?:don'?t|do\s+not|never)|please\s+don'?t|"
    r"goes?\s+through\s+(?:a\s+)?(?:review(?:ed)?|approval)|needs?\s+(?:a\s+)?review|requires?\s+(?:an?\s+)?"
    r"(?:approval|review)|but\s+(?:it\s+|that\s+)?(?:turns?\s+off|disables?|skips?|breaks?|exposes?|removes?|"
    r"bypasses?|leaks?)|(?:is|are)\s+the\s+(?:approved|sanctioned|supported)\b|(?:is|are)\s+against\s+(?:the\s+|our\s+)?"
    r"(?:[\w-]+\s+){0,3}?(?:policy|policies|rules?)|"
    # Round 44: what it would do, then the verdict ("… would switch Gatekeeper off for everything, so let's not").
    r"so\s+(?:let'?s\s+not|no|not\s+(?:that|this|here))(?=\s*[.!]|\s*$))\b", FLAGS)
# Said of the match itself: it is gone ("the `cluster-admin` binding to `system:authenticated` … has been removed").
_GONE_AFTER = re.compile(r"[`'\"”’]*\s*(?:(?:binding|rule|line|grant|role|entry|setting|policy|key|token|access)s?\s+)?"
                         r"(?:(?:to|for|on|of|from|in)\s+[`'\"“‘]?[\w:.@/*-]+[`'\"”’]?\s+)?"
                         r"(?:(?:that|which)\s+(?:\w+\s+){0,8}?)?"
                         r"(?:has|have|was|were)\s+(?:now\s+)?(?:been\s+)?(?:removed|revoked|deleted|rolled\s+back|reverted|"
                         r"cleaned\s+up)\b(?!\s+(?:and|but|so|until|because)\b)", FLAGS)
# Moving away from it, to something narrower ("switch the sheet from “Anyone with the link” to Restricted"): the
# clause before the match, and what follows it.
_AWAY_FROM = re.compile(r"\b(?:switch|chang|mov|flip|convert|downgrad|restrict|narrow|tighten)\w*\s+"
                        r"(?:[^\s.!?;]+\s+){0,5}?from\s*[`'\"“‘]*\s*$", FLAGS)
_TO_NARROWER = re.compile(r"^[^.!?\n]{0,60}?\bto\s+(?:an?\s+|the\s+)?[`'\"“‘]?(?:restricted|private|specific|named|"
                          r"only(?!\s+(?:ports?|tcp|udp|\d))|invite\w*|internal|members?\s+only|off|none|nobody|"
                          r"read-?only|least)\b", FLAGS)
_TELLER = re.compile(r"\b(?:someone|somebody|an\s+engineer|a\s+colleague|a\s+contractor|an\s+intern|they|he|she|"
                     r"the\s+\w+\s+team)\s*$", FLAGS)
# A condition about something that happened ("if you pasted …", "if `.env` got committed"), counted as a recount
# only when its sentence cleans up after it: "If you set the bucket to public, the images load" is advice.
_IF_IT_HAPPENED = re.compile(r"\b(?:if\s+(?:you|we|someone|somebody|anyone)(?:\s+\w+ly)?|(?:if|when|once|after)\s+"
                             r"(?:\S+\s+){0,4}?(?:got|was|were|has\s+been|have\s+been))\s*$", FLAGS)
_REMEDIATION = re.compile(r"\b(?:revok\w*|rotat\w*|invalidat\w*|edit\s+it\s+out|delete\s+(?:it|the\s+message)|"
                          r"remove\s+it|git\s+rm|purge\s+it|reset\s+it|by\s+(?:accident|mistake)|accidentally|"
                          r"mistakenly)\b", FLAGS)
_PAST = re.compile(r"[`'\"]?\w+ed\b|[`'\"]?(?:ran|put|set|left|gave|made|sent|wrote|pushed|shared)\b", FLAGS)
# A question about how something behaves is not advice to do it ("does `DROP INDEX CONCURRENTLY` still lock …?").
_QUESTION = re.compile(r"^\W*(?:[\w ]{0,30}(?::|\s-+)\s*)?"
                       r"(?!(?:did|have|has)\s+(?:you|we|anyone)\s+(?:try|tried|considered?)\b)"
                       r"(?:does|do|did|is|are|was|were|has|have|what|why|which|"
                       r"who\s+(?:owns|approved|has|is|are|can|else|gave|granted|added|created|manages)|"
                       r"(?:should|shall)\s+(?:i|we|you|it|they|this|that)|how\s+(?:many|much)|(?:can|could)\s+we|"
                       r"(?:can|could)\s+(?:someone|anyone|you)\s+(?:explain|tell)|(?:does\s+)?anyone\s+know)\b", FLAGS)


# A sentence that opens with the match and says what it means or why a safeguard exists is a description, not advice
# ("`0.0.0.0/0` in a security group means any address", "`chmod 777` gives everyone write access, which is why
# scanners flag it"): only the match's own opening, so "`chmod 777` it, which is why it works" is not one.
_SENTENCE_OPENING = re.compile(r"\W*(?:(?:for\s+context|fyi|note|in\s+short|to\s+be\s+clear|(?:keep\s+in\s+mind|note|"
                               r"remember)\s+that)\W+)?(?:(?:an?|the)\s+)?[`'\"*]*$", FLAGS)
_DESCRIBED = re.compile(r"(?P<said>[^.!?\n]{0,80}?\b(?:means|stands\s+for|is\s+short\s+for|refers\s+to)\b)|"
                        r"[^.!?\n]{0,160}?\b(?:which|that)(?:\s+i|')s\s+why\s+(?:(?:our|the|every|most|security)\s+)?"
                        r"(?:[\w-]+\s+)?(?:runbooks?|polic(?:y|ies)|scanners?|audits?|reviewers?|linters?|guardrails?|checks?)\s+"
                        r"(?:requires?|flags?|blocks?|forbids?|rejects?|reports?|warns?)\b|"
                        r"[^.!?\n]{0,160}?\b(?:which|that)(?:\s+i|')s\s+why\s+(?:it|this|they)\s+(?:shows?\s+up|gets?\s+flagged|"
                        r"(?:is|are)\s+flagged)\b|"
                        # Round 44: what it does not do, or what it switches off ("FYI helm uninstall doesn't delete
                        # the PVCs", "A TrustManager that accepts everything turns TLS off").
                        r"[^.!?\n]{0,80}?\b(?:does(?:n'?t|\s+not)|won'?t|will\s+not|never)\s+(?:\w+\s+)?(?:delete|remove|"
                        r"drop|touch|affect|destroy|erase|wipe)s?\b|[^.!?\n]{0,20}?\bturns?\s+(?:[\w-]+\s+){0,2}?off\b",
                        FLAGS)


def _sentence_end(text: str, at: int) -> int:
    after = _SENTENCE_END.search(text, at, min(len(text), at + 400))
    return after.start() if after else len(text)


def _commented(text: str, start: int, end: int) -> bool:
    """A sentence opening with the match (a lead-in such as "For context," aside) that says what it means or which
    safeguard exists because of it (``_DESCRIBED``), or passes one of round 15's verdicts on it (``_JUDGED_AFTER``),
    and turns to no advice after that: "`0.0.0.0/0` means any address, so use it as the source" is advice."""
    first = max(0, start - 300)
    sentence_start = max((m.end() for m in _SENTENCE_END.finditer(text, first, start)), default=first)
    if not _SENTENCE_OPENING.match(text, sentence_start, start):
        return False
    sentence_end = _sentence_end(text, start + 1)
    described = _DESCRIBED.match(text, end, sentence_end)
    if described and described.group("said") and _ANYWAY.search(text, end, described.end()):
        described = None
    said = described or _JUDGED_AFTER.match(text, end, sentence_end)
    return bool(said) and not _ANYWAY.search(text, said.end(), sentence_end)


_SPAN_END = re.compile(r"[`,;\n]|&&")


def _span_end(text: str, at: int) -> int:
    """The end of the code span or command a match sits in (its target may follow: ``git push --force origin main``)."""
    found = _SPAN_END.search(text, at, min(len(text), at + 120))
    return found.start() if found else min(len(text), at + 120)


def _stopped(text: str, clause: str, end: int) -> bool:
    """"Revoke the `cluster-admin` binding", "it blocks commits that contain tokens", unless the sentence turns to
    doing it anyway ("The linter blocks `chmod 777`, so do it in the entrypoint")."""
    return bool(_STOPPED_BEFORE.search(clause)) and not _ANYWAY.search(text, end, _sentence_end(text, end))


def _asks(text: str, start: int, end: int) -> bool:
    """Whether the sentence of a match is a question about how something behaves."""
    after = _SENTENCE_END.search(text, end, min(len(text), end + 300))
    return bool(after and text[after.start()] == "?" and _QUESTION.match(_sentence_around(text, start, end)))


# Round 44 (blind sets 27-32's false alarms): a leak told and cleaned up, a consequence spelled out, a safe way
# compared. A secret that leaked, told as what happened ("you just pasted a live token in the channel", "the password
# was pasted in #build", "that screenshot has an access key in it"), with its clean-up close after: deleting it,
# revoking, rotating.
_LEAK_TOLD = re.compile(
    r"\b(?:was|were|got|gets|has\s+been|have\s+been|had\s+been)\s+(?:\w+\s+)?(?:pasted|posted|committed|pushed|shared|"
    r"leaked|exposed|logged|printed|sent|uploaded|checked\s+in)\b|\b(?:showed|shows|ended|turned)\s+up\s+in\b|"
    r"\b(?:you|whoever|someone|somebody|they|he|she|we|i)\s+(?:just\s+|accidentally\s+|mistakenly\s+)?(?:pasted|posted|"
    r"committed|pushed|shared|leaked|uploaded|sent|dropped)\b|^\W*(?:accidentally\s+|mistakenly\s+)?(?:pasted|posted|"
    r"committed|pushed|leaked)\b|\b(?:screen-?shot|image|log|message|commit|file)\s+(?:has|had|contains|contained|shows|"
    r"showed|includes)\s+(?:an?|the|your|our)\s", FLAGS)
_CLEANED_UP = re.compile(r"\b(?:revok\w*|rotat\w*|deactivat\w*|invalidat\w*|regenerat\w*|re-?issu\w*|purg\w*|"
                         r"treat\w*\s+(?:it|them)\s+as\s+(?:burned|burnt|compromised|leaked)|"
                         r"deleted\s+the\s+(?:message|post|comment)|change\s+(?:the|your|that)\s+(?:\w+\s+)?password\s+now)\b",
                         FLAGS)


# The replacement shared the same way, a new leak: "rotate it and post the new one here", "send me the new token".
_REPLACEMENT = (r"(?:new|fresh|replacement|rotated|regenerated|updated)\s+(?:ones?|values?|"
                r"\w*(?:password|passwd|token|key|secret|credential|pat|pin)s?)\b")
_RESHARED = re.compile(
    r"\b(?:paste|post|share|send|drop|put|dm|e-?mail|give|forward|slack|write)\w*\s+(?:"
    r"(?:me|us|him|her|them|everyone|the\s+team)\s+(?:the\s+|a\s+|your\s+)?" + _REPLACEMENT + r"|(?:it|them|"
    r"(?:the\s+|a\s+|your\s+)?" + _REPLACEMENT + r")\b(?:(?!\b(?:not|never|no)\b)" + _GAP + r"){0,40}?" + _LEAK_PLACE
    + ")", FLAGS)
# Where the replacement belongs: "put it in Vault (not in chat)".
_SAFE_STORE = re.compile(_PASSWORD_MANAGER + r"|\b(?:in|into|to)\s+(?:the\s+)?(?:hashicorp\s+)?vault\b", FLAGS)


def _leak_cleaned_up(text: str, start: int, end: int) -> bool:
    """A leak told, its clean-up close by, and the replacement not shared the same way (round 44's review)."""
    if not _LEAK_TOLD.search(_sentence_around(text, start, end)):
        return False
    last = min(len(text), _sentence_end(text, end) + 300)
    cleaned = _CLEANED_UP.search(text, max(0, start - 200), last)
    if not cleaned:
        return False
    reshared = _RESHARED.search(text, cleaned.end(), last)
    return not (reshared and not _SAFE_STORE.search(_sentence_around(text, *reshared.span())))


# A sentence opening with a gerund (the match) whose consequence it spells out: "Allowing transfers to everyone hands
# out your internal naming to anyone who asks", "assigning an app to “Everyone” gives it to every user, contractors
# included".
_GERUND = re.compile(r"\w+ing\b", FLAGS)
# Whom a consequence reaches, when it is a harm: everyone, outsiders, the internet.
_EVERYONE = (r"anyone|anybody|everyone|everybody|every\s+\w+|attackers?|outsiders?|the\s+(?:whole|entire)\s+\w+|"
             r"the\s+internet|the\s+world")
_CONSEQUENCE = re.compile(r"[^.!?\n]{0,40}?\b(?:gives?|hands?\s+(?:\w+\s+){0,4}?out|exposes?|leaks?|lets?|opens?)\b"
                          r"[^.!?\n]{0,100}?\b(?:" + _EVERYONE + r"|including)\b", FLAGS)
# A tool's behaviour told in the third person, in a sentence that gives no instruction: "apt skips signature checks for
# that repo", "It attaches cookies, IPs and user emails to every event".
_DOES = re.compile(r"(?:skips|disables|turns|switches|removes|bypasses|attaches|sends|exports|shares|grants|gives|"
                   r"allows|opens|exposes|writes|prints|logs|deletes|drops|wipes|ignores|dumps|uploads|publishes)\b",
                   FLAGS)
_SUBJECT = re.compile(r"\W*(?:it|this|that|(?:the|this|that|its)\s+[\w.-]+(?:\s+[\w.-]+)?|[a-z][\w.-]*|`[^`\n]+`)\s+",
                      FLAGS)
_INSTRUCTING = re.compile(r"\W*(?:please\s+)?(?:add|set|use|run|put|enable|turn|install|apply|change|switch|make|"
                          r"give|grant|open|just|simply|then|so|you|we|let'?s|go|try|do|configure|create|keep|leave)\b",
                          FLAGS)
_CLAUSE_WORD = re.compile(r"\w+$")
# "What `[trusted=yes]` actually does: …"; "without disabling verification like `NODE_TLS_REJECT_UNAUTHORIZED=0` would".
_WHAT_BEFORE = re.compile(r"\bwhat\s*[`'\"“]*$", FLAGS)
_DOES_AFTER = re.compile(r"[`'\"”]*\s+(?:actually\s+|really\s+|exactly\s+)?(?:does|means|do)\b", FLAGS)
_LIKE_BEFORE = re.compile(r"\b(?:like|as|unlike)\s*[`'\"“]*$", FLAGS)
_WOULD_AFTER = re.compile(r"[`'\"”]*\s*would(?:\s+(?:do|have|be))?\s*(?:[.!,;)]|$)", FLAGS)


def _explained(text: str, start: int, end: int, clause: str, clause_start: str) -> bool:
    """A consequence or a behaviour spelled out, a comparison with a safe way, not advice (round 44)."""
    sentence_end = _sentence_end(text, end)
    if not clause.strip(" \t`'\"“*") and _GERUND.match(text, start) and (
            said := _CONSEQUENCE.match(text, end, sentence_end)) and not _ANYWAY.search(text, said.end(), sentence_end):
        return True
    if (_DOES.match(text, start) and _SUBJECT.fullmatch(clause) and not _CLAUSE_WORD.search(clause_start)
            and not _INSTRUCTING.match(_sentence_around(text, start, end))):
        return True
    if _WHAT_BEFORE.search(clause) and _DOES_AFTER.match(text, end, sentence_end):
        return True
    return bool(_LIKE_BEFORE.search(clause) and _WOULD_AFTER.match(text, end, min(len(text), end + 40)))


# Round 44, later (blind set 37's false alarms): text about the risky thing that is not advice to do it.
def _sentence_start(text: str, at: int) -> int:
    first = max(0, at - 300)
    return max((m.end() for m in _SENTENCE_END.finditer(text, first, at)), default=first)


def _next_sentence(text: str, sentence_end: int) -> str:
    return text[sentence_end:_sentence_end(text, min(len(text), sentence_end + 1))]


def _previous_sentence(text: str, sentence_start: int) -> str:
    end = len(text[:sentence_start].rstrip())
    return text[_sentence_start(text, max(0, end - 1)):end]


# A thing named in a list of things ("`allUsers` or `allAuthenticatedUsers`"): a code span, or a word.
_ITEM = r"(?:`[^`\n]+`|[`'\"“‘]?[\w:.@=?&/*-]+[`'\"”’]?)"


# A warning that announces itself at its sentence's opening, is about the match, and spells out the harm: "A word of
# warning on `cluster-admin`: binding it to `system:authenticated` gives anyone … full control". Not when an
# instruction comes between the warning and the match ("Warning: you need `cluster-admin` bound to …"), nor when the
# sentence, or the next one, turns to doing it ("…, but it's the quickest fix", "Do it anyway").
_WARNING_OPENS = re.compile(r"\W*(?:(?:a|one)\s+(?:quick\s+|small\s+|fair\s+)?(?:word|note)\s+of\s+(?:warning|caution)|"
                            r"warning|caution|careful|be\s+careful|beware|watch\s+out|heads[- ]up)\b", FLAGS)
_INSTRUCTED = re.compile(r"\b(?:you|we|unless|if|should|must|need\w*|please|let'?s|have\s+to|has\s+to|to\s+(?:fix|make|"
                         r"get|unblock|let))\b", FLAGS)
_HARM = re.compile(r"\b(?:gives?|giving|hands?|exposes?|leaks?|lets?|opens?|allows?|grants?)\b[^.!?\n]{0,100}?"
                   r"\b(?:" + _EVERYONE + r"|full\s+(?:control|access|admin\w*)|root)\b", FLAGS)
# What turns a warning or an explanation back to advice, beside _ANYWAY's words: a verdict that it is fine.
_TURNS_BACK = re.compile(r"\b(?:anyway|regardless|go\s+ahead|(?:it'?s|that'?s|is|are)\s+(?:fine|ok|okay|acceptable)|"
                         r"what\s+(?:we|you|they|the\s+\w+)\s+(?:wants?|needs?|asked\s+for)|for\s+now|do\s+(?:it|that|this)\b)",
                         FLAGS)


def _warned(text: str, start: int, end: int) -> bool:
    opens = _WARNING_OPENS.match(text, _sentence_start(text, start), start)
    if not opens or _INSTRUCTED.search(text, opens.end(), start) or _ANYWAY.search(text, opens.end(), start):
        return False
    sentence_end = _sentence_end(text, end)
    return bool(_HARM.search(text, end, sentence_end) and not _ANYWAY.search(text, end, sentence_end)
                and not _TURNS_BACK.search(text, end, sentence_end)
                and not _TURNS_BACK.search(_next_sentence(text, sentence_end)))


# A value explained, with what it would do somewhere else: "In a route table, `0.0.0.0/0` is just the default route …
# It means something very different in a security group, where it would allow traffic from anywhere". The match in a
# clause "it would …", in a sentence that explains (it, or the one before it, says what something means or is) and
# instructs nothing.
_WOULD_BEFORE = re.compile(r"\b(?:it|this|that|they)\s+(?:would|could|might)\s+(?:\w+ly\s+|also\s+|then\s+)?$", FLAGS)
_EXPLAINS = re.compile(r"\b(?:means?|meant|meaning|stands\s+for|refers\s+to|is\s+short\s+for|"
                       r"(?:is|are)\s+(?:just|simply|only)\s+(?:the|an?)\b)", FLAGS)


def _hypothetical(text: str, start: int, end: int, clause: str) -> bool:
    if not _WOULD_BEFORE.search(clause):
        return False
    begin, sentence_end = _sentence_start(text, start), _sentence_end(text, end)
    sentence = text[begin:sentence_end]
    return bool((_EXPLAINS.search(sentence) or _EXPLAINS.search(_previous_sentence(text, begin)))
                and not _INSTRUCTING.match(sentence) and not _INSTRUCTED.search(sentence)
                and not _ANYWAY.search(text, end, sentence_end) and not _TURNS_BACK.search(text, end, sentence_end))


# An audit that removes what it finds: "If `allUsers` or `allAuthenticatedUsers` appears, remove it", "if you see
# `0.0.0.0/0` on port 22, revoke that rule". The match is what the condition looks for (it appears, is present, or
# "you see" it), and the sentence then takes it away and adds nothing back.
_OTHERS = r"(?:\s*(?:,|or|and)\s+" + _ITEM + ")*"
_IF_FOUND_BEFORE = re.compile(r"\b(?:if|when|whenever|wherever|where)\s+(?P<seen>you\s+(?:see|find|spot|notice)\s+)?"
                              r"(?:any\s+|an?\s+|the\s+)?(?:" + _ITEM + r"\s*(?:,|or|and)\s+)*[`'\"“‘]*\s*$", FLAGS)
_FOUND_THEN_REMOVED = re.compile(
    r"[`'\"”’]*" + _OTHERS + r"\s*(?P<appears>(?:appears?|shows?\s+up|turns?\s+up|(?:is|are)\s+(?:present|there|listed|"
    r"bound|granted)|exists?)\b)?(?:(?!\b(?:not|never|no|don'?t|doesn'?t|isn'?t|aren'?t|missing|deny|denied|block\w*|"
    r"exclu\w*)\b)[^.!?;\n]){0,40}?"
    r"\b(?:remove|revoke|delete|drop|strip|unbind|detach|take\s+out|get\s+rid\s+of)\s+(?:it|them|that|those|this|these|"
    r"the\s+\w+)\b(?!\s+from\s+(?:the\s+)?(?:deny|block|exclu)\w*)", FLAGS)


def _found_and_removed(text: str, start: int, end: int) -> bool:
    found = _IF_FOUND_BEFORE.search(text, _sentence_start(text, start), start)
    if not found:
        return False
    sentence_end = _sentence_end(text, end)
    removed = _FOUND_THEN_REMOVED.match(text, end, sentence_end)
    return bool(removed and (found.group("seen") or removed.group("appears"))
                and not _ANYWAY.search(text, removed.end(), sentence_end))


# Something looked for in a named place: "check the bucket policy and ACLs for `"Principal": "*"`" (not "check the
# box for …", which turns it on), when the sentence goes on to no use of it.
_CHECKED_FOR_BEFORE = re.compile(
    r"\b(?:look|check|search|grep|scan|audit|inspect|review)\w*\s+(?!(?:the\s+|that\s+)?(?:box|option|setting|"
    r"checkbox|toggle|flag)\b)(?:[\w'-]+\s+){0,6}?for\s+(?:any\s+)?(?:" + _ITEM + r"\s*(?:,|or|and)\s+)*"
    r"[`'\"“‘]*\s*$", FLAGS)
_PUT_TO_USE = re.compile(r"\b(?:paste|copy|apply|attach|enable|allow)\w*\b", FLAGS)


def _checked_for(text: str, start: int, end: int) -> bool:
    sentence_end = _sentence_end(text, end)
    return bool(_CHECKED_FOR_BEFORE.search(text, _sentence_start(text, start), start)
                and not _ANYWAY.search(text, end, sentence_end) and not _PUT_TO_USE.search(text, end, sentence_end))


# Round 45 (blind set 39's false alarms as a development set): the safe twin of a risky action, worded like it.
# A dry run of the very command: its own flag, in its own code span or command ("`kubectl delete deploy legacy-api -n
# prod --dry-run=server`", "`aws s3 rm … --dryrun`", "`Remove-Item … -WhatIf`"), unless the text then drops the flag
# or runs it for real ("without `--dry-run`", "then drop the flag", "now for real").
_DRY_RUN = re.compile(r"(?<![\w-])(?:--dry-?run\b(?!\s*=\s*[\"']?(?:none|false|0)\b)|--what-?if\b|-WhatIf\b|--noop\b|"
                      r"--simulate\b|--no-act\b)", FLAGS)
_DRY_RUN_REFUSED = re.compile(r"\b(?:without|no|skip\w*|drop\w*|remov\w*|omit\w*|forget|bother\w*|lose|ditch)\W+"
                              r"(?:\w+\W+){0,2}?$", FLAGS)
_DRY_RUN_DROPPED = re.compile(r"\b(?:without|drop\w*|remov\w*|omit\w*|lose|ditch|strip\w*)\s+(?:the\s+|that\s+)?"
                              r"[`'\"]*(?:--dry-?run|--what-?if|-whatif|flag|dry[- ]?run)|\bfor\s+real\b|"
                              r"\b(?:re-?run|then\s+run|now\s+run|run)\s+it\s+(?:again|for\s+real|without)\b", FLAGS)
_COMMAND_EDGE = re.compile(r"`|&&|\|\||;|\n")


def _dry_run(text: str, start: int, end: int) -> bool:
    if _COMMAND_EDGE.search(text, start, end):
        return False
    first = max(0, start - 300)
    begin = max((m.end() for m in _COMMAND_EDGE.finditer(text, first, start)), default=first)
    sentence_end = _sentence_end(text, end)
    after = _COMMAND_EDGE.search(text, end, sentence_end)
    flags = [flag for flag in _DRY_RUN.finditer(text, begin, after.start() if after else sentence_end)
             if not _DRY_RUN_REFUSED.search(text, max(begin, flag.start() - 40), flag.start())]
    return bool(flags) and not _DRY_RUN_DROPPED.search(text, _sentence_start(text, start), sentence_end) and not (
        _DRY_RUN_DROPPED.search(_next_sentence(text, sentence_end)))


# A sentence whose subject is a gerund phrase holding the match, then its harm: "Making `docker.sock` world-writable
# gives everyone root on the box", "Binding `cluster-admin` to all service accounts lets anyone …" (round 44's
# gerund opened on the match itself).
_GERUND_LEAD = re.compile(r"\W*(?:\w+ly\s+)?(?!(?:during|something|nothing|anything|everything|morning|evening|string|"
                          r"thing|building|ceiling|spring)\b)\w+ing\b[^,;:!?\n]{0,80}$", FLAGS)


def _gerund_consequence(text: str, start: int, end: int) -> bool:
    lead = text[_sentence_start(text, start):start]
    if not _GERUND_LEAD.match(lead) or _CLAUSE_START.search(lead):
        return False
    sentence_end = _sentence_end(text, end)
    said = _CONSEQUENCE.match(text, end, sentence_end)
    return bool(said) and not _ANYWAY.search(text, said.end(), sentence_end) and not (
        _TURNS_BACK.search(text, end, sentence_end) or _WANTED.search(text, end, sentence_end))


# A sentence opening with the match that says what it would destroy or expose: "`FLUSHALL` on prod would also wipe
# sessions and rate-limit counters", "`terraform destroy` in that workspace could take down …". Not when the sentence or
# the next one turns to doing it ("…, which is what we want", "Run it anyway").
_WOULD_HARM = re.compile(r"[`'\"”]*(?:\s+(?:on|in|against|for|from)\s+(?:the\s+|a\s+|that\s+|this\s+|our\s+|your\s+)?"
                         r"(?:[\w./:*-]+\s+){0,2}?[\w./:*-]+){0,2}\s+"
                         r"(?:would|could|might)\s+"
                         r"(?:also\s+|then\s+|just\s+|instantly\s+|immediately\s+|silently\s+)?(?:wipe|delete|destroy|erase|"
                         r"drop|remove|lose|nuke|kill|break|take\s+down|lock\s+(?:\w+\s+)?out|expose|leak)\w*\b", FLAGS)
_DO_IT = re.compile(r"\b(?:run|do|execute|type|issue|apply|try|use)\s+(?:it|that|this|them)\b", FLAGS)
# The harm told as what is wanted: "…, which is the point", "…, on purpose".
_WANTED = re.compile(r"\b(?:the\s+(?:point|idea|goal|plan|intent)|intended|on\s+purpose|deliberately|"
                     r"what\s+(?:we|you|they|i)\s+(?:want|need)\w*|"
                     # or what it removes is what should go: "would remove the stale stack in one go"
                     r"stale|stuck|unused|orphan\w*|leftover|junk|dead|broken|obsolete|abandoned|in\s+one\s+go|"
                     r"clean\w*|free\w*|quick\w*|faster)\b", FLAGS)


def _would_harm(text: str, start: int, end: int) -> bool:
    begin = _sentence_start(text, start)
    if not _SENTENCE_OPENING.match(text, begin, start):
        return False
    sentence_end = _sentence_end(text, end)
    said = _WOULD_HARM.match(text, _after_span(text, start, end), sentence_end)
    if not said:
        return False
    rest, following = text[said.end():sentence_end], _next_sentence(text, sentence_end)
    return not (_ANYWAY.search(rest) or _TURNS_BACK.search(rest) or _WANTED.search(rest)
                or _TURNS_BACK.search(following) or _DO_IT.search(following))


# The reason given for a precaution, in a clause of its own: "add `*.tfstate*` to `.gitignore` — state files contain
# secrets in plaintext", "encrypt the backups, since they hold passwords in clear text".
_REASON_LEAD = re.compile(r"\s*(?:because\s+|since\s+|as\s+)?"
                          r"(?:(?:the|your|its|their|those|these|such|that|this|our)\s+)?"
                          r"(?:[\w.*`'-]+\s+){0,3}?(?:contains?|holds?|stores?|includes?|keeps?|has|have|carr(?:y|ies)|"
                          r"(?:can|may|often|usually)\s+(?:contain|hold|include|store))\s+(?:\w+\s+){0,2}?$", FLAGS)
_PRECAUTION = re.compile(r"\.(?:git|docker)ignore\b|\bencrypt\w*|\bkeep\w*\s+(?:[\w.*`'-]+\s+){0,4}?out\s+of\b|"
                         r"\bnever\s+commit\w*|\block\w*\b|\bvault\b|\bsecrets?\s+manager\b|\bkms\b|\brestrict\w*",
                         FLAGS)


def _reason_for_precaution(text: str, start: int, end: int, clause: str) -> bool:
    if not _REASON_LEAD.fullmatch(clause):
        return False
    begin, sentence_end = _sentence_start(text, start), _sentence_end(text, end)
    return bool(_PRECAUTION.search(text, begin, max(begin, start - len(clause)))) and not (
        _ANYWAY.search(text, end, sentence_end) or _TURNS_BACK.search(text, end, sentence_end))


# Replacing or narrowing it: "Replace that `"Action": "*"` with what the Lambda actually calls", "narrow the
# `0.0.0.0/0` to the office range" (what it is replaced with is a match of its own when it is broad too).
_REPLACED_BEFORE = re.compile(r"\b(?:replace|swap\s+out|narrow(?:\s+down)?|tighten|scope\s+down)\s+"
                              r"(?:that|the|this|those|these|your|any)?\s*[`'\"“‘]*\s*$", FLAGS)
_REPLACED_BY = re.compile(r"[^.!?\n]{0,80}?\b(?:with|to|by)\b", FLAGS)
# A setting that makes it fail: "so `DELETE /*` or wildcard index deletes get rejected".
def _after_span(text: str, start: int, end: int) -> int:
    """Where what is said of a match starts: after the code span it sits in ("`DROP SCHEMA analytics CASCADE` on the
    primary would …"), else at its end."""
    line_start = text.rfind("\n", 0, start) + 1
    if text.count("`", line_start, start) % 2 == 0:
        return end
    closing = text.find("`", end, min(len(text), end + 120))
    return closing if closing >= 0 and "\n" not in text[end:closing] else end


_REJECTED_AFTER = re.compile(r"[`'\"”]*(?:\s*(?:,|or|and)\s+(?:[\w*/.-]+\s+){0,3}?[`'\"“]?[\w*/.-]+[`'\"”]?)?\s+"
                             r"(?:gets?|will\s+(?:get|be)|is|are)\s+(?:\w+ly\s+)?(?:rejected|blocked|refused|denied|"
                             r"disallowed)\b", FLAGS)


def _twin(text: str, start: int, end: int, clause: str) -> bool:
    """Round 45's safe twins (above)."""
    sentence_end = _sentence_end(text, end)
    if _REPLACED_BEFORE.search(clause) and _REPLACED_BY.match(text, end, sentence_end):
        return True
    rejected = _REJECTED_AFTER.match(text, _after_span(text, start, end), sentence_end)
    if rejected and not _ANYWAY.search(text, rejected.end(), sentence_end):
        return True
    return (_dry_run(text, start, end) or _gerund_consequence(text, start, end) or _would_harm(text, start, end)
            or _reason_for_precaution(text, start, end, clause))


def _negated(text: str, start: int, end: int, inside: bool) -> bool:
    """Whether the clause around a match tells the reader not to do it, or recounts that someone did."""
    # Clause breaks are looked for one character past the match's start, so "http." in "http.sslVerify" is none.
    first = max(0, start - 160)
    breaks = [m for m in _CLAUSE_START.finditer(text, first, start + 1) if m.end() <= start]
    clause = text[breaks[-1].end() if breaks else first:start]
    if _explained(text, start, end, clause, breaks[-1].group(0) if breaks else ""):
        return True
    if _leak_cleaned_up(text, start, end) or _twin(text, start, end, clause):
        return True
    if (_warned(text, start, end) or _hypothetical(text, start, end, clause)
            or _found_and_removed(text, start, end) or _checked_for(text, start, end)):
        return True
    cues = list(_NEGATION.finditer(clause))
    negated_part = clause[cues[-1].end():] if cues else ""
    reach = (3 if _SHORT_REACH.match(cues[-1].group(0)) else 10) if cues else 0
    if cues and not _NOT_A_NEGATION.search(clause, cues[-1].end()) and len(negated_part.split()) <= reach and not (
            cues[-1].group(0).lower().startswith("resist") and re.search(r"\band\b", negated_part)) and not (
            _AVOIDED_BY.match(cues[-1].group(0)) and _MEANS.search(negated_part)):
        return True  # "resist the urge to write a policy and attach AdministratorAccess" resists the policy only
    if (_UNDONE_BEFORE.search(clause) or _stopped(text, clause, end)
            or (_PRECAUTION_BEFORE.search(clause) and not _SHARED_SCOPE.search(text, start, _span_end(text, end)))):
        return True
    if (_AWAY_FROM.search(clause) and _TO_NARROWER.search(text[end:end + 80])
            and not re.search(r"\d", text[start:end])):  # a setting, not a source address ("from 0.0.0.0/0")
        return True
    if _TELLER.search(clause) and _PAST.match(text, start):
        return True  # "someone committed an AWS key": the match's own verb recounts what happened
    if (_IF_IT_HAPPENED.search(clause) and _PAST.match(text, start)
            and _REMEDIATION.search(_sentence_around(text, start, end))):
        return True  # "if you pasted a token here by accident, revoke it": the clean-up after an incident
    if inside and _NEGATION_INSIDE.search(text, start, end):
        return True
    if _WARNING_AFTER.search(text[end:end + 160]) or _GONE_AFTER.match(text, end, end + 120):
        return True
    if _asks(text, start, end) or _commented(text, start, end):
        return True
    if _PREVENTED_BEFORE.search(text, _sentence_start(text, start), start):
        return True
    if _NOT_ALLOWED_END.match(text, end, _sentence_end(text, end) + 1):
        return True
    return bool(_PROHIBITED_AFTER.search(text[end:end + 120]))


# The reader's own things, and what is shared whatever the sentence says of them.
_OWN_SCOPE = re.compile(
    r"\b(?:local(?:ly)?|your\s+(?:own\s+)?(?:(?:local|personal|dev|test|throwaway|feature|topic|work|scratch)\s+)?"
    r"(?:laptop|machine|branch|fork|sandbox|scratch|dev)|personal|"
    r"your\s+(?:own\s+)?(?:personal|dev|test|throwaway|scratch|sandbox|hackathon)\s+(?:topic|database|db|namespace|bucket|"
    r"project|schema|cluster|stack|env\w*|vm|instance|queue)|"
    r"ephemeral|preview[\w-]*\s+(?:env\w*|namespaces?|workspaces?|stacks?|apps?|deploy\w*|slots?)|preview-pr[\w-]*|"
    r"per[- ](?:pr|pull\s+request|branch)|review\s+apps?|(?:pr|mr)[-_](?:\$\{?\w+\}?|\d+)|"
    r"scratch\s+(?:bucket|prefix|env\w*|dir\w*|space|project|db|database|namespace|cluster|account)|throwaway|sandbox|kind\s+cluster|minikube|(?:docker\s+)?compose|localhost|127\.0\.0\.1|"
    r"(?:test|dev)\s+(?:db|database|env\w*|cluster|namespace)|testcontainers|(?:pytest\s+)?fixtures?|"
    # Round 44: a throwaway object the reader's own script made ("that's the staging table your script created").
    r"(?:staging|temp|temporary|scratch|tmp|throwaway|intermediate)\s+(?:tables?|schemas?|collections?|indexes|files?|"
    r"dir\w*)\s+(?:that\s+|which\s+)?(?:you|your\s+(?:own\s+)?(?:script|job|migration|test|code|import|notebook|loader|"
    r"pipeline|query))\s+(?:just\s+|already\s+)?(?:created|made|set\s+up|loaded|built))\b", FLAGS)
# A staging table is an import's scratch table, not the staging environment (round 44).
_SHARED_SCOPE = re.compile(_PROD + r"|\bshared\b|\bstaging\b(?!\s+(?:tables?|schemas?)\b)|\bteam'?s?\b|\beveryone\b|"
                           r"\bmain\b|\bmaster\b|\bcustomers?\b|\bclients?\b|\bpilot\b|\bstill\s+(?:runs?|used|in\s+use)\b|\bin\s+use\b|\bbut\b",
                           FLAGS)


# What a sentence rules out ("never do that on main or release/*", "not in production", "nothing shared").
_NOT_SHARED = re.compile(r"\b(?:never|not|no|nothing)\b(?:\s+[\w-]+){0,3}?\s+(?:on|in|against|to|into)\s+"
                         r"(?:an?\s+|the\s+)?[\w/*.-]+(?:\s+or\s+[\w/*.-]+)?|"
                         r"\b(?:never|not|no|nothing)\s+(?:on\s+|in\s+|against\s+)?(?:an?\s+|the\s+)?(?:[\w-]+\s+)?",
                         FLAGS)


# A line that only reads: the inspection commands of the usual tools, with nothing piped into one that writes.
_READ_ONLY = re.compile(
    r"^\W*(?:\$\s*)?(?:kubectl\s+(?:get|describe|auth\s+can-i|explain)|oc\s+(?:get|describe)|"
    r"(?:aws|gcloud|az|oci)\s+(?:[\w-]+\s+){1,3}?(?:list|describe|get|show)[\w-]*|gsutil\s+(?:ls|iam\s+get)|"
    r"git\s+(?:log|show|diff|status|blame)|vault\s+(?:policy\s+read|token\s+lookup|read\s+sys/))\b", FLAGS)
_WRITES_AFTER = re.compile(
    r"\b(?:kubectl|oc)\s+(?:apply|create|edit|set|patch|replace|delete|adm|annotate|label)\b|"
    r"\|\s*(?:sudo\s+)?(?:sh|bash|zsh|xargs|tee)\b|\bgsutil\s+(?:iam\s+ch|acl\s+ch|rm|cp|mv)\b|"
    r"\b(?:aws|gcloud|az|oci)\s+(?:[\w-]+\s+){1,3}?(?:put|create|attach|update|add|set|delete|remove|modify)[\w-]*|"
    r"[>&;]", FLAGS)
_PROSE_BREAK = re.compile(r"[,;]|\b(?:so|then|and|but|or)\b", FLAGS)


def _inspecting(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    return (bool(_READ_ONLY.match(line)) and not _WRITES_AFTER.search(line)
            and not _PROSE_BREAK.search(text, line_start, start))  # the match is in the command, not after it


_SAYS_WHAT_IT_IS = re.compile(r"\s*(?:it|that|this)(?:'s|\s+is)\s+(?:just\s+|only\s+)?(?:your|a|my)\s+(?:own\s+)?"
                              r"(?:personal|local|throwaway|sandbox|scratch|test|dev)\s+[\w-]+[^.!?\n]*", FLAGS)


def _own_scope(text: str, start: int, end: int) -> bool:
    """The match's sentence, or the next one when it says what the target is ("… `gcloud projects delete sbx-jd`. It's
    your personal sandbox."), is about the reader's own things and names nothing shared."""
    sentence = _sentence_around(text, start, end)
    said = _SAYS_WHAT_IT_IS.match(text, min(len(text), _sentence_end(text, end) + 1))
    for part in (sentence, said.group(0) if said else ""):
        if _OWN_SCOPE.search(part):
            return not _SHARED_SCOPE.search(_NOT_SHARED.sub(" ", sentence + " " + part))
    return False


# --- Classification -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Assessment:
    level: str  # "low" or "high", the values of AIAnswer.Risk
    reasons: list[str]


_SHOWN_MAX = 60


@dataclass(frozen=True)
class _Form:
    """One normalised form of a text, with what the search needs: lower case, sentence bounds, and where
    each keyword occurs (several rules share keywords)."""
    text: str
    lowered: str
    sentence_starts: list[int]  # where each sentence after the first starts
    sentence_ends: list[int]  # where each sentence but the last ends
    words: str  # its distinct words, for a quick test that a keyword made of word characters is absent
    found: dict[str, list[int]]

    @classmethod
    def of(cls, text: str) -> "_Form":
        ends = list(_SENTENCE_END.finditer(text))
        lowered = text.lower()
        return cls(text, lowered, [m.end() for m in ends], [m.start() for m in ends],
                   " ".join(set(_WORD.findall(lowered))), {})

    def holds(self, needed: str, is_word: bool) -> bool:
        return needed in (self.words if is_word else self.lowered)

    def occurrences(self, needed: str) -> list[int]:
        if needed not in self.found:
            if not self.holds(needed, _IS_WORD[needed]):
                self.found[needed] = []
                return []
            places, at = [], self.lowered.find(needed)
            while at != -1:
                places.append(at)
                at = self.lowered.find(needed, at + 1)
            self.found[needed] = places
        return self.found[needed]

    def sentence(self, at: int) -> tuple[int, int]:
        n = bisect.bisect_right(self.sentence_starts, at)
        return (self.sentence_starts[n - 1] if n else 0,
                self.sentence_ends[n] if n < len(self.sentence_ends) else len(self.text))


def _windows(rule: Rule, form: _Form) -> list[tuple[int, int]]:
    """Where a rule may match: around each occurrence of one of its keywords (within the sentence, for a
    rule that stays within one), merged, in order, and only where its other groups of strings occur too."""
    if rule.sentence:
        spans = sorted({form.sentence(at) for needed in rule.needs for at in form.occurrences(needed)})
    else:
        before, after = rule.reach
        spans = sorted((max(0, at - before), at + len(needed) + after)
                       for needed in rule.needs for at in form.occurrences(needed))
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    if rule.also:
        merged = [(start, end) for start, end in merged
                  if all(any(s in segment for s in group)
                         for segment in (form.lowered[start:end],) for group in rule.also)]
    return merged


def _shown(rule: Rule, match: re.Match) -> str:
    shown = " ".join((rule.shown(match) if rule.shown else match.group(0)).replace("`", " ").split())
    return shown if len(shown) <= _SHOWN_MAX else shown[:_SHOWN_MAX - 1].rstrip() + "…"


def _first_hit(rule: Rule, form: _Form) -> str | None:
    """What the first counting match of ``rule`` in ``form`` shows, or None."""
    text = form.text
    for start, end in _windows(rule, form):
        for match in rule.pattern.finditer(text, start, min(end, len(text))):
            if rule.accept and not rule.accept(match, text):
                continue
            if rule.negatable and _negated(text, match.start(), match.end(), rule.negatable_inside):
                continue
            if rule.scoped and _own_scope(text, match.start(), match.end()):
                continue
            if rule.inspected and _inspecting(text, match.start()):
                continue
            return _shown(rule, match)
    return None


@lru_cache(maxsize=512)
def hits(text: str) -> tuple[tuple[str, str], ...]:
    """(topic, what matched, as the reader sees it) for each rule ``text`` sets off, in topic order.

    Cached: a source passage is classified again at every edit of the draft that drew on it.
    """
    found = []
    form = _Form.of(reader_text(text))
    words, lowered = form.words, form.lowered
    candidates = {id(rule) for needed, is_word, rules in _KEYWORDS if needed in (words if is_word else lowered)
                  for rule in rules}
    for topic in TOPICS:
        for rule in topic.rules:
            if id(rule) in candidates and (shown := _first_hit(rule, form)):
                found.append((topic.name, shown))
    return tuple(found)


# Round 46 (blind set 43's false alarms the word model and the encoder raised). Advice that opens by turning a
# protection on, rotating a credential, binding a service to the loopback address or doing a dry run, and says nothing
# that weakens, exposes, hands out or deletes anything: the models read its words ("protected", "key", "bind") as risky,
# but no rule matched it and there is nothing risky left to read. The models are not asked about it.
_PROTECTION = (r"(?:(?:deletion|branch|push|tamper|delete|termination|scale-?in)\s+protection|protected\s+(?:ranges?|"
               r"branch(?:es)?|sheets?|cells?|tags?|environments?)|secret\s+scanning|mfa|2fa|two-factor|multi-factor|"
               r"prevent_destroy|object\s+lock|versioning|soft\s+delete|audit\s+log(?:ging|s)?|encryption\s+at\s+rest|"
               r"read-?only\s+mode)")
_PROTECTIVE_OPENING = re.compile(
    r"\W*(?:(?:turn|switch)\s+on|enable|add|require|enforce|set\s+up)\s+(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}?"
    + _PROTECTION + r"\b|\W*(?:rotate|re-?key|regenerate)\s+(?:the|our|your|all|every|each|that|this|those|any)\b|"
    r"\W*bind\s+(?:\S+\s+){1,3}?to\s+(?:127\.0\.0\.1|localhost|::1)\b|"
    r"\W*(?:do|run|start\s+with)\s+(?:a\s+)?dry[- ]?run\b", FLAGS)
_WEAKENING = re.compile(r"\b(?:public\w*|anyone|anybody|everyone|everybody|disabl\w*|turn\w*\s+off|switch\w*\s+off|"
                        r"skip\w*|bypass\w*|without|except\w*|exclu\w*|later|temporar\w*|for\s+now|paste|post|send|share|"
                        r"e-?mail|slack|chat|channel|ticket|wiki|plain\s*text|log\s+(?:it|them|the)|print|echo|"
                        r"0\.0\.0\.0|allow\s+all|delete|deletes|deleting|remove|removes|removing|drop|wipe|purge|force|"
                        r"admin\w*|root|sudo|grant\w*|open\w*|expir\w*)\b|\*", FLAGS)


def _protective(text: str) -> bool:
    """Whether ``text`` (normalised) is plainly protective advice (above), which the models need not read."""
    return bool(_PROTECTIVE_OPENING.match(text)) and not _WEAKENING.search(text)


def classify(*texts: str, question: str | None = None, sources: Iterable[str] = (),
             read: Mapping[str, float | None] | None = None, framing: Iterable[str] = ()) -> Assessment:
    """Assess an AI answer for high-risk advice.

    ``texts`` are the draft (and, from older callers, its question) as given. ``question`` and
    ``sources`` (each passage the draft drew on, in citation order) are classified the same way, and a
    reason says where a match came from when it was not the draft (“GRANT ALL” in source 2). ``read``: the
    encoder's readings of some of the sources, by their text, as the index stored them (``risk_model.readings``);
    ``framing``: paragraphs of the draft its engine wrote around what it quotes (``Draft.framing``), which the encoder
    reads as the reader sees them.
    """
    sources = list(sources)
    labelled = [(text, "") for text in texts]
    if question:
        labelled.append((question, "the question"))
    labelled += [(source, f"source {n}") for n, source in enumerate(sources, start=1)]

    by_topic: dict[str, list[str]] = {}
    seen = set()
    found = [hits(text) if text else () for text, _ in labelled]
    for (_, where), matched in zip(labelled, found, strict=True):
        for topic, shown in matched:
            if (topic, shown.casefold()) in seen:
                continue
            seen.add((topic, shown.casefold()))
            by_topic.setdefault(topic, []).append(f"“{shown}”" + (f" in {where}" if where else ""))
    reasons = [f"{topic.name} (mentions {', '.join(by_topic[topic.name][:3])})"
               for topic in TOPICS if topic.name in by_topic]
    # The word model, where no rule matched, over the draft itself (not its claims, which are pieces of it) and its
    # sources (not the question: an ask is not advice, and its few words weigh too much): advice worded unlike
    # anything the rules were written for.
    worded, shown_words = [], set()
    sources_from = len(texts) + (1 if question else 0)
    for n in ([0] if texts else []) + list(range(sources_from, len(labelled))):
        text, where = labelled[n]
        if text and not found[n] and not _protective(normalised(text)):
            for finding in risk_words.findings(normalised(text))[:1]:
                if finding.words in shown_words:
                    continue  # the draft quoting a source word for word: its words are named once
                shown_words.add(finding.words)
                words = ", ".join(f"“{word}”" for word in finding.words)
                worded.append(f"{words} in {where}" if where else words)
    # The fine-tuned encoder (aiassist.risk_model) over the draft, where no rule matched: advice in words neither the
    # rules nor the word model know, in what the reader will see. Not over the sources, which the rules and the words
    # read: a draft quotes or restates what it takes from them, and the encoder's time is a draft's largest cost. A
    # source the draft quotes whole is read on its own, as the index read it (its stored reading, when ``read`` has
    # it: no model pass).
    model_said = ""
    if texts and texts[0] and not found[0] and not _protective(normalised(texts[0])) and _model_on():
        stored = {normalised(text): logit for text, logit in (read or {}).items()}
        sure = [finding.probability for finding in risk_model.flagged(
            normalised(texts[0]), apart=[normalised(source) for source in sources], read=stored,
            framing=[normalised(line) for line in framing])]
        if sure:
            model_said = f"a model trained on labelled advice: {max(sure):.0%}"
    # One reason for both models: the banner lists topics, and both say the same thing in their own terms.
    said = ([f"words {'; '.join(worded[:3])}"] if worded else []) + ([model_said] if model_said else [])
    if said:
        reasons.append(f"{WORDED} ({'; '.join(said)})")
    return Assessment("high" if reasons else "low", reasons)


def passage_readings(texts: list[str]) -> tuple[str, list[float | None]]:
    """The encoder's reading of each passage on its own (``risk_model.readings``) and what made them
    (``risk_model.reading_key``), for the passage index to store: a draft quoting a passage whole then needs no model
    pass for it (``classify``'s ``read``). ("", Nones) when the encoder is off."""
    if not texts or not (key := reading_key()):
        return "", [None] * len(texts)
    try:
        return key, risk_model.readings([normalised(text) for text in texts])
    except Exception:  # noqa: BLE001 - never a reason to leave posts unindexed: drafts read such passages themselves
        logger.warning("the risk encoder failed on %d passage(s); stored unread", len(texts), exc_info=True)
        return "", [None] * len(texts)


def reading_key() -> str:
    """What a stored reading must have been made by to be used (``risk_model.reading_key``, and the normalisation the
    text was read through, Unicode's tables included); "" when the encoder is off (nothing is read, nor stored)."""
    return f"{risk_model.reading_key()}/{_normalisation()}" if _model_on() else ""


@lru_cache(maxsize=1)
def _normalisation() -> str:
    return hashlib.sha256(f"{unicodedata.unidata_version}{sorted(_TRANSLATE.items())}".encode()).hexdigest()[:8]


def stored_readings(rows: Iterable[tuple[str, str, float | None]]) -> dict[str, float | None]:
    """``classify``'s ``read`` from the index's (text, made by, logit) rows: those made by the current models."""
    key = reading_key()
    return {text: logit for text, made_by, logit in rows if key and made_by == key}


def _model_on() -> bool:
    try:
        return bool(getattr(settings, "ASSISTANT_RISK_MODEL", True))
    except ImproperlyConfigured:  # a script without Django settings: on, as by default
        return True


# The reason the word model gives (aiassist.risk_words): a topic like the rules' ones, as the high-risk banner names it
# ("this answer touches advice that reads as risky").
WORDED = "Advice that reads as risky"
