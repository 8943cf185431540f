"""Dump, for every labelled question (whole and blind sets, 1,000 distractors), what the name-masked dense check
needs offline: the rule's features, the top threads' features and their passages' vectors.

Run: DATABASE_URL=... .venv/bin/python bench/mask_dump.py OUT (writes OUT.json and OUT.npz)."""
import sys

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from bench.retrieval import django_setup, index_everything, reader_for  # noqa: E402

TOP = 8


def main(out: str) -> int:
    django_setup("local")
    import json

    from django.db import connection
    from django.test.utils import setup_test_environment

    from aiassist.retrieval import ranking
    from aiassist.retrieval.index import active_embedder, embed_key
    from bench.retrieval_world import add_distractors, blind_questions, blind_unanswerable, held_out, load_world

    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        world = load_world(distractors=0)
        add_distractors(world, 1000)
        index_everything()
        embedder = active_embedder()
        model = embed_key(embedder)
        sets = [("whole", world.questions, world.unanswerable), ("blind", blind_questions(), blind_unanswerable())]
        rows, vectors = [], {}
        for label, questions, unanswerable in sets:
            items = [(q, True) for q in questions] + [(q, False) for q in unanswerable]
            for item, answerable in items:
                user = reader_for(world, item["thread"]) if answerable else world.secops_member
                result = ranking.rank(user, item["question"], limit=TOP)
                qvec = embedder.embed([item["question"]])[0]
                names = ranking.question_names(ranking.headline(item["question"]))[:ranking.MAX_NAMES]
                unknown = ranking._unknown_names(ranking.readable_passages(user), names)
                threads = []
                for hit in result.threads:
                    vecs = ranking._closeness(qvec, model, list(hit.passages))
                    for pk, v in vecs.items():
                        vectors[str(pk)] = v
                    threads.append({
                        "id": hit.thread.pk, "title": hit.thread.title, "score": hit.score, "head": hit.head,
                        "answer": hit.answer, "lexical": hit.lexical, "coverage": hit.coverage,
                        "margin": hit.margin,
                        "passages": [{"id": p.id, "role": p.role, "quotable": hit.quotable(p),
                                      "plain": p.plain} for p in hit.passages if p.id in vecs],
                    })
                target = world.threads[item["thread"]].pk if answerable else None
                rows.append({
                    "set": label, "question": item["question"], "answerable": answerable,
                    "held_out": held_out(item["question"]), "target": target, "names": names, "unknown": unknown,
                    "confident": result.confident, "threads": threads,
                    "relevance": ranking.relevance(result.threads[0], unknown_names=unknown) if threads else None,
                })
                vectors["q" + str(len(rows) - 1)] = qvec
        with open(out + ".json", "w") as f:
            json.dump(rows, f)
        np.savez_compressed(out + ".npz", **vectors)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
