"""Embedding gradients of the Kim CNN: sparse or dense, and what a training step costs by vocabulary.

Two parts, both written to one Markdown file:

1. Paths (tiny model, traced once): for each variant (rand, non-static, multichannel, static) and
   optimizer (adam, adadelta: the presets'; sgd), the type of the embedding gradient reaching
   ``optimizer.update_step`` and whether each per-row variable is written by a scatter (sparse) or
   in full (dense). Paths: the single-device ``fit``, the same with ``jit_compile``, with mixed
   precision (bfloat16; and float16 with loss scaling, the GPU policy, forced on CPU), and
   ``SynchronousTraining`` under MirroredStrategy over two logical CPUs.
2. Step time: CNN-rand (3,4,5 x 100 maps, batch 50, sentences of 40 tokens) for vocabularies of
   20k, 100k and 400k rows, dimensions 300 and 50, optimizers adam, adadelta and sgd, in the
   single-device fit path (Keras ``fit`` over a tf.data pipeline, as ``textcnn train`` runs it)
   and in the mirrored loop (2 logical CPUs). A dense update grows linearly with the table; a
   sparse one stays flat. The 20k row is each series' baseline, measured in the same run.

Usage:

    nice -n 5 python -m scripts.embedding_gradients [--output benchmarks/embedding_gradients.md]
        [--vocab 20000,100000,400000] [--dims 300,50] [--steps 12] [--no-mirrored]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

OPTIMIZERS = ("adam", "adadelta", "sgd")
VARIANTS = ("rand", "non-static", "multichannel", "static")
BATCH, LENGTH = 50, 40


def _optimizer(name: str, stock: bool = False):
    """textcnn's optimizer `name` with its preset's settings (sgd: rate 0.01); with `stock`,
    Keras' own class with the same settings (no deduplication of sparse gradients)."""
    import keras

    from textcnn.config import TrainConfig
    from textcnn.training import make_optimizer

    preset = "fast" if name == "adam" else "kim2014"
    overrides = {"optimizer": "sgd", "learning_rate": 0.01} if name == "sgd" else {}
    optimizer = make_optimizer(TrainConfig.from_preset(preset, **overrides))
    if stock:
        stock_class = getattr(keras.optimizers, type(optimizer).__name__)
        optimizer = stock_class.from_config({k: v for k, v in optimizer.get_config().items()})
    return optimizer


def _model(variant: str, vocab: int, dim: int, feature_maps: int = 100):
    import numpy as np

    from textcnn.models import build_kim_cnn

    matrix = None
    if variant != "rand":
        matrix = np.random.default_rng(0).uniform(-0.25, 0.25, (vocab, dim)).astype("float32")
    return build_kim_cnn(vocab_size=vocab, num_classes=2, variant=variant, embedding_matrix=matrix,
                         embedding_dim=dim, feature_maps=feature_maps)


