"""GPU benchmark: epoch time of the Kim CNN on MR (and of LeNet on MNIST once textcnn.models has
it), with and without mixed precision and XLA, and the GPU's utilisation while it trains.

Drives ``textcnn train --device gpu`` and reads each run's metrics.csv; nvidia-smi is sampled
every 0.5 s during each run. Writes benchmarks/gpu.md and benchmarks/gpu.json. On a machine
without a GPU it writes benchmarks/gpu.md saying so and exits 0 with one line.

    python scripts/gpu_benchmark.py [--epochs 3] [--seeds 0 1 2] [--output benchmarks]
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from textcnn.metrics import mean_std

TEXTCNN = Path(sys.executable).with_name("textcnn")
SETTINGS = [("float32", []), ("mixed precision", ["--mixed-precision"]), ("XLA", ["--jit-compile"]),
            ("mixed precision + XLA", ["--mixed-precision", "--jit-compile"])]
# LeNet, once the image models exist: (architecture in textcnn.models.IMAGE_ARCHITECTURES, its flags).
IMAGE_MODEL = ("lenet-tutorial", ["--dataset", "mnist", "--task", "image", "--arch", "lenet-tutorial",
                                  "--preset", "image-fast"])
TEXT_MODEL = ["--dataset", "mr", "--preset", "fast"]


def gpu_names() -> list[str]:
    if not shutil.which("nvidia-smi"):
        return []
    result = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                            capture_output=True, text=True)
    return [line.strip() for line in result.stdout.splitlines() if line.strip()] if result.returncode == 0 else []


class UtilisationSampler(threading.Thread):
    """Samples nvidia-smi's GPU utilisation (percent) until stopped."""

    def __init__(self, interval: float = 0.5):
        super().__init__(daemon=True)
        self.interval, self.samples, self._done = interval, [], threading.Event()

    def run(self):
        while not self._done.is_set():
            result = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                                    capture_output=True, text=True)
            values = [float(v) for v in result.stdout.split() if v.replace(".", "").isdigit()]
            if values:
                self.samples.append(max(values))
            self._done.wait(self.interval)

    def stop(self) -> list[float]:
        self._done.set()
        self.join()
        return self.samples


def run(flags: list[str], seed: int, epochs: int, scratch: Path) -> dict:
    """One training run: epoch seconds (the first, which traces and compiles, reported apart)."""
    out = scratch / f"{seed}-{'_'.join(flags).replace('-', '')}"
    sampler = UtilisationSampler()
    sampler.start()
    result = subprocess.run([str(TEXTCNN), "train", "--device", "gpu",
                             "--epochs", str(epochs), "--patience", "none", "--seed", str(seed),
                             "--no-tensorboard", "--quiet", "--output-dir", str(out), *flags],
                            capture_output=True, text=True)
    utilisation = sampler.stop()
    if result.returncode != 0:
        raise SystemExit(f"gpu_benchmark: textcnn train failed: {result.stderr.strip().splitlines()[-1]}")
    with open(out / "metrics.csv") as handle:
        seconds = [float(row["seconds"]) for row in csv.DictReader(handle)]
    summary = json.loads(result.stdout)
    return {"first_epoch_s": seconds[0], "epoch_s": statistics.median(seconds[1:] or seconds),
            "test_accuracy": summary["test_accuracy"],
            "gpu_utilisation_pct": statistics.mean(utilisation) if utilisation else None}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--output", default="benchmarks")
    args = parser.parse_args(argv)
    output = Path(args.output)
    command = "python scripts/gpu_benchmark.py " + " ".join(sys.argv[1:] if argv is None else argv)
    names = gpu_names()
    if not names:
        (output / "gpu.md").write_text(
            "# GPU benchmark\n\n**This benchmark has not run on a GPU.** No GPU was available when "
            f"it was last run ({time.strftime('%Y-%m-%d')}: nvidia-smi absent), so there are no "
            "numbers. The table (epoch time of the Kim CNN on MR, float32 / mixed precision / XLA, "
            "GPU utilisation) appears here once\n\n"
            f"    {command.strip()}\n\nruns on a machine with a GPU and `pip install '.[gpu]'`.\n")
        print("gpu_benchmark: no GPU on this machine (nvidia-smi absent); wrote benchmarks/gpu.md saying so")
        return 0
    import textcnn.models

    workloads = [("Kim CNN-rand", "mr", TEXT_MODEL)]
    architecture, image_flags = IMAGE_MODEL
    notes = []
    if architecture in getattr(textcnn.models, "IMAGE_ARCHITECTURES", ()):
        workloads.append(("LeNet (tutorial)", "mnist", image_flags))
    else:
        notes.append(f"LeNet on MNIST: not measured, textcnn.models has no {architecture} architecture yet.")
        print(f"gpu_benchmark: {notes[-1]}", file=sys.stderr)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for model, dataset, model_flags in workloads:
            for setting, flags in SETTINGS:
                runs = [run(model_flags + flags, seed, args.epochs, Path(scratch)) for seed in args.seeds]
                rows.append({"model": model, "dataset": dataset, "setting": setting, "runs": runs})
                print(f"{model} on {dataset}, {setting}: epoch {mean_std([r['epoch_s'] for r in runs])} s",
                      file=sys.stderr)
    lines = [f"# GPU benchmark ({names[0]})", "", f"Command: `{command.strip()}` ({time.strftime('%Y-%m-%d')}), "
             f"presets fast (text) and image-fast (LeNet), {args.epochs} epochs, seeds {args.seeds}; epoch time is the median of the "
             "epochs after the first (which traces and compiles); mean ± std over seeds.", "",
             "| model | dataset | setting | epoch (s) | first epoch (s) | GPU utilisation (%) | test accuracy |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        runs = row["runs"]
        lines.append(f"| {row['model']} | {row['dataset']} | {row['setting']} | {mean_std([r['epoch_s'] for r in runs])} "
                     f"| {mean_std([r['first_epoch_s'] for r in runs])} "
                     f"| {mean_std([r['gpu_utilisation_pct'] for r in runs])} "
                     f"| {mean_std([100 * r['test_accuracy'] for r in runs if r['test_accuracy'] is not None])} |")
    (output / "gpu.md").write_text("\n".join(lines + [""] + notes) + "\n")
    (output / "gpu.json").write_text(json.dumps({"gpu": names, "command": command, "rows": rows}, indent=2) + "\n")
    print(f"gpu_benchmark: wrote {output / 'gpu.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
