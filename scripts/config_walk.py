"""The data walk of `fit`'s configuration: every call that receives the TrainConfig (as any
argument, or as ``self.config``) during one tiny training run, in order, by file.

    python -m scripts.config_walk [SOURCE_ROOT]     # default: this checkout

SOURCE_ROOT may be another checkout (``git worktree add /tmp/old <commit>``) to compare layouts.
"""

from __future__ import annotations

import os
import sys
from collections import Counter


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = os.path.abspath(argv[0] if argv else os.path.dirname(os.path.dirname(__file__)))
    sys.path.insert(0, root)  # the checkout to walk, which may not be the installed one
    for name in [m for m in sys.modules if m == "textcnn" or m.startswith("textcnn.")]:
        del sys.modules[name]
    import textcnn.training as training
    from textcnn.config import TrainConfig
    from textcnn.data.datasets import Dataset
    from textcnn.data.formats import LabeledTexts

    data = LabeledTexts(["good film", "bad film", "great fun", "awful mess"] * 10, ["pos", "neg", "pos", "neg"] * 10)
    dataset = Dataset(name="tiny", train=data, dev=data, test=data)
    config = TrainConfig.from_preset("fast", epochs=1, embedding_dim=4, feature_maps=2, region_sizes=(1, 2),
                                     output_dir=os.path.join("/tmp", "config_walk_run"), tensorboard=False)
    calls = []

    def tracer(frame, event, arg):
        filename = frame.f_code.co_filename
        if event == "call" and filename.startswith(root) and "/tests/" not in filename:
            values = frame.f_locals.values()
            if any(v is config or type(v).__name__ == "TrainConfig" or getattr(v, "config", None) is config
                   for v in values):
                calls.append((os.path.relpath(filename, root), frame.f_code.co_name))
        return None

    sys.settrace(tracer)
    try:
        training.fit(config, dataset, verbose=0)
    finally:
        sys.settrace(None)
    files = [f for f, _ in calls]
    entries = Counter(f for i, f in enumerate(files) if i == 0 or files[i - 1] != f)
    print(f"calls receiving the config: {len(calls)}; files: {len(set(files))}")
    print("entries per file: " + ", ".join(f"{f} {n}" for f, n in entries.most_common()))
    print("walk: " + " -> ".join(f"{f}:{name}" for f, name in calls))
    return 0


if __name__ == "__main__":
    sys.exit(main())
