"""Device, strategy and precision options: MirroredStrategy over two logical CPU devices trains as
well as one device; MultiWorkerMirroredStrategy with two worker processes on 127.0.0.1 writes one
loadable artifact; mixed precision leaves a float32 artifact; clear errors."""

from __future__ import annotations

import csv
import json
import random
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.cli.conftest import TEXTCNN, assert_one_line_error, run_textcnn, textcnn_env

KEYWORDS = {"sport": "goal match team coach league score player stadium".split(),
            "food": "pizza pasta bread cheese recipe kitchen spicy soup".split(),
            "tech": "laptop software chip network server code robot phone".split()}
FILLER = "the a of and to in it is was for on with as at by this that from they we very some".split()
SMALL_FLAGS = dict(preset="fast", feature_maps=8, embedding_dim=16, epochs=3, patience=None,
                   learning_rate=0.01)


def topic_rows(count: int, seed: int) -> list[tuple[str, str]]:
    """Sentences of filler words with one or two keywords of their topic."""
    rng = random.Random(seed)
    rows = []
    for _ in range(count):
        label = rng.choice(sorted(KEYWORDS))
        words = rng.choices(FILLER, k=rng.randint(3, 10)) + rng.sample(KEYWORDS[label], rng.randint(1, 2))
        rng.shuffle(words)
        rows.append((" ".join(words), label))
    return rows


