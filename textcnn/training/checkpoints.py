"""Per-epoch checkpoints of a run directory, written so that an interruption never corrupts one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from textcnn.artifact import atomic_write


class Checkpoints:
    """Epoch checkpoints in ``checkpoints/epoch-NNNN/``; ``checkpoints/LATEST`` names the newest
    complete one and is replaced atomically, so an interrupted write never corrupts a run."""

    def __init__(self, run_dir: Path):
        self.root = run_dir / "checkpoints"

    def latest(self) -> Path | None:
        pointer = self.root / "LATEST"
        if not pointer.is_file():
            return None
        path = self.root / pointer.read_text().strip()
        return path if (path / "state.json").is_file() else None

    @staticmethod
    def _seed_generators(model):
        """Dropout's random state: Keras does not save it, but a resumed run needs it to draw
        the same dropout masks as an uninterrupted one."""
        return [layer.seed_generator for layer in model.layers if hasattr(layer, "seed_generator")]

    def save(self, model, state: dict, best_weights: list[np.ndarray] | None) -> None:
        name = f"epoch-{state['epoch']:04d}"
        state = {**state, "seed_states": [np.asarray(g.state.value).tolist()
                                          for g in self._seed_generators(model)]}
        directory = self.root / name
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        model.save(directory / "model.keras")
        if best_weights is not None:
            np.savez(directory / "best_weights.npz", *best_weights)
        (directory / "state.json").write_text(json.dumps(state))
        previous = self.latest()
        atomic_write(self.root / "LATEST", lambda p: p.write_text(name))
        if previous is not None and previous != directory:
            shutil.rmtree(previous, ignore_errors=True)

    def load(self):
        import keras

        import textcnn.layers  # noqa: F401  (registers the layers the checkpoint names)
        from textcnn.training.optimizers import optimizer_classes

        optimizer_classes()  # registers the optimizers the checkpoint holds
        directory = self.latest()
        model = keras.saving.load_model(directory / "model.keras", safe_mode=True)
        state = json.loads((directory / "state.json").read_text())
        for generator, value in zip(self._seed_generators(model), state.pop("seed_states", [])):
            generator.state.assign(np.asarray(value, dtype=generator.state.dtype))
        best = None
        if (directory / "best_weights.npz").is_file():
            with np.load(directory / "best_weights.npz") as data:
                best = [data[f"arr_{i}"] for i in range(len(data.files))]
        return model, state, best
