"""The risk encoder's reading of each passage, made when the passage is indexed and used by every draft that quotes it
whole (aiassist.risk_model.flagged's ``apart`` and ``read``; retrieval.index.posts_index stores it)."""
import math
from pathlib import Path

import pytest

from aiassist import risk, risk_model, risk_words, services
from aiassist.engines import SourceDoc
from aiassist.engines.extractive import ExtractiveEngine
from aiassist.models import AIAnswer
from aiassist.retrieval import index
from aiassist.retrieval.models import Passage
from aiassist.sources import stored_risk_readings
from forum import services as forum_services
from forum.models import Post

from ..factories import UserFactory, make_thread

# Advice only the encoder recognises (test_risk_model.py asserts that the rules and the word model see nothing in it).
MODEL_ONLY = ("Our staging certs keep expiring, so tell the HTTP client to stop checking them in the payment service "
              "config too, same code path.")
BENIGN = ("Renew the staging certificates with the internal CA's ACME endpoint; the cert-manager issuer in the "
          "platform namespace does it every sixty days and logs each renewal.")
SHORT = "Thanks, that fixed it."


def sigmoid(logit):
    return 1 / (1 + math.exp(-logit))


def draft_of(*texts):
    sources = [SourceDoc(number=n, title=f"Thread {n}", text=text, role="reply", author=f"author{n}",
                         url=f"/t/{n}/?post={n}#post-{n}") for n, text in enumerate(texts, start=1)]
    body = ExtractiveEngine().draft("Why do the staging certificates fail?", sources).text
    return risk.normalised(body), [risk.normalised(text) for text in texts]


@pytest.fixture
def encoder_reads(monkeypatch):
    """The texts the encoder is given, from here on (nothing remembered from earlier tests)."""
    risk_model.clear_cache()
    model, seen = risk_model.reader(), []
    original = model.logits

    def logits(texts):
        seen.extend(texts)
        return original(texts)

    monkeypatch.setattr(model, "logits", logits)
    yield seen
    risk_model.clear_cache()


def test_a_quoted_passage_is_read_on_its_own_as_the_index_reads_it(encoder_reads):
    body, sources = draft_of(BENIGN, MODEL_ONLY, BENIGN.replace("sixty", "ninety"))
    (alone,) = risk_model.readings([risk.normalised(MODEL_ONLY)])
    assert alone >= risk_model.reader().threshold
    findings = risk_model.flagged(body, apart=sources)
    assert [finding.passage for finding in findings] == [risk.normalised(MODEL_ONLY)]
    assert findings[0].probability == pytest.approx(sigmoid(alone), abs=1e-6)
    # Never joined with its neighbours: no text the encoder read holds the risky passage and a neighbour's words.
    assert not [text for text in encoder_reads if "stop checking" in text and "ACME" in text]


def test_with_the_stored_readings_the_draft_finds_the_same_and_the_encoder_reads_none_of_what_it_quotes(
        encoder_reads):
    body, sources = draft_of(BENIGN, MODEL_ONLY)
    computed = risk_model.flagged(body, apart=sources)
    stored = dict(zip(sources, risk_model.readings(sources), strict=True))
    assert stored[risk.normalised(MODEL_ONLY)] is not None
    risk_model.clear_cache()
    encoder_reads.clear()
    assert risk_model.flagged(body, apart=sources, read=stored) == computed
    assert not [text for text in encoder_reads if "stop checking" in text or "ACME" in text], encoder_reads


def test_a_draft_whose_own_words_name_nothing_sensitive_costs_no_model_pass(encoder_reads):
    sources = [SourceDoc(number=n, title=f"Thread {n}", text=text, role="reply", author=f"colleague{n}",
                         url=f"/t/{n}/?post={n}#post-{n}") for n, text in enumerate((BENIGN, MODEL_ONLY), start=1)]
    draft = ExtractiveEngine().draft("Why do the staging certificates fail?", sources)
    body, apart = risk.normalised(draft.text), [risk.normalised(s.text) for s in sources]
    framing = [risk.normalised(line) for line in draft.framing]
    stored = dict(zip(apart, risk_model.readings(apart), strict=True))
    expected = risk_model.flagged(body, apart=apart, framing=framing)
    assert [finding.passage for finding in expected] == [risk.normalised(MODEL_ONLY)]
    risk_model.clear_cache()
    encoder_reads.clear()
    # The opening line's "verify" does not open the topic gate for the titles and names around it.
    assert risk_model.flagged(body, apart=apart, read=stored, framing=framing) == expected
    assert encoder_reads == []


