"""Seed ensembles (``--ensemble N``): N models trained with seeds seed, seed+1, ... saved as ONE
artifact whose probabilities are their mean; prediction (packed and padded), a fresh process, the
service, the SavedModel export, resume, cross-validation, images and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import textcnn
from textcnn.config import TrainConfig
from textcnn.data.datasets import Dataset
from textcnn.data.formats import LabeledTexts
from textcnn.inference.packing import AveragedPackedForward, packed_forward
from textcnn.inference.text import TextClassifier
from textcnn.training import cross_validate, fit
from tests.cli.conftest import assert_one_line_error, run_textcnn, textcnn_env, write_csv
from tests.cli.test_cli_export import LOAD_AND_PREDICT, MIXED_BATCH

POS = ["a gripping film", "wonderful , moving story", "brilliant acting", "charming and funny", "great fun"]
NEG = ["dull and tedious", "boring , flat , lifeless", "a waste of time", "painfully slow", "awful mess"]
TEXTS = ["a gripping and moving film", "boring", "i hated every minute of it , truly awful", "wonderful",
         "zyzzyva quokka", "", "great fun , a charming and brilliant story , wonderful acting"]


def toy_dataset() -> Dataset:
    texts = [f"{t} {i}" for i in range(6) for t in POS + NEG]
    labels = (["pos"] * 5 + ["neg"] * 5) * 6
    return Dataset("toy", LabeledTexts(texts, labels), dev=LabeledTexts(POS + NEG, ["pos"] * 5 + ["neg"] * 5),
                   test=LabeledTexts(POS + NEG, ["pos"] * 5 + ["neg"] * 5))


def config(output_dir, **changes) -> TrainConfig:
    base = dict(dataset="toy", feature_maps=4, embedding_dim=8, region_sizes=(1, 2), epochs=2, patience=None,
                output_dir=str(output_dir), tensorboard=False, seed=7, deterministic=True, ensemble=3)
    return TrainConfig.from_preset("fast", **{**base, **changes})


def members_of(classifier) -> list:
    """The nested member models of an ensemble classifier, in order."""
    count = classifier.manifest["ensemble"]["members"]
    return [classifier.model.get_layer(f"member_{k}") for k in range(count)]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """An ensemble of three tiny text models (seeds 7, 8, 9), trained once into a run directory."""
    run_dir = tmp_path_factory.mktemp("ensemble-run")
    result = fit(config(run_dir), toy_dataset(), verbose=0)
    return {"run_dir": run_dir, "model": run_dir / "model.textcnn", "result": result}


def test_probabilities_are_the_mean_of_the_members(run):
    classifier = run["result"].classifier
    assert [layer.name for layer in classifier.model.layers] == ["tokens", "member_0", "member_1", "member_2",
                                                                  "probabilities"]
    assert isinstance(classifier.packed_forward(), AveragedPackedForward)
    packed = classifier.predict_proba(TEXTS)
    classifier.packing = False
    try:
        padded = classifier.predict_proba(TEXTS)
    finally:
        classifier.packing = True
    members = [TextClassifier(member, classifier.tokenizer, classifier.vocabulary, classifier.labels)
               for member in members_of(classifier)]
    member_probabilities = np.stack([member.predict_proba(TEXTS) for member in members])
    assert all(packed_forward(member) is not None for member in members_of(classifier))
    np.testing.assert_allclose(packed, member_probabilities.mean(0), atol=1e-6)
    np.testing.assert_allclose(padded, member_probabilities.mean(0), atol=1e-6)
    # Three different models, not one three times.
    assert np.abs(member_probabilities[0] - member_probabilities[1]).max() > 1e-4


def test_members_are_the_models_of_seeds_seed_plus_k(run, tmp_path):
    """Member 1 is, weight for weight, the single model trained with seed 7 + 1."""
    single = fit(config(tmp_path, seed=8, ensemble=1), toy_dataset(), save=False, verbose=0)
    member = members_of(run["result"].classifier)[1]
    for expected, got in zip(single.classifier.model.get_weights(), member.get_weights()):
        np.testing.assert_array_equal(got, expected)


def test_manifest_history_and_run_directory(run):
    result, run_dir = run["result"], run["run_dir"]
    with zipfile.ZipFile(run["model"]) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    ensemble = manifest["ensemble"]
    assert ensemble["members"] == 3 and ensemble["member_seeds"] == [7, 8, 9]
    assert len(ensemble["member_dev_accuracy"]) == 3 and len(ensemble["member_best_epoch"]) == 3
    assert manifest["config"]["ensemble"] == 3
    # The dev accuracy is the ensemble's own, scored on the dev split.
    dev = toy_dataset().dev
    index = {label: i for i, label in enumerate(result.classifier.labels)}
    expected = np.mean(result.classifier.predict_proba(dev.texts).argmax(1) == [index[l] for l in dev.labels])
    assert manifest["evaluation"]["dev_accuracy"] == pytest.approx(expected) == result.dev_accuracy
    assert result.best_epoch == max(ensemble["member_best_epoch"])
    assert [(row["member"], row["epoch"]) for row in result.history] == [(k, e) for k in range(3) for e in (1, 2)]
    for k in range(3):
        member = json.loads((run_dir / "members" / str(k) / "member.json").read_text())
        assert member["best_dev_accuracy"] == ensemble["member_dev_accuracy"][k]
        assert (run_dir / "members" / str(k) / "checkpoints" / "LATEST").is_file()
        assert (run_dir / "members" / str(k) / "metrics.csv").is_file()
    assert (run_dir / "metrics.csv").read_text().splitlines()[0].startswith("member,epoch,")
    assert (run_dir / "learning_curve.png").is_file()  # one curve per member


ROUND_TRIP = """
import json, sys
import textcnn
classifier = textcnn.load(sys.argv[1])
texts = json.loads(sys.stdin.read())
packed = classifier.predict_proba(texts)
kind = type(classifier.packed_forward()).__name__
classifier.packing = False
padded = classifier.predict_proba(texts)
print(json.dumps({"packed": packed.tolist(), "padded": padded.tolist(), "forward": kind}))
"""


def test_round_trip_in_a_fresh_process(run):
    done = subprocess.run([sys.executable, "-c", ROUND_TRIP, str(run["model"])], input=json.dumps(TEXTS),
                          capture_output=True, text=True, env=textcnn_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    fresh = json.loads(done.stdout)
    assert fresh["forward"] == "AveragedPackedForward"
    expected = run["result"].classifier.predict_proba(TEXTS)
    np.testing.assert_allclose(fresh["packed"], expected, atol=1e-6, rtol=0)
    np.testing.assert_allclose(fresh["padded"], expected, atol=1e-6, rtol=0)


def test_the_service_serves_the_ensemble(run, tmp_path):
    import shutil

    from textcnn_service.app import create_app
    from textcnn_service.config import ServiceConfig
    from textcnn_service.registry import ModelRegistry

    target = tmp_path / "models" / "ensemble" / "1" / "model.textcnn"
    target.parent.mkdir(parents=True)
    shutil.copyfile(run["model"], target)
    registry = ModelRegistry(ServiceConfig.load({"models_dir": str(tmp_path / "models")}, environ={}))
    try:
        registry.load()
        client = create_app({"models_dir": str(tmp_path / "models")}, registry=registry).test_client()
        assert client.get("/readyz").status_code == 200
        response = client.post("/classify", json={"texts": TEXTS[:5], "top_k": 2})
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["model"] == {"name": "ensemble", "version": 1}
        expected = textcnn.load(run["model"]).predict(TEXTS[:5], k=2)
        for result, ranked in zip(body["results"], expected):
            assert [entry["label"] for entry in result["top_k"]] == [label for label, _ in ranked]
            np.testing.assert_allclose([entry["score"] for entry in result["top_k"]],
                                       [score for _, score in ranked], rtol=1e-5, atol=1e-6)
    finally:
        registry.close()


def test_savedmodel_export_in_a_fresh_process(run, tmp_path):
    output = tmp_path / "export" / "1"
    exported = run_textcnn("export", "--format", "savedmodel", "--model", run["model"], "--output", output)
    assert exported.returncode == 0, exported.stderr
    done = subprocess.run([sys.executable, "-c", LOAD_AND_PREDICT, str(output)], input=json.dumps(MIXED_BATCH),
                          capture_output=True, text=True, env=textcnn_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    served = json.loads(done.stdout)
    classifier = textcnn.load(run["model"])
    expected = classifier.predict_proba(MIXED_BATCH)
    np.testing.assert_allclose(served["probabilities"], expected, atol=1e-5, rtol=0)
    assert served["label"] == [classifier.labels[i] for i in expected.argmax(1)]
    manifest = json.loads((output / "assets.extra" / "manifest.json").read_text())
    assert manifest["ensemble"]["members"] == 3


class Interrupted(Exception):
    pass


def test_resume_reloads_finished_members_and_continues_the_interrupted_one(run, tmp_path, monkeypatch, capsys):
    import textcnn.training.ensemble as ensemble

    real = ensemble.train_model

    def interrupted_in_member_1(member_config, *args, **kwargs):
        """Member 1 stops after its first epoch's checkpoint, as a killed run would."""
        if member_config.seed == 8:
            real(member_config.replace(epochs=1), *args, **kwargs)
            raise Interrupted
        return real(member_config, *args, **kwargs)

    run_dir = tmp_path / "run"
    monkeypatch.setattr(ensemble, "train_model", interrupted_in_member_1)
    with pytest.raises(Interrupted):
        fit(config(run_dir, ensemble=2), toy_dataset(), verbose=0)
    monkeypatch.setattr(ensemble, "train_model", real)
    first = run_dir / "members" / "0"
    assert (first / "member.json").is_file() and not (run_dir / "members" / "1" / "member.json").exists()
    stamps = {path: path.stat().st_mtime_ns for path in first.rglob("*") if path.is_file()}
    capsys.readouterr()

    resumed = fit(config(run_dir, ensemble=2), toy_dataset(), resume=True, verbose=1)
    log = capsys.readouterr().err
    assert f"textcnn: ensemble member 1/2 (seed 7) already trained; reloaded from {first}" in log
    assert "textcnn: training ensemble member 1/2" not in log
    assert "textcnn: training ensemble member 2/2 (seed 8)" in log
    assert "textcnn: resuming after epoch 1" in log
    assert [line.split(":")[0] for line in log.splitlines() if line.startswith("epoch ")] == ["epoch 2/2"]
    assert {path: path.stat().st_mtime_ns for path in first.rglob("*") if path.is_file()} == stamps
    # The same members as the uninterrupted run of the same seeds (the fixture's first two).
    for got, expected in zip(members_of(resumed.classifier), members_of(run["result"].classifier)):
        for w, v in zip(got.get_weights(), expected.get_weights()):
            np.testing.assert_allclose(w, v, atol=1e-5)
    assert resumed.classifier.manifest["ensemble"]["members"] == 2
    assert len(resumed.history) == 4


