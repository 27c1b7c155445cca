"""Fixtures of the service tests: one tiny model, trained once per session, saved as versions."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

POSITIVE = ["a gripping and moving film", "wonderful acting and a great story", "i loved every minute",
            "a joy to watch", "brilliant , funny and warm", "the best film of the year",
            "great fun for the whole family", "beautifully shot and well acted"]
NEGATIVE = ["a dull and boring mess", "terrible acting and a weak plot", "i hated every minute",
            "a waste of time", "awful , flat and tedious", "the worst film of the year",
            "painfully slow and badly written", "nothing works in this film"]


@pytest.fixture(scope="session")
def classifier():
    """A tiny two-label TextClassifier (4 maps of region sizes 2 and 3, 8-d embeddings, 1 epoch)."""
    from textcnn.config import TrainConfig
    from textcnn.data.formats import LabeledTexts
    from textcnn.data.tokenizer import Tokenizer
    from textcnn.training import train_on_splits

    data = LabeledTexts(POSITIVE + NEGATIVE, ["positive"] * len(POSITIVE) + ["negative"] * len(NEGATIVE))
    config = TrainConfig.from_preset("fast", dataset="toy", feature_maps=4, embedding_dim=8, epochs=1,
                                     region_sizes=(2, 3), tensorboard=False)
    result = train_on_splits(config, data, data, data, ["negative", "positive"], Tokenizer(), verbose=0,
                             dataset_name="toy")
    return result.classifier


@pytest.fixture(scope="session")
def model_file(classifier, tmp_path_factory) -> Path:
    """The tiny model saved once as an artifact."""
    return classifier.save(tmp_path_factory.mktemp("artifact") / "model.textcnn")


@pytest.fixture(scope="session")
def reversed_file(classifier, tmp_path_factory) -> Path:
    """The same network with its label names swapped: a new version that answers differently."""
    from textcnn.inference.text import TextClassifier

    swapped = TextClassifier(classifier.model, classifier.tokenizer, classifier.vocabulary,
                             list(reversed(classifier.labels)), classifier.manifest)
    return swapped.save(tmp_path_factory.mktemp("reversed") / "model.textcnn")


@pytest.fixture(scope="session")
def nan_file(classifier, tmp_path_factory) -> Path:
    """A model that loads but answers NaN: it must fail the smoke prediction."""
    import keras
    import numpy as np

    from textcnn.inference.text import TextClassifier

    model = keras.models.clone_model(classifier.model)
    model.set_weights([np.full_like(w, np.nan) for w in classifier.model.get_weights()])
    broken = TextClassifier(model, classifier.tokenizer, classifier.vocabulary, classifier.labels,
                            classifier.manifest)
    return broken.save(tmp_path_factory.mktemp("nan") / "model.textcnn")


def _install(models_dir: Path, name: str, version: int, artifact: Path | bytes) -> Path:
    """Puts an artifact (a file, or raw bytes) at models_dir/name/version/model.textcnn."""
    target = models_dir / name / str(version) / "model.textcnn"
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(artifact, bytes):
        target.write_bytes(artifact)
    else:
        shutil.copyfile(artifact, target)
    return target


@pytest.fixture(scope="session")
def install():
    """``install(models_dir, name, version, file_or_bytes)``: puts a model version in place."""
    return _install


@pytest.fixture(scope="session")
def models_dir(model_file, tmp_path_factory) -> Path:
    """A models directory with one model, ``toy``, version 1."""
    root = tmp_path_factory.mktemp("models")
    _install(root, "toy", 1, model_file)
    return root


@pytest.fixture(scope="session")
def registry(models_dir):
    """A loaded registry over `models_dir`, shared by the read-only tests."""
    from textcnn_service.config import ServiceConfig
    from textcnn_service.registry import ModelRegistry

    registry = ModelRegistry(ServiceConfig.load({"models_dir": str(models_dir)}, environ={}))
    registry.load()
    yield registry
    registry.close()


@pytest.fixture(scope="session")
def app(registry):
    from textcnn_service.app import create_app

    return create_app({"models_dir": str(registry.models_dir), "max_texts": 8, "max_text_chars": 1_100_000,
                       "max_body_bytes": 4 * 1024 * 1024, "default_top_k": 1}, registry=registry)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def base_url(app):
    """The session's app on the werkzeug server, on a free port of 127.0.0.1."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