def test_a_stored_reading_is_used_only_for_the_exact_text_it_was_made_from(encoder_reads):
    body, sources = draft_of(BENIGN, MODEL_ONLY)
    # The stored reading is what the draft goes by for a passage it quotes whole...
    quiet = {risk.normalised(MODEL_ONLY): -30.0, risk.normalised(BENIGN): None}
    assert risk_model.flagged(body, apart=sources, read=quiet) == ()
    # ...and only then: quoted with a word changed, the passage is read here, with the draft's own words.
    changed = body.replace("same code path", "same code path, every service")
    risk_model.flagged(changed, apart=sources, read=quiet)
    assert [text for text in encoder_reads if "every service" in text and "Colleagues wrote" in text]
    # Joined as before: an unquoted text has no passages apart.
    assert risk_model.flagged(risk.normalised(MODEL_ONLY)) == risk_model.flagged(body, apart=sources)


TITLE = "Payment service calls fail because the staging certificates keep expiring"


# Advice in a thread's title, which the draft shows in the attribution (the rules and the word model miss it).
ADVICE_TITLE = "Untick IP Address Rules for the whole account and the vendor webhook works"


def test_the_engine_s_own_paragraphs_are_read_as_the_reader_sees_them_together(encoder_reads):
    sources = [SourceDoc(number=1, title=TITLE, text=BENIGN, role="reply", author="sre", url="/t/6/?post=12#post-12")]
    draft = ExtractiveEngine().draft("Why do the staging certificates fail?", sources)
    assert draft.framing and all(line in draft.text.split("\n\n") for line in draft.framing)
    assert BENIGN not in "".join(draft.framing) and TITLE in draft.framing[-1]
    attribution = risk.normalised(draft.framing[-1])
    # Read alone, the title in an attribution is advice to the encoder: the framing is read together.
    assert [finding.passage for finding in risk_model.flagged(attribution)] == [attribution]
    body, apart = risk.normalised(draft.text), [risk.normalised(BENIGN)]
    framing = [risk.normalised(line) for line in draft.framing]
    encoder_reads.clear()
    assert risk_model.flagged(body, apart=apart, read={apart[0]: None}, framing=framing) == ()
    (read,) = encoder_reads
    assert "Colleagues wrote" in read and TITLE in read and "sre, reply in" in read
    assert "/t/6/" not in read and "*sre*" not in read  # a link's text, not its address; no emphasis marks


@pytest.mark.xfail(strict=True, reason="Known gap (bench/README.md round 32): a source thread's title is read by the "
                   "encoder with the draft's opening line, not with the passage it heads, and this advice in a title "
                   "reads as harmless there; the rules and the word model read it too, and miss it. Read alone a title "
                   "reads as advice to the encoder whatever it says (TITLE: 98 %).")
def test_advice_in_a_source_thread_s_title_is_read_in_the_attribution(encoder_reads):
    sources = [SourceDoc(number=1, title=ADVICE_TITLE, text=BENIGN, role="reply", author="sre",
                         url="/t/6/?post=12#post-12")]
    draft = ExtractiveEngine().draft("Why does the vendor webhook fail?", sources)
    assert not risk.hits(ADVICE_TITLE) and not risk.hits(draft.text)
    assessment = risk.classify(draft.text, sources=[BENIGN], read={BENIGN: None}, framing=draft.framing)
    assert assessment.level == "high" and [r for r in assessment.reasons if r.startswith(risk.WORDED)]


# Advice worded around the topic gate's words (round 32's review): no word of risk_words._SENSITIVE in it.
NVR = ("Security wants to watch the cameras from their phones, so just put the NVR on the guest Wi-Fi as well. "
       "Way easier than the VPN.")


