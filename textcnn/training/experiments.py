"""Repeated experiments: many trainings (seeds, folds, configurations) whose results are kept in
one JSON file as each finishes, so an interrupted run continues where it stopped.

The reproduction and benchmark scripts (``scripts/reproduce_*.py``, ``scripts/accuracy_benchmark.py``)
are built on this; so can a user's own sweep.

Example:
>>> store = RunStore("benchmarks/my_sweep.json")
>>> for seed in (0, 1, 2):
...     key = f"trec/fast/seed={seed}"
...     if key not in store:
...         result = textcnn.train("trec", preset="fast", seed=seed, save=False)
...         store.record(key, {"accuracy": result.report["accuracy"]})
>>> mean_std([r["accuracy"] for r in store.values()])
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable
from pathlib import Path

from textcnn.artifact import atomic_write
from textcnn.config import TrainConfig
from textcnn.errors import TextcnnError
from textcnn.metrics import mean_std  # noqa: F401  (part of this module's API)
from textcnn.options import parse_value


def parse_overrides(items: Iterable[str]) -> dict:
    """``--set FIELD=VALUE ...`` as TrainConfig overrides, each parsed as its field's type:
    ``["feature_maps=200", "region_sizes=3,4,5", "max_norm=none"]`` -> ``{"feature_maps": 200,
    "region_sizes": (3, 4, 5), "max_norm": None}``."""
    hints = typing.get_type_hints(TrainConfig)
    overrides = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in hints:
            raise TextcnnError(f"--set takes FIELD=VALUE with a TrainConfig field. Received: {item!r}")
        overrides[name] = parse_value(text, hints[name], name)
    return overrides


class RunStore:
    """Finished runs by key in a JSON file, rewritten atomically after each `record`.

    Attributes beside the runs (the command line, the configuration) go in `meta`."""

    def __init__(self, path):
        self.path = Path(path)
        data = json.loads(self.path.read_text()) if self.path.is_file() else {}
        self.runs: dict = data.get("runs", {})
        self.meta: dict = data.get("meta", {})

    def __contains__(self, key: str) -> bool:
        return key in self.runs

    def __getitem__(self, key: str):
        return self.runs[key]

    def get(self, key: str, default=None):
        return self.runs.get(key, default)

    def values(self):
        return self.runs.values()

    def items(self):
        return self.runs.items()

    def record(self, key: str, result) -> None:
        self.runs[key] = result
        self.save()

    def save(self) -> None:
        payload = json.dumps({"meta": self.meta, "runs": self.runs}, indent=1) + "\n"
        atomic_write(self.path, lambda p: p.write_text(payload))
