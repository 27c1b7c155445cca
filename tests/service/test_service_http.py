"""The service over real HTTP on 127.0.0.1: werkzeug in a thread, `textcnn serve`, and gunicorn."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def test_classify_over_http(base_url, classifier):
    texts = ["a joy to watch", "a dull and boring mess", "🎬 mixed Schrift 混合 текст"]
    response = requests.post(f"{base_url}/classify", json={"texts": texts, "top_k": 2}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["model"] == {"name": "toy", "version": 1}
    expected = classifier.predict(texts, k=2)
    assert [r["label"] for r in body["results"]] == [ranked[0][0] for ranked in expected]
    assert [r["score"] for r in body["results"]] == pytest.approx([ranked[0][1] for ranked in expected], abs=1e-6)


def test_errors_over_http(base_url):
    def error(response):
        return response.status_code, response.json()["error"]["code"]

    assert error(requests.get(f"{base_url}/classify", timeout=10)) == (405, "method_not_allowed")
    assert error(requests.post(f"{base_url}/classify", data="{", timeout=10,
                               headers={"Content-Type": "application/json"})) == (400, "malformed_json")
    assert error(requests.post(f"{base_url}/classify", data="texts=a", timeout=10)) == (415, "unsupported_media_type")
    assert error(requests.post(f"{base_url}/classify", json={"texts": ["a"] * 9}, timeout=10)) == (413, "too_many_texts")
    assert error(requests.post(f"{base_url}/classify", json={"texts": [1]}, timeout=10)) == (422, "invalid_texts")
    assert error(requests.post(f"{base_url}/models/nope/classify", json={"text": "a"}, timeout=10)) == (
        404, "model_not_found")
    assert error(requests.get(f"{base_url}/no/such/route", timeout=10)) == (404, "not_found")
    for path in ("/models/..%2F..%2Fetc/classify", "/models/%2e%2e%2f%2e%2e/classify", "/models/..%5Cetc/classify"):
        response = requests.post(base_url + path, json={"text": "a"}, timeout=10)
        assert response.status_code == 404 and "error" in response.json()
    assert requests.get(f"{base_url}/readyz", timeout=10).json()["status"] == "ready"


def _free_port_from(stream_lines, pattern, process, timeout):
    """Waits for a log line matching `pattern` (group 1: the port)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in list(stream_lines):
            match = re.search(pattern, line)
            if match:
                return int(match.group(1))
        if process.poll() is not None:
            raise AssertionError("the server exited:\n" + "".join(stream_lines))
        time.sleep(0.05)
    raise AssertionError("the server did not start:\n" + "".join(stream_lines))


def _start(command, env):
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    lines: list[str] = []

    def read():
        for line in process.stderr:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return process, lines


def _wait_ready(url, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never became ready")


def _environment(models_dir, **extra):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("TEXTCNN_") and key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({"TEXTCNN_MODELS_DIR": str(models_dir), "TF_CPP_MIN_LOG_LEVEL": "3", **extra})
    return env


def test_textcnn_serve_runs_and_stops_on_sigterm(models_dir):
    code = ("import argparse, sys; from textcnn_service.cli import register; p = argparse.ArgumentParser(prog='textcnn'); "
            "register(p.add_subparsers(dest='command')); a = p.parse_args(sys.argv[1:]); sys.exit(a.func(a))")
    process, lines = _start([sys.executable, "-c", code, "serve", "--models", str(models_dir), "--port", "0",
                             "--max-batch-size", "16"], _environment(models_dir))
    try:
        port = _free_port_from(lines, r"on http://127\.0\.0\.1:(\d+)", process, 60)
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, 60)
        response = requests.post(f"{url}/models/toy/classify", json={"text": "a joy"}, timeout=10)
        assert response.status_code == 200 and response.json()["model"]["version"] == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        assert any("textcnn: stopped" in line for line in lines)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_gunicorn_with_two_workers(model_file, reversed_file, install, tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    models_dir = tmp_path / "models"
    install(models_dir, "toy", 1, model_file)
    env = _environment(models_dir, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    process, lines = _start([str(gunicorn), "-c", "service/gunicorn.conf.py", "-b", "127.0.0.1:0", "-w", "2",
                             "--threads", "4", "textcnn_service.wsgi:app"], env)
    try:
        port = _free_port_from(lines, r"Listening at: http://127\.0\.0\.1:(\d+)", process, 30)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while sum("serving toy version 1" in line for line in lines) < 2:  # loaded in both workers
            assert time.monotonic() < deadline, "".join(lines)
            assert process.poll() is None, "".join(lines)
            time.sleep(0.1)
        for i in range(12):  # a new connection each time, so both workers may answer
            response = requests.post(f"{url}/classify", json={"texts": ["a joy to watch", f"text {i}"]}, timeout=10)
            assert response.status_code == 200, response.text
            assert response.json()["model"] == {"name": "toy", "version": 1}
        workers = {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", "".join(lines))}
        assert len(workers) == 2
        metrics = requests.get(f"{url}/metrics", timeout=10).text
        # Samples of both workers are summed, whichever worker answers /metrics.
        assert 'textcnn_requests_total{endpoint="/classify",model="toy",status="200"} 12.0' in metrics
        assert 'textcnn_texts_total{model="toy"}' in metrics
        # Each worker counts itself once its first load has finished (after the swap is logged).
        ready_by = time.monotonic() + 30
        while "textcnn_ready_workers 2.0" not in metrics:
            assert time.monotonic() < ready_by, metrics
            time.sleep(0.2)
            metrics = requests.get(f"{url}/metrics", timeout=10).text

        # SIGHUP to the workers: each loads version 2 beside version 1 and swaps; no request fails.
        install(models_dir, "toy", 2, reversed_file)
        for pid in workers:
            os.kill(pid, signal.SIGHUP)
        deadline = time.monotonic() + 30
        while True:
            assert time.monotonic() < deadline, "".join(lines)
            seen = set()
            for _ in range(4):
                response = requests.post(f"{url}/classify", json={"text": "a joy"}, timeout=10)
                assert response.status_code == 200, response.text
                seen.add(response.json()["model"]["version"])
            if seen == {2} and sum("serving toy version 2" in line for line in lines) == 2:
                break
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
