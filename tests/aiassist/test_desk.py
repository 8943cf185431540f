"""The review desk's reading aids: citation links, the diff of an edit, the approval state in words."""
from types import SimpleNamespace

from aiassist.desk import approval_state, body_diff, link_citations
from forum.markup import render_markdown


def test_citation_markers_link_to_existing_sources_only():
    html = render_markdown("Use pg_repack [1]. See also [2][3] and [1, 2]. Not a source: [7].")
    linked = link_citations(html, "a5-source", {1, 2, 3})
    assert '<a class="cite" href="#a5-source-1" aria-label="source 1">1</a>' in linked
    assert 'href="#a5-source-3"' in linked
    assert linked.count('href="#a5-source-1"') == 2
    assert "[7]" in linked and 'href="#a5-source-7"' not in linked


def test_markers_in_code_and_links_stay_text():
    html = render_markdown("Run `arr[1]` then:\n\n```python\nx = items[2]\n```\n\n"
                           "[see [1]](https://example.com) and [1].")
    linked = link_citations(html, "s", {1, 2})
    assert "<code>arr[1]</code>" in linked
    assert "items[2]" in linked and 'href="#s-2"' not in linked
    assert linked.count('href="#s-1"') == 1


def test_diff_shows_what_a_reviewer_changed_line_by_line():
    original = "Steps:\n\n1. Stop the service.\n2. Drop the table.\n3. Start it.\n\nDone."
    current = "Steps:\n\n1. Stop the service.\n2. Rename the table.\n3. Start it.\n\nDone."
    rows = body_diff(original, current)
    changed = [(r.kind, r.text) for r in rows if r and r.kind != "same"]
    assert changed == [("removed", "2. Drop the table."), ("added", "2. Rename the table.")]
    assert body_diff("same\ntext", "same\ntext") == []


def test_long_diffs_fold_unchanged_stretches():
    original = "\n".join(f"line {i}" for i in range(40))
    current = original.replace("line 3\n", "line three\n").replace("line 35", "line thirty-five")
    rows = body_diff(original, current)
    assert None in rows  # a fold between the two hunks
    assert sum(1 for r in rows if r and r.kind == "same") <= 8


def _approval(reviewer_id, current=True):
    return SimpleNamespace(reviewer_id=reviewer_id, current=current)


def test_state_after_my_approval_names_who_we_wait_for():
    me = SimpleNamespace(pk=7)
    state = approval_state(user=me, approvals=[_approval(7)], can_act=True, status="in_review",
                           needed={"have": 1, "need": 2, "needs_security_reviewer": True, "complete": False},
                           security_reviewers=["sam", "lee"])
    assert state["text"] == "You approved this text; waiting for a security reviewer (sam, lee)."
    assert not state["may_approve"]


def test_a_stale_approval_lets_me_approve_the_new_text():
    me = SimpleNamespace(pk=7)
    state = approval_state(user=me, approvals=[_approval(7, current=False)], can_act=True, status="in_review",
                           needed={"have": 0, "need": 1, "needs_security_reviewer": False, "complete": False},
                           security_reviewers=[])
    assert state["may_approve"] and state["text"] == ""


def test_others_see_the_count_and_can_add_theirs():
    me = SimpleNamespace(pk=9)
    state = approval_state(user=me, approvals=[_approval(8)], can_act=True, status="in_review",
                           needed={"have": 1, "need": 2, "needs_security_reviewer": False, "complete": False},
                           security_reviewers=[])
    assert state["text"] == "Approved 1 of 2; waiting for another reviewer."
    assert state["may_approve"]
    assert not approval_state(user=me, approvals=[], can_act=False, status="in_review", security_reviewers=[],
                              needed={"have": 0, "need": 1, "needs_security_reviewer": False})["may_approve"]
