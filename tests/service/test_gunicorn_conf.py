"""The sizing rules of ``service/gunicorn.conf.py``: one worker per core by default, TensorFlow's
intra-op threads = cores // workers in each worker."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
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
    assert conf["worker_class"] == "textcnn_service.worker.ServiceWorker"
    assert conf["preload_app"] is False
    assert _post_fork(conf, conf["workers"]) == ("1", "1")


def test_fewer_workers_share_the_cores_between_them(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path, 8, TEXTCNN_WORKERS="2", TEXTCNN_THREADS="16")
    assert (conf["workers"], conf["threads"]) == (2, 16)
    assert _post_fork(conf, 2) == ("4", "1")


def test_explicit_thread_pool_sizes_are_kept(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path, 8, TEXTCNN_INTRA_OP_THREADS="3")
    assert _post_fork(conf, 8) == ("3", "1")


@pytest.mark.parametrize("name, value", [("TEXTCNN_WORKERS", "two"), ("TEXTCNN_WORKERS", "0"),
                                         ("TEXTCNN_THREADS", "-4"), ("TEXTCNN_MAX_BATCH_SIZE", "0")])
def test_a_bad_setting_stops_with_one_line(monkeypatch, tmp_path, name, value):
    with pytest.raises(SystemExit) as stopped:
        _load(monkeypatch, tmp_path, 2, **{name: value})
    message = str(stopped.value.code)
    assert message.startswith("textcnn: ") and name.removeprefix("TEXTCNN_").lower() in message.lower()
    assert repr(value) in message or value in message


@pytest.mark.parametrize("raw, expected", [("", 5.0), ("0", 0.0), ("2.5", 2.5)])
def test_linger_ms_from_the_environment(raw, expected):
    from textcnn_service.worker import linger_ms_from

    assert linger_ms_from({"TEXTCNN_LINGER_MS": raw}) == expected


@pytest.mark.parametrize("raw", ["-1", "soon", "nan", "inf"])
def test_a_bad_linger_ms_is_refused(raw):
    from textcnn_service.worker import linger_ms_from

    with pytest.raises(SystemExit, match=f"TEXTCNN_LINGER_MS must be a number of milliseconds >= 0. Received: '{raw}'"):
        linger_ms_from({"TEXTCNN_LINGER_MS": raw})


@pytest.mark.parametrize("name", ["TEXTCNN_THREADS", "TEXTCNN_LINGER_MS"])
def test_gunicorn_refuses_a_bad_setting_with_one_line_and_no_traceback(tmp_path, name):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = {**os.environ, name: "many", "TEXTCNN_MODELS_DIR": str(tmp_path), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    done = subprocess.run([str(gunicorn), "-c", str(CONF), "-b", "127.0.0.1:0", "textcnn_service.wsgi:app"], env=env,
                          cwd=CONF.parents[1], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    assert f"textcnn: {name} must be" in done.stderr.strip().splitlines()[-1]
