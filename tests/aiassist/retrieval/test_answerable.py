"""The answerability model (aiassist.retrieval.answerable): the shipped encoder reading a question with its best thread.

Its figures on the labelled retrieval set are asserted in test_quality.py (the world of 1,000 distractors); here: that
the app runs the model PyTorch trained, reads what it was trained on, and that the abstention rule weighs it in only
where it should.
"""
import json
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open

from aiassist.retrieval import answerable, embedders, ranking
from aiassist.retrieval.ranking import RELEVANCE, PassageHit, ThreadHit
from forum.models import Thread

DATA = Path(__file__).resolve().parents[2] / "data"
VALIDATION = Path(__file__).resolve().parents[3] / "bench" / "data" / "answerable" / "train6.json"

# A thread of the file kept out of training (it chose the epoch), with a question it answers and three on its topic it
# does not answer, as their writer labelled them.
THREAD = next(t for t in json.loads(VALIDATION.read_text(encoding="utf-8"))["threads"]
              if t["key"] == "alertmanager-inhibit-warning")
ANSWERED = "when the 95% disk alert fires i don't want the 80% one for the same host too. how do i set that up"
NOT_ANSWERED = (
    "how do i route alerts with label team=payments to a separate slack channel while everything else keeps going "
    "to the default one?",
    "our slack notifications from the alert router only show the alert name. how do i customise the message "
    "template to include the summary annotation?",
    "how do we run the alert router as three replicas without on-call getting every notification three times?",
)


def hit(relevance_above_bar: float = 0.1) -> ThreadHit:
    """THREAD as the ranking would return it (best passages first), its relevance ``relevance_above_bar`` over the
    bar without the model."""
    thread = Thread(pk=1, title=THREAD["title"], author_id=1)
    passages = [PassageHit(id=2, post_id=2, thread_id=1, role="accepted", position=0, author_id=2,
                           plain=THREAD["answers"][0]["body"]),
                PassageHit(id=1, post_id=1, thread_id=1, role="question", position=0, author_id=1,
                           plain=THREAD["question"]),
                PassageHit(id=3, post_id=3, thread_id=1, role="reply", position=0, author_id=1,
                           plain="Thanks, that did it.")]
    found = ThreadHit(thread=thread, head=0.5, answer=0.4, margin=0.0, passages=passages)
    found.margin = (RELEVANCE["at"] + relevance_above_bar - ranking.relevance(found)) / RELEVANCE["margin"]
    return found


@pytest.mark.parametrize("runtime", embedders.RUNTIMES)
def test_the_forward_pass_gives_the_logits_of_the_pytorch_model_it_was_trained_in(runtime):
    reference = json.loads((DATA / "answerable_minilm_reference.json").read_text(encoding="utf-8"))
    got = embedders.load_tuned(answerable.MODEL, runtime=runtime).logits(reference["texts"])
    assert len(reference["texts"]) >= 20
    assert np.max(np.abs(got - np.array(reference["logits"]))) <= 1e-3
    assert {logit > 0 for logit in reference["logits"]} == {True, False}


def test_the_model_was_trained_on_its_own_data_only():
    with safe_open(str(answerable.MODEL), framework="numpy") as handle:
        meta = handle.metadata()
    # The files bench/answerable.py says it trains on (files 1-5 and 7-13 since round 21), never the labelled set.
    from bench.answerable import TRAIN_FILES, VALIDATION_FILES
    assert set(meta["trained_on"].split(",")) == {f"train{n}" for n in TRAIN_FILES}
    assert {"train1", "train5", "train13"} <= set(meta["trained_on"].split(","))
    assert meta["epoch_from"] == ",".join(f"train{n}" for n in VALIDATION_FILES) == "train6"


def test_the_model_reads_the_question_the_title_the_best_quotable_answer_and_the_opening_post():
    text = answerable.reading(ANSWERED, hit())
    question, title, answer, head = text.split(" [SEP] ")
    assert (question, title) == (ANSWERED, THREAD["title"])
    assert answer.startswith("Grouping only batches notifications")  # not the asker's own "thanks"
    assert head == THREAD["question"]


def test_a_long_question_is_cut_so_that_the_thread_stays_in_the_window():
    long = " ".join(["the disk alert pages twice for the same host"] * 40)
    question = answerable.reading(long, hit()).split(" [SEP] ")[0]
    assert long.startswith(question) and len(question) < len(long) / 3
    tokens = len(answerable.reader().encoder.tokenizer.encode(question).ids) - 2
    assert tokens == answerable.QUESTION_TOKENS


@pytest.fixture
def model_on(settings):
    settings.ASSISTANT_ANSWERABLE_MODEL = True
    assert RELEVANCE["reads"] > 0


