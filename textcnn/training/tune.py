"""Hyper-parameter selection on the dev split: ``textcnn tune`` and :func:`tune`.

An optuna study (TPE, seeded with ``config.seed``) searches the ranges Zhang & Wallace (2015, "A
Sensitivity Analysis of (and Practitioners' Guide to) Convolutional Neural Networks for Sentence
Classification") found to matter, for a budget of trials and/or seconds:

- region sizes: a contiguous set around one best size, (1,2,3) ... (7,8,9), or four sizes;
- feature maps per region size: 50, 100, 200, 400;
- dropout before the softmax: uniform in [0.1, 0.6];
- the learning rate of Adam: log-uniform in [3e-4, 3e-3];
- the embedding channels: learned from scratch (``rand``) or fine-tuned pretrained vectors with a
  300-d learned channel beside them (``non-static``), the latter only when the vectors resolve
  (the ``embeddings`` and ``glove`` extras, or ``--vectors FILE``);
- hashed n-gram buckets, 0 or 200000, when the configuration has that option.

Every trial trains on the same train split and is scored on the same dev split (those of
:func:`textcnn.data.configured.split_for_training`, exactly as ``textcnn train`` splits the data);
the test split is set aside unread: trials get ``test=None``. Selection therefore never sees the
items the chosen model is finally reported on.

Outputs (``save=True``, in ``config.output_dir``):

    tune.json          every trial: parameters, configuration overrides, dev accuracy, seconds, state
                       (rewritten after each trial)
    best_config.json   the full TrainConfig of the best trial (``TrainConfig.from_dict``, or
                       ``textcnn train --config best_config.json``)

Example:
>>> from textcnn.config import TrainConfig
>>> result = tune(TrainConfig.from_preset("fast", dataset="trec", output_dir="runs/tune-trec"),
...               trials=30, time_budget_s=3600)
>>> result.best_overrides, result.best_dev_accuracy
"""

from __future__ import annotations

import dataclasses
import json
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

from textcnn.artifact import atomic_write
from textcnn.config import DEFAULT_VECTORS, TrainConfig
from textcnn.data.configured import load_config_dataset, make_tokenizer, split_for_training
from textcnn.data.datasets import Dataset
from textcnn.errors import TextcnnError
from textcnn.messages import log
from textcnn.training.text import train_on_splits

DEFAULT_TRIALS = 20
"""Trials run when neither a trial count nor a time budget is given."""


@dataclass(frozen=True)
class SearchSpace:
    """The ranges searched (Zhang & Wallace 2015); a narrower one may be passed to :func:`tune`."""

    region_sizes: tuple[tuple[int, ...], ...] = (
        (1, 2, 3), (2, 3, 4), (3, 4, 5), (4, 5, 6), (5, 6, 7), (7, 8, 9), (2, 3, 4, 5), (3, 4, 5, 6))
    feature_maps: tuple[int, ...] = (50, 100, 200, 400)
    dropout: tuple[float, float] = (0.1, 0.6)  # uniform
    learning_rate: tuple[float, float] = (3e-4, 3e-3)  # log-uniform, Adam
    channels: tuple[str, ...] = ("rand", "non-static")
    learned_dim: int = 300  # the learned channel beside non-static vectors
    ngram_buckets: tuple[int, ...] = (0, 200_000)  # only if TrainConfig has `ngram_buckets`


@dataclass
class TuneResult:
    """What :func:`tune` returns."""

    best_config: TrainConfig
    best_overrides: dict  # the fields of best_config that differ from the configuration tuned
    best_dev_accuracy: float
    trials: list[dict]  # every trial, as in tune.json
    seconds: float
    output_dir: Path | None = None
    space: dict = field(default_factory=dict)  # the space actually searched

    @property
    def trials_run(self) -> int:
        return len(self.trials)

    def summary(self) -> dict:
        """The one-line JSON summary ``textcnn tune`` prints."""
        return {"best_dev_accuracy": self.best_dev_accuracy, "best_overrides": _jsonable(self.best_overrides),
                "trials": self.trials_run,
                "complete": sum(t["state"] == "COMPLETE" for t in self.trials),
                "seconds": round(self.seconds, 2),
                "best_config": str(self.output_dir / "best_config.json") if self.output_dir else None}


def _config_fields() -> set[str]:
    return {f.name for f in dataclasses.fields(TrainConfig)}


def vectors_available(source: str) -> bool:
    """Whether pretrained vectors `source` (a file or a named source) can be read here: the
    ``textcnn_embeddings`` package is installed and the source resolves."""
    try:
        import textcnn_embeddings

        textcnn_embeddings.resolve_source(source)
    except (ImportError, TextcnnError):
        return False
    return True


