"""The offline, deterministic default engine: an answer composed of the sources' best sentences.

It does not invent anything: every sentence it writes, but for its framing, is quoted from a post
the asker may read, with its citation. When nothing relevant is readable it says so.
"""
import re

from forum.text import terms as _terms

from .base import Draft, SourceDoc

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(])")
_CITATION = re.compile(r"\[(\d+)\]")


class ExtractiveEngine:
    name = "extractive"
    model = "extractive-v1"

    def __init__(self, max_sentences: int = 5, max_sentence_chars: int = 400, **_config):
        self.max_sentences = max_sentences
        self.max_sentence_chars = max_sentence_chars

    def draft(self, question: str, sources: list[SourceDoc]) -> Draft:
        wanted = _terms(question)
        scored = []
        for source in sources:
            for position, sentence in enumerate(self._sentences(source.text)):
                overlap = len(wanted & _terms(sentence))
                if overlap:
                    # More shared terms first; then earlier sources (better ranked), then earlier sentences.
                    scored.append((-overlap, source.number, position, sentence, source))
        scored.sort(key=lambda row: row[:3])
        # Keep sentences at least half as relevant as the best one: one shared word is noise
        # when others share three.
        threshold = (-scored[0][0] + 1) // 2 if scored else 1
        chosen, per_source = [], {}
        for negative_overlap, number, _, sentence, source in scored:
            if -negative_overlap < threshold:
                break
            if per_source.get(number, 0) >= 2 or sentence in (c[0] for c in chosen):
                continue
            chosen.append((sentence, source))
            per_source[number] = per_source.get(number, 0) + 1
            if len(chosen) == self.max_sentences:
                break
        if not chosen:
            return Draft(text=self._nothing_found(sources), model=self.model, cited=[])
        cited = sorted({source.number for _, source in chosen})
        lines = [
            f"Here is what colleagues have written in {len(cited)} post{'s' if len(cited) != 1 else ''} "
            "you can read that look relevant to your question:",
            "",
        ]
        for sentence, source in chosen:
            lines.append(f"- {sentence} [{source.number}]")
        return Draft(text="\n".join(lines), model=self.model, cited=cited)

    def _sentences(self, text: str) -> list[str]:
        flat = " ".join(text.split())
        flat = _CITATION.sub("", flat)  # never carry another answer's citation numbers over
        out = []
        for piece in _SENTENCE.split(flat):
            piece = piece.strip()
            if len(piece) < 12 or piece.endswith("?"):
                continue  # fragments and questions are not answers
            if len(piece) > self.max_sentence_chars:
                piece = piece[: self.max_sentence_chars].rsplit(" ", 1)[0] + " …"
            out.append(piece)
        return out

    @staticmethod
    def _nothing_found(sources: list[SourceDoc]) -> str:
        if not sources:
            return (
                "I found nothing in the posts you can read that answers this question, so I have no answer "
                "to offer. A colleague may know: your question is in the thread for them to answer."
            )
        return (
            "The posts you can read that I found do not seem to answer this question, so I have no answer "
            "to offer rather than a guess. A colleague may know: your question is in the thread for them to answer."
        )