def test_cross_validation_trains_an_ensemble_in_every_fold(tmp_path, monkeypatch):
    import textcnn.training.ensemble as ensemble

    seeds = []
    real = ensemble.train_model

    def counting(member_config, *args, **kwargs):
        seeds.append(member_config.seed)
        return real(member_config, *args, **kwargs)

    monkeypatch.setattr(ensemble, "train_model", counting)
    results = cross_validate(config(tmp_path, ensemble=2, epochs=1), folds=2, seeds=(3,), dataset=toy_dataset(),
                             save=False, verbose=0)
    assert len(results["runs"]) == 2
    assert seeds == [3, 4, 3, 4]


def test_an_image_ensemble(tmp_path, mnist_slice):
    changes = dict(task="image", dataset="mnist-slice", arch="lenet-tutorial", epochs=1, batch_size=50,
                   learning_rate=0.1, output_dir=str(tmp_path), tensorboard=False, seed=3, ensemble=2)
    result = fit(TrainConfig.from_preset("lenet-tutorial", **changes), mnist_slice, verbose=0)
    images = mnist_slice.test.images[:20]
    classifier = textcnn.load(tmp_path / "model.textcnn")
    assert classifier.manifest["ensemble"]["member_seeds"] == [3, 4]
    members = np.stack([np.asarray(member(images, training=False)) for member in members_of(classifier)])
    np.testing.assert_allclose(classifier.predict_proba(images), members.mean(0), atol=1e-6)
    np.testing.assert_allclose(classifier.predict_proba(images), result.classifier.predict_proba(images), atol=1e-6)


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("ensemble-cli")
    rows = [(f"{text} {i}", label) for i in range(4) for texts, label in ((POS, "pos"), (NEG, "neg"))
            for text in texts]
    return {"dir": folder, "train": write_csv(folder / "train.csv", rows),
            "test": write_csv(folder / "test.csv", [(t, "pos") for t in POS] + [(t, "neg") for t in NEG])}


