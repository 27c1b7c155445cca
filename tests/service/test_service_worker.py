"""textcnn_service.worker.ServiceWorker under a real gunicorn: a busy kept-alive connection is answered by
the thread that answered it before, and no connection waits on another's."""

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.service.test_service_http import _free_port_from, _start

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_url(request):
    """gunicorn with one ServiceWorker of `request.param` threads serving tests/service/threads_app.py."""
    threads, linger = getattr(request, "param", (2, "5"))
    env = {**os.environ, "TEXTCNN_LINGER_MS": linger}
    process, lines = _start([str(Path(sys.executable).with_name("gunicorn")), "-k", "textcnn_service.worker.ServiceWorker",
                             "-w", "1", "--threads", str(threads), "--keep-alive", "5", "-b", "127.0.0.1:0",
                             "tests.service.threads_app:app"], env)
    try:
        port = _free_port_from(lines, r"Listening at: http://127\.0\.0\.1:(\d+)", process, 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(30) == 0, "".join(lines)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


def test_a_busy_connection_keeps_its_thread(gunicorn_url):
    with requests.Session() as session:
        answers = [session.get(f"{gunicorn_url}/r{i}", timeout=10).text.split() for i in range(20)]
    assert [path for _, _, path in answers] == [f"/r{i}" for i in range(20)]
    threads = {thread for _, thread, _ in answers}
    # Requests follow each other within the linger time: one thread answers (nearly) all of them.
    assert len(threads) <= 2, answers


@pytest.mark.parametrize("gunicorn_url", [(2, "0")], indirect=True)
def test_linger_zero_is_plain_gthread(gunicorn_url):
    with requests.Session() as session:
        answers = [session.get(f"{gunicorn_url}/r{i}", timeout=10).text.split()[2] for i in range(5)]
    assert answers == [f"/r{i}" for i in range(5)]


def test_pipelined_requests_are_answered_in_order(gunicorn_url):
    host, port = gunicorn_url[7:].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"".join(f"GET /p{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for i in range(3)))
        received = b""
        deadline = time.monotonic() + 10
        while received.count(b"HTTP/1.1 200") < 3 or not received.rstrip().endswith(b"/p2"):
            assert time.monotonic() < deadline, received
            received += sock.recv(65536)
    bodies = [part.split(b"\r\n\r\n", 1)[1].split()[2] for part in received.split(b"HTTP/1.1 ")[1:]]
    assert bodies == [b"/p0", b"/p1", b"/p2"]


@pytest.mark.parametrize("gunicorn_url", [(1, "5")], indirect=True)
def test_a_busy_connection_does_not_starve_another(gunicorn_url):
    """One thread: a client sending without pause on one connection, another client on a second
    connection still gets its answers promptly."""
    stop = threading.Event()
    busy_answers = []

    def busy():
        with requests.Session() as session:
            while not stop.is_set():
                busy_answers.append(session.get(f"{gunicorn_url}/busy", timeout=10).status_code)

    hammer = threading.Thread(target=busy)
    hammer.start()
    try:
        time.sleep(0.3)
        with requests.Session() as session:
            for i in range(10):
                started = time.monotonic()
                assert session.get(f"{gunicorn_url}/other{i}", timeout=10).text.endswith(f"/other{i}")
                assert time.monotonic() - started < 1.0  # far below the 5 s keep-alive
    finally:
        stop.set()
        hammer.join(10)
    assert busy_answers and set(busy_answers) == {200}


@pytest.mark.parametrize("gunicorn_url", [(1, "5")], indirect=True)
def test_an_idle_kept_alive_connection_holds_no_thread(gunicorn_url):
    with requests.Session() as idle, requests.Session() as other:
        assert idle.get(f"{gunicorn_url}/idle", timeout=10).status_code == 200  # then stays open, quiet
        started = time.monotonic()
        assert other.get(f"{gunicorn_url}/other", timeout=10).status_code == 200
        assert time.monotonic() - started < 1.0
