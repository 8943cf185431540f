"""What ``machine_text_dropped`` keeps of variation selectors and zero-width characters (round 45's review): only where
they shape what is shown, one at a time; a run of them, which spells any bytes, is gone."""
import pytest

from forum.markup import machine_text, machine_text_dropped


@pytest.mark.parametrize(("text", "expected"), [
    ("a\ufe0f\ufe01b", "ab"),  # after an ASCII letter a selector selects nothing
    ("Run it.\ufe00\ufe01\ufe02\U000e0100\U000e0150", "Run it."),
    ("\u2764\ufe0f ok", "\u2764\ufe0f ok"),  # an emoji's emoji form
    ("1\ufe0f\u20e3", "1\ufe0f\u20e3"),  # a keycap
    ("\u2764\ufe0f\ufe0f\ufe0e", "\u2764\ufe0f"),  # one selector, not a run
    ("\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f468\u200d\U0001f469\u200d\U0001f467"),  # a family emoji
    ("\u2764\ufe0f\u200d\U0001f525", "\u2764\ufe0f\u200d\U0001f525"),  # heart on fire
    ("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),  # Persian
    ("\u845b\U000e0100\u57ce", "\u845b\U000e0100\u57ce"),  # an ideographic variant
    ("\u845b\U000e0100\U000e0101\u57ce", "\u845b\U000e0100\u57ce"),
    ("x\u200b\u200cy", "xy"),  # between ASCII letters: nothing to shape
    ("ok\u200b\u200b\u200b", "ok"),
    ("\u200dstart", "start"),
    ("a\u2060b\ufeffc\u2062d\u180ee", "abcde"),  # word joiner, byte order mark, invisible times, Mongolian separator
])
def test_invisible_characters_are_kept_only_where_they_shape_the_text(text, expected):
    assert machine_text_dropped(text) == expected
    assert machine_text(text) == expected


def test_a_byte_a_selector_spells_nothing_any_more():
    hidden = "".join(chr(0xFE00 + b) if b < 16 else chr(0xE0100 + b - 16) for b in b"purge production")
    assert machine_text_dropped(f"Restart the worker.{hidden}") == "Restart the worker."
