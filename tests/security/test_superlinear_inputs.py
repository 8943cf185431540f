"""Text an employee controls never costs a worker seconds of CPU (round 31's review): each input below, at its field's
limit, took from seconds to minutes before its fix (the figures in each case's comment, on a 2-core CI machine), and
takes a few hundredths of a second now. Bounds are CPU time in units of ``linear``: the cost, measured beside them in
the same process, of rendering an ordinary post of the field's limit (0.37 s on round 38's machine). An absolute bound
(2 s for the angle brackets, 0.3 s here) failed in round 37's CI at 2.3 s: that run read everything several times
slower, so a bound must move with the machine. Each is generous (a tenth of the old cost or less, and ten times the
new one or more in that unit): what fails here is a return of the quadratic, not a slow machine. Each fix is pinned to
the old behaviour by its own equivalence test (tests/forum/test_markdown_linear.py, test_passages' and test_risk's
labelled sets) or below."""
import gc
import random
import re
import time

import pytest

from aiassist import desk, risk
from aiassist.retrieval import passages
from aiassist.services import review
from common.exceptions import InvalidInput
from forum import markup, services

POST_MAX = services.BODY_MAX  # 50,000: a post or reply
ANSWER_MAX = review.BODY_MAX  # 20,000: an AI answer or a reviewer's edit


def repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def cpu(function, *args) -> float:
    """CPU time of one call, with Python's cyclic collector held off: late in a full run a collection walks the whole
    suite's heap, and round 40's CI counted one (0.5 s) against a split that takes 0.02 s here."""
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        function(*args)
        return time.process_time() - started
    finally:
        gc.enable()


ORDINARY = repeated("Restart the `worker` with **care**; see [the docs](https://wiki.example/a) if a < b. ", POST_MAX)


@pytest.fixture
def linear() -> float:
    """The unit of every bound here: a rendering of an ordinary post of the field's limit, measured right before each
    test (once a module, a unit measured in a quiet moment bounded a test run while the suite beside it was busy:
    round 41, 0.85 units measured alone, over 3 in a full run; a busy moment now makes the unit larger, not the
    test fail)."""
    return cpu(lambda: markup.render_markdown(markup.machine_text(ORDINARY)))


@pytest.mark.parametrize(("text", "bound"), [
    ("a\n\n" + "*" * (POST_MAX - 5) + "x", 5.0),  # the warning pattern's two classes of marks: 171 s
    ("a|b\n" + " " * (POST_MAX - 6) + "|x", 2.0),  # a table delimiter's blanks: 20 s
    ("a|b\n|-" + " " * (POST_MAX - 7) + "x", 0.5),  # a long sentence's line gaps: 2 s
    (repeated("<div>\n\n", POST_MAX), 1.0),  # each unclosed block's closing tag looked for to the end: 3.6 s
], ids=["warning marks", "table delimiter", "line gaps", "unclosed html blocks"])  # 0.003-0.05 linear now
def test_the_passage_index_splits_a_hostile_post_in_linear_time(text, bound, linear):
    assert cpu(passages.split_markdown, text) < bound * linear


@pytest.mark.parametrize(("text", "bound"), [
    (repeated("\\*", POST_MAX - 1) + "\U0001F600", 2.0),  # an escape per two characters, 4 bytes each: 6.8 s; 0.27 now
    ("<" * (POST_MAX - 1) + "\U0001F600", 3.0),  # "&lt;" for each, as an AI answer's preview: 8.7 s; 0.84 now
], ids=["escapes", "angle brackets"])
def test_a_paragraph_of_inline_matches_renders_in_linear_time(text, bound, linear):
    assert cpu(lambda: markup.render_markdown(markup.machine_text(text))) < bound * linear


def test_a_paragraph_too_full_of_inline_matches_is_shown_as_written():
    for escapes in (repeated("\\*", POST_MAX), repeated("\\*", POST_MAX - 1) + "\U0001F600"):  # 25,000 in one
        assert markup.render_markdown(escapes).startswith("<p>\\*\\*")  # as written (upstream: a "*" for each)
    assert markup.render_markdown(repeated("\\*", 2_000)).startswith("<p>**")  # an ordinary paragraph
    assert "<code>a</code>" in markup.render_markdown(repeated("`a` ", 8_000))  # 2,000 spans in one paragraph


def test_definitions_are_escaped_in_a_text_shown_as_written():
    """Past the inline budget the forum shows an answer as written, but an API client's renderer still reads its link
    reference definitions: the block parser recorded them before the inline step stopped, and they are escaped."""
    text = "See [the source][1].\n\n[1]: https://evil.example/track\n\n" + "\\*" * 9000  # under ANSWER_MAX
    stored = markup.machine_text(text)
    assert "\\[1]: https://evil.example/track" in stored
    assert markup.escape_reference_definitions(stored) == stored  # nothing left to escape


def test_an_unedited_answer_grown_by_machine_text_is_still_its_own_text_when_posted_back():
    """A draft of ANSWER_MAX characters is stored longer (each "<" becomes "&lt;"); the desk posts it back unedited
    for an approval, which must read it as no edit rather than refuse it as too long."""
    stored = markup.machine_text(repeated("Use `a < b` or compare a<b in prose. ", ANSWER_MAX).strip())
    assert len(stored) > ANSWER_MAX
    assert review._normalised(stored.replace("\n", "\r\n"), stored) == stored
    with pytest.raises(InvalidInput, match="at most"):  # an edit of it is held to the limit
        review._normalised(stored + " Edited.", stored)


