"""The offline extractive engine: colleagues' answers quoted whole and verbatim, each cited, never a question."""
import re

from aiassist.engines import SourceDoc
from aiassist.engines.extractive import NOTHING_FOUND, ExtractiveEngine
from aiassist.retrieval.passages import split_markdown
from forum.markup import render_markdown

QUESTION = "Why are our build pods evicted, and how do we stop it?"
# The regex the drafting service renumbers citations with: what it matches is a citation.
CITATION = re.compile(r"\[(\d+)\]")

YAML = """resources:
  requests:
    ephemeral-storage: "2Gi"   # <- per container

  limits:
    ephemeral-storage: "4Gi"
\t# a tab, kept"""
SQL = "SELECT relname, n_dead_tup\n  FROM pg_stat_user_tables\n WHERE n_dead_tup > 1e6  -- [1] is not a citation\n;"
LIVE_EVIL_LINK = re.compile(r"<a [^>]*evil\.example")
STEPS = "1. Drain the node.\n2. Apply the manifest.\n3. Uncordon the node."


def doc(number, text, *, role="reply", author="bob", title="Pods evicted under disk pressure", url=None,
        thread_asker=False, score=1.0):
    url = f"/t/12/?post={30 + number}#post-{30 + number}" if url is None else url
    return SourceDoc(number=number, title=title, text=text, category="Engineering", role=role, author=author,
                     url=url, score=score, thread_asker=thread_asker)


def sources():
    return [
        doc(1, "How do I stop the build pods from being evicted under disk pressure?", role="question",
            author="carol", url="/t/12/?post=30#post-30"),
        doc(2, f"Set ephemeral storage on the container:\n\n```yaml\n{YAML}\n```", role="accepted", author="alice"),
        doc(3, f"Then roll it out:\n\n{STEPS}", role="reply"),
        doc(4, "Thanks, that fixed it! Does it also work on the GPU nodes?", role="reply", author="carol",
            thread_asker=True),
        doc(5, "The assistant said to raise the limits.", role="ai", author="assistant"),
    ]


def draft_of(docs, **config):
    return ExtractiveEngine(**config).draft(QUESTION, docs)


def test_same_input_gives_the_same_text():
    first = draft_of(sources())
    assert first == ExtractiveEngine().draft(QUESTION, sources())
    assert first.model == "extractive-v2"


def test_a_fenced_block_reaches_the_draft_byte_for_byte_inside_its_fence():
    sql = doc(6, f"Find the bloated tables first:\n\n```sql\n{SQL}\n```", role="reply")
    draft = draft_of([*sources(), sql])
    assert f"```yaml\n{YAML}\n```" in draft.text
    assert f"```sql\n{SQL}\n```" in draft.text
    html = render_markdown(draft.text)
    assert '<code class="language-yaml">resources:\n  requests:\n    ephemeral-storage: "2Gi"' in html
    assert "\n\n  limits:" in html  # the blank line inside the block is kept, the block is not cut


def test_a_numbered_list_stays_a_list():
    html = render_markdown(draft_of(sources()).text)
    assert "<ol>\n<li>Drain the node.</li>\n<li>Apply the manifest.</li>\n<li>Uncordon the node.</li>\n</ol>" in html


def test_questions_follow_ups_and_ai_answers_are_never_quoted():
    draft = draft_of(sources())
    assert "How do I stop the build pods" not in draft.text
    assert "Thanks, that fixed it" not in draft.text
    assert "The assistant said" not in draft.text
    assert draft.cited == [2, 3]
    assert "/t/12/?post=30#post-30" not in draft.text


def test_a_follow_up_by_the_threads_asker_is_skipped_whatever_its_role():
    draft = draft_of([doc(1, "I solved it myself by pruning images.", role="accepted", author="carol",
                          thread_asker=True)])
    assert draft.text == NOTHING_FOUND and draft.cited == []


