"""Seed ensembles (``ensemble=N``): N models trained on the same splits with seeds ``seed``,
``seed + 1``, ..., saved as ONE Keras model whose probabilities are the mean of theirs.

The same for every kind of model: each member goes through the shared epoch loop
(:func:`textcnn.training.loop.train_model`) with its own seed and is early-stopped on the dev split
on its own; then :func:`combine` joins them into a functional model, the members nested in it as
``member_0``, ``member_1``, ... and their outputs averaged by ``keras.layers.Average``. Whatever
runs a Keras model (prediction, evaluation, the service, the SavedModel export) runs the ensemble;
text classifiers still pack their batches (:mod:`textcnn.inference.packing` knows the shape).

With a run directory, member k trains in ``members/k/`` (its checkpoints, metrics.csv,
TensorBoard logs). A finished member leaves ``members/k/model.weights.h5`` and
``members/k/member.json``; ``resume=True`` reloads finished members and continues the
interrupted one from its newest checkpoint.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from textcnn.artifact import atomic_write
from textcnn.training.inputs import TrainingInputs
from textcnn.training.loop import TrainedModel, dev_metrics, placement, seed_everything, train_model, write_metrics
from textcnn.messages import log

MEMBER_PREFIX = "member_"


def train_ensemble(config, inputs_for: Callable[[object], TrainingInputs], dev_y, run_dir: Path | None,
                   resume: bool, verbose: int) -> tuple[TrainedModel, dict]:
    """``(trained, manifest)``: the model `config` asks for and the manifest entries it adds.

    `inputs_for(member_config)` gives the :class:`TrainingInputs` of one model (the same data for
    every member: only the configuration's seed differs). With ``config.ensemble == 1`` this is
    :func:`train_model` and adds nothing to the manifest. Otherwise `trained.model` is the averaged
    model, `trained.best_dev_accuracy` the ensemble's own dev accuracy, `trained.history` every
    member's epochs (each row with its ``member``), `trained.best_epoch` the latest epoch any member
    kept, and the manifest gets ``{"ensemble": {"members", "member_seeds", "member_dev_accuracy",
    "member_best_epoch"}}``.
    """
    if config.ensemble == 1:
        return train_model(config, inputs_for(config), dev_y, run_dir, resume, verbose), {}
    chief = placement(config)[1]
    members: list[TrainedModel] = []
    seeds = [config.seed + k for k in range(config.ensemble)]
    for k, seed in enumerate(seeds):
        member_config = config.replace(seed=seed, ensemble=1)
        member_dir = run_dir / "members" / str(k) if run_dir else None
        seed_everything(seed, config.deterministic)
        inputs = inputs_for(member_config)
        finished = _load_member(member_dir, inputs) if resume and member_dir else None
        if finished is not None:
            log(f"textcnn: ensemble member {k + 1}/{config.ensemble} (seed {seed}) already trained; "
                f"reloaded from {member_dir}", verbose)
            members.append(finished)
            continue
        log(f"textcnn: training ensemble member {k + 1}/{config.ensemble} (seed {seed})", verbose)
        if member_dir and chief:  # a finished member of an earlier run is not this run's
            (member_dir / "member.json").unlink(missing_ok=True)
        trained = train_model(member_config, inputs, dev_y, member_dir, resume, verbose)
        # A fresh model with the kept weights: nested in the ensemble, a compiled one would carry
        # its optimizer's state into the artifact.
        weights = trained.model.get_weights()
        trained.model = inputs.build()
        trained.model.set_weights(weights)
        if member_dir and chief:
            _save_member(member_dir, trained)
        members.append(trained)
    model = combine([m.model for m in members])
    accuracy, _ = dev_metrics(inputs.dev_scorer(model)(), dev_y)  # the same dev split for all
    log(f"textcnn: ensemble of {config.ensemble}: dev accuracy {accuracy:.4f} (members: "
        + ", ".join(f"{m.best_dev_accuracy:.4f}" for m in members) + ")", verbose)
    history = [{"member": k, **row} for k, m in enumerate(members) for row in m.history]
    if run_dir and chief and history:
        write_metrics(run_dir / "metrics.csv", history)
    trained = TrainedModel(model, history, max(m.best_epoch for m in members), accuracy,
                           sum(m.seconds for m in members))
    manifest = {"members": config.ensemble, "member_seeds": seeds,
                "member_dev_accuracy": [m.best_dev_accuracy for m in members],
                "member_best_epoch": [m.best_epoch for m in members]}
    return trained, {"ensemble": manifest}


def combine(models: list, name: str = "ensemble"):
    """One functional model: the input of `models` (they must share it), each model nested as
    ``member_<k>``, and ``keras.layers.Average`` of their outputs. The models are renamed."""
    import keras

    for k, model in enumerate(models):
        model.name = f"{MEMBER_PREFIX}{k}"
    first = models[0].inputs[0]
    inputs = keras.Input(shape=first.shape[1:], dtype=first.dtype, name=first.name)
    outputs = keras.layers.Average(name="probabilities")([model(inputs) for model in models])
    return keras.Model(inputs, outputs, name=name)


def _save_member(member_dir: Path, trained: TrainedModel) -> None:
    """The finished member's weights, then ``member.json`` (written last: it marks it finished)."""
    member_dir.mkdir(parents=True, exist_ok=True)
    _save_weights(trained.model, member_dir / "model.weights.h5")
    record = {"history": trained.history, "best_epoch": trained.best_epoch,
              "best_dev_accuracy": trained.best_dev_accuracy, "seconds": trained.seconds}
    atomic_write(member_dir / "member.json", lambda p: p.write_text(json.dumps(record, indent=2) + "\n"))


def _load_member(member_dir: Path, inputs: TrainingInputs) -> TrainedModel | None:
    """The member finished in `member_dir`, or ``None`` when it did not finish."""
    record, weights = member_dir / "member.json", member_dir / "model.weights.h5"
    if not (record.is_file() and weights.is_file()):
        return None
    saved = json.loads(record.read_text())
    model = inputs.build()
    model.load_weights(weights)
    return TrainedModel(model, saved["history"], saved["best_epoch"], saved["best_dev_accuracy"], saved["seconds"])


def _save_weights(model, path: Path) -> None:
    """`model`'s weights in `path` (``*.weights.h5``, as Keras requires), replaced in one step."""
    temporary = path.with_name(".partial-" + path.name)
    model.save_weights(temporary)
    os.replace(temporary, path)
