"""Dynamic micro-batching: requests that arrive together share one model call.

One :class:`MicroBatcher` per served model version owns one worker thread, the only thread that
calls the model. Callers submit the encoded texts of one request and get a
:class:`concurrent.futures.Future` of its probability rows.

The worker takes the first waiting request. When nothing else is queued it runs it at once: a
lone request never waits. When more requests are queued (the service is busy), it keeps taking
them, waiting at most `max_batch_wait_ms` for more, until the batch holds `max_batch_size` texts.
The model call pads each batch only to its longest text
(:meth:`TextClassifier.predict_proba_encoded` sorts by length and pads per batch).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import numpy as np

log = logging.getLogger("textcnn.service")

_STOP = object()


class BatcherClosedError(RuntimeError):
    """Raised by :meth:`MicroBatcher.submit` after :meth:`MicroBatcher.close`."""


class _Item:
    __slots__ = ("sequences", "future", "enqueued")

    def __init__(self, sequences, future):
        self.sequences = sequences
        self.future = future
        self.enqueued = time.perf_counter()


class MicroBatcher:
    """Runs `predict` on batches gathered from concurrent :meth:`submit` calls.

    Args:
        predict: called with a list of index sequences, returns an array with one row per
            sequence (e.g. ``classifier.predict_proba_encoded``).
        max_batch_size: most sequences in one call (a single request larger than this runs alone).
        max_batch_wait_ms: longest a batch that already holds several requests waits for more.
        name: names the worker thread and the log lines.
        on_batch: called as ``on_batch(texts, requests, seconds)`` after each model call, before its
            callers are answered.
        on_queue: called with the queue depth (in requests) whenever it changes.

    Example:
    >>> batcher = MicroBatcher(classifier.predict_proba_encoded, max_batch_size=64)
    >>> batcher.submit([[5, 7, 2]]).result()
    array([[0.1, 0.9]], dtype=float32)
    >>> batcher.close()
    """

    def __init__(self, predict: Callable[[list], np.ndarray], max_batch_size: int = 64,
                 max_batch_wait_ms: float = 2.0, name: str = "model",
                 on_batch: Callable | None = None, on_queue: Callable | None = None):
        if max_batch_size < 1:
            raise ValueError(f"`max_batch_size` must be positive. Received: max_batch_size={max_batch_size}")
        if max_batch_wait_ms < 0:
            raise ValueError(f"`max_batch_wait_ms` must not be negative. Received: {max_batch_wait_ms}")
        self.predict = predict
        self.max_batch_size = max_batch_size
        self.max_batch_wait_ms = max_batch_wait_ms
        self.name = name
        self.on_batch = on_batch
        self.on_queue = on_queue
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._carry: _Item | None = None
        self._thread = threading.Thread(target=self._run, name=f"batcher-{name}", daemon=True)
        self._thread.start()

    # -- callers ---------------------------------------------------------------------------------

    def submit(self, sequences: Sequence[Sequence[int]]) -> Future:
        """Queues one request's sequences; the future's result has one row per sequence."""
        future: Future = Future()
        if not sequences:
            future.set_result(np.zeros((0, 0), dtype="float32"))
            return future
        with self._lock:
            if self._closed:
                raise BatcherClosedError(f"The batcher of {self.name} is closed")
            self._queue.put(_Item(list(sequences), future))
        self._report_queue()
        return future

    @property
    def queue_depth(self) -> int:
        return self._queue.qsize() + (self._carry is not None)

    def close(self, drain: bool = True, timeout: float | None = 30.0) -> None:
        """Stops taking requests; with `drain`, answers those already queued first, else fails
        them. Waits up to `timeout` seconds for the worker to finish."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if not drain:
                self._fail_queued(BatcherClosedError(f"The batcher of {self.name} was closed"))
            self._queue.put(_STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    # -- the worker ------------------------------------------------------------------------------

    def _fail_queued(self, error: Exception) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                item.future.set_exception(error)

    def _report_queue(self) -> None:
        if self.on_queue is not None:
            try:
                self.on_queue(self.queue_depth)
            except Exception:  # metrics must never break serving
                log.exception("on_queue callback failed")

    def _next_batch(self) -> tuple[list[_Item], bool]:
        """Blocks for the first request, then gathers more. Returns (batch, stop_after)."""
        if self._carry is not None:
            first, self._carry = self._carry, None
        else:
            first = self._queue.get()
            if first is _STOP:
                return [], True
        batch, size = [first], len(first.sequences)
        deadline = time.perf_counter() + self.max_batch_wait_ms / 1000
        while size < self.max_batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                remaining = deadline - time.perf_counter()
                if len(batch) == 1 or remaining <= 0:
                    break  # a lone request does not wait; a busy batch waits at most the deadline
                try:
                    item = self._queue.get(timeout=remaining)
                except queue.Empty:
                    break
            if item is _STOP:
                return batch, True
            if size + len(item.sequences) > self.max_batch_size:
                self._carry = item  # first in the next batch: order of arrival is kept
                break
            batch.append(item)
            size += len(item.sequences)
        return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._next_batch()
            self._report_queue()
            if batch:
                self._call(batch)

    def _call(self, batch: list[_Item]) -> None:
        batch = [item for item in batch if item.future.set_running_or_notify_cancel()]
        if not batch:
            return
        sequences = [seq for item in batch for seq in item.sequences]
        started = time.perf_counter()
        try:
            rows = self.predict(sequences)
        except BaseException as error:  # every caller of the batch learns of the failure
            log.exception("model %s failed on a batch of %d texts", self.name, len(sequences))
            for item in batch:
                item.future.set_exception(error)
            return
        seconds = time.perf_counter() - started
        # Counted before anyone is answered: a caller holding its answer sees its batch counted.
        if self.on_batch is not None:
            try:
                self.on_batch(len(sequences), len(batch), seconds)
            except Exception:
                log.exception("on_batch callback failed")
        start = 0
        for item in batch:
            end = start + len(item.sequences)
            item.future.set_result(rows[start:end])
            start = end
