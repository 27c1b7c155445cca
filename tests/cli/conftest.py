"""Fixtures for the command-line tests: the real ``textcnn`` console script run in a subprocess,
a tiny three-label dataset, and one model trained on it once for the whole session."""

from __future__ import annotations

import csv
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TEXTCNN = Path(sys.executable).with_name("textcnn")
TINY_MODEL_FLAGS = ("--feature-maps", "4", "--embedding-dim", "8", "--epochs", "1", "--preset", "fast")

# TensorFlow's C++ runtime logs a few lines on import before absl logging is set up, and those
# ignore TF_CPP_MIN_LOG_LEVEL (e.g. "I0000 ... cudart_stub.cc:31] Could not find cuda drivers").
# They are not textcnn's output, so the one-line checks look past them.
_TF_NATIVE_LOG = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWEF]\d{4} [\d:.]+\s+\d+ [\w./-]+:\d+\] .*)$"
)

POSITIVE = ["a wonderful film", "great acting and a great story", "i loved every minute",
            "brilliant and moving", "a joy to watch", "superb direction and a lovely score",
            "funny and warm", "the best movie this year", "a charming cast", "a delightful surprise"]
NEGATIVE = ["a terrible film", "boring and slow", "i hated every minute", "awful acting",
            "a waste of time", "a dull plot", "a poorly written script", "the worst movie this year",
            "painful to watch", "clumsy and tedious"]
NEUTRAL = ["the film is two hours long", "it opens on friday", "the director is french",
           "shot in black and white", "based on a novel", "the cast includes four actors",
           "released in theaters in may", "a sequel is planned", "the music is by a band",
           "filmed in paris"]


def textcnn_env() -> dict:
    """The caller's environment (TEXTCNN_DATA_DIR included), quiet TensorFlow, no debug tracebacks."""
    env = {k: v for k, v in os.environ.items() if k != "TEXTCNN_DEBUG"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def run_textcnn(*args, input: str | None = None, cwd=None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Runs ``textcnn ARGS`` and returns the finished process, its output decoded as UTF-8."""
    return subprocess.run([str(TEXTCNN), *map(str, args)], input=input, cwd=cwd, env=textcnn_env(),
                          capture_output=True, encoding="utf-8", timeout=timeout)


def textcnn_lines(stderr: str) -> list[str]:
    """stderr without TensorFlow's native start-up log lines."""
    return [line for line in stderr.splitlines() if not _TF_NATIVE_LOG.match(line)]


def assert_one_line_error(result: subprocess.CompletedProcess, message: str) -> None:
    """Exit status 1, no traceback, and exactly one stderr line: ``textcnn: error: <message>``."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert textcnn_lines(result.stderr) == [f"textcnn: error: {message}"], result.stderr


def write_csv(path: Path, rows, header=("text", "label")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="session")
def cli():
    """``cli(*args, input=None, cwd=None)``: runs the real console script."""
    assert TEXTCNN.is_file(), f"the textcnn console script is not installed at {TEXTCNN}"
    return run_textcnn


@pytest.fixture(scope="session")
def tiny_flags() -> tuple[str, ...]:
    """The training flags of every model these tests train: small and fast."""
    return TINY_MODEL_FLAGS


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory) -> dict[str, Path]:
    """60 short labelled sentences (train.csv) and 12 held-out ones (test.csv), 3 labels."""
    folder = tmp_path_factory.mktemp("tiny-data")
    rows = [(text + suffix, label)
            for label, texts in (("pos", POSITIVE), ("neg", NEGATIVE), ("neu", NEUTRAL))
            for text in texts for suffix in ("", " indeed")]
    random.Random(0).shuffle(rows)
    test = [(text + " again", label) for label, texts in (("pos", POSITIVE), ("neg", NEGATIVE),
                                                          ("neu", NEUTRAL)) for text in texts[:4]]
    return {"dir": folder, "train": write_csv(folder / "train.csv", rows),
            "test": write_csv(folder / "test.csv", test)}


@pytest.fixture(scope="session")
def trained(tmp_path_factory, tiny_data, cli) -> dict:
    """The one model of the session: ``textcnn train`` on the tiny data, 1 epoch, tiny network."""
    run_dir = tmp_path_factory.mktemp("runs") / "tiny"
    result = cli("train", "--dataset", tiny_data["train"], "--test", tiny_data["test"],
                 *TINY_MODEL_FLAGS, "--output-dir", run_dir, cwd=tiny_data["dir"])
    assert result.returncode == 0, result.stderr
    return {"run_dir": run_dir, "model": run_dir / "model.textcnn", "result": result}


@pytest.fixture
def run_copy(trained, tmp_path) -> Path:
    """A private copy of the trained run directory, for tests that change it."""
    copy = tmp_path / "run"
    shutil.copytree(trained["run_dir"], copy)
    return copy


@pytest.fixture(scope="session", name="assert_one_line_error")
def _assert_one_line_error():
    """``assert_one_line_error(result, message)``: see the function of that name."""
    return assert_one_line_error