@pytest.fixture(scope="module")
def topics(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("topics")
    paths = {}
    for name, count, seed in (("train", 600, 0), ("test", 300, 1)):
        paths[name] = folder / f"{name}.csv"
        with open(paths[name], "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows(topic_rows(count, seed))
    return paths


# Two logical CPU devices must be made before TensorFlow starts: a fresh interpreter.
MIRRORED_VS_SINGLE = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
import textcnn
from textcnn.training.distribute import get_strategy
train, test, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
out = {"replicas": get_strategy("mirrored").num_replicas_in_sync}
for strategy in ("single", "mirrored"):
    result = textcnn.train(train, test=test, strategy=strategy, save=False, verbose=0,
                           tensorboard=False, **options)
    out[strategy] = {"accuracy": result.report["accuracy"], "loss": [h["loss"] for h in result.history]}
print(json.dumps(out))
"""


def test_mirrored_over_two_cpu_devices_trains_as_well_as_one_device(topics):
    result = subprocess.run([sys.executable, "-c", MIRRORED_VS_SINGLE, str(topics["train"]),
                             str(topics["test"]), json.dumps(SMALL_FLAGS)],
                            capture_output=True, text=True, env=textcnn_env(), timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["replicas"] == 2
    single, mirrored = out["single"], out["mirrored"]
    assert single["accuracy"] >= 0.9 and mirrored["accuracy"] >= 0.9, out
    assert abs(single["accuracy"] - mirrored["accuracy"]) <= 0.03, out
    # The same batches, learning rate and initialisation: the losses fall alike (dropout masks
    # differ per replica, so not bit for bit).
    np.testing.assert_allclose(mirrored["loss"], single["loss"], atol=0.1)
    assert mirrored["loss"][-1] < mirrored["loss"][0] - 0.3


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def run_workers(*flags, count: int = 2) -> list[tuple[str, str]]:
    """Runs `textcnn FLAGS` as `count` workers of one TF_CONFIG cluster on 127.0.0.1."""
    workers = [f"127.0.0.1:{port}" for port in _free_ports(count)]
    processes = []
    for index in range(count):
        env = {**textcnn_env(), "TF_CONFIG": json.dumps(
            {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})}
        processes.append(subprocess.Popen([str(TEXTCNN), *map(str, flags)], env=env, text=True,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outputs = [process.communicate(timeout=600) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-3000:]
    return outputs


def test_multi_worker_training_on_localhost_writes_one_loadable_artifact(topics, tmp_path):
    run_dir = tmp_path / "run"
    outputs = run_workers("train", "--dataset", topics["train"], "--test", topics["test"],
                          "--strategy", "multi-worker", "--output-dir", run_dir, "--preset", "fast",
                          "--feature-maps", "8", "--embedding-dim", "16", "--epochs", "2",
                          "--learning-rate", "0.01")
    summaries = [json.loads(stdout) for stdout, _ in outputs]
    # Both workers trained the same model in lock step; only the chief wrote the run.
    assert summaries[0]["dev_accuracy"] == summaries[1]["dev_accuracy"]
    assert sorted(p.name for p in run_dir.glob("*.textcnn")) == ["model.textcnn"]
    assert "epoch 2/2" in outputs[0][1] and "epoch 2/2" in outputs[1][1]
    import textcnn

    classifier = textcnn.load(run_dir / "model.textcnn")
    assert classifier.model.dtype_policy.name == "float32"
    accuracy = np.mean([classifier.predict(text)[0][0][0] == label for text, label in topic_rows(100, 2)])
    assert accuracy >= 0.8
    assert json.loads((run_dir / "config.json").read_text())["strategy"] == "multi-worker"


@pytest.mark.slow
def test_restarted_workers_resume_from_the_chiefs_checkpoint(topics, tmp_path):
    run_dir = tmp_path / "run"
    common = ("--output-dir", run_dir)
    run_workers("train", "--dataset", topics["train"], "--strategy", "multi-worker", "--preset", "fast",
                "--feature-maps", "8", "--embedding-dim", "16", "--epochs", "3", "--learning-rate", "0.01",
                "--patience", "none", *common)
    uninterrupted = (run_dir / "metrics.csv").read_text().splitlines()
    # As if the workers had died after epoch 2: keep the run up to epoch 2's checkpoint.
    config = json.loads((run_dir / "config.json").read_text())
    run_dir.rename(tmp_path / "full")
    run_workers("train", "--dataset", topics["train"], "--strategy", "multi-worker",
                *[f"--{k.replace('_', '-')}={v}" for k, v in (("preset", "fast"), ("feature_maps", 8),
                  ("embedding_dim", 16), ("epochs", 2), ("learning_rate", 0.01), ("patience", "none"))],
                *common)
    (run_dir / "config.json").write_text(json.dumps({**config, "epochs": 3}))
    outputs = run_workers("train", "--resume", *common)
    assert all("resuming after epoch 2" in stderr for _, stderr in outputs)
    resumed = [row.split(",")[:5] for row in (run_dir / "metrics.csv").read_text().splitlines()]
    assert resumed == [row.split(",")[:5] for row in uninterrupted]  # seconds aside


def test_mixed_precision_trains_and_saves_a_float32_model(topics):
    import textcnn

    result = textcnn.train(str(topics["train"]), test=str(topics["test"]), mixed_precision=True,
                           save=False, verbose=0, tensorboard=False, **SMALL_FLAGS)
    assert result.classifier.model.dtype_policy.name == "float32"
    assert result.report["accuracy"] >= 0.9
    import keras

    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored


def test_device_gpu_without_a_gpu_is_a_one_line_error(topics):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    result = run_textcnn("train", "--dataset", topics["train"], "--device", "gpu", "--epochs", "1")
    assert_one_line_error(result, "--device gpu: TensorFlow sees no GPU on this machine (install the "
                                  "GPU extra, pip install 'textcnn[gpu]', and check nvidia-smi)")


def test_multi_worker_without_tf_config_is_a_one_line_error(topics):
    result = run_textcnn("train", "--dataset", topics["train"], "--strategy", "multi-worker")
    assert_one_line_error(result, "--strategy multi-worker needs TF_CONFIG to describe the cluster")


def test_unknown_strategy_and_device_are_rejected():
    from textcnn.config import TrainConfig
    from textcnn.errors import TextcnnError

    with pytest.raises(TextcnnError) as error:
        TrainConfig(strategy="parameter-server")
    assert str(error.value) == ("`strategy` must be one of auto, single, mirrored, multi-worker. "
                                "Received: strategy='parameter-server'")
    with pytest.raises(TextcnnError) as error:
        TrainConfig(device="tpu")
    assert str(error.value) == "`device` must be one of auto, cpu, gpu. Received: device='tpu'"


def test_replica_rows_split_a_global_batch_evenly():
    from textcnn.training.distribute import replica_rows

    batch = np.arange(10)
    pieces = [replica_rows(batch, k, 2) for k in range(2)]
    assert [p.tolist() for p in pieces] == [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]]
    assert sorted(np.concatenate(pieces).tolist()) == batch.tolist()
