"""The registry: readiness, hot reload, rejection of broken versions, batching of concurrent requests."""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
import time
import weakref

import numpy as np
import pytest

from textcnn_service.app import create_app
from textcnn_service.config import ServiceConfig
from textcnn_service.registry import ModelRegistry, valid_name


def make_registry(models_dir, loader=None, **overrides) -> ModelRegistry:
    return ModelRegistry(ServiceConfig.load({"models_dir": str(models_dir), **overrides}, environ={}),
                         loader=loader)


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def test_readyz_is_503_until_the_models_are_loaded_and_warm(models_dir):
    from textcnn.inference.text import TextClassifier

    release = threading.Event()

    def slow_loader(path):
        release.wait(10)
        return TextClassifier.load(path)

    registry = make_registry(models_dir, loader=slow_loader)
    client = create_app({"models_dir": str(models_dir)}, registry=registry).test_client()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json() == {"status": "not_ready", "reason": "models are loading", "models": {}}
        registry.start(background=True)
        response = client.post("/classify", json={"text": "a"})
        assert response.status_code == 503
        assert response.get_json()["error"] == {"code": "not_ready", "message": "Models are still loading"}
        assert response.headers["Retry-After"] == "1"
        assert client.get("/healthz").status_code == 200
        assert "textcnn_ready_workers 0.0" in client.get("/metrics").get_data(as_text=True)
        release.set()
        wait_for(lambda: client.get("/readyz").status_code == 200)
        assert registry.get("toy").warm
        assert client.post("/classify", json={"text": "a"}).status_code == 200
        wait_for(lambda: "textcnn_ready_workers 1.0" in client.get("/metrics").get_data(as_text=True))
    finally:
        release.set()
        registry.close()
    assert "textcnn_ready_workers 0.0" in client.get("/metrics").get_data(as_text=True)


def test_an_empty_models_dir_is_never_ready(tmp_path):
    registry = make_registry(tmp_path / "missing")
    client = create_app({}, registry=registry).test_client()
    registry.load()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["reason"] == f"no model could be loaded from {tmp_path / 'missing'}"
    assert client.post("/classify", json={"text": "a"}).get_json()["error"] == {
        "code": "no_models", "message": f"No model could be loaded from {tmp_path / 'missing'}"}


def test_hot_reload_swaps_in_new_versions_and_rejects_broken_ones(tmp_path, install, model_file, reversed_file,
                                                                  nan_file, classifier, caplog):
    from textcnn.inference.text import TextClassifier

    loads = []

    def loader(path):
        loads.append(path)
        return TextClassifier.load(path)

    install(tmp_path, "toy", 1, model_file)
    registry = make_registry(tmp_path, loader=loader)
    client = create_app({}, registry=registry).test_client()
    try:
        assert registry.load() == {"toy": {"status": "loaded", "version": 1, "reasons": {}}}
        before = client.post("/classify", json={"text": "wonderful", "top_k": 2}).get_json()
        assert before["model"] == {"name": "toy", "version": 1}

        # Requests keep being answered while versions are swapped.
        stop, failures = threading.Event(), []

        def hammer():
            while not stop.is_set():
                response = client.post("/classify", json={"text": "wonderful"})
                if response.status_code != 200:
                    failures.append(response.get_data(as_text=True))

        hammering = threading.Thread(target=hammer)
        hammering.start()

        install(tmp_path, "toy", 2, reversed_file)
        assert registry.reload() == {"toy": {"status": "loaded", "version": 2, "reasons": {}}}
        after = client.post("/classify", json={"text": "wonderful", "top_k": 2}).get_json()
        assert after["model"] == {"name": "toy", "version": 2}
        scores_before = {e["label"]: e["score"] for e in before["results"][0]["top_k"]}
        scores_after = {e["label"]: e["score"] for e in after["results"][0]["top_k"]}
        assert scores_after["positive"] == pytest.approx(scores_before["negative"], abs=1e-6)

        install(tmp_path, "toy", 3, b"not a zip file")
        install(tmp_path, "toy", 4, nan_file)
        with caplog.at_level(logging.ERROR, logger="textcnn.service"):
            report = registry.reload()
        stop.set()
        hammering.join()
        assert failures == []
        assert report == {"toy": {"status": "rejected", "version": 2, "reasons": {
            4: "ValueError: the smoke prediction is not finite (NaN or infinite scores)",
            3: f"TextcnnError: {tmp_path / 'toy' / '3' / 'model.textcnn'} is not a textcnn model file, or it is corrupt",
        }}}
        assert "rejected toy version 4" in caplog.text and "still serving version 2" in caplog.text
        assert client.post("/classify", json={"text": "a"}).get_json()["model"]["version"] == 2

        # Rejected versions are remembered: not loaded again until their file changes.
        loads.clear()
        assert registry.reload()["toy"]["status"] == "rejected"
        assert loads == []
        description = client.get("/models/toy").get_json()
        assert description["version"] == 2 and description["versions"] == [4, 3, 2, 1]
        assert set(description["rejected_versions"]) == {"3", "4"}

        install(tmp_path, "toy", 4, model_file)
        os.utime(tmp_path / "toy" / "4" / "model.textcnn", (time.time() + 5, time.time() + 5))
        assert registry.reload()["toy"] == {"status": "loaded", "version": 4, "reasons": {}}
    finally:
        stop.set()
        registry.close()


def test_startup_falls_back_to_the_newest_version_that_loads(tmp_path, install, model_file):
    install(tmp_path, "toy", 1, model_file)
    install(tmp_path, "toy", 2, b"garbage")
    registry = make_registry(tmp_path)
    try:
        report = registry.load()
        assert report["toy"]["status"] == "loaded" and report["toy"]["version"] == 1
        assert list(report["toy"]["reasons"]) == [2]
        assert registry.ready
    finally:
        registry.close()


