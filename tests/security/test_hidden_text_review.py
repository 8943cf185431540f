"""The review of round 45's fixes for text no reviewer saw (d99116f): invisible characters chained or spread to spell
bytes, footnote definitions the first rule missed, links it over-masked, and the assistant's account. Each failed on
d99116f; the docstrings say what they found."""
import re

import pytest
from django.conf import settings
from django.utils import timezone

from aiassist import services
from common.exceptions import InvalidTransition
from forum import services as forum_services
from forum.markup import machine_text, machine_text_dropped

from ..aiassist.test_review_services import approve, assistant_posts, submitted
from ..factories import UserFactory

SHOWN = "Restart the worker."
PAYLOAD = b"purge production"


def _nibbles(data: bytes) -> list[int]:
    return [n for b in data for n in (b >> 4, b & 15)]


def _selectors(text: str) -> list[int]:
    return [ord(c) - 0xFE00 for c in text if 0xFE00 <= ord(c) <= 0xFE0F]


# Invisible characters --------------------------------------------------------------------------------------------


def test_a_selector_run_split_by_word_joiners_is_dropped_after_an_ascii_letter():
    """``_shaping`` reads a run's neighbour in the original text: a word joiner (dropped itself) stands before each
    selector, and U+2060 >= U+1000 lets VS1-14 through; once the joiners are gone the stored body is the very run of
    selectors after "." that the rule exists to drop, spelling any bytes."""
    hidden = "".join("\u2060" + chr(0xFE00 + n) for n in _nibbles(PAYLOAD))
    assert machine_text(SHOWN + hidden) == SHOWN


def test_machine_text_is_idempotent_on_a_selector_behind_a_word_joiner():
    once = machine_text("a\u2060\ufe0f")  # "a\ufe0f" stored; a second pass drops the selector
    assert machine_text(once) == once


def test_alternating_zero_width_characters_and_selectors_are_dropped():
    """Each run is one character and its neighbours are the other runs' invisible characters, all beyond ASCII: after
    one visible non-ASCII character ("—"), a chain VS, ZW, VS, ZW ... survives whole (4 bits a selector, and which
    of three zero-width characters)."""
    zero_width = "\u200b\u200c\u200d"
    hidden = "".join(chr(0xFE00 + n) + zero_width[i % 3] for i, n in enumerate(_nibbles(PAYLOAD)))
    stored = machine_text_dropped(f"Restart the worker \u2014{hidden}\u2014 then check.")
    kept = _selectors(stored)
    assert len(kept) <= 1, bytes(a << 4 | b for a, b in zip(kept[::2], kept[1::2], strict=False))


# Default-ignorable code points machine_text_dropped does not know (risk._INVISIBLE_RANGES lists them): a run of two
# of them spells bits, shown as nothing on the desk.
OTHER_INVISIBLES = {
    "hangul fillers": ("\u115f", "\u1160"),
    "hangul filler / halfwidth": ("\u3164", "\uffa0"),
    "soft hyphen / grapheme joiner": ("\u00ad", "\u034f"),
    "LRM / RLM": ("\u200e", "\u200f"),
    "arabic letter mark / LRM": ("\u061c", "\u200e"),
    "mongolian free variation selectors": ("\u180b", "\u180c"),
    "khmer inherent vowels": ("\u17b4", "\u17b5"),
    "deprecated format characters": ("\u206a", "\u206f"),
    "shorthand format / musical beam": ("\U0001bca0", "\U0001d173"),
}


@pytest.mark.parametrize("pair", OTHER_INVISIBLES.values(), ids=OTHER_INVISIBLES.keys())
def test_a_run_of_other_invisible_characters_spells_nothing(pair):
    hidden = "".join(pair[int(bit)] for b in PAYLOAD for bit in f"{b:08b}")
    assert machine_text(SHOWN + hidden) == SHOWN