def effective_space(config: TrainConfig, space: SearchSpace | None = None, verbose: int = 0) -> dict:
    """The choices actually offered: ``non-static`` only when its vectors resolve, n-gram buckets
    only when TrainConfig has that option; a dimension left with one choice is fixed, not searched."""
    space = space or SearchSpace()
    channels = list(space.channels)
    unknown = set(channels) - {"rand", "non-static"}
    if unknown:
        raise TextcnnError(f"Search space channels must be rand or non-static. Received: {sorted(unknown)}")
    vectors = config.vectors or DEFAULT_VECTORS
    if "non-static" in channels and not vectors_available(vectors):
        channels.remove("non-static")
        log(f"textcnn tune: pretrained vectors {vectors} are not available here, so only the rand channel is "
            "searched (pip install 'textcnn[embeddings,glove]' or pass --vectors FILE)", verbose)
    if not channels:
        raise TextcnnError("The search space has no embedding channel left to try")
    chosen = {
        "region_sizes": [",".join(map(str, sizes)) for sizes in space.region_sizes],
        "feature_maps": list(space.feature_maps),
        "dropout": list(space.dropout),
        "learning_rate": list(space.learning_rate),
        "channels": channels,
        "vectors": vectors if "non-static" in channels else None,
        "learned_dim": space.learned_dim,
    }
    if "ngram_buckets" in _config_fields() and space.ngram_buckets:
        chosen["ngram_buckets"] = list(space.ngram_buckets)
    return chosen


def suggest_overrides(trial, space: dict) -> dict:
    """The TrainConfig fields of one trial, drawn by optuna's `trial` from the effective `space`."""

    def categorical(name, choices):
        return choices[0] if len(choices) == 1 else trial.suggest_categorical(name, choices)

    sizes = categorical("region_sizes", space["region_sizes"])
    overrides = {
        "region_sizes": tuple(int(s) for s in sizes.split(",")),
        "feature_maps": categorical("feature_maps", space["feature_maps"]),
        "dropout": trial.suggest_float("dropout", *space["dropout"]),
        "optimizer": "adam", "momentum": 0.0,
        "learning_rate": trial.suggest_float("learning_rate", *space["learning_rate"], log=True),
    }
    channel = categorical("channels", space["channels"])
    if channel == "non-static":
        overrides.update(variant="non-static", vectors=space["vectors"], learned_dim=space["learned_dim"])
    else:
        overrides.update(variant="rand", vectors=None, learned_dim=0)
    if "ngram_buckets" in space:
        overrides["ngram_buckets"] = categorical("ngram_buckets", space["ngram_buckets"])
    return overrides


def _check_budget(trials, time_budget_s) -> int | None:
    if trials is not None and (isinstance(trials, bool) or int(trials) != trials or trials < 1):
        raise TextcnnError(f"`trials` must be at least 1. Received: trials={trials}")
    if time_budget_s is not None and not time_budget_s > 0:
        raise TextcnnError(f"`time_budget_s` must be positive. Received: time_budget_s={time_budget_s}")
    if trials is None and time_budget_s is None:
        return DEFAULT_TRIALS
    return None if trials is None else int(trials)


