"""Passages that respect Markdown: verbatim slices of a post, cut only where a cut changes nothing."""
import re

import pytest

from aiassist.retrieval.passages import close_open_blocks, plain_text, split_markdown, sub_outside_code
from forum.markup import render_markdown

POST = """# Evicted pods

Our pods get evicted under disk pressure on the build nodes.

Set the ephemeral storage on the container:

```yaml
resources:
  requests:
    ephemeral-storage: "2Gi"

  limits:
    ephemeral-storage: "4Gi"
```

Then roll the deployment:

1. Drain the node.
2. Apply the manifest.
   - Check `kubectl get pods` first.

     It should list no pod in Evicted.
3. Uncordon the node.

| setting | value |
| --- | --- |
| requests | 2Gi |

> Tested on 1.29.

> And on 1.30."""


def joined(passages):
    return "\n\n".join(passages)


def test_empty_and_blank_input_has_no_passages():
    assert split_markdown("") == []
    assert split_markdown(" \n\t\n\r\n") == []


def test_passages_are_verbatim_slices_that_give_the_blocks_back():
    passages = split_markdown(POST, target_chars=80)
    assert len(passages) > 3
    assert joined(passages) == POST
    position = 0
    for passage in passages:
        position = POST.index(passage, position) + len(passage)


def test_each_passage_renders_as_it_did_in_the_post():
    passages = split_markdown(POST, target_chars=80)
    assert "\n".join(render_markdown(p) for p in passages) == render_markdown(POST)


def test_leading_and_trailing_blank_lines_are_dropped():
    assert split_markdown("\n\n  \nFirst paragraph.\n\n\n\nSecond.\n \n\n") == ["First paragraph.\n\n\n\nSecond."]


def test_crlf_gives_the_same_passages_as_lf():
    crlf = POST.replace("\n", "\r\n")
    assert split_markdown(crlf, target_chars=80) == split_markdown(POST, target_chars=80)
    assert not any("\r" in p for p in split_markdown(crlf, target_chars=80))


def test_small_neighbouring_blocks_merge_up_to_the_target():
    paragraphs = [f"Paragraph {n} " + "words " * 45 for n in range(3)]  # about 300 characters each
    passages = split_markdown("\n\n".join(paragraphs), target_chars=700)
    assert passages == ["\n\n".join(paragraphs[:2]), paragraphs[2]]


def test_a_5000_character_code_block_stays_one_passage():
    code = "\n".join(f"    step_{n:04d}: run --flag={n}" + ("\n" if n % 10 == 0 else "") for n in range(180))
    assert len(code) > 5000
    body = f"Before.\n\n```yaml\n{code}\n```\n\nAfter the block."
    passages = split_markdown(body, target_chars=300, max_chars=600)
    block = f"```yaml\n{code}\n```"
    assert [p for p in passages if "step_0000" in p] == [p for p in passages if "step_0179" in p]
    assert any(block in p for p in passages)
    assert sum(p.count("```") for p in passages) == 2


@pytest.mark.parametrize("fence, inner", [("~~~", "```"), ("````", "```"), ("```", "~~~")])
def test_fences_of_any_kind_and_length_are_never_cut(fence, inner):
    body = (f"{fence}python title=\"demo.py\"\nfirst()\n\n{inner}\n\nsecond()\n\n{inner}\n\nthird()\n{fence}\n\n"
            "Afterwards the text goes on.")
    passages = split_markdown(body, target_chars=20)
    assert passages[0] == body.split("\n\nAfterwards")[0]
    assert passages[1] == "Afterwards the text goes on."


def test_a_fence_closes_only_on_the_same_run_as_python_markdown_does():
    body = "```\ncode\n````\n\nstill code\n\n```\n\nText."
    assert split_markdown(body, target_chars=10) == ["```\ncode\n````\n\nstill code\n\n```", "Text."]


def test_an_unterminated_fence_runs_to_the_end():
    body = "Run this:\n\n```sh\nmake build\n\nmake test\n\n# and then\nmake deploy\n\n"
    assert split_markdown(body, target_chars=10) == [body.rstrip("\n")]