def test_a_thread_on_the_topic_that_does_not_answer_is_declined_one_that_answers_is_not(model_on):
    """Just over the bar by closeness, the same thread: kept for the question it answers, declined for those on its
    topic it does not (none of these texts was trained on)."""
    assert ranking._confident([hit()], True, ANSWERED, passages=None)
    for question in NOT_ANSWERED:
        assert not ranking._confident([hit()], True, question, passages=None), question


def test_without_the_model_closeness_alone_decides(settings):
    settings.ASSISTANT_ANSWERABLE_MODEL = False
    for question in (ANSWERED, *NOT_ANSWERED):
        assert ranking._confident([hit()], True, question, passages=None)
    assert not ranking._confident([hit(-0.1)], True, ANSWERED, passages=None)


def test_the_model_is_read_only_where_it_could_change_the_decision(model_on, monkeypatch):
    read = []
    monkeypatch.setattr(answerable, "logit", lambda question, found: read.append(question) or 0.0)
    down, up = ranking._reach()
    assert min(down, up) > 0
    assert ranking._confident([hit(down + 0.01)], True, NOT_ANSWERED[0], passages=None)
    assert not ranking._confident([hit(-up - 0.01)], True, ANSWERED, passages=None)
    ranking._confident([hit()], True, "", passages=None)  # search and similar threads pass no question: never read
    assert read == []
    for above in (down - 0.01, 0.1, -up + 0.01):
        ranking._confident([hit(above)], True, ANSWERED, passages=None)
    assert read == [ANSWERED] * 3


def test_the_logit_counts_within_its_bounds_and_the_skipped_reading_could_not_have_changed_the_decision(model_on):
    """The model cannot lower a relevance by more than ``down`` or raise it by more than ``up``, however far out its
    logit: the questions ``_confident`` decides without reading it are decided as a reading would have."""
    low, high = ranking.READS_BOUNDS
    down, up = ranking._reach()
    found = hit(down + 0.01)
    for extreme in (low - 50.0, low, high, high + 50.0):
        assert ranking.relevance(found, reads=extreme) >= RELEVANCE["at"]
    assert ranking.relevance(found, reads=low - 50.0) == pytest.approx(ranking.relevance(found, reads=low))
    found = hit(-up - 0.01)
    for extreme in (low - 50.0, high, high + 50.0):
        assert ranking.relevance(found, reads=extreme) < RELEVANCE["at"]
    assert ranking.relevance(hit(0.0), reads=high + 50.0) - RELEVANCE["at"] == pytest.approx(up)


def test_a_model_that_cannot_be_loaded_leaves_the_decision_to_the_rest_of_the_rule(model_on, monkeypatch, tmp_path,
                                                                                   caplog):
    """A truncated or foreign file (a Git LFS pointer, say) costs the model's reading, not the draft: decided as
    without it, with one warning for the process."""
    broken = tmp_path / "answerable_minilm.safetensors"
    broken.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:0\nsize 2663864\n")
    monkeypatch.setattr(answerable, "MODEL", broken)
    monkeypatch.setattr(answerable, "_BROKEN_READERS", set())
    for question in NOT_ANSWERED:
        assert answerable.logit(question, hit()) is None
        assert ranking._confident([hit()], True, question, passages=None)  # as without the model
    assert not ranking._confident([hit(-0.1)], True, ANSWERED, passages=None)
    assert caplog.text.count("cannot be loaded") == 1


def test_a_fresh_process_loads_a_classifier_before_the_encoder_it_adapts():
    """A worker's first draft may read the model before anything has embedded: loading the classifier then loads its
    base encoder, and the two loaders must not wait on each other (they once shared a lock, and a fresh worker hung
    holding its database transaction)."""
    import subprocess
    import sys
    code = ("from aiassist.retrieval import answerable, embedders\n"
            "model = embedders.load_tuned(answerable.MODEL)\n"
            "assert embedders.load_tuned(answerable.MODEL) is model\n"
            "print(model.logits(['a question [SEP] a thread']).shape)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[3],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1,)"


def test_the_training_data_shares_no_thread_or_question_with_the_labelled_sets():
    """The model is calibrated and measured on bench/data/retrieval: none of its text may be in what it learnt from."""
    from bench import answerable as training
    from bench import retrieval_world
    labelled = {t["title"] for t in retrieval_world.labelled_threads()}
    labelled |= {q["question"] for q in retrieval_world.reworded_questions() + retrieval_world.unanswerable_questions()}
    for number in retrieval_world.BLIND_SETS:
        labelled |= {q["question"] for q in retrieval_world.blind_questions(number)
                     + retrieval_world.blind_unanswerable(number)}
    data = training.files(sorted(int(f.stem.removeprefix("train")) for f in training.DATA.glob("train*.json")))
    learnt = {t["title"] for d in data.values() for t in d["threads"]}
    learnt |= {q["question"] for d in data.values() for q in d["questions"] + d["unanswerable"]}
    assert len(data) >= 17 and len(learnt) > 4000 and len(labelled) > 700
    assert not learnt & labelled
