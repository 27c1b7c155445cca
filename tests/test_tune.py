"""`textcnn tune` and textcnn.training.tune.tune: the search keeps to its budget, selects on the dev
split only (trials never get the test split), and writes a best configuration that reloads and
trains; its command-line errors are one line."""

from __future__ import annotations

import csv
import dataclasses
import json
import random
import shlex
import sys
import time

import pytest

from textcnn.config import TrainConfig, config_from_args
from textcnn.errors import TextcnnError
from textcnn.training import tune as tune_module
from textcnn.training.tune import SearchSpace, tune

POSITIVE = "good great fine lovely superb wonderful".split()
NEGATIVE = "bad awful dull poor boring terrible".split()
FILLER = "the a film movie plot was is and it".split()
# Tiny networks, rand embeddings only (no word vectors to read), no n-gram branch: each trial takes
# a few seconds.
TINY = dict(epochs=1, embedding_dim=8, tensorboard=False)
TINY_SPACE = SearchSpace(feature_maps=(2, 4), channels=("rand",), ngram_buckets=())


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory):
    """300 short two-label sentences, one sentiment word each, in a CSV file."""
    rng = random.Random(0)
    path = tmp_path_factory.mktemp("tune-data") / "tiny.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for _ in range(300):
            label = rng.choice(["pos", "neg"])
            words = [rng.choice(FILLER) for _ in range(rng.randint(3, 8))]
            words.insert(rng.randrange(len(words) + 1), rng.choice(POSITIVE if label == "pos" else NEGATIVE))
            writer.writerow([" ".join(words), label])
    return path


@pytest.fixture(scope="module")
def tuned(tiny_csv, tmp_path_factory):
    """Three trials on the tiny data, each call of train_on_splits recorded."""
    from textcnn.data.configured import load_config_dataset, split_for_training

    output = tmp_path_factory.mktemp("tune-run")
    config = TrainConfig.from_preset("fast", dataset=str(tiny_csv), output_dir=str(output), **TINY)
    calls = []
    real = tune_module.train_on_splits

    def recording(trial_config, train, dev, test, *args, **kwargs):
        calls.append({"train": train, "dev": dev, "test": test, "config": trial_config})
        return real(trial_config, train, dev, test, *args, **kwargs)

    tune_module.train_on_splits = recording
    try:
        started = time.perf_counter()
        result = tune(config, trials=3, time_budget_s=60, verbose=0, space=TINY_SPACE)
        wall = time.perf_counter() - started
    finally:
        tune_module.train_on_splits = real
    train, dev, test, _ = split_for_training(config, load_config_dataset(config))
    return {"config": config, "result": result, "wall": wall, "calls": calls, "output": output,
            "splits": (train, dev, test)}


def test_tune_finishes_within_its_budget_and_writes_the_chosen_configuration(tuned):
    result, output = tuned["result"], tuned["output"]
    slowest = max(t["seconds"] for t in result.trials)
    assert result.trials_run == 3
    assert tuned["wall"] <= 60 + slowest, tuned["wall"]
    assert {t["state"] for t in result.trials} == {"COMPLETE"}
    assert result.best_dev_accuracy == max(t["dev_accuracy"] for t in result.trials)

    log = json.loads((output / "tune.json").read_text())
    assert [t["number"] for t in log["trials"]] == [0, 1, 2]
    for trial in log["trials"]:
        assert set(trial) >= {"params", "overrides", "dev_accuracy", "seconds", "state"}
        assert 0 <= trial["dev_accuracy"] <= 1 and trial["seconds"] > 0
        assert trial["params"]["feature_maps"] in (2, 4) and 0.1 <= trial["params"]["dropout"] <= 0.6
    assert log["best"]["dev_accuracy"] == result.best_dev_accuracy
    assert log["budget"] == {"trials": 3, "time_budget_s": 60}

    best = TrainConfig.from_dict(json.loads((output / "best_config.json").read_text()))
    assert best == result.best_config
    assert best.output_dir == str(output / "best")
    assert best.optimizer == "adam" and best.variant == "rand" and best.epochs == 1
    for name, value in result.best_overrides.items():
        assert getattr(best, name) == value
    summary = result.summary()
    assert summary["trials"] == 3 and summary["best_dev_accuracy"] == result.best_dev_accuracy
    json.dumps(summary)  # the CLI's stdout line


