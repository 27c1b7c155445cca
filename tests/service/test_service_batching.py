"""MicroBatcher with a fake model: batching, no wait when alone, order, errors, draining shutdown."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from textcnn_service.batching import BatcherClosedError, MicroBatcher


class FakeModel:
    """Row i of the answer is ``[sum(sequence_i), len(sequence_i)]``; records every call."""

    def __init__(self, delay: float = 0.0):
        self.calls: list[int] = []
        self.delay = delay
        self.threads = set()

    def __call__(self, sequences):
        self.threads.add(threading.current_thread().name)
        self.calls.append(len(sequences))
        time.sleep(self.delay)
        return np.array([[sum(s), len(s)] for s in sequences], dtype="float32")


def test_a_lone_request_does_not_wait():
    model = FakeModel()
    batcher = MicroBatcher(model, max_batch_size=64, max_batch_wait_ms=2000)
    try:
        started = time.perf_counter()
        rows = batcher.submit([[1, 2], [3]]).result(timeout=5)
        assert time.perf_counter() - started < 0.5
        np.testing.assert_array_equal(rows, [[3, 2], [3, 1]])
    finally:
        batcher.close()


def test_concurrent_requests_share_model_calls_and_get_their_own_rows():
    model = FakeModel(delay=0.05)
    batcher = MicroBatcher(model, max_batch_size=64, max_batch_wait_ms=20, name="fake")
    barrier = threading.Barrier(16)
    results = {}

    def caller(i):
        barrier.wait()
        results[i] = batcher.submit([[i] * (i + 1), [100 + i]]).result(timeout=10)

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    batcher.close()
    assert len(model.calls) < 16
    assert sum(model.calls) == 32
    assert model.threads == {"batcher-fake"}
    for i in range(16):
        np.testing.assert_array_equal(results[i], [[i * (i + 1), i + 1], [100 + i, 1]])


def test_batches_never_exceed_max_batch_size_unless_one_request_does():
    model = FakeModel(delay=0.02)
    batcher = MicroBatcher(model, max_batch_size=5, max_batch_wait_ms=50)
    futures = [batcher.submit([[1]] * 2) for _ in range(10)] + [batcher.submit([[1]] * 12)]
    for future in futures:
        future.result(timeout=10)
    batcher.close()
    assert max(model.calls) == 12
    assert all(size <= 5 for size in model.calls if size != 12)
    assert sum(model.calls) == 32


class Gate:
    """A model whose first call blocks until released, so requests pile up behind it."""

    def __init__(self):
        self.release = threading.Event()
        self.calls: list[tuple[int, float]] = []  # (texts, when)

    def __call__(self, sequences):
        self.calls.append((len(sequences), time.perf_counter()))
        if len(self.calls) == 1:
            self.release.wait(5)
        return np.zeros((len(sequences), 1), "float32")

    def busy(self, batcher: MicroBatcher) -> list:
        """A first request inside the model, then three queued behind it: the service is busy."""
        first = batcher.submit([[0]])
        while not self.calls:
            time.sleep(0.001)
        return [first] + [batcher.submit([[i]]) for i in range(3)]


def test_a_busy_batch_waits_for_more_at_most_max_batch_wait_ms():
    model = Gate()
    batcher = MicroBatcher(model, max_batch_size=64, max_batch_wait_ms=300)
    try:
        futures = model.busy(batcher)
        released = time.perf_counter()
        model.release.set()
        futures.append(batcher.submit([[9]]))  # arrives inside the window: joins the batch
        for future in futures:
            future.result(timeout=5)
        texts, when = model.calls[1]
        assert texts == 4
        assert 0.25 < when - released < 2.0
    finally:
        batcher.close()


def test_a_batch_that_fills_up_runs_without_waiting_out_the_window():
    model = Gate()
    batcher = MicroBatcher(model, max_batch_size=8, max_batch_wait_ms=5000)
    try:
        futures = model.busy(batcher)
        model.release.set()
        time.sleep(0.05)  # the worker now waits for more
        started = time.perf_counter()
        futures += [batcher.submit([[i], [i]]) for i in range(3)]  # 3 + 6 texts: a full batch and one over
        for future in futures:
            future.result(timeout=4)
        assert time.perf_counter() - started < 2.0
        assert [texts for texts, _ in model.calls] == [1, 7, 2]
    finally:
        batcher.close()


def test_a_failing_model_call_fails_every_caller_of_the_batch():
    def broken(sequences):
        raise ValueError("boom")

    batcher = MicroBatcher(broken)
    future = batcher.submit([[1]])
    with pytest.raises(ValueError, match="boom"):
        future.result(timeout=5)
    # The worker survives a failing batch.
    assert batcher.submit([]).result() .shape == (0, 0)
    batcher.close()


def test_close_drains_queued_requests_then_refuses_new_ones():
    model = FakeModel(delay=0.05)
    batcher = MicroBatcher(model, max_batch_size=1)
    futures = [batcher.submit([[i]]) for i in range(5)]
    batcher.close(drain=True)
    assert [future.result(timeout=0)[0, 0] for future in futures] == [0, 1, 2, 3, 4]
    with pytest.raises(BatcherClosedError, match="The batcher of model is closed"):
        batcher.submit([[1]])


def test_close_without_drain_fails_queued_requests():
    release = threading.Event()

    def slow(sequences):
        release.wait(5)
        return np.zeros((len(sequences), 1), "float32")

    batcher = MicroBatcher(slow, max_batch_size=1)
    running = batcher.submit([[1]])
    time.sleep(0.05)  # the worker is now inside the first call
    queued = batcher.submit([[2]])
    closer = threading.Thread(target=batcher.close, kwargs={"drain": False})
    closer.start()
    with pytest.raises(BatcherClosedError, match="was closed"):
        queued.result(timeout=5)
    release.set()
    closer.join(5)
    assert running.result(timeout=5).shape == (1, 1)


def test_arguments_are_validated():
    with pytest.raises(ValueError, match="`max_batch_size` must be positive. Received: max_batch_size=0"):
        MicroBatcher(FakeModel(), max_batch_size=0)