def _import_optuna():
    try:
        import optuna
    except ImportError:
        raise TextcnnError("textcnn tune needs optuna: pip install 'textcnn[tune]'") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def tune(config: TrainConfig, trials: int | None = None, time_budget_s: float | None = None,
         dataset: Dataset | None = None, verbose: int = 1, *, space: SearchSpace | None = None,
         save: bool = True) -> TuneResult:
    """Searches `space` (default: :class:`SearchSpace`) for the configuration with the best dev
    accuracy, starting from `config` (its data, tokenizer, epochs, patience, seed ... stay).

    The budget: at most `trials` trials and/or about `time_budget_s` seconds (no new trial starts
    once the time spent plus a trial's mean duration would exceed it; a trial in progress
    finishes, and at least one trial runs); neither given: :data:`DEFAULT_TRIALS` trials.
    Every trial trains on the same train split and is scored on the same dev split; the test
    split is never passed to training. With `save`, writes ``tune.json`` and ``best_config.json``
    to ``config.output_dir`` (the best configuration's own ``output_dir`` is ``<output_dir>/best``).
    """
    started = time.perf_counter()
    n_trials = _check_budget(trials, time_budget_s)
    optuna = _import_optuna()
    if config.task != "text":
        raise TextcnnError("textcnn tune searches sentence CNNs (task text). Received: task="
                           f"{config.task!r}")
    search = effective_space(config, space, verbose)
    dataset = dataset or load_config_dataset(config)
    # The same split as `textcnn train`; the test part is set aside and never used here.
    train, dev, _, notes = split_for_training(config, dataset)
    labels, tokenizer = dataset.label_names, make_tokenizer(config, dataset)
    out = Path(config.output_dir) if save else None
    base = config.to_dict()
    records: list[dict] = []
    log(f"textcnn tune: {dataset.name}, {len(train)} train / {len(dev)} dev examples; budget: "
        f"{n_trials if n_trials is not None else 'any number of'} trials"
        + (f", {time_budget_s:g} s" if time_budget_s is not None else ""), verbose)

    def objective(trial):
        overrides = suggest_overrides(trial, search)
        trial_config = config.replace(**overrides)
        trial.set_user_attr("overrides", _jsonable(overrides))
        result = train_on_splits(trial_config, train, dev, None, labels, tokenizer, run_dir=None,
                                 resume=False, verbose=max(verbose - 1, 0), dataset_name=dataset.name)
        trial.set_user_attr("best_epoch", result.best_epoch)
        trial.set_user_attr("epochs", len(result.history))
        trial.set_user_attr("train_seconds", result.train_seconds)
        _clear_keras_session()
        return result.dev_accuracy

    def record(study, frozen):
        seconds = frozen.duration.total_seconds() if frozen.duration else None
        records.append({"number": frozen.number, "state": frozen.state.name, "params": frozen.params,
                        "overrides": frozen.user_attrs.get("overrides"), "dev_accuracy": frozen.value,
                        "seconds": seconds, "best_epoch": frozen.user_attrs.get("best_epoch"),
                        "epochs": frozen.user_attrs.get("epochs"),
                        "train_seconds": frozen.user_attrs.get("train_seconds")})
        best = _best(records)
        log(f"textcnn tune: trial {frozen.number + 1}: dev accuracy {frozen.value:.4f} ({seconds:.1f} s) "
            f"{_describe(frozen.params)}; best {best['dev_accuracy']:.4f} (trial {best['number'] + 1})"
            if frozen.value is not None else f"textcnn tune: trial {frozen.number + 1}: {frozen.state.name}",
            verbose)
        if out:
            _write_tune_json(out, _tune_json(base, search, n_trials, time_budget_s, dataset.name, notes, records,
                                             time.perf_counter() - started, config.seed))
        if time_budget_s is not None:
            elapsed = time.perf_counter() - started
            durations = [r["seconds"] for r in records if r["seconds"]]
            if elapsed + sum(durations) / max(len(durations), 1) > time_budget_s:
                log(f"textcnn tune: stopping, another trial would not fit in {time_budget_s:g} s", verbose)
                study.stop()

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=config.seed))
    study.optimize(objective, n_trials=n_trials, callbacks=[record], gc_after_trial=True)
    best = _best(records)
    if best is None:
        raise TextcnnError("textcnn tune: no trial finished")
    best_config = config.replace(**_from_jsonable(best["overrides"]))
    if out:
        best_config = best_config.replace(output_dir=str(out / "best"))
    best_overrides = {k: v for k, v in best_config.to_dict().items()
                      if k != "output_dir" and v != base.get(k)}
    seconds = time.perf_counter() - started
    result = TuneResult(best_config, {k: getattr(best_config, k) for k in best_overrides},
                        best["dev_accuracy"], records, seconds, out, search)
    if out:
        payload = _tune_json(base, search, n_trials, time_budget_s, dataset.name, notes, records, seconds, config.seed)
        payload["best"] = {"trial": best["number"], "dev_accuracy": best["dev_accuracy"],
                           "overrides": _jsonable(result.best_overrides), "command": train_command(best_config)}
        _write_tune_json(out, payload)
        atomic_write(out / "best_config.json", best_config.save)
    log(f"textcnn tune: best dev accuracy {result.best_dev_accuracy:.4f} after {len(records)} trials "
        f"({seconds:.0f} s): {_describe(_jsonable(result.best_overrides))}", verbose)
    return result


def _clear_keras_session() -> None:
    """Each trial builds a new model; without this Keras keeps every earlier one's graph."""
    import keras

    keras.backend.clear_session()


def _best(records: list[dict]) -> dict | None:
    done = [r for r in records if r["state"] == "COMPLETE" and r["dev_accuracy"] is not None]
    # The first of equals wins (max keeps the first maximum): the earliest trial reaching it.
    return max(done, key=lambda r: r["dev_accuracy"]) if done else None


def _describe(values: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def _jsonable(overrides: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()}


def _from_jsonable(overrides: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}


def _tune_json(base, search, n_trials, time_budget_s, dataset_name, notes, records, seconds, seed) -> dict:
    return {"dataset": dataset_name, "splits": notes, "selection": "dev accuracy (the test split is not used)",
            "sampler": f"optuna TPESampler(seed={seed})", "budget": {"trials": n_trials, "time_budget_s": time_budget_s},
            "space": search, "base_config": base, "seconds": round(seconds, 2), "trials": records}


def _write_tune_json(out: Path, payload: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(payload, indent=2) + "\n"
    atomic_write(out / "tune.json", lambda p: p.write_text(text))


def _flag_value(value) -> str:
    if value is None:
        return "none"
    if isinstance(value, (tuple, list)):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ";".join(f"{k}={_flag_value(v)}" for k, v in value.items())
    return str(value)


def train_command(config: TrainConfig) -> str:
    """The ``textcnn train`` command line that trains `config`: its preset, then every field
    that differs from the preset's value."""
    reference = TrainConfig.from_preset(config.preset, task=config.task).to_dict()
    words = ["textcnn", "train", "--preset", config.preset]
    for name, value in config.to_dict().items():
        if name == "preset" or value == reference.get(name):
            continue
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            words.append(flag if value else "--no-" + name.replace("_", "-"))
        else:
            words += [flag, _flag_value(value)]
    return shlex.join(words)
