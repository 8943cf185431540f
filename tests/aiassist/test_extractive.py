"""The offline extractive engine: deterministic, quotes only what it was given, honest when it has nothing."""
import re

from aiassist.engines import SourceDoc
from aiassist.engines.extractive import ExtractiveEngine

QUESTION = "How should celery retries back off after network errors?"
CITATION = re.compile(r"\[(\d+)\]")


def sources():
    return [
        SourceDoc(number=1, title="Celery retry backoff", category="Engineering",
                  text="Set retry_backoff=True on the celery task. The retries then back off exponentially. "
                       "Lunch is at noon on Fridays."),
        SourceDoc(number=2, title="Network errors in workers", category="Engineering",
                  text="Network errors are transient, so retries are worth it. Cap the delay with "
                       "retry_backoff_max so celery retries stay bounded."),
        SourceDoc(number=3, title="Office plants", category="General",
                  text="Water the ficus every Tuesday. The cactus needs almost nothing."),
    ]


def test_same_input_gives_the_same_text():
    engine = ExtractiveEngine()
    first = engine.draft(QUESTION, sources())
    second = ExtractiveEngine().draft(QUESTION, sources())
    assert first == second
    assert first.model == "extractive-v1"


def test_quotes_relevant_sentences_with_citations_of_the_given_sources():
    draft = ExtractiveEngine().draft(QUESTION, sources())
    assert "Set retry_backoff=True on the celery task. [1]" in draft.text
    assert "Cap the delay with retry_backoff_max so celery retries stay bounded. [2]" in draft.text
    assert "Lunch is at noon" not in draft.text
    assert "ficus" not in draft.text  # the irrelevant source is neither quoted nor listed
    assert draft.cited == [1, 2]
    assert {int(n) for n in CITATION.findall(draft.text)} == {1, 2}
    assert "Sources:" not in draft.text  # the panel and the API list the sources themselves


def test_citations_inside_source_text_are_not_carried_over():
    borrowed = [SourceDoc(number=1, title="An older answer", category="Engineering",
                          text="Celery retries back off when retry_backoff=True is set [7][12].")]
    draft = ExtractiveEngine().draft(QUESTION, borrowed)
    assert draft.cited == [1]
    assert set(CITATION.findall(draft.text)) == {"1"}


def test_says_so_honestly_when_no_source_is_relevant():
    unrelated = [sources()[2]]
    draft = ExtractiveEngine().draft(QUESTION, unrelated)
    assert draft.cited == []
    assert "do not seem to answer this question" in draft.text
    assert "no answer to offer" in draft.text
    assert "ficus" not in draft.text
    assert not CITATION.search(draft.text)


def test_says_so_honestly_when_there_are_no_sources():
    draft = ExtractiveEngine().draft(QUESTION, [])
    assert draft.cited == []
    assert draft.text.startswith("I found nothing in the posts you can read")
    assert not CITATION.search(draft.text)


def test_questions_in_sources_are_never_quoted():
    asking = [SourceDoc(number=1, title="Same problem", category="Engineering",
                        text="How should celery retries back off after network errors? "
                             "Do celery retries back off by default? "
                             "Celery retries back off once retry_backoff is enabled.")]
    draft = ExtractiveEngine().draft(QUESTION, asking)
    assert "?" not in draft.text
    assert "- Celery retries back off once retry_backoff is enabled. [1]" in draft.text


def test_a_source_made_only_of_questions_yields_nothing():
    asking = [SourceDoc(number=1, title="Me too", category="Engineering",
                        text="Do celery retries back off? Does anyone know how network errors retry?")]
    draft = ExtractiveEngine().draft(QUESTION, asking)
    assert draft.cited == []
    assert "do not seem to answer" in draft.text


def test_at_most_two_sentences_per_source():
    chatty = [
        SourceDoc(number=1, title="Everything about celery retries", category="Engineering",
                  text=" ".join(f"Celery retries back off, variant {n} of the advice." for n in range(6))),
        SourceDoc(number=2, title="A second opinion", category="Engineering",
                  text="Celery retries back off more slowly with a larger retry_backoff."),
    ]
    draft = ExtractiveEngine().draft(QUESTION, chatty)
    bullets = [line for line in draft.text.splitlines() if line.startswith("- ")]
    assert sum(line.endswith("[1]") for line in bullets) == 2
    assert sum(line.endswith("[2]") for line in bullets) == 1
    assert draft.cited == [1, 2]


def test_at_most_max_sentences_in_all():
    many = [SourceDoc(number=n, title=f"Post {n}", category="Engineering",
                      text=f"Celery retries back off in setup {n}. Network errors retry in setup {n}.")
            for n in range(1, 6)]
    draft = ExtractiveEngine(max_sentences=3).draft(QUESTION, many)
    assert len([line for line in draft.text.splitlines() if line.startswith("- ")]) == 3


def test_long_sentences_are_shortened():
    long = [SourceDoc(number=1, title="Essay", category="Engineering",
                      text="Celery retries back off " + "and keep going " * 100 + "until done.")]
    draft = ExtractiveEngine(max_sentence_chars=80).draft(QUESTION, long)
    bullet = next(line for line in draft.text.splitlines() if line.startswith("- "))
    assert bullet.endswith("… [1]")
    assert len(bullet) < 100