def test_trials_select_on_the_dev_split_and_never_see_the_test_split(tuned):
    train, dev, test = tuned["splits"]
    assert len(tuned["calls"]) == 3
    for call in tuned["calls"]:
        assert call["test"] is None
        assert call["train"].texts == train.texts and call["dev"].texts == dev.texts  # the same split each trial
    assert len(train) + len(dev) + len(test) == 300 and len(test) == 30


def test_the_best_configuration_reloads_and_trains_from_the_command_line(tuned, tmp_path, capsys):
    from textcnn.cli import main

    run = tmp_path / "best-run"
    assert main(["train", "--config", str(tuned["output"] / "best_config.json"), "--output-dir", str(run),
                 "--quiet"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0 <= summary["test_accuracy"] <= 1
    trained = TrainConfig.from_dict(json.loads((run / "config.json").read_text()))
    assert trained == tuned["result"].best_config.replace(output_dir=str(run))


def test_the_printed_train_command_reproduces_the_best_configuration(tuned):
    from textcnn.cli import build_parser
    from textcnn.training.tune import train_command

    best = tuned["result"].best_config
    words = shlex.split(train_command(best))
    assert words[:2] == ["textcnn", "train"]
    assert config_from_args(build_parser().parse_args(words[1:])) == best


def test_a_time_budget_stops_new_trials_but_runs_at_least_one(tiny_csv, tmp_path):
    config = TrainConfig.from_preset("fast", dataset=str(tiny_csv), output_dir=str(tmp_path), **TINY)
    result = tune(config, time_budget_s=0.5, verbose=0, space=TINY_SPACE)
    assert result.trials_run == 1
    assert json.loads((tmp_path / "tune.json").read_text())["budget"] == {"trials": None, "time_budget_s": 0.5}


def test_search_space_offers_non_static_only_when_the_vectors_resolve():
    from textcnn.training.tune import effective_space

    missing = TrainConfig.from_preset("fast", vectors="/nonexistent/vectors.vec")
    assert effective_space(missing)["channels"] == ["rand"]
    has_ngrams = "ngram_buckets" in {f.name for f in dataclasses.fields(TrainConfig)}
    assert effective_space(missing).get("ngram_buckets") == ([0, 200_000] if has_ngrams else None)
    assert "ngram_buckets" not in effective_space(missing, SearchSpace(ngram_buckets=()))


def test_budget_errors_from_python(tiny_csv):
    config = TrainConfig.from_preset("fast", dataset=str(tiny_csv))
    with pytest.raises(TextcnnError, match="`trials` must be at least 1. Received: trials=0"):
        tune(config, trials=0)
    with pytest.raises(TextcnnError, match="`time_budget_s` must be positive"):
        tune(config, time_budget_s=0)


def _one_line_error(capsys, argv) -> str:
    from textcnn.cli import main

    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


def test_cli_zero_trials_is_a_one_line_error(tiny_csv, tmp_path, capsys):
    line = _one_line_error(capsys, ["tune", "--dataset", str(tiny_csv), "--trials", "0",
                                    "--output-dir", str(tmp_path)])
    assert line == "textcnn: error: --trials must be at least 1. Received: 0"
    assert not any(tmp_path.iterdir())


def test_cli_without_optuna_is_a_one_line_error(tiny_csv, tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)  # `import optuna` now raises ImportError
    line = _one_line_error(capsys, ["tune", "--dataset", str(tiny_csv), "--trials", "2",
                                    "--output-dir", str(tmp_path)])
    assert line == "textcnn: error: textcnn tune needs optuna: pip install 'textcnn[tune]'"


def test_train_config_file_errors_are_one_line(tmp_path, capsys):
    line = _one_line_error(capsys, ["train", "--config", str(tmp_path / "missing.json"),
                                    "--output-dir", str(tmp_path / "run")])
    assert line == f"textcnn: error: No such config file: {tmp_path / 'missing.json'}"