def test_a_quoted_passage_is_read_without_the_topic_gate(encoder_reads):
    normal = risk.normalised(NVR)
    assert not risk_words.sensitive(normal) and not risk_model._gated(risk_model.passages(normal))
    # A text of its own: read at the bar of a text naming nothing sensitive (round 46), which this one reaches.
    (own,) = risk_model.flagged(normal)
    assert own.probability >= 1 / (1 + math.exp(-risk_model.UNGATED_AT_LEAST))
    (reading,) = risk_model.readings([normal])
    assert reading is not None and reading >= risk_model.reader().threshold
    body, sources = draft_of(BENIGN, NVR)
    assert [finding.passage for finding in risk_model.flagged(body, apart=sources)] == [normal]


@pytest.mark.django_db
def test_the_index_stores_each_passage_s_reading_with_what_made_it(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Staging certificates", body="Why do they expire?",
                         replies=[(other_employee, MODEL_ONLY), (employee, SHORT), (other_employee, BENIGN)])
    passages = list(Passage.objects.filter(thread=thread, role=Passage.Role.REPLY).order_by("post_id", "position"))
    assert {p.risk_read_by for p in passages} == {risk.reading_key()} and risk.reading_key().startswith("r2/")
    expected = risk_model.readings([risk.normalised(p.text) for p in passages])
    assert [p.risk_logit for p in passages] == pytest.approx(expected, abs=1e-9)
    by_text = {p.text: p.risk_logit for p in passages}
    assert by_text[MODEL_ONLY] >= risk_model.reader().threshold
    assert by_text[SHORT] is None  # nothing in it the encoder reads


@pytest.mark.django_db
def test_passages_no_draft_quotes_are_not_read(employee, other_employee, engineering, encoder_reads):
    # A thread's question and a published AI answer are never quoted as advice (ThreadHit.quotable): the index does not
    # spend an encoder pass on them, even when they read as risky, and stores them unread.
    thread = make_thread(employee, engineering, title="Staging certificates", body=MODEL_ONLY,
                         replies=[(other_employee, BENIGN)])
    Post.objects.create(thread=thread, author=other_employee, kind=Post.Kind.ASSISTANT,
                        body=MODEL_ONLY.replace("payment", "billing"))
    encoder_reads.clear()
    assert index.threads_index([thread.pk], force=True) == 3
    rows = {role: (read_by, logit) for role, read_by, logit in
            Passage.objects.filter(thread=thread).values_list("role", "risk_read_by", "risk_logit")}
    assert rows[Passage.Role.QUESTION] == rows[Passage.Role.AI] == ("", None)
    assert rows[Passage.Role.REPLY] == (risk.reading_key(), pytest.approx(risk_model.readings([BENIGN])[0]))
    assert not [text for text in encoder_reads if "stop checking" in text]
    assert index.threads_index([thread.pk]) == 0  # unread by design is not "read by other models": nothing redone


@pytest.mark.django_db
def test_another_risk_model_re_reads_on_the_next_index_and_its_old_readings_are_not_used(
        employee, other_employee, engineering, monkeypatch):
    make_thread(employee, engineering, title="Staging certificates", body="Why do they expire?",
                replies=[(other_employee, MODEL_ONLY)])
    ids = list(Post.objects.values_list("pk", flat=True))
    old_key = risk.reading_key()
    assert index.posts_index(ids) == 0  # unchanged: nothing read again
    # A question read by an index of round 32 (which read every passage) is set unread in place.
    Passage.objects.filter(role=Passage.Role.QUESTION).update(risk_read_by=old_key, risk_logit=-3.0)
    assert index.posts_index(ids) == 1
    assert Passage.objects.filter(role=Passage.Role.QUESTION, risk_read_by="", risk_logit=None).exists()
    rows = list(Passage.objects.values_list("text", "risk_read_by", "risk_logit"))
    assert risk.stored_readings(rows).keys() == {MODEL_ONLY}  # the reply's; the question is not read
    passages = set(Passage.objects.values_list("pk", "vector__embed_model"))
    monkeypatch.setattr(risk, "reading_key", lambda: "r9/another-model")
    assert risk.stored_readings(rows) == {}  # made by the old model: the draft reads the passage itself
    assert index.posts_index(ids) == 1  # the rebuild and the catch-up read the reply again...
    assert dict(Passage.objects.values_list("role", "risk_read_by")) == {
        Passage.Role.QUESTION: "", Passage.Role.REPLY: "r9/another-model"}  # (a question is never read)
    assert set(Passage.objects.values_list("pk", "vector__embed_model")) == passages  # ...in place, not re-embedded


