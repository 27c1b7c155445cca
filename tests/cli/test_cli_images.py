"""The commands with image models: train, evaluate and predict on image files and .npy arrays,
visualize; one-line errors for bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from textcnn.cli import main
from textcnn.data.idx import write_idx


@pytest.fixture(scope="module")
def probes(tmp_path_factory, mnist_slice) -> dict:
    folder = tmp_path_factory.mktemp("probes")
    pixels = (mnist_slice.test.images[:6, :, :, 0] * 255).round().astype(np.uint8)
    Image.fromarray(pixels[0]).save(folder / "digit.png")
    Image.fromarray(pixels[1]).resize((100, 90)).convert("RGB").save(folder / "big.jpg", quality=95)
    np.save(folder / "batch.npy", pixels)
    np.save(folder / "labels.npy", mnist_slice.test.labels[:6])
    for i, label in enumerate(mnist_slice.test.labels[:6]):
        path = folder / "labelled" / str(label) / f"{i}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels[i]).save(path)
    (folder / "notes.txt").write_text("not an image")
    return {"dir": folder, "pixels": pixels}


def test_train_from_the_command_line(tmp_path, capsys, monkeypatch, mnist_slice):
    """In this process (so that the stand-in model applies until img-core lands): MNIST files
    of 300 training and 100 test images, the full split with a 10% validation fraction."""
    for name, array in (("train-images-idx3-ubyte", mnist_slice.train.images[..., 0]),
                        ("train-labels-idx1-ubyte", mnist_slice.train.labels),
                        ("t10k-images-idx3-ubyte", mnist_slice.test.images[..., 0]),
                        ("t10k-labels-idx1-ubyte", mnist_slice.test.labels)):
        (tmp_path / "data" / "mnist").mkdir(parents=True, exist_ok=True)
        write_idx(tmp_path / "data" / "mnist" / name,
                  (array * 255).round().astype(np.uint8) if array.dtype == np.float32 else array.astype(np.uint8))
    monkeypatch.setenv("TEXTCNN_DATA_DIR", str(tmp_path / "data"))
    run = tmp_path / "run"
    code = main(["train", "--task", "image", "--dataset", "mnist", "--arch", "lenet-tutorial", "--split", "full",
                 "--epochs", "1", "--batch-size", "50", "--no-tensorboard", "--quiet", "--output-dir", str(run)])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["model"] == str(run / "model.textcnn") and "images_per_second" in summary
    config = json.loads((run / "config.json").read_text())
    assert (config["task"], config["preset"], config["optimizer"], config["split"]) == \
        ("image", "lenet-tutorial", "sgd", "full")
    assert main(["train", "--task", "image", "--dataset", "mnist", "--variant", "static"]) == 1
    assert capsys.readouterr().err.strip() == ("textcnn: error: `variant` is an option of text models, "
                                               "not of task='image'. Received: variant='static'")
    assert main(["train", "--dataset", "mnist", "--output-dir", str(tmp_path / "text")]) == 1
    assert capsys.readouterr().err.strip() == \
        "textcnn: error: mnist is an image dataset; train on it with task='image' (--task image)"


def test_predict_image_files_and_npy(cli, trained_image_model, probes, mnist_slice):
    d = probes["dir"]
    result = cli("predict", "--model", trained_image_model["model"], "-k", "3",
                 d / "digit.png", d / "big.jpg", d / "batch.npy")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["input"] for r in rows] == [str(d / "digit.png"), str(d / "big.jpg")] + \
        [f"{d / 'batch.npy'}[{i}]" for i in range(6)]
    assert all(len(r["top_k"]) == 3 and r["label"] in [str(k) for k in range(10)] for r in rows)
    clf = trained_image_model["result"].classifier
    expected = clf.predict_proba(probes["pixels"])
    for i, row in enumerate(rows[2:]):
        assert row["score"] == pytest.approx(float(expected[i].max()), abs=1e-5)
    assert rows[0]["top_k"] == rows[2]["top_k"]  # the PNG holds the same pixels as batch.npy[0]


def test_evaluate_on_a_folder_and_on_npy(cli, trained_image_model, probes):
    d = probes["dir"]
    folder = cli("evaluate", "--model", trained_image_model["model"], "--dataset", d / "labelled", "--json")
    arrays = cli("evaluate", "--model", trained_image_model["model"], "--dataset", d / "batch.npy",
                 "--labels", d / "labels.npy", "--json")
    assert folder.returncode == 0 and arrays.returncode == 0, folder.stderr + arrays.stderr
    a, b = json.loads(folder.stdout), json.loads(arrays.stdout)
    assert a["examples"] == b["examples"] == 6 and a["accuracy"] == b["accuracy"]


def test_visualize_filters_and_feature_maps(cli, trained_image_model, probes, tmp_path):
    model = trained_image_model["model"]
    filters = cli("visualize", "filters", "--model", model, "--output", tmp_path / "f")
    untrained = cli("visualize", "filters", "--model", model, "--untrained", "--output", tmp_path / "f")
    maps = cli("visualize", "feature-maps", "--model", model, "--image", probes["dir"] / "big.jpg",
               "--output", tmp_path / "m")
    for result in (filters, untrained, maps):
        assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == ["filters.png", "filters_untrained.png"]
    written = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert written[0].startswith("feature_maps_01_") and written[-1] == "input.png" and len(written) >= 3
    assert maps.stdout.split() == [str(tmp_path / "m" / "input.png")] + \
        [str(tmp_path / "m" / name) for name in written[:-1]]
    assert Image.open(tmp_path / "f" / "filters.png").format == "PNG"


@pytest.mark.parametrize("args, message", [
    (("predict", "{d}/notes.txt"), "{d}/notes.txt: not a readable image (PNG or JPEG expected)"),
    (("predict", "{d}/missing.png"), "No such file: {d}/missing.png"),
    (("predict", "{d}/labels.npy"), "Images must have shape (N, 28, 28, 1) for this model. Received: shape=(6,)"),
    (("evaluate", "--dataset", "{d}/batch.npy"), "{d}/batch.npy holds images only; give their labels with --labels LABELS.npy"),
    (("visualize", "feature-maps", "--output", "{d}/out"), "feature-maps needs --image: a PNG/JPEG file or a .npy image"),
])
def test_bad_inputs_are_one_line_errors(cli, trained_image_model, probes, args, message, assert_one_line_error):
    d = probes["dir"]
    args = [a.format(d=d) for a in args]
    result = cli(args[0], "--model", trained_image_model["model"], *args[1:])
    assert_one_line_error(result, message.format(d=d))


def test_text_model_and_image_model_mix_ups(cli, trained, trained_image_model, probes, tmp_path,
                                            assert_one_line_error):
    result = cli("visualize", "filters", "--model", trained["model"], "--output", tmp_path)
    assert_one_line_error(result, f"{trained['model']} is a text model; visualize draws image models' "
                                  "filters and feature maps")
    result = cli("predict", "--model", trained_image_model["model"], "a wonderful film")
    assert_one_line_error(result, "No such file: a wonderful film")
