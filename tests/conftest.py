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


@pytest.fixture(scope="session")
def trained_image_model(tmp_path_factory, mnist_slice) -> dict:
    """One small image model for the session (lenet-tutorial, 1 epoch on 300 MNIST images)."""
    from textcnn.config import TrainConfig
    from textcnn.training import fit

    run_dir = tmp_path_factory.mktemp("image-run")
    config = TrainConfig.from_preset("lenet-tutorial", epochs=1, batch_size=50, output_dir=str(run_dir),
                                     tensorboard=False, seed=1)
    result = fit(config, mnist_slice, verbose=0)
    return {"run_dir": run_dir, "model": run_dir / "model.textcnn", "result": result}