def test_a_warning_stays_with_its_advice():
    post = ("## Background\n\nOur nightly job bloats the orders table.\n\n## Fix\n\n"
            "Please don't: VACUUM FULL takes an ACCESS EXCLUSIVE lock and blocks every query on the table.\n\n"
            "Tune autovacuum instead:\n\n```sql\nALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.01);\n```")
    passages = split_markdown(post, target_chars=120)
    assert len(passages) == 2
    docs = [doc(n, text, role="accepted", url="/t/7/?post=70#post-70") for n, text in enumerate(passages, start=1)]
    # The retrieved passage is the advice alone, yet the warning comes with it.
    draft = draft_of([d for d in docs if "Tune autovacuum" in d.text])
    warning = "Please don't: VACUUM FULL takes an ACCESS EXCLUSIVE lock"
    assert warning in draft.text and "Tune autovacuum instead" in draft.text
    assert draft.text.index(warning) < draft.text.index("Tune autovacuum instead")
    assert "Our nightly job" not in draft.text


def test_accepted_answers_come_first_then_replies_by_relevance():
    docs = [
        doc(1, "Reply A: prune the image cache nightly.", score=0.9),
        doc(2, "Accepted: set ephemeral-storage requests and limits.", role="accepted", score=0.5),
        doc(3, "Reply B: move the build cache to a volume.", score=0.4),
    ]
    text = draft_of(docs).text
    assert text.index("Accepted:") < text.index("Reply A:") < text.index("Reply B:")


def test_passages_of_one_post_stay_together_in_the_order_given():
    docs = [
        doc(1, "First passage of post P.", url="/t/3/?post=9#post-9"),
        doc(2, "Only passage of post Q.", url="/t/4/?post=11#post-11"),
        doc(3, "Second passage of post P.", url="/t/3/?post=9#post-9"),
    ]
    text = draft_of(docs).text
    assert text.index("First passage of post P.") < text.index("Second passage of post P.") < text.index("post Q.")
    assert text.startswith("Colleagues wrote the following in 2 posts you can read;")


def test_each_passage_is_cited_and_its_attribution_links_the_exact_post():
    draft = draft_of(sources())
    first_line = draft.text.split("\n")[0]
    assert first_line.startswith("Colleagues wrote the following in 2 posts you can read;")
    assert "verify it before you rely on it" in first_line
    assert [line for line in draft.text.split("\n") if line.startswith("— ")] == [
        "— *alice*, accepted answer in [Pods evicted under disk pressure](/t/12/?post=32#post-32) [2]",
        "— *bob*, reply in [Pods evicted under disk pressure](/t/12/?post=33#post-33) [3]",
    ]
    assert draft.text.index("```yaml") < draft.text.index("— *alice*") < draft.text.index("1. Drain")
    assert [int(n) for n in CITATION.findall(draft.text)] == [2, 3]
    html = render_markdown(draft.text)
    assert ('<a href="/t/12/?post=32#post-32" rel="noopener noreferrer nofollow">'
            "Pods evicted under disk pressure</a> [2]") in html
    assert '<a href="/t/12/?post=33#post-33" rel="noopener noreferrer nofollow">' in html


def test_titles_and_names_are_shown_as_written_and_cannot_add_citations():
    draft = draft_of([doc(1, "Prune the cache.", title="Why does *foo* [2] <b>&amp; fail?", author="john_doe")])
    assert CITATION.findall(draft.text) == ["1"]
    html = render_markdown(draft.text)
    assert "<em>john_doe</em>, reply in <a " in html
    assert ">Why does *foo* [2] &lt;b&gt;&amp;amp; fail?</a> [1]" in html


def test_without_a_url_there_is_no_link():
    draft = draft_of([doc(1, "Prune the cache.", url="", author="")])
    assert draft.text.endswith("— a colleague, reply in “Pods evicted under disk pressure” [1]")
    assert "<a " not in render_markdown(draft.text)


def test_another_answers_citation_markers_render_unchanged_but_are_not_citations():
    text = "As [2] and \\[7] said, prune the cache [12]. See [3](https://docs.example/prune)."
    draft = draft_of([doc(1, text)])
    assert draft.cited == [1]
    assert CITATION.findall(draft.text) == ["1"]
    assert render_markdown(text) in render_markdown(draft.text)


