"""The sizing rules of ``service/gunicorn.conf.py``: one worker per core by default, TensorFlow's
intra-op threads = cores // workers in each worker."""

from __future__ import annotations

import os
import runpy
import types
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parents[2] / "service" / "gunicorn.conf.py"


def _load(monkeypatch, tmp_path, cores: int, **env) -> dict:
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for key in ("TEXTCNN_WORKERS", "TEXTCNN_THREADS", "TEXTCNN_WORKER_CLASS", "TEXTCNN_INTRA_OP_THREADS", "TEXTCNN_INTER_OP_THREADS",
                "TEXTCNN_LOAD_IN_BACKGROUND"):
        monkeypatch.setenv(key, "")  # recorded, so what post_fork sets is undone after the test
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return runpy.run_path(str(CONF))


def _post_fork(conf: dict, workers: int) -> tuple[str, str]:
    server = types.SimpleNamespace(cfg=types.SimpleNamespace(workers=workers))
    conf["post_fork"](server, None)
    return os.environ["TEXTCNN_INTRA_OP_THREADS"], os.environ["TEXTCNN_INTER_OP_THREADS"]


@pytest.mark.parametrize("cores", [1, 2, 8])
def test_one_worker_per_core_with_one_intra_op_thread_each(monkeypatch, tmp_path, cores):
    conf = _load(monkeypatch, tmp_path, cores)
    assert conf["workers"] == cores
    assert conf["threads"] == 32
    assert conf["worker_class"] == "service.worker.ServiceWorker"
    assert conf["preload_app"] is False
    assert _post_fork(conf, conf["workers"]) == ("1", "1")


def test_fewer_workers_share_the_cores_between_them(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path, 8, TEXTCNN_WORKERS="2", TEXTCNN_THREADS="16")
    assert (conf["workers"], conf["threads"]) == (2, 16)
    assert _post_fork(conf, 2) == ("4", "1")


def test_explicit_thread_pool_sizes_are_kept(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path, 8, TEXTCNN_INTRA_OP_THREADS="3")
    assert _post_fork(conf, 8) == ("3", "1")