def test_indented_code_and_tabs_stay_verbatim_and_whole():
    body = "Intro paragraph here.\n\n    def f():\n\t\treturn 1\n\n    f()\n\nAfter the code, more text."
    passages = split_markdown(body, target_chars=20)
    assert passages == ["Intro paragraph here.", "    def f():\n\t\treturn 1\n\n    f()", "After the code, more text."]


def test_a_list_stays_with_the_paragraph_that_introduces_it():
    body = ("Some unrelated context that is long enough to stand alone as its own passage here.\n\n"
            "To rotate the key:\n\n- revoke the old key\n- issue a new one\n- redeploy")
    passages = split_markdown(body, target_chars=40)
    assert passages[-1] == "To rotate the key:\n\n- revoke the old key\n- issue a new one\n- redeploy"


def test_a_paragraph_directly_above_code_stays_with_it():
    body = "A first paragraph long enough to be alone.\n\nThen run\n```\nmake\n```"
    assert split_markdown(body, target_chars=30) == ["A first paragraph long enough to be alone.",
                                                     "Then run\n```\nmake\n```"]


def test_a_nested_list_with_blank_lines_and_continuations_stays_whole():
    nested = ("1. Install the agent.\n\n   It needs root.\n\n   - on Debian: `apt install agent`\n"
              "   - on macOS: `brew install agent`\n\n       extra indented detail\n\n"
              "2. Start it.\n\n* a second list, merged by Python-Markdown\n\n3. Done.")
    body = f"Preface paragraph.\n\n{nested}\n\nEpilogue paragraph."
    passages = split_markdown(body, target_chars=20, max_chars=40)
    assert passages == ["Preface paragraph.", nested, "Epilogue paragraph."]


def test_a_table_stays_whole_even_when_long():
    rows = "\n".join(f"| row {n} | This cell is a sentence. So is this one. |" for n in range(60))
    table = f"| name | notes |\n| :--- | ---: |\n{rows}"
    passages = split_markdown(f"Intro.\n\n{table}\n\nOutro.", target_chars=50, max_chars=100)
    assert table in passages


def test_a_heading_stays_with_what_follows():
    body = "Some text before the heading, long enough.\n\n## Fix\n\nRestart the worker with `--pool=solo`."
    passages = split_markdown(body, target_chars=30)
    assert passages == ["Some text before the heading, long enough.",
                        "## Fix\n\nRestart the worker with `--pool=solo`."]


def test_a_setext_heading_stays_with_what_follows():
    body = "Before, long enough to stand alone.\n\nFix\n---\n\nRestart the worker."
    assert split_markdown(body, target_chars=30)[-1] == "Fix\n---\n\nRestart the worker."


def test_blockquotes_separated_by_blank_lines_are_one_block():
    body = "> first line\n> second\n\n> third, after a blank line\n\nPlain text after it."
    assert split_markdown(body, target_chars=10)[0] == "> first line\n> second\n\n> third, after a blank line"


WARNINGS = [
    "Please don't: VACUUM FULL takes an ACCESS EXCLUSIVE lock.",
    "Don't run it during office hours.",
    "Do not run it on the primary.",
    "Never run it without a backup.",
    "**Warning:** it rewrites the whole table.",
    "⚠️ Careful, the lock blocks every query.",
    "Make sure you have a fresh backup first.",
    "Before you run it, stop the writers.",
    "Only after the backup finished.",
]


@pytest.mark.parametrize("warning", WARNINGS)
def test_a_warning_stays_with_the_advice_on_either_side(warning):
    # Which neighbour a warning qualifies is not knowable from the text: it keeps both.
    body = f"Run VACUUM FULL on the table.\n\n{warning}\n\nTune autovacuum instead."
    assert split_markdown(body, target_chars=30) == [body]


def test_a_warning_does_not_reach_across_a_heading_or_a_rule():
    body = "## Setup\n\nInstall it.\n\n## Vacuum\n\nDon't run VACUUM FULL.\n\n---\n\nUnrelated."
    assert split_markdown(body, target_chars=30) == [
        "## Setup\n\nInstall it.", "## Vacuum\n\nDon't run VACUUM FULL.", "---\n\nUnrelated."]