def _data(vocab: int, batches: int = 4):
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(1)
    x = rng.integers(1, vocab, (batches * BATCH, LENGTH)).astype("int32")
    y = rng.integers(0, 2, batches * BATCH).astype("int32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH, drop_remainder=True).repeat()


def _summarise(grads: dict, updates: list) -> dict:
    """{"gradient": ..., "updates": "embeddings: sparse, momentum: dense"} for the trainable
    table called "embedding" (and "embedding_static" must get nothing)."""
    import re

    def strip(path):  # MirroredStrategy's copies: ".../replica_1"
        return re.sub(r"/replica_\d+", "", path).split(":")[0]

    gradient = {strip(k): v for k, v in grads.items() if "embedding" in k}
    kinds = {}
    for path, kind in updates:
        if "embedding" not in path:
            continue
        slot = strip(path).split("/")[-1].replace("embedding_embeddings_", "")
        kinds.setdefault(slot, set()).add(kind)
    return {"gradient": ", ".join(f"{k}: {v}" for k, v in sorted(gradient.items())) or "none",
            "updates": ", ".join(f"{k}: {'/'.join(sorted(v))}" for k, v in sorted(kinds.items())) or "none"}


def probe_single(variant: str, optimizer: str, jit: bool = False, policy: str | None = None) -> dict:
    import keras

    from tests.gradient_probes import record_gradients, record_updates

    previous = keras.config.dtype_policy()
    if policy:
        keras.config.set_dtype_policy(policy)
    try:
        model = _model(variant, 500, 16, feature_maps=4)
        model.compile(optimizer=_optimizer(optimizer), loss="sparse_categorical_crossentropy",
                      jit_compile=jit)
    finally:
        keras.config.set_dtype_policy(previous)
    grads = record_gradients(model.optimizer)
    with record_updates() as updates:
        model.fit(_data(500), steps_per_epoch=1, epochs=1, verbose=0)
    return _summarise(grads, updates)


def time_single(optimizer: str, vocab: int, dim: int, steps: int, stock: bool = False) -> dict:
    model = _model("rand", vocab, dim)
    model.compile(optimizer=_optimizer(optimizer, stock), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=False)
    data = _data(vocab)
    model.fit(data, steps_per_epoch=2, epochs=1, verbose=0)  # trace and warm up
    import keras

    ends = [time.perf_counter()]

    class Clock(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            ends[0] = time.perf_counter() if batch == 0 else ends[0]

        def on_train_batch_end(self, batch, logs=None):
            ends.append(time.perf_counter())

    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, callbacks=[Clock()])
    return _step_times(ends)


def _step_times(ends: list[float]) -> dict:
    """Median and mean ms per step from the step end times (ends[0]: the first step's start).
    The median is the figure reported: the machine is shared, and bursts of other work land in
    a few steps."""
    import numpy as np

    steps = 1000 * np.diff(ends)
    return {"ms_per_step": float(np.median(steps)), "mean_ms": float(steps.mean())}


def _mirrored_trainer(variant, optimizer, vocab, dim, feature_maps=100):
    from textcnn.training.distribute import SynchronousTraining, get_strategy

    strategy = get_strategy("mirrored")
    with strategy.scope():
        model = _model(variant, vocab, dim, feature_maps)
        model.compile(optimizer=_optimizer(optimizer), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    import tensorflow as tf

    data = _data(vocab).map(lambda x, y: (x, y, tf.ones_like(y, tf.float32)))
    return model, SynchronousTraining, strategy, strategy.experimental_distribute_dataset(data)


def probe_mirrored(variant: str, optimizer: str) -> dict:
    from tests.gradient_probes import record_gradients, record_updates

    model, Training, strategy, data = _mirrored_trainer(variant, optimizer, 500, 16, 4)
    trainer = Training(model, strategy)
    grads = record_gradients(model.optimizer)
    with record_updates() as updates:
        trainer.epoch(data, 1)
    return _summarise(grads, updates)


def time_mirrored(optimizer: str, vocab: int, dim: int, steps: int) -> dict:
    model, Training, strategy, data = _mirrored_trainer("rand", optimizer, vocab, dim)
    trainer = Training(model, strategy)
    iterator = iter(data)

    class Reuse:  # one iterator for warm-up and timing
        def __iter__(self):
            return iterator

    trainer.epoch(Reuse(), 2)
    ends = [time.perf_counter()]
    for _ in range(steps):
        trainer.epoch(Reuse(), 1)
        ends.append(time.perf_counter())
    return _step_times(ends)


def child(args) -> None:
    """Runs in a fresh interpreter with two logical CPUs: the mirrored cases, one JSON per line."""
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    for variant in VARIANTS:
        for optimizer in OPTIMIZERS:
            print(json.dumps({"kind": "probe", "path": "mirrored (2 CPUs)", "variant": variant,
                              "optimizer": optimizer, **probe_mirrored(variant, optimizer)}), flush=True)
    for dim in args.dims:
        for optimizer in OPTIMIZERS:
            for vocab in args.vocab:
                print(json.dumps({"kind": "time", "path": "mirrored (2 CPUs)", "optimizer": optimizer,
                                  "vocab": vocab, "dim": dim, **time_mirrored(optimizer, vocab, dim, args.steps)}),
                      flush=True)


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(ROOT / "benchmarks" / "embedding_gradients.md"))
    parser.add_argument("--vocab", type=_ints, default=[20_000, 100_000, 400_000])
    parser.add_argument("--dims", type=_ints, default=[300, 50])
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--mirrored-vocab", type=_ints, default=None,
                        help="vocabularies of the mirrored timing (default: the smallest and largest)")
    parser.add_argument("--no-mirrored", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    import keras
    import tensorflow as tf

    started = time.time()
    probes, times = [], []
    for variant in VARIANTS:
        for optimizer in OPTIMIZERS:
            for path, jit, policy in (("fit", False, None), ("fit, jit_compile", True, None),
                                      ("fit, mixed bfloat16", False, "mixed_bfloat16"),
                                      ("fit, mixed float16 + loss scaling", False, "mixed_float16")):
                if path != "fit" and variant in ("static", "multichannel"):
                    continue
                row = {"path": path, "variant": variant, "optimizer": optimizer,
                       **probe_single(variant, optimizer, jit, policy)}
                print(json.dumps(row), file=sys.stderr, flush=True)
                probes.append(row)
    for dim in args.dims:
        for optimizer in OPTIMIZERS:
            for vocab in args.vocab:
                row = {"path": "fit", "optimizer": optimizer, "vocab": vocab, "dim": dim,
                       **time_single(optimizer, vocab, dim, args.steps)}
                print(json.dumps(row), file=sys.stderr, flush=True)
                times.append(row)
                keras.backend.clear_session()
    for optimizer in ("adam", "adadelta"):  # what deduplicating sparse gradients costs
        for vocab in args.vocab:
            row = {"path": "fit, stock Keras optimizer", "optimizer": optimizer, "vocab": vocab,
                   "dim": max(args.dims), **time_single(optimizer, vocab, max(args.dims), args.steps, stock=True)}
            print(json.dumps(row), file=sys.stderr, flush=True)
            times.append(row)
            keras.backend.clear_session()
    if not args.no_mirrored:
        vocab = args.mirrored_vocab or [min(args.vocab), max(args.vocab)]
        command = [sys.executable, __file__, "--child", "--vocab", ",".join(map(str, vocab)),
                   "--dims", ",".join(map(str, args.dims)), "--steps", str(args.steps)]
        out = subprocess.run(command, capture_output=True, text=True)
        if out.returncode:
            sys.stderr.write(out.stderr[-3000:])
            raise SystemExit("the mirrored child failed")
        for line in out.stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                print(line, file=sys.stderr, flush=True)
                (probes if row.pop("kind") == "probe" else times).append(row)
    write_report(Path(args.output), probes, times, args, time.time() - started,
                 f"TensorFlow {tf.__version__}, Keras {keras.__version__}")


def write_report(path: Path, probes, times, args, seconds: float, versions: str) -> None:
    command = ("nice -n 5 python -m scripts.embedding_gradients --vocab " + ",".join(map(str, args.vocab))
               + " --dims " + ",".join(map(str, args.dims)) + f" --steps {args.steps}"
               + (" --no-mirrored" if args.no_mirrored else ""))
    lines = [
        "# Embedding gradients: sparse or dense, and step time by vocabulary",
        "",
        f"Command: `{command}` ({seconds / 60:.1f} min). {versions}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPU cores shared with other work (timings indicative; each series' "
        "smallest vocabulary is its baseline from the same run).",
        "",
        "## Where the embedding gradient goes",
        "",
        "`gradient`: the type of the embedding table's gradient when it reaches the optimizer's "
        "`update_step` (after MirroredStrategy's all-reduce, on the mirrored path). `updates`: how "
        "the optimizer writes the table and its per-row state, `sparse` = a scatter of the batch's "
        "rows, `dense` = the whole variable. `embedding_static` is multichannel's frozen channel.",
        "",
        "| path | variant | optimizer | gradient | updates |",
        "|---|---|---|---|---|",
    ]
    for row in probes:
        lines.append(f"| {row['path']} | {row['variant']} | {row['optimizer']} | {row['gradient']} | {row['updates']} |")
    lines += ["", "## Training step time (CNN-rand, batch 50, 40 tokens, 3,4,5 x 100 maps)", "",
              "Median ms per step (the machine is shared: bursts of other work land in a few steps, "
              "so the median, not the mean); `x` = relative to the smallest vocabulary of the same series.", "",
              "| path | dim | optimizer | " + " | ".join(f"{v:,} rows" for v in sorted({r['vocab'] for r in times})) + " |",
              "|---|---|---|" + "---|" * len({r["vocab"] for r in times})]
    vocabs = sorted({r["vocab"] for r in times})
    series = {}
    for row in times:
        series.setdefault((row["path"], row["dim"], row["optimizer"]), {})[row["vocab"]] = row["ms_per_step"]
    for (p, dim, optimizer), values in series.items():
        base = values[min(values)]
        cells = [f"{values[v]:.0f} ({values[v] / base:.1f}x)" if v in values else "-" for v in vocabs]
        lines.append(f"| {p} | {dim} | {optimizer} | " + " | ".join(cells) + " |")
    path.write_text("\n".join(lines) + "\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
