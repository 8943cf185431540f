"""Many more distractor threads for the large-index retrieval benchmark (``bench/retrieval_large.py``).

``generate(n, seed)`` composes threads from the hand-written topics of ``bench/data/retrieval/distractors.py``
(the same templates, opening lines, asides and follow-ups, so the same realistic vocabulary and the same
"near a labelled thread but answering something else" property), with the slot values widened so that many
more distinct titles exist: 3,702 is the most the distractor generator's own slot values give. The widened
values are made of the same parts as the original ones (``orders-api`` -> ``orders-sync``,
``returns-gateway``; ``order_items`` -> ``refund_items``), so the vocabulary grows the way a company's
service and table names do, not with random strings.

Each thread is composed as ``distractors._compose`` composes one: one topic, one set of slot values for its
title, question and answers. Answers are filled with the thread's values, but few answers use slots, so most
answer texts recur verbatim across the threads of a topic (as the distractor generator's do): the number of
distinct texts to embed stays close to the number of threads (each thread's question is embedded with its
title) plus a few thousand answers.

Deterministic: one ``random.Random(seed)`` drives every choice, over tuples in a fixed order. The titles are
unique and differ from the labelled threads' titles and from ``distractors.generate(1000, 0)``'s (pass those
as ``taken``).
"""

from bench.data.retrieval import distractors as base

_SERVICE_HEADS = (
    "checkout", "orders", "billing", "ledger", "search", "catalog", "pricing", "notifications", "accounts",
    "inventory", "payouts", "fraud", "shipping", "recommendations", "media", "tax", "returns", "partner",
    "reporting", "identity", "feature-flags", "audit", "email", "geo", "invoice", "loyalty", "quote", "session",
    "warehouse", "refunds", "subscriptions", "customer", "cart", "coupon", "merchant", "settlement", "kyc",
    "support", "webhooks", "exports",
)
_SERVICE_TAILS = ("api", "worker", "service", "sync", "gateway", "scorer", "dispatcher", "renderer", "proxy",
                  "writer", "consumer", "scheduler")
_TEAMS = base.SLOTS["team"] + (
    "payments-core", "fulfilment", "catalog", "pricing", "merchant-tools", "data-platform", "sre", "security",
    "developer-experience", "observability", "customer-care", "tax", "loyalty", "partner-eng", "ads",
    "marketplace-ops", "ml-platform", "web", "api-platform", "storage",
)
_TABLE_HEADS = ("order", "invoice", "payment", "customer", "shipment", "refund", "subscription", "stock",
                "price", "webhook", "user", "coupon", "cart", "ledger", "session", "audit", "return", "payout")
_TABLE_TAILS = ("s", "_items", "_events", "_history", "_lines", "_snapshots", "_attempts")
_DB_HEADS = ("orders", "billing", "ledger", "catalog", "analytics", "identity", "inventory", "payments",
             "shipping", "loyalty", "pricing", "returns", "search", "audit", "sessions", "reporting")
_DB_TAILS = ("db", "pg", "replica-db")
_BUCKET_PARTS = ("data-lake", "media-uploads", "invoice-pdfs", "ml-features", "app-backups", "export-drops",
                 "clickstream-raw", "build-artifacts", "partner-feeds", "report-archive", "model-registry",
                 "static-assets", "db-dumps", "audit-logs", "tax-documents", "payout-files")
_EVENT_DOMAINS = ("orders.order", "payments.payout", "inventory.stock", "shipping.parcel", "billing.invoice",
                  "identity.user", "returns.return-request", "pricing.price", "checkout.cart", "loyalty.points",
                  "risk.score", "catalog.product", "refunds.refund", "subscriptions.plan")
_EVENT_VERBS = ("created", "updated", "settled", "changed", "scanned", "issued", "cancelled")

SLOTS = dict(base.SLOTS)
SLOTS.update({
    "service": tuple(dict.fromkeys(base.SLOTS["service"]
                                   + tuple(f"{h}-{t}" for h in _SERVICE_HEADS for t in _SERVICE_TAILS))),
    "team": tuple(dict.fromkeys(_TEAMS)),
    "table": tuple(dict.fromkeys(base.SLOTS["table"] + tuple(f"{h}{t}" for h in _TABLE_HEADS for t in _TABLE_TAILS))),
    "db": tuple(dict.fromkeys(base.SLOTS["db"] + tuple(f"{h}-{t}" for h in _DB_HEADS for t in _DB_TAILS))),
    "bucket": tuple(dict.fromkeys(base.SLOTS["bucket"] + tuple(f"acme-{p}" for p in _BUCKET_PARTS)
                                  + tuple(f"acme-{p}-eu" for p in _BUCKET_PARTS))),
    "topic": tuple(dict.fromkeys(base.SLOTS["topic"] + tuple(f"{d}.{v}.v{n}" for d in _EVENT_DOMAINS
                                                             for v in _EVENT_VERBS for n in (1, 2)))),
    "env": base.SLOTS["env"] + ("preprod", "perf", "uat", "demo"),
    "size": base.SLOTS["size"] + ("60", "80", "200", "450", "1200"),
    "count": base.SLOTS["count"] + ("8", "18", "30", "80", "300"),
    "hours": base.SLOTS["hours"] + ("2", "5", "7", "12"),
})


def generate(n: int, seed: int = 1, taken: set[str] | None = None) -> list[dict]:
    """``n`` threads with unique titles (none in ``taken``), the same for the same arguments on any machine:
    ``distractors.generate`` with the widened slot values (and more tries per topic, as they allow more titles)."""
    return base.generate(n, seed, slots=SLOTS, tries=24, key="large-{:06d}", taken=taken or ())