def test_sighup_and_watching_reload(tmp_path, install, model_file, reversed_file):
    install(tmp_path, "toy", 1, model_file)
    registry = make_registry(tmp_path, watch_interval_s=0.2)
    previous = signal.getsignal(signal.SIGHUP)
    try:
        registry.load()
        assert registry.install_sighup()
        install(tmp_path, "other", 1, model_file)
        os.kill(os.getpid(), signal.SIGHUP)
        wait_for(lambda: "other" in registry.models())
        registry.watch(0.1)
        install(tmp_path, "toy", 2, reversed_file)
        wait_for(lambda: registry.get("toy").version == 2)
    finally:
        signal.signal(signal.SIGHUP, previous)
        registry.close()


class _Cycle:
    """Garbage only the cyclic collector frees: it refers to itself."""

    def __init__(self):
        self.me = self


def test_a_reload_that_loads_freezes_the_heap_and_frees_what_it_froze_before(tmp_path, install, model_file,
                                                                            reversed_file):
    install(tmp_path, "toy", 1, model_file)
    registry = make_registry(tmp_path)
    gc.unfreeze()
    try:
        garbage = _Cycle()
        ref = weakref.ref(garbage)
        assert registry.load()["toy"]["status"] == "loaded"
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # TensorFlow, Keras and the model: not walked by full collections
        del garbage
        gc.collect()
        assert ref() is not None  # frozen: the collector leaves it alone

        assert registry.reload()["toy"]["status"] == "unchanged"
        assert ref() is not None  # nothing loaded: the heap is left as it is

        install(tmp_path, "toy", 2, reversed_file)
        assert registry.reload()["toy"]["status"] == "loaded"
        assert ref() is None  # the reload unfroze, collected, then froze again
        assert gc.get_freeze_count() > 1000
    finally:
        registry.close()
        gc.unfreeze()


def test_freeze_gc_off_leaves_the_collector_alone(tmp_path, install, model_file):
    install(tmp_path, "toy", 1, model_file)
    registry = make_registry(tmp_path, freeze_gc=False)
    gc.unfreeze()
    try:
        assert registry.load()["toy"]["status"] == "loaded"
        assert gc.get_freeze_count() == 0
    finally:
        registry.close()


def test_several_models_need_a_name(tmp_path, install, model_file):
    install(tmp_path, "alpha", 1, model_file)
    install(tmp_path, "beta", 3, model_file)
    (tmp_path / "bad.name" / "1").mkdir(parents=True)
    registry = make_registry(tmp_path)
    client = create_app({}, registry=registry).test_client()
    try:
        registry.load()
        assert sorted(registry.models()) == ["alpha", "beta"]
        response = client.post("/classify", json={"text": "a"})
        assert response.status_code == 400
        assert response.get_json()["error"] == {
            "code": "model_required", "message": "Several models are served (alpha, beta); name one with `model`"}
        body = client.post("/classify", json={"text": "a", "model": "beta"}).get_json()
        assert body["model"] == {"name": "beta", "version": 3}
    finally:
        registry.close()


@pytest.mark.parametrize("name", ["..", ".", "a/b", "a\\b", "..%2F", "%2e%2e", "a.b", "", "-a", "a" * 65, None, 3])
def test_names_are_strict(name):
    assert not valid_name(name)


def test_versions_on_disk_never_leave_the_models_dir(tmp_path, install, model_file):
    install(tmp_path / "models", "toy", 1, model_file)
    install(tmp_path, "outside", 1, model_file)
    registry = make_registry(tmp_path / "models")
    assert registry.versions_on_disk("toy") == [1]
    assert registry.versions_on_disk("../outside") == []
    assert registry.versions_on_disk("..") == []


class CountingClassifier:
    """Delegates to a TextClassifier, counting (and slowing) the model calls."""

    def __init__(self, classifier, delay: float = 0.03):
        self._classifier = classifier
        self.delay = delay
        self.calls = []
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self._classifier, name)

    def predict_proba_encoded(self, sequences, batch_size=256):
        with self._lock:
            self.calls.append(len(sequences))
        time.sleep(self.delay)
        return self._classifier.predict_proba_encoded(sequences, batch_size)


def test_concurrent_requests_are_batched_and_answered_each_their_own(classifier):
    counting = CountingClassifier(classifier)
    registry = ModelRegistry(ServiceConfig.load({"max_batch_wait_ms": 10}, environ={}))
    registry.add("toy", counting)
    counting.calls.clear()  # the warm-up call
    app = create_app({}, registry=registry)
    texts = [f"{'great ' * (i % 5)}film number {i} {'boring ' * (i % 3)}" for i in range(16)]
    expected = classifier.predict_proba(texts)
    barrier = threading.Barrier(16)
    answers = {}

    def caller(i):
        client = app.test_client()
        barrier.wait()
        answers[i] = client.post("/classify", json={"text": texts[i], "top_k": 2}).get_json()

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert len(answers) == 16
        assert sum(counting.calls) == 16
        assert len(counting.calls) < 16
        labels = classifier.labels
        for i, body in answers.items():
            scores = {entry["label"]: entry["score"] for entry in body["results"][0]["top_k"]}
            np.testing.assert_allclose([scores[label] for label in labels], expected[i], rtol=1e-5, atol=1e-6)
        metrics = app.test_client().get("/metrics").get_data(as_text=True)
        assert f'textcnn_batch_requests_count{{model="toy"}} {float(len(counting.calls))}' in metrics
    finally:
        registry.close()
