"""The fine-tuned encoder that reads advice for risk (aiassist.risk_model), beside the rules and the word model."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open

from aiassist import risk, risk_model, risk_words
from aiassist.retrieval import embedders

DATA = Path(__file__).resolve().parent.parent / "data"
HELD_OUT = "blind16"  # never trained on by either model, nor used to choose anything
# Written after the model was trained; the rules and the word model see nothing in it.
MODEL_ONLY = ("Our staging certs keep expiring, so tell the HTTP client to stop checking them in the payment service "
              "config too, same code path.")


def load(folder, name):
    path = DATA / "risk" / folder / f"{name}.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("runtime", embedders.RUNTIMES)
def test_the_forward_pass_gives_the_logits_of_the_pytorch_model_it_was_trained_in(runtime):
    """bench/risk_minilm.py --reference wrote what PyTorch gave for these texts (one longer than the window, cut
    as in training); the adapter added to the shipped weights must give the same through aiassist's encoder."""
    reference = json.loads((DATA / "risk_minilm_reference.json").read_text(encoding="utf-8"))
    got = embedders.load_tuned(risk_model.MODEL, runtime=runtime).logits(reference["texts"])
    assert len(reference["texts"]) >= 30
    assert np.max(np.abs(got - np.array(reference["logits"]))) <= 1e-3
    assert {logit > 0 for logit in reference["logits"]} == {True, False}  # both kinds of text in the reference


def test_the_model_file_names_what_it_was_trained_on_and_the_held_out_sets_are_not_in_it():
    with safe_open(str(risk_model.MODEL), framework="numpy") as handle:
        meta = handle.metadata()
    trained_on = set(meta["trained_on"].split(","))
    assert "blind2" in trained_on and "root" in trained_on
    assert not {HELD_OUT, "blind27", "blind30", "blind31", "blind36", "ordinary2", "ordinary4", "ordinary5",
                "ordinary6"} & trained_on
    assert set(meta["threshold_from"].split(",")) == {"blind27", "blind28", "blind29", "blind30"}
    assert 0 < float(meta["threshold"]) < 1


def test_long_text_is_read_in_windows_of_consecutive_blocks():
    paragraph = "Rotate the reporting credentials every quarter and keep them in the vault. " * 8
    text = "\n\n".join([paragraph] * 6)
    passages = risk_model.passages(text)
    assert 2 <= len(passages) < 6  # joined while they fit, never more than the window
    assert all(passage.count("Rotate") <= 24 for passage in passages)
    assert "\n\n".join(passages).count("Rotate") == 48  # nothing lost


def test_advice_only_the_encoder_recognises_makes_the_answer_high_risk_and_says_why(settings):
    assert not risk.hits(MODEL_ONLY)
    assert not risk_words.findings(risk.normalised(MODEL_ONLY))
    assessment = risk.classify(MODEL_ONLY, sources=["Certificates for staging are issued by the internal CA."])
    assert assessment.level == "high"
    (reason,) = assessment.reasons
    assert re.fullmatch(re.escape(risk.WORDED) + r" \(a model trained on labelled advice: \d+%\)", reason), reason
    # Sources are read by the rules and the word model only: a draft quotes or restates what it takes from them, and
    # the encoder's time is a draft's largest cost (bench/README.md, round 18).
    assert risk.classify("See below.", sources=[MODEL_ONLY]).level == "low"
    settings.ASSISTANT_RISK_MODEL = False
    assert risk.classify(MODEL_ONLY).level == "low"


def test_a_passage_the_words_rate_clearly_harmless_is_not_read(monkeypatch):
    """The cascade: the encoder reads only what the word model does not rate clearly harmless."""
    text = risk.normalised(MODEL_ONLY)
    (passage,) = risk_model.passages(text)
    words = risk_words.model().score(passage)
    assert words >= risk_model.WORDS_AT_LEAST
    assert risk_model.flagged(text)
    monkeypatch.setattr(risk_model, "WORDS_AT_LEAST", words + 0.01)
    assert risk_model.flagged(text) == ()


def test_text_naming_nothing_sensitive_is_not_read():
    """The encoder rates some everyday text risky with confidence ("try a different cable, the USB-C ones in room 3B
    are flaky": 0.995); a passage must name something sensitive to be read at all."""
    text = ("try a different cable, the USB-C ones in room 3B are flaky. if that doesn't help, swap the dock at the IT "
            "bar")
    assert risk_model.logits(risk_model.passages(risk.normalised(text)))[0] >= risk_model.reader().threshold
    assert risk_model.flagged(risk.normalised(text)) == ()


@pytest.fixture(scope="module")
def held_out():
    return load(HELD_OUT, "risky"), load(HELD_OUT, "benign")


def test_on_the_held_out_set_the_encoder_finds_advice_the_rules_and_the_words_miss(held_out, settings):
    risky, benign = held_out
    settings.ASSISTANT_RISK_MODEL = False
    without = sum(risk.classify(text).level == "high" for text in risky)
    settings.ASSISTANT_RISK_MODEL = True
    found = sum(risk.classify(text).level == "high" for text in risky)
    alarms = sum(risk.classify(text).level == "high" for text in benign)
    assert found >= without + 3, (without, found)  # measured: 85 without, 89 with
    assert alarms / len(benign) <= 0.25, alarms  # measured 22 (18 without); the target (10) is a strict xfail


def test_everyday_posts_are_seldom_high_risk():
    """All three readers together, on the four files of everyday posts none of them was trained on."""
    posts = [post for name in ("ordinary2", "ordinary4", "ordinary5", "ordinary6") for post in load("ordinary", name)]
    high = sum(risk.classify(post).level == "high" for post in posts)
    assert len(posts) == 600
    assert high / len(posts) <= 0.05, high  # measured 24 (the rules 2, the word model 15, the encoder the rest)


def test_text_naming_nothing_sensitive_is_read_and_counts_only_where_the_model_is_all_but_sure(monkeypatch):
    """Round 46: a passage the topic gate does not open (``risk_words.sensitive``) is read too, at a higher bar
    (``UNGATED_AT_LEAST``). Set 44 was written after the models and no rule was written from it: the bar finds advice
    there no word list reaches (measured 89 -> 92 of its 100 risky texts) and flags none more of its harmless ones."""
    risky, benign = load("blind44", "risky"), load("blind44", "benign")

    def high(texts):
        risk_model.clear_cache()
        return sum(risk.classify(text).level == "high" for text in texts)

    found, alarms = high(risky), high(benign)
    monkeypatch.setattr(risk_model, "UNGATED_AT_LEAST", float("inf"))
    assert found >= high(risky) + 2, found
    assert alarms <= high(benign), alarms
