"""The forum's Markdown rendering on hostile posts: CPU seconds to render a text of one pattern repeated, with
Python-Markdown as released and with forum/markdown_linear.py (the forum's converters).

    .venv/bin/python bench/hostile_markdown.py                  # upstream at 8,000 characters, the forum's at 50,000
    .venv/bin/python bench/hostile_markdown.py --upstream-size 50000   # minutes: upstream is quadratic

Prints one line per pattern. bench/README.md, round 31, has the figures.
"""
import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

PATTERNS = ["[", "![", "[a](", "[[a]](b)", "[[a](b)", "-\n", "\n-", "---\n", "a\n---\n", "a\n===\n", "* * *\n",
            "<a href=", "|a\n", "# a\n", "- a\n", "> a\n", "[x](http://example.com) "]


def cpu(render, text: str) -> float:
    started = time.process_time()
    render(text)
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream-size", type=int, default=8_000)
    parser.add_argument("--size", type=int, default=None, help="the forum's size (default: BODY_MAX)")
    parser.add_argument("--only", nargs="*", type=int, help="the patterns to measure, by their line number from 1")
    args = parser.parse_args()
    import django

    django.setup()
    import markdown

    from forum import markup, services

    size = args.size or services.BODY_MAX
    upstream = markdown.Markdown(**markup._FORUM)

    def forum(text: str) -> str:
        return markup.markdown_html(text, converter="forum", **markup._FORUM)

    forum("warm up")
    print(f"{'pattern':<28} upstream at {args.upstream_size:,} chars   forum at {size:,} chars")
    for number, pattern in enumerate(PATTERNS, 1):
        if args.only and number not in args.only:
            continue
        def text(n: int, pattern=pattern) -> str:
            return (pattern * (n // len(pattern) + 1))[:n]

        before = cpu(lambda t: upstream.reset().convert(t), text(args.upstream_size))
        after = cpu(forum, text(size))
        print(f"{pattern!r:<28} {before:8.2f} s {after:24.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