def test_the_reading_key_covers_the_code_that_reads(monkeypatch, tmp_path):
    before = risk_model.reading_key()
    changed = tmp_path / "risk_words.py"
    changed.write_text(Path(risk_words.__file__).read_text() + "\n# a changed gate\n")
    monkeypatch.setattr(risk_words, "__file__", str(changed))
    risk_model.reading_key.cache_clear()
    try:
        assert risk_model.reading_key() != before
    finally:
        monkeypatch.undo()
        risk_model.reading_key.cache_clear()
    assert risk_model.reading_key() == before
    assert risk.reading_key().startswith(before + "/")  # and the normalisation's tables


@pytest.mark.django_db
def test_a_failing_encoder_leaves_passages_indexed_and_unread(employee, other_employee, engineering, monkeypatch):
    def broken(texts):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(risk_model, "readings", broken)
    make_thread(employee, engineering, title="Staging certificates", body="Why do they expire?",
                replies=[(other_employee, MODEL_ONLY)])
    assert set(Passage.objects.values_list("risk_read_by", "risk_logit")) == {("", None)}
    assert Passage.objects.filter(text=MODEL_ONLY).exists()


@pytest.mark.django_db
def test_with_the_encoder_off_nothing_is_read_or_stored(employee, other_employee, engineering, settings):
    settings.ASSISTANT_RISK_MODEL = False
    make_thread(employee, engineering, title="Staging certificates", body="Why do they expire?",
                replies=[(other_employee, MODEL_ONLY)])
    assert set(Passage.objects.values_list("risk_read_by", "risk_logit")) == {("", None)}
    assert risk.stored_readings([(MODEL_ONLY, "", None)]) == {}


@pytest.fixture
def certs_answer(employee, engineering):
    """A draft quoting MODEL_ONLY, retrieved for a reworded question."""
    make_thread(UserFactory(username="payments"), engineering, title=TITLE,
                body="The payment service rejects the staging certificates every few weeks. What do we do?",
                replies=[(UserFactory(username="sre"), MODEL_ONLY)])
    question = make_thread(employee, engineering,
                           title="Expired staging certificates break the payment service client",
                           body="How do we stop the payment service failing on expired staging certs?")

    def draft():
        return services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)

    return draft


@pytest.mark.django_db
def test_a_draft_goes_by_the_reading_the_index_stored_for_what_it_quotes(certs_answer, encoder_reads):
    answer = certs_answer()
    assert MODEL_ONLY in answer.body
    assert answer.risk == AIAnswer.Risk.HIGH, answer.risk_reasons
    assert [reason for reason in answer.risk_reasons if reason.startswith(risk.WORDED)]
    assert not [text for text in encoder_reads if "stop checking" in text], "the quoted passage was read again"


@pytest.mark.django_db
def test_a_draft_takes_the_stored_reading_as_it_is(certs_answer, employee, encoder_reads):
    # The reading the index stored decides for the passage the draft quotes whole (here made quiet by hand, to show
    # that it is the one used; the index writes it from the passage's own text, in the same row).
    Passage.objects.filter(text=MODEL_ONLY).update(risk_logit=-30.0)
    answer = certs_answer()
    assert MODEL_ONLY in answer.body
    assert answer.risk == AIAnswer.Risk.LOW, answer.risk_reasons


@pytest.mark.django_db
def test_a_reviewer_s_edit_gets_the_readings_of_the_passages_the_index_still_holds(certs_answer, other_employee):
    answer = certs_answer()
    def drew_on(answer):
        return list(answer.sources.values_list("post_id", "text"))

    assert stored_risk_readings(drew_on(answer)) == {MODEL_ONLY: pytest.approx(
        risk_model.readings([risk.normalised(MODEL_ONLY)])[0], abs=1e-9)}
    # The source post edited and re-indexed: its passage holds other text, whose reading is not the draft's source's.
    post = Post.objects.get(body=MODEL_ONLY)
    forum_services.post_edit(acting_user=post.author, post=post, body=MODEL_ONLY + " Only on staging, of course.")
    assert stored_risk_readings(drew_on(AIAnswer.objects.get(pk=answer.pk))) == {}
