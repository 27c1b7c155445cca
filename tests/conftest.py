"""Shared fixtures. Tests needing the real datasets read them from $TEXTCNN_DATA_DIR and fail
loudly (never skip) when it is not set."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    value = os.environ.get("TEXTCNN_DATA_DIR")
    if not value or not Path(value).is_dir():
        pytest.fail("TEXTCNN_DATA_DIR must point at the datasets (shared/data); "
                    f"it is {value!r}. `make test` sets it when ../shared/data exists.")
    return Path(value)


def _stand_in_image_model(arch, input_shape, num_classes, *, seed=None, dropout=None, **options):
    """A tiny conv net with the agreed signature of textcnn.models.build_image_model."""
    import keras

    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Conv2D(4, 5, activation="tanh", kernel_initializer=init, name="conv1"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(4, 3, activation="tanh", kernel_initializer=init, name="conv2"),
        keras.layers.Flatten(),
        keras.layers.Dense(num_classes, activation="softmax", kernel_initializer=init),
    ], name=arch)


def use_image_models(monkeypatch) -> str:
    """The architecture the image tests train: the real `lenet-tutorial` once textcnn.models
    builds image models (branch img-core); until then a stand-in with the same signature."""
    import textcnn.models as models

    if not hasattr(models, "build_image_model"):
        monkeypatch.setattr(models, "build_image_model", _stand_in_image_model, raising=False)
        monkeypatch.setattr(models, "IMAGE_ARCHITECTURES", ("lenet-tutorial",), raising=False)
    return "lenet-tutorial"


@pytest.fixture
def image_arch(monkeypatch) -> str:
    """See :func:`use_image_models`."""
    return use_image_models(monkeypatch)


@pytest.fixture(scope="session")
def trained_image_model(tmp_path_factory, mnist_slice) -> dict:
    """One small image model for the session (1 epoch on 300 MNIST images), and its run directory."""
    from textcnn.config import TrainConfig
    from textcnn.training import fit

    run_dir = tmp_path_factory.mktemp("image-run")
    with pytest.MonkeyPatch.context() as patch:
        arch = use_image_models(patch)
        config = TrainConfig.from_preset("lenet-tutorial", arch=arch, epochs=1, batch_size=50,
                                         output_dir=str(run_dir), tensorboard=False, seed=1)
        result = fit(config, mnist_slice, verbose=0)
    return {"run_dir": run_dir, "model": run_dir / "model.textcnn", "result": result}


@pytest.fixture(scope="session")
def mnist_slice(data_dir):
    """A few hundred MNIST images: 300 train, 100 dev, 100 test (an ImageDataset)."""
    from textcnn.data.image_datasets import load_image_dataset
    from textcnn.data.images import ImageDataset

    if not (data_dir / "mnist").is_dir():
        pytest.fail(f"TEXTCNN_DATA_DIR={data_dir} has no mnist/ folder")
    full = load_image_dataset("mnist", download=False)
    return ImageDataset("mnist-slice", full.train.subset(slice(0, 300)), full.dev.subset(slice(0, 100)),
                        full.test.subset(slice(0, 100)), full.class_names)