def test_a_hangul_filler_carries_no_selector():
    """U+3164 shows nothing and is from U+1000 on: each filler keeps one of 16 selectors after it."""
    hidden = "".join("\u3164" + chr(0xFE00 + n) for n in _nibbles(PAYLOAD))
    assert _selectors(machine_text(SHOWN + hidden)) == []


def test_selectors_spread_over_visible_characters_spell_no_bytes():
    """One selector per character "shapes" nothing after a bullet (no standardised or emoji variant of U+2022), yet
    any character from U+1000 on keeps one of VS1-16: 4 bits a bullet, a byte every two."""
    lines = "\n".join(f"\u2022{chr(0xFE00 + n)} step {i}" for i, n in enumerate(_nibbles(PAYLOAD)))
    assert _selectors(machine_text(lines)) == []


# Footnote definitions ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", ["\u00a0", "\u3000", "\u2003", "\u202f"], ids=["nbsp", "ideographic", "em", "nnbsp"])
def test_a_footnote_label_with_a_unicode_blank_is_still_a_definition_for_github(blank):
    """cmark-gfm's label is ``[^\\] \\r\\n\\x00\\t]+`` (bytes): only ASCII blanks end it; Python's ``\\s`` takes
    U+00A0 and the like too, so ``_FOOTNOTE_START`` misses the line (checked with cmarkgfm 2025.10.22: the warning
    moves to the footnotes, or is dropped if nothing refers to it)."""
    text = f"Restart it.[^n{blank}1]\n\n[^n{blank}1]: Do not restart production.\n"
    assert f"\\[^n{blank}1]: Do not" in machine_text(text)


def test_a_footnote_definition_inside_a_code_span_that_spans_lines():
    """Both the forum's renderer and CommonMark read the line as code (kept), but cmark-gfm's footnote definition
    interrupts the paragraph: GitHub shows "Run `echo" and drops the warning (checked with cmarkgfm)."""
    text = "Run `echo\n[^1]: Do not run this on production`\n\nok"
    assert not re.search(r"^\[\^1\]:", machine_text(text), re.MULTILINE)


# Link addresses --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["?q=C:\\temp", "#a\\b"])
def test_a_backslash_in_a_relative_links_query_or_fragment_leaves_it_a_link(address):
    """A browser reads "\\" as "/" in a special URL's host and path only: in the query and fragment "\\" and "%5C"
    are one address. Such a link was a link before d99116f."""
    text = f"See [the search]({address}) now."
    assert machine_text(text) == text


# The assistant's account ------------------------------------------------------------------------------------------


def test_an_api_only_colleague_named_like_the_assistant_is_never_taken_over(employee, eng_moderator, engineering,
                                                                              general, settings):
    """The token exchange (POST /api/v1/auth/token/) signs in without setting last_login: a colleague who uses the
    API only, and has not posted, has "signed in" by the docstring's own word, yet is locked and authors AI posts."""
    settings.ASSISTANT_USERNAME = "robin"
    person = UserFactory(username="robin")
    forum_services.api_token_issue(user=person)
    answer = submitted(employee, engineering, sources_in=general)

    with pytest.raises(InvalidTransition):
        approve(eng_moderator, answer)
    person.refresh_from_db()
    assert person.is_active and person.has_usable_password()
    assert not assistant_posts().exists()


def test_the_assistants_own_account_signed_into_is_locked_again(employee, eng_moderator,
                                                                                     engineering, general):
    """The assistant's own account, which authored AI posts and nothing else: an administrator gave it a password and
    signed in once. d99116f refused every publication from then on, and its remedy (rename "that account") would have
    moved every past AI post to the renamed account; it is locked again at the next publication."""
    approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    account = services.assistant_account()
    account.set_password("guessable")  # noqa: S106
    account.is_active = True
    account.last_login = timezone.now()
    account.save()

    post = approve(eng_moderator, submitted(employee, engineering, sources_in=general,
                                            title="Another question")).published_post

    account.refresh_from_db()
    assert post.author.username == settings.ASSISTANT_USERNAME
    assert not account.is_active and not account.has_usable_password()
