"""Embedding gradients stay sparse (tf.IndexedSlices) all the way to the optimizer; a frozen
channel gets none; each optimizer writes the table as textcnn.training.optimizers says; and the sparse
update, repeated rows included, equals the dense one."""

from __future__ import annotations

import numpy as np
import pytest

from textcnn.config import TrainConfig
from gradient_probes import record_gradients, record_updates
from textcnn.training.optimizers import EMBEDDING_UPDATES, dense_update_note, update_kind
from textcnn.training import make_optimizer

VOCAB, DIM = 60, 6


def one_step(variant: str, optimizer: str, jit_compile: bool = False):
    """One training step of a tiny Kim CNN through Keras' fit: (gradient types reaching
    update_step, variable updates), by variable path."""
    import keras

    from textcnn.models import build_kim_cnn

    keras.utils.set_random_seed(0)
    matrix = None if variant == "rand" else np.random.default_rng(0).normal(size=(VOCAB, DIM)).astype("float32")
    model = build_kim_cnn(vocab_size=VOCAB, num_classes=2, variant=variant, embedding_matrix=matrix,
                          embedding_dim=DIM, region_sizes=(2,), feature_maps=3)
    momentum = 0.9 if optimizer == "sgd-momentum" else 0.0
    config = TrainConfig.from_preset("fast", optimizer=optimizer.split("-")[0], momentum=momentum)
    model.compile(optimizer=make_optimizer(config),
                  loss="sparse_categorical_crossentropy", jit_compile=jit_compile)
    grads = record_gradients(model.optimizer)
    x = np.array([[5, 6, 5, 5, 0], [7, 5, 8, 0, 0]], "int32")  # repeated tokens, padding
    with record_updates() as updates:
        model.fit(x, np.array([0, 1]), epochs=1, batch_size=2, verbose=0)
    return grads, updates


def embedding_entries(grads: dict, name: str) -> list[str]:
    return [kind for path, kind in grads.items() if path.split("/")[0] == name]


@pytest.mark.parametrize("variant, optimizer", [("rand", "adam"), ("non-static", "adadelta"),
                                                ("multichannel", "sgd"), ("static", "adam")])
def test_embedding_gradient_reaches_the_optimizer_as_indexed_slices(variant, optimizer):
    grads, _ = one_step(variant, optimizer)
    trainable = variant != "static"
    assert embedding_entries(grads, "embedding") == (["IndexedSlices"] if trainable else [])
    assert embedding_entries(grads, "embedding_static") == []  # multichannel's frozen channel
    assert grads  # the rest of the network trains
    assert all("embedding" in path or kind == "dense" for path, kind in grads.items())


@pytest.mark.parametrize("optimizer", ["adam", "adadelta", "sgd", "sgd-momentum"])
def test_each_optimizer_writes_the_table_as_documented(optimizer):
    _, updates = one_step("rand", optimizer)
    written = {}
    for path, kind in updates:
        if "/embedding_embeddings_" in path:  # the optimizer's per-row state of the table
            written[path.split("/embedding_embeddings_")[1].split(":")[0]] = kind
        elif path.startswith("embedding/embeddings"):
            written["embeddings"] = kind
    assert written == EMBEDDING_UPDATES[optimizer]


def test_xla_compiled_step_keeps_the_update_sparse():
    grads, updates = one_step("rand", "adadelta", jit_compile=True)
    assert embedding_entries(grads, "embedding") == ["IndexedSlices"]
    assert ("embedding/embeddings", "sparse") in [(p.split(":")[0], k) for p, k in updates]


@pytest.mark.parametrize("optimizer", ["adam", "adadelta", "sgd"])
def test_sparse_update_with_repeated_rows_equals_the_dense_update(optimizer):
    import keras
    import tensorflow as tf

    gradient = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, -4.0], [5.0, 6.0]]),
                                tf.constant([0, 0, 2]), tf.constant([4, 2]))
    config = TrainConfig.from_preset("fast", optimizer=optimizer, learning_rate=0.1)

    def train(make, sparse):
        variable = keras.Variable(np.ones((4, 2), "float32"))
        optimizer_ = make()
        for _ in range(3):
            optimizer_.apply([gradient if sparse else tf.convert_to_tensor(gradient)], [variable])
        return variable.numpy()

    np.testing.assert_allclose(train(lambda: make_optimizer(config), True),
                               train(lambda: make_optimizer(config), False), rtol=1e-6, atol=1e-7)
    if optimizer != "sgd":
        # Why make_optimizer deduplicates: Keras 3.15's own optimizer squares repeated rows one by
        # one. When this fails, Keras has fixed it and textcnn.training.optimizers.deduplicate can go.
        stock = getattr(keras.optimizers, type(make_optimizer(config)).__name__)
        assert not np.allclose(train(lambda: stock(learning_rate=0.1), True),
                               train(lambda: stock(learning_rate=0.1), False), rtol=1e-6, atol=1e-7)


def test_dense_update_note():
    assert dense_update_note("sgd", [(400_000, 300)]) is None
    assert "sgd-momentum writes every row of the trainable embeddings and their momentum" in \
        dense_update_note(update_kind("sgd", 0.9), [(400_000, 300)])
    assert dense_update_note("adam", []) is None  # static: no trainable table
    note = dense_update_note("adadelta", [(400_000, 300), (400_000, 50)])
    assert "embeddings' accumulated_grad, accumulated_delta_var (400,000 x 300 + 400,000 x 50)" in note


def test_training_logs_the_dense_path(capsys):
    from tests.test_training import config, toy_dataset
    from textcnn.training import fit

    fit(config(None, epochs=1, output_dir="unused"), toy_dataset(), save=False, verbose=1)
    assert "adam writes every row of the trainable embeddings and their momentum, velocity" in capsys.readouterr().err