def test_instead_qualifies_what_comes_before_it():
    body = "Don't run VACUUM FULL.\n\nInstead, tune autovacuum.\n\nUnrelated text that comes afterwards."
    assert split_markdown(body, target_chars=30) == [
        "Don't run VACUUM FULL.\n\nInstead, tune autovacuum.", "Unrelated text that comes afterwards."]


def test_a_warning_that_ends_with_a_colon_introduces_what_follows():
    body = "Unrelated text that comes before it.\n\nNever run this on the primary:\n\n```sql\nVACUUM FULL;\n```"
    assert split_markdown(body, target_chars=30) == [
        "Unrelated text that comes before it.", "Never run this on the primary:\n\n```sql\nVACUUM FULL;\n```"]


def test_a_plain_paragraph_is_not_bonded_to_its_neighbours():
    body = "Run VACUUM FULL on the table.\n\nThe table is large.\n\nIt takes an hour."
    assert split_markdown(body, target_chars=30) == body.split("\n\n")


def test_a_long_paragraph_splits_at_sentence_ends():
    sentences = [f"Sentence number {n} says `stop. Here` and [see. This](https://x.example/{n}), e.g. Retries."
                 for n in range(40)]
    body = " ".join(sentences)
    passages = split_markdown(body, target_chars=300, max_chars=600)
    assert len(passages) > 1
    assert " ".join(passages) == body
    assert all(p.endswith("Retries.") and len(p) <= 300 for p in passages)
    assert all(p.startswith("Sentence number") for p in passages)  # never after "e.g.", in code or a link


def test_a_long_paragraph_is_never_cut_where_the_rest_would_start_a_list_or_a_heading():
    body = " ".join(f"Step {n} ends the year. 1986. # {n} is next. - Done. > Quoted." for n in range(30))
    passages = split_markdown(body, target_chars=200, max_chars=400)
    assert len(passages) > 1 and " ".join(passages) == body
    assert all(p.startswith("Step") for p in passages)
    assert all(render_markdown(p).startswith("<p>") and render_markdown(p).count("<p>") == 1 for p in passages)


def test_a_paragraph_under_the_limit_is_not_split():
    body = "One sentence here. " * 30
    assert split_markdown(body.strip(), target_chars=100, max_chars=1500) == [body.strip()]


def test_a_long_paragraph_without_sentence_ends_splits_at_line_breaks():
    body = "\n".join(f"log line {n} without a full stop" for n in range(100))
    passages = split_markdown(body, target_chars=200, max_chars=400)
    assert len(passages) > 5
    assert "\n".join(passages) == body
    assert all(len(p) <= 200 for p in passages)


def test_plain_text_keeps_words_and_code_and_drops_syntax():
    passage = ("## Fix\n\nUse **`retry_backoff=True`** &amp; see [the docs](https://docs.example/x) "
               "or \\[text\\](https://evil.example) and &lt;b&gt;.\n\n```python\nif a < b:\n    go()\n```\n\n"
               "| key | value |\n| --- | --- |\n| a | 1 |")
    assert plain_text(passage) == ("Fix Use retry_backoff=True & see the docs or [text](https://evil.example) and <b>. "
                                   "if a < b: go() key value a 1")


def test_plain_text_of_an_unterminated_fence_is_its_code():
    assert plain_text("```sh\nmake build\n") == "make build"


def test_close_open_blocks_closes_a_fence_and_raw_html_only_when_open():
    assert close_open_blocks("Run:\n\n```sh\nmake\n") == "Run:\n\n```sh\nmake\n```"
    assert close_open_blocks("<div>\nraw\n") == "<div>\nraw\n</div>"
    closed = "Run:\n\n~~~\nmake\n~~~"
    assert close_open_blocks(closed) == closed


def test_sub_outside_code_leaves_code_byte_for_byte():
    text = "See [1] and `a[1]`.\n\n```\nx = y[1]\n```\n\n    z[1]\n\n- item [1]\n\n  ```\n  w[1]\n  ```"
    out = sub_outside_code(re.compile(r"\[(\d+)\]"), r"<\1>", text)
    assert out == "See <1> and `a[1]`.\n\n```\nx = y[1]\n```\n\n    z[1]\n\n- item <1>\n\n  ```\n  w[1]\n  ```"