def test_cli_train_predict_and_evaluate_an_ensemble(cli_data, tmp_path):
    run_dir = tmp_path / "run"
    trained = run_textcnn("train", "--dataset", cli_data["train"], "--test", cli_data["test"], "--preset", "fast",
                          "--feature-maps", "4", "--embedding-dim", "8", "--epochs", "1", "--ensemble", "2",
                          "--output-dir", run_dir, cwd=cli_data["dir"])
    assert trained.returncode == 0, trained.stderr
    assert "textcnn: ensemble of 2: dev accuracy" in trained.stderr
    assert sorted(p.name for p in (run_dir / "members").iterdir()) == ["0", "1"]
    evaluated = run_textcnn("evaluate", "--model", run_dir / "model.textcnn", "--dataset", cli_data["test"], "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads((run_dir / "report.json").read_text())
    assert json.loads(evaluated.stdout)["accuracy"] == pytest.approx(report["accuracy"])
    predicted = run_textcnn("predict", "--model", run_dir / "model.textcnn", "-k", "2", *TEXTS[:3])
    assert predicted.returncode == 0, predicted.stderr
    lines = [json.loads(line) for line in predicted.stdout.splitlines()]
    assert len(lines) == 3
    classifier = textcnn.load(run_dir / "model.textcnn")
    assert classifier.manifest["ensemble"]["members"] == 2


def test_cli_refuses_an_ensemble_of_zero(cli_data, tmp_path):
    result = run_textcnn("train", "--dataset", cli_data["train"], "--ensemble", "0", "--output-dir", tmp_path / "run")
    assert_one_line_error(result, "`ensemble` must be at least 1. Received: ensemble=0")
    assert not (tmp_path / "run").exists()
