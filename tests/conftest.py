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