def test_nested_bidirectional_entities_are_removed_in_a_few_passes_and_never_close_up(linear):
    depth = POST_MAX // 10
    text = "&#82" * depth + "&#8238;" + "38;" * depth  # each removal closes up one more entity: 3 s at 50,000
    assert cpu(markup.machine_text, text) < linear  # 0.02 linear
    cleaned = markup.machine_text(text)
    assert "\u202e" not in cleaned and not re.search(r"&#0*8238;", cleaned)
    assert markup.machine_text("a &#82&#8238;38; b") == "a  b"  # shallow nesting: removed as before


def test_a_reviewers_edit_beyond_the_answer_limit_is_refused_before_it_is_read(linear):
    """The web form's field has no limit of its own: 2.5 MB of "![" would have been read for hours."""
    started = time.process_time()
    with pytest.raises(InvalidInput, match="at most"):
        review._normalised(repeated("\\![", 2_500_000))
    with pytest.raises(InvalidInput, match="at most"):
        review._normalised("<" * (review.STORED_MAX + 1))
    # Round 34's review: 80,000 characters that keep machine_text busy (14 s of CPU); an edit is refused beyond the
    # answer limit before it is read, bidirectional controls aside (machine_text drops them).
    with pytest.raises(InvalidInput, match="at most"):
        review._normalised(repeated("[" * 1000 + "1](https://evil.example/)", review.STORED_MAX))
    assert time.process_time() - started < linear  # 0.01 linear
    assert review._normalised("  fine\r\n") == "fine"
    assert review._normalised("\u202e" * review.BODY_MAX + "fine") == "fine"


def test_the_review_desks_preview_reads_at_most_an_answers_length():
    from forum import views

    assert views.AI_ANSWER_PREVIEW_MAX == review.BODY_MAX < services.BODY_MAX


def test_links_that_never_settle_are_stored_in_bounded_time():
    """Each round's escapes form new links ("[[[…1](u)" repeated): every round runs, then the last guard. What bounds
    the cost is the number of rounds (``_MACHINE_ROUNDS``), not this text's thousand that would settle it: about four
    times one round's pass over its links (``_masked_links``, the dearest step), measured beside it on the same text, so
    a slower machine moves both sides. An absolute bound (8 s, "3.1 s here") failed on round 37's machine: 7-12 s, at
    4.1 times the pass there as on a faster interpreter (a settling loop without its cap: about a thousand times)."""
    text = repeated("[" * 1000 + "1](https://evil.example/)", review.BODY_MAX)
    one_pass = cpu(markup._masked_links, text)
    assert cpu(markup.machine_text, text) < 8 * one_pass
    stored = markup.machine_text(text)
    assert "evil.example" not in "".join(re.findall(r'href="([^"]*)"', markup.render_markdown(stored)))


@pytest.mark.parametrize("unit", ["curl -", "xargs git push ", "iptables ", "chmod -R "])
def test_a_risk_rules_gap_is_read_a_bounded_way(unit, linear):
    risk.hits.cache_clear()
    assert cpu(risk.hits, repeated(unit, POST_MAX)) < 5 * linear  # "curl -": 9.4 s, 0.5 linear now


def test_bounded_gaps_keep_every_match_shorter_than_the_rules_reach():
    assert risk._bounded_gaps(r"\bcurl\b[^\n|;`]*?\s-k|(?![^\n]*\s-s\s)[^\]\n]*x[^\n]*+y") == (
        rf"\bcurl\b[^\n|;`]{{0,{risk.GAP_MAX}}}?\s-k|(?![^\n]{{0,{risk.GAP_MAX}}}\s-s\s)"
        rf"[^\]\n]{{0,{risk.GAP_MAX}}}x[^\n]*+y")
    assert risk.hits("Run curl -H 'Accept: application/json' -s -k https://internal.example.com/health")  # still high


def test_the_review_desks_diff_of_many_equal_lines_is_quick_and_still_a_diff(linear):
    original = repeated("a\n", ANSWER_MAX)
    edited = original + "z"
    assert cpu(desk.body_diff, original, edited) < linear  # every pair of equal lines matched: 10 s; 0.01 linear now
    rows = [row for row in desk.body_diff(original, edited) if row is not None]
    assert [(row.kind, row.text) for row in rows if row.kind != "same"] == [("added", "z")]
    small = desk.body_diff("one\ntwo\nthree", "one\n2\nthree")
    assert [(row.kind, row.text) for row in small if row] == [
        ("same", "one"), ("removed", "two"), ("added", "2"), ("same", "three")]


def test_line_gaps_are_the_patterns_matches():
    pattern, rng = re.compile(passages._LINE_GAP_PATTERN), random.Random(31)
    for _ in range(20_000):
        text = "".join(rng.choice(" \t\na\r\u2003\x0b") for _ in range(rng.randint(0, 16)))
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        assert passages._line_gaps(text, start, end) == [m.span() for m in pattern.finditer(text, start, end)]