def test_a_reference_definition_in_a_post_cannot_capture_this_drafts_citation():
    first = "Use [the guide][1] or just [1].\n\n[1]: https://refs.example/guide"
    second = "See [the docs][docs].\n\n[docs]: https://second.example/docs"
    third = "Our [docs] differ.\n\n[docs]: https://third.example/docs"
    draft = draft_of([doc(1, first), doc(2, second, url="/t/5/?post=1#post-1"),
                      doc(3, third, url="/t/6/?post=2#post-2")])
    html = render_markdown(draft.text)
    for text in (first, second, third):
        assert render_markdown(text) in html  # every link goes where it went in its own post
    assert html.count('href="https://refs.example/guide"') == 2
    assert re.findall(r"</a> \[(\d)\]</p>", html) == ["1", "2", "3"]  # the citations are text, not links
    assert CITATION.findall(draft.text) == ["1", "2", "3"]


def test_quoted_code_keeps_brackets_that_look_like_citations():
    code = "```python\nvalue = row[1]  # [2]\n```"
    draft = draft_of([doc(1, f"Index it:\n\n{code}\n\nor inline `row[1]`.")])
    assert code in draft.text and "`row[1]`" in draft.text


def test_an_unterminated_fence_cannot_swallow_what_follows():
    docs = [doc(1, "Run:\n\n```sh\nmake clean\n", url="/t/1/?post=1#post-1"),
            doc(2, "Or:\n\n```sh\nmake prune\n```", url="/t/2/?post=2#post-2")]
    html = render_markdown(draft_of(docs).text)
    assert '<pre tabindex="0"><code class="language-sh">make clean\n</code></pre>' in html
    assert '<pre tabindex="0"><code class="language-sh">make prune\n</code></pre>' in html
    assert html.count("rel=\"noopener noreferrer nofollow\">Pods evicted under disk pressure</a> [") == 2


def test_escaped_markup_renders_in_the_draft_exactly_as_in_its_post():
    body = ("Do not click \\[text\\](https://evil.example) or "
            '&lt;a href="https://evil.example"&gt;x&lt;/a&gt;.\n\n'
            "Escapes: \\*not emphasis\\*, \\_not\\_, 1\\. not a list, \\# not a heading, a \\\\ backslash.\n\n"
            "Entities: &amp; &copy; &#42;stars&#42; &lt;script&gt;alert(1)&lt;/script&gt;.\n\n"
            "Code: ``a `tick` b`` and `<b>` and `&amp;`.")
    source_html = render_markdown(body)
    assert not LIVE_EVIL_LINK.search(source_html) and 'href="https://evil.example"' in source_html  # as text
    [passage] = split_markdown(body, target_chars=2000)
    draft_html = render_markdown(draft_of([doc(1, passage, role="accepted")]).text)
    assert source_html in draft_html
    assert not LIVE_EVIL_LINK.search(draft_html)
    assert "<script" not in draft_html


def test_the_budget_limits_passages_and_never_truncates_one():
    docs = [doc(n, f"Passage {n}: " + "prune the build cache often. " * 15, url=f"/t/{n}/") for n in range(1, 7)]
    assert draft_of(docs).cited == [1, 2, 3, 4]
    assert draft_of(docs, max_passages=10, max_chars=1500).cited == [1, 2, 3]
    huge = doc(1, "```text\n" + "x" * 6000 + "\n```", role="accepted", url="/t/9/")
    draft = draft_of([huge, *docs[1:]])
    assert draft.cited == [1]
    assert huge.text in draft.text


def test_says_so_honestly_when_there_are_no_sources():
    draft = draft_of([])
    assert draft.text == NOTHING_FOUND
    assert draft.text.startswith("Nothing in the posts you can read answers this question")
    assert draft.cited == [] and not CITATION.search(draft.text)


def test_says_so_honestly_when_the_sources_only_ask():
    draft = draft_of([sources()[0], sources()[3], sources()[4]])
    assert draft.text == NOTHING_FOUND and draft.cited == []
    assert "<a " not in render_markdown(draft.text)
