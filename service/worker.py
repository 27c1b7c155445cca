"""The gunicorn worker of the service: gunicorn's threaded worker, keeping a busy connection.

gunicorn's ``gthread`` worker hands every kept-alive connection back to its main thread after each
request: the main thread polls it, and when the next request arrives submits it to the thread
pool again. That is two thread hand-offs, a pipe write and read and two ``epoll_ctl`` calls per
request, all under the worker's one GIL, which the service's Python side is bound by.

:class:`ServiceWorker` lets the thread that answered a request wait a moment (``linger_ms``,
without the GIL) for the next request on the same connection and answer it too, as long as no
other connection is waiting for a thread. A connection that stays quiet, or a worker with requests
queued for its threads, falls back to gunicorn's own path, so idle keep-alive clients hold no
thread and a busy connection cannot starve the others.

Use it with ``worker_class = "textcnn_service.worker.ServiceWorker"`` (the default of
``service/gunicorn.conf.py``).
"""

from __future__ import annotations

import math
import os
import select
import threading

from gunicorn.workers.gthread import ThreadWorker


def linger_ms_from(environ=os.environ) -> float:
    """``TEXTCNN_LINGER_MS`` (default 5): a bad value stops gunicorn, which loads this module in
    its master before any worker starts, with one line."""
    raw = environ.get("TEXTCNN_LINGER_MS", "").strip()
    try:
        value = float(raw) if raw else 5.0
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise SystemExit(f"textcnn: TEXTCNN_LINGER_MS must be a number of milliseconds >= 0. Received: {raw!r}")
    return value


LINGER_MS = linger_ms_from()


class ServiceWorker(ThreadWorker):
    """A ``gthread`` worker whose threads answer the next request of a busy connection themselves.

    Attributes:
        linger_ms: longest a thread waits for a connection's next request before handing the
            connection back to the main thread (``TEXTCNN_LINGER_MS``, default 5; 0: never waits,
            as plain ``gthread``).
    """

    linger_ms = LINGER_MS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._queued = 0  # connections submitted to the pool and not yet taken by a thread
        self._queued_lock = threading.Lock()

    def enqueue_req(self, conn):
        with self._queued_lock:
            self._queued += 1
        super().enqueue_req(conn)

    def handle(self, conn):
        with self._queued_lock:
            self._queued -= 1
        keepalive = super().handle(conn)
        while keepalive is True and self._next_request_ready(conn):
            keepalive = super().handle(conn)
        return keepalive

    def _next_request_ready(self, conn) -> bool:
        """Whether this thread should answer the connection's next request: the worker is
        running, no connection waits for a thread, and the request arrives within `linger_ms`."""
        if not self.alive or self.linger_ms <= 0 or conn.is_http2:
            return False
        if conn.parser.unreader.buf.getvalue():
            return True  # already read ahead (a pipelined request)
        if self._queued > 0:
            return False
        try:
            poller = select.poll()
            poller.register(conn.sock, select.POLLIN)
            ready = poller.poll(self.linger_ms)
        except (OSError, ValueError):
            return False
        return bool(ready) and self.alive
