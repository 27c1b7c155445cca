"""Fixtures for the data tests: a private download cache, no accidental downloads, and the
shared benchmark files (`$TEXTCNN_DATA_DIR`), which fail the test loudly when missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch) -> Path:
    """Points the download cache at a temporary folder and the download source at a folder that
    does not exist, so no test writes to the home folder or reaches the network by accident."""
    root = tmp_path / "cache-root"
    monkeypatch.setenv("TEXTCNN_CACHE_DIR", str(root))
    monkeypatch.setenv("TEXTCNN_DATASETS_URL", (tmp_path / "no-mirror").as_uri())
    return root


def require_shared_data(folder: str) -> Path:
    """`$TEXTCNN_DATA_DIR/<folder>`; fails (never skips) when the variable or folder is missing."""
    root = os.environ.get("TEXTCNN_DATA_DIR")
    if not root:
        pytest.fail("TEXTCNN_DATA_DIR is not set; set it to the shared data root "
                    "(e.g. TEXTCNN_DATA_DIR=/work/shared/data) to run the benchmark data tests.")
    path = Path(root) / folder
    if not path.is_dir():
        pytest.fail(f"TEXTCNN_DATA_DIR={root} has no {folder}/ folder; point it at the shared data root.")
    return path


@pytest.fixture(scope="session")
def shared_data():
    """A function: `shared_data("trec")` is the shared folder of that benchmark."""
    return require_shared_data
