"""Baselines (TF-IDF + LR, fastText) on the same splits as ``textcnn train``, the paired
significance tests that compare them with a model, and the ``textcnn baseline`` command."""

from __future__ import annotations

import csv
import json
import random
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from textcnn.baselines import (BASELINES, fit_baseline, load_baseline_data, register,
                               run_baseline)
from textcnn.config import TrainConfig
from textcnn.errors import TextcnnError
from textcnn.significance import mcnemar, paired_t_test

TOPICS = {
    "sport": "goal match team coach league striker referee penalty season stadium".split(),
    "food": "recipe oven flour sauce garlic dinner spicy bake salad dessert".split(),
    "tech": "laptop software chip server update battery keyboard code browser phone".split(),
}
FILLER = "the a and of it is was this".split()
LABEL_ORDER = ["tech", "food", "sport"]  # deliberately not sorted


def topic_texts(count: int, seed: int) -> list[tuple[str, str]]:
    """`count` short (text, label) pairs: three topic words and two shared filler words each."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        label = list(TOPICS)[i % len(TOPICS)]
        words = rng.sample(TOPICS[label], 3) + rng.sample(FILLER, 2)
        rng.shuffle(words)
        rows.append((" ".join(words), label))
    return rows


def split_rows(rows):
    return [text for text, _ in rows], [label for _, label in rows]


@pytest.fixture(scope="module")
def topics() -> dict:
    """150 training, 30 dev and 60 test texts of three clearly separable topics."""
    return {name: split_rows(topic_texts(count, seed))
            for name, count, seed in (("train", 150, 0), ("dev", 30, 1), ("test", 60, 2))}


@pytest.fixture(scope="module")
def topic_csv(tmp_path_factory):
    """200 topic texts as one CSV file: textcnn train holds out its dev and test splits."""
    path = tmp_path_factory.mktemp("baseline-data") / "topics.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(("text", "label"))
        writer.writerows(topic_texts(200, 3))
    return path


# --- significance ------------------------------------------------------------------------------

@pytest.mark.parametrize("a_only, b_only, both, neither", [
    (0, 0, 10, 5), (1, 0, 3, 0), (5, 5, 0, 0), (12, 3, 40, 7), (3, 12, 40, 7), (40, 61, 500, 20),
    (300, 250, 4000, 100),
])
def test_mcnemar_matches_scipy_binomial_test(a_only, b_only, both, neither):
    correct_a = [1] * a_only + [0] * b_only + [1] * both + [0] * neither
    correct_b = [0] * a_only + [1] * b_only + [1] * both + [0] * neither
    result = mcnemar(correct_a, correct_b)
    assert (result["a_only"], result["b_only"], result["n"]) == (a_only, b_only, len(correct_a))
    expected = 1.0 if a_only + b_only == 0 else stats.binomtest(a_only, a_only + b_only, 0.5).pvalue
    assert result["p_value"] == pytest.approx(expected, rel=1e-10)


def test_mcnemar_is_symmetric_and_takes_booleans():
    rng = np.random.default_rng(0)
    a, b = rng.random(300) < 0.8, rng.random(300) < 0.7
    forward, backward = mcnemar(a, b), mcnemar(b, a)
    assert (forward["a_only"], forward["b_only"]) == (backward["b_only"], backward["a_only"])
    assert forward["p_value"] == backward["p_value"]


@pytest.mark.parametrize("seed", range(6))
def test_paired_t_test_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    folds = int(rng.integers(2, 30))
    a = rng.normal(0.8, 0.02, folds)
    b = a + rng.normal(rng.normal(0, 0.01), rng.uniform(0.001, 0.03), folds)
    result, expected = paired_t_test(a, b), stats.ttest_rel(a, b)
    assert result["t"] == pytest.approx(expected.statistic, rel=1e-10)
    assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    assert result["df"] == folds - 1 and result["n"] == folds
    assert result["mean_difference"] == pytest.approx(np.mean(a - b))


def test_paired_t_test_with_equal_differences():
    assert paired_t_test([0.8, 0.7, 0.9], [0.8, 0.7, 0.9])["p_value"] == 1.0
    shifted = paired_t_test([0.5, 0.25, 0.75], [0.25, 0.0, 0.5])  # exact in binary
    assert shifted["t"] == float("inf") and shifted["p_value"] == 0.0


@pytest.mark.parametrize("call, message", [
    (lambda: mcnemar([1, 0, 1], [1, 0]), "equally long lists of per-item correctness. Received: 3 and 2"),
    (lambda: paired_t_test([0.8], [0.7]), "at least 2 folds. Received: 1"),
    (lambda: paired_t_test([0.8, 0.7], [0.7]), "equally long lists of per-fold scores. Received: 2 and 1"),
])
def test_significance_errors_are_one_line(call, message):
    with pytest.raises(TextcnnError, match=message) as error:
        call()
    assert "\n" not in str(error.value)


# --- fitting -----------------------------------------------------------------------------------

def check_fitted(model, topics, label_order):
    """High test accuracy, probability rows summing to 1, columns in `label_order`."""
    texts, labels = topics["test"]
    probabilities = model.predict_proba(texts)
    assert model.labels == label_order
    assert probabilities.shape == (len(texts), len(label_order))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    predicted = [label_order[i] for i in probabilities.argmax(axis=1)]
    assert np.mean(np.array(predicted) == np.array(labels)) >= 0.95
    food = probabilities[[i for i, label in enumerate(labels) if label == "food"]]
    assert (food.argmax(axis=1) == label_order.index("food")).mean() >= 0.9


def test_tfidf_lr_learns_topics_with_labels_in_the_given_order(topics):
    model = fit_baseline("tfidf-lr", *topics["train"], *topics["dev"], seed=0, labels=LABEL_ORDER)
    check_fitted(model, topics, LABEL_ORDER)
    assert model.params["C"] in (0.25, 1.0, 4.0, 16.0) and model.params["dev_accuracy"] >= 0.9


def test_tfidf_lr_without_dev_uses_defaults_and_sorted_labels(topics):
    model = fit_baseline("tfidf-lr", *topics["train"])
    check_fitted(model, topics, sorted(TOPICS))
    assert model.params == {"C": 4.0}


def test_fasttext_learns_topics_with_labels_in_the_given_order(topics):
    pytest.importorskip("fasttext")
    model = fit_baseline("fasttext", *topics["train"], *topics["dev"], seed=0, labels=LABEL_ORDER)
    check_fitted(model, topics, LABEL_ORDER)
    assert model.params["epoch"] in (5, 10, 25) and model.params["lr"] in (0.1, 0.5, 1.0)


def test_fasttext_repeats_exactly_with_a_seed(topics):
    pytest.importorskip("fasttext")
    first, second = (fit_baseline("fasttext", *topics["train"], seed=3) for _ in range(2))
    texts = topics["test"][0]
    np.testing.assert_array_equal(first.predict_proba(texts), second.predict_proba(texts))


def test_a_label_missing_from_training_gets_probability_zero(topics):
    texts, labels = topics["train"]
    model = fit_baseline("tfidf-lr", texts, labels, labels=[*LABEL_ORDER, "music"])
    probabilities = model.predict_proba(topics["test"][0])
    assert (probabilities[:, 3] == 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="svm"), "Unknown baseline 'svm'; choose one of tfidf-lr, fasttext"),
    (dict(train_labels=["sport"] * 150), "needs at least two different labels"),
    (dict(labels=["sport", "food"]), "The training split has labels not in the label list: tech"),
    (dict(dev_texts=["x"], dev_labels=["music"]), "The dev split has labels not in the label list: music"),
    (dict(dev_texts=["x"]), "Give both dev texts and dev labels, or neither"),
])
def test_fit_baseline_rejects_bad_input(topics, kwargs, message):
    texts, labels = topics["train"]
    arguments = {"method": "tfidf-lr", "train_texts": texts, "train_labels": labels, **kwargs}
    with pytest.raises(TextcnnError, match=message):
        fit_baseline(**arguments)


def test_a_missing_fasttext_says_how_to_install_it(topics, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "fasttext", None)
    with pytest.raises(TextcnnError, match=r"needs fastText: pip install 'textcnn\[baselines\]'"):
        fit_baseline("fasttext", *topics["train"])


# --- the same splits as textcnn train ----------------------------------------------------------

def test_run_baseline_uses_the_splits_and_tokenizer_of_train(topic_csv):
    from textcnn.training import load_config_dataset, make_tokenizer, split_for_training

    config = TrainConfig.from_preset("fast", dataset=str(topic_csv), seed=4)
    dataset = load_config_dataset(config)
    train, dev, test, _ = split_for_training(config, dataset)
    data = load_baseline_data(config)
    for ours, theirs in ((data.train, train), (data.dev, dev), (data.test, test)):
        assert (ours.texts, ours.labels) == (theirs.texts, theirs.labels)
    assert data.labels == dataset.label_names

    result = run_baseline(config, "tfidf-lr", verbose=0)
    expected = fit_baseline("tfidf-lr", train.texts, train.labels, dev.texts, dev.labels, seed=4,
                            tokenizer=make_tokenizer(config, dataset).tokenize, labels=dataset.label_names)
    assert result["predicted"] == expected.predict(test.texts).tolist()
    assert result["examples"] == len(test) == 21 and result["accuracy"] >= 0.9
    assert result["method"] == "tfidf-lr" and result["train_seconds"] > 0 and result["predict_per_second"] > 0


# --- the command -------------------------------------------------------------------------------

def run_cli(argv, monkeypatch, capsys) -> tuple[int, str, str]:
    """``textcnn ARGV`` in-process through the real main(), with the ``baseline`` command plugged
    in as its entry point would plug it (until setup.cfg registers it)."""
    import textcnn.cli as cli

    installed = cli.plugin_commands
    if not any(command.name == "baseline" for command in installed()):
        plugin = SimpleNamespace(name="baseline", load=lambda: register)
        monkeypatch.setattr(cli, "plugin_commands", lambda: [*installed(), plugin])
    code = cli.main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_one_json_line_with_both_baselines(topic_csv, monkeypatch, capsys):
    pytest.importorskip("fasttext")
    code, out, _ = run_cli(["baseline", "--dataset", topic_csv, "--json", "--quiet"], monkeypatch, capsys)
    assert code == 0
    assert len(out.splitlines()) == 1
    summary = json.loads(out)
    assert set(summary["baselines"]) == set(BASELINES)
    assert all(row["accuracy"] >= 0.9 for row in summary["baselines"].values())
    assert summary["examples"] == {"train": 161, "dev": 18, "test": 21}  # 10% of each class held out, twice


def test_cli_prints_a_table_for_one_method(topic_csv, monkeypatch, capsys):
    code, out, err = run_cli(["baseline", "--dataset", topic_csv, "--method", "tfidf-lr", "--seed", "2"],
                             monkeypatch, capsys)
    assert code == 0
    assert out.splitlines()[2].split() == ["method", "accuracy", "macro", "F1", "train", "s", "texts/s", "params"]
    assert out.splitlines()[3].startswith("tfidf-lr") and "fasttext" not in out
    assert "tfidf-lr on topics: 161 train / 18 dev / 21 test examples" in err


def test_cli_compares_a_trained_model_with_mcnemar(topic_csv, tmp_path, monkeypatch, capsys):
    from textcnn.training import fit

    run_dir = tmp_path / "run"
    fit(TrainConfig.from_preset("fast", dataset=str(topic_csv), feature_maps=4, embedding_dim=8, epochs=1,
                                tensorboard=False, output_dir=str(run_dir)), verbose=0)
    code, out, err = run_cli(["baseline", "--dataset", topic_csv, "--method", "tfidf-lr", "--model",
                              run_dir / "model.textcnn", "--json", "--quiet"], monkeypatch, capsys)
    assert code == 0, err
    model = json.loads(out)["model"]
    test = model["mcnemar"]["tfidf-lr"]
    assert test["n"] == 21 and 0 < test["p_value"] <= 1
    assert 0 <= model["accuracy"] <= 1 and model["predict_per_second"] > 0
    assert "textcnn: warning" not in err

    code, _, err = run_cli(["baseline", "--dataset", topic_csv, "--seed", "5", "--method", "tfidf-lr",
                            "--model", run_dir / "model.textcnn", "--quiet"], monkeypatch, capsys)
    assert code == 0 and "textcnn: warning: the model was trained with other data settings" in err
    assert "seed=0 (here 5)" in err


@pytest.mark.parametrize("arguments, message", [
    (["--dataset", "no/such.csv"], "No such file: no/such.csv"),
    (["--dataset", "trec", "--method", "svm"], "Unknown baseline 'svm'; choose one of tfidf-lr, fasttext or all"),
    (["--dataset", "trec", "--model", "no/model.textcnn"], "No such model file: no/model.textcnn"),
])
def test_cli_bad_input_is_a_one_line_error(arguments, message, monkeypatch, capsys):
    code, out, err = run_cli(["baseline", *arguments], monkeypatch, capsys)
    assert code == 1 and out == ""
    assert err.splitlines() == [f"textcnn: error: {message}"]


def test_cli_takes_only_the_data_flags(monkeypatch, capsys):
    with pytest.raises(SystemExit) as exit:
        run_cli(["baseline", "--dataset", "trec", "--epochs", "3"], monkeypatch, capsys)
    assert exit.value.code == 2
