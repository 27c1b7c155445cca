"""The model registry: named models with numbered versions, hot-reloaded without downtime.

The model directory holds one folder per model and one numbered folder per version::

    models/
      sst2/
        1/model.textcnn
        2/model.textcnn     <- served: the newest version that loads and answers
      trec/
        7/model.textcnn

Loading a version means: load the artifact, start its batcher, run a smoke prediction. Only a
version that passes all three is swapped in, atomically (one dict assignment); the version it
replaces finishes its queued requests, then stops. A version that fails is rejected with a logged
reason, remembered (it is not retried until its file changes), and the old version keeps serving.
"""

from __future__ import annotations

import gc
import logging
import re
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from textcnn_service.batching import BatcherClosedError
from textcnn_service.config import ServiceConfig
from textcnn_service.errors import ApiError
from textcnn_service.runtime import freeze_heap
from textcnn_service.served_model import ServedModel

log = logging.getLogger("textcnn.service")

MODEL_FILE = "model.textcnn"
# Strict on purpose: no dots, slashes or percent signs, so a name can never leave models_dir.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
VERSION_PATTERN = re.compile(r"[0-9]{1,9}")


def valid_name(name) -> bool:
    return isinstance(name, str) and NAME_PATTERN.fullmatch(name) is not None


def _load_classifier(path: Path):
    from textcnn.inference import load

    return load(path)


def _served_class(classifier):
    """ServedImageModel for an image classifier, else ServedModel."""
    from textcnn.inference.image import ImageClassifier

    if isinstance(classifier, ImageClassifier):
        from textcnn_service.served_image_model import ServedImageModel

        return ServedImageModel
    return ServedModel


class ModelRegistry:
    """The served models, by name.

    Args:
        config: a :class:`service.config.ServiceConfig` (``models_dir``, batching and token limits).
        loader: ``loader(path) -> classifier``; default :func:`textcnn.load` (text or image models).
        metrics: a :class:`service.metrics.Metrics`, or ``None``.

    Example:
    >>> registry = ModelRegistry(ServiceConfig.load({"models_dir": "models"}))
    >>> registry.load()                       # newest version of each model, warmed
    {'sst2': {'status': 'loaded', 'version': 2}}
    >>> registry.get("sst2").classify(["a gripping film"], top_k=2)
    """

    def __init__(self, config: ServiceConfig | None = None, loader: Callable | None = None, metrics=None):
        self.config = config or ServiceConfig.load()
        self.models_dir = Path(self.config.models_dir)
        self.loader = loader or _load_classifier
        self.metrics = metrics
        self._models: dict[str, ServedModel] = {}
        self._reload_lock = threading.Lock()
        self._loaded = threading.Event()
        self._closed = False
        self._watcher: threading.Thread | None = None
        self._stop_watching = threading.Event()
        # (name, version) -> (file mtime, reason): rejected versions, retried only once changed.
        self.rejected: dict[tuple[str, int], tuple[float, str]] = {}
        self.load_error: str | None = None

    def attach_metrics(self, metrics) -> None:
        """Reports to `metrics` from now on, the models already served included."""
        self.metrics = metrics
        for model in self._models.values():
            model.metrics = metrics
            metrics.set_model(model.name, model.version, model.load_seconds)
        metrics.set_ready(self.ready)

    # -- reading ------------------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """True once the first load has finished and at least one model serves, warmed."""
        return self._loaded.is_set() and not self._closed and bool(self._models)

    @property
    def loading(self) -> bool:
        return not self._loaded.is_set()

    def wait_until_loaded(self, timeout: float | None = None) -> bool:
        """Blocks until the first load has finished; False on timeout."""
        return self._loaded.wait(timeout)

    def models(self) -> dict[str, ServedModel]:
        """A snapshot: name -> the version being served."""
        return dict(self._models)

    def get(self, name: str | None = None, version=None) -> ServedModel:
        """The served version of model `name` (the only model when `name` is ``None``).

        Raises:
            ApiError: 503 while loading or with no model, 400 when `name` is needed, 404 for an
                unknown model or a version that is not served.
        """
        models = self._models
        if self._closed:
            raise ApiError(503, "unavailable", "The service is shutting down")
        if name is None:
            if not models:
                raise self._unavailable()
            if len(models) > 1:
                raise ApiError(400, "model_required",
                               f"Several models are served ({', '.join(sorted(models))}); name one with `model`")
            name = next(iter(models))
        model = models.get(name) if valid_name(name) else None
        if model is None:
            if not models and self.loading:
                raise self._unavailable()
            raise ApiError(404, "model_not_found",
                           f"No model named {name!r}. Models: {', '.join(sorted(models)) or 'none'}")
        if version is not None and int(version) != model.version:
            raise ApiError(404, "version_not_found",
                           f"Model {name!r} has no version {version} loaded; it serves version {model.version}")
        return model

    def call(self, name: str | None, version, function: Callable[[ServedModel], object]):
        """``(model, function(model))``; retried on the new version when a reload swaps the
        model out between looking it up and submitting to it."""
        for _ in range(3):
            model = self.get(name, version)
            try:
                return model, function(model)
            except BatcherClosedError:
                if self._closed:
                    break
        raise ApiError(503, "unavailable", "The service is shutting down")

    def versions_on_disk(self, name: str) -> list[int]:
        """Version numbers of `name` that have a model file, newest first."""
        if not valid_name(name):
            return []
        directory = self.models_dir / name
        if not directory.is_dir():
            return []
        versions = [int(child.name) for child in directory.iterdir()
                    if VERSION_PATTERN.fullmatch(child.name) and (child / MODEL_FILE).is_file()]
        return sorted(versions, reverse=True)

    def names_on_disk(self) -> list[str]:
        if not self.models_dir.is_dir():
            return []
        names = []
        for child in sorted(self.models_dir.iterdir()):
            if not child.is_dir() or child.name.startswith("."):
                continue
            if valid_name(child.name):
                names.append(child.name)
            else:
                log.warning("ignoring %s: model names must match %s", child, NAME_PATTERN.pattern)
        return names

    def _unavailable(self) -> ApiError:
        if self.loading:
            return ApiError(503, "not_ready", "Models are still loading", {"Retry-After": "1"})
        return ApiError(503, "no_models", f"No model could be loaded from {self.models_dir}")

    # -- loading ------------------------------------------------------------------------------------

    def start(self, background: bool = True) -> None:
        """Loads the models, in a background thread when `background` (the app answers 503 on
        /readyz meanwhile)."""
        if background:
            threading.Thread(target=self.load, name="model-loader", daemon=True).start()
        else:
            self.load()
        if self.config.watch_interval_s > 0:
            self.watch(self.config.watch_interval_s)

    def load(self) -> dict:
        """The first load: the newest loadable version of every model. Marks the registry loaded
        even when some (or all) models fail, so /readyz says why instead of hanging."""
        try:
            return self.reload()
        except Exception as error:  # an unreadable models_dir, a broken TensorFlow: say so
            self.load_error = f"{type(error).__name__}: {error}"
            log.exception("loading models from %s failed", self.models_dir)
            return {}
        finally:
            self._loaded.set()
            self._report_ready()

    def reload(self) -> dict:
        """Swaps in the newest loadable version of every model on disk (new models included).

        Returns ``{name: {"status": "loaded" | "unchanged" | "rejected" | "missing", "version": v,
        "reasons": {version: reason}}}``.
        """
        report = {}
        with self._reload_lock:
            if self._closed:
                return report
            if not self.models_dir.is_dir():
                log.warning("the models directory %s does not exist", self.models_dir)
            names = self.names_on_disk()
            for name in names:
                report[name] = self._reload_one(name)
            for name in sorted(set(self._models) - set(names)):
                if self._models[name].source is not None:
                    log.warning("model %s is gone from %s; still serving version %d",
                                name, self.models_dir, self._models[name].version)
                report[name] = {"status": "missing", "version": self._models[name].version}
            if self.config.freeze_gc and any(entry["status"] == "loaded" for entry in report.values()):
                seconds = freeze_heap()
                log.info("froze the heap for the garbage collector: %d objects in %.2f s",
                         gc.get_freeze_count(), seconds)
        return report

    def _reload_one(self, name: str) -> dict:
        current = self._models.get(name)
        reasons = {}
        for version in self.versions_on_disk(name):
            if current is not None and version == current.version:
                break  # already serving the newest loadable version
            path = self.models_dir / name / str(version) / MODEL_FILE
            try:
                mtime = path.stat().st_mtime
            except OSError:
                continue
            known = self.rejected.get((name, version))
            if known and known[0] == mtime:
                reasons[version] = known[1]
                continue
            try:
                self._swap_in(self._load_version(name, version, path))
                return {"status": "loaded", "version": version, "reasons": reasons}
            except Exception as error:
                reason = f"{type(error).__name__}: {error}"
                self.rejected[(name, version)] = (mtime, reason)
                reasons[version] = reason
                log.error("rejected %s version %d (%s): %s; %s", name, version, path, reason,
                          f"still serving version {current.version}" if current else "not serving it")
        if current is not None:
            return {"status": "rejected" if reasons else "unchanged", "version": current.version,
                    "reasons": reasons}
        return {"status": "rejected", "version": None, "reasons": reasons}

    def _load_version(self, name: str, version: int, path: Path) -> ServedModel:
        started = time.perf_counter()
        classifier = self.loader(path)
        model = self._serve(name, version, classifier, str(Path(name) / str(version) / MODEL_FILE))
        model.load_seconds = time.perf_counter() - started
        return model

    def _serve(self, name, version, classifier, source) -> ServedModel:
        config = self.config
        model = _served_class(classifier)(name, version, classifier, max_batch_size=config.max_batch_size,
                            max_batch_wait_ms=config.max_batch_wait_ms, max_tokens=config.max_tokens,
                            metrics=self.metrics, source=source)
        try:
            if config.warmup:
                model.warm_up()
        except BaseException:
            model.close(drain=False)
            raise
        return model

    def add(self, name: str, classifier, version: int = 1) -> ServedModel:
        """Serves an in-memory classifier (warmed first) as `name`, version `version`; for tests
        and embedding the service in a program."""
        if not valid_name(name):
            raise ValueError(f"`name` must match {NAME_PATTERN.pattern}. Received: name={name!r}")
        with self._reload_lock:
            started = time.perf_counter()
            model = self._serve(name, version, classifier, None)
            model.load_seconds = time.perf_counter() - started
            self._swap_in(model)
        self._loaded.set()
        self._report_ready()
        return model

    def _swap_in(self, model: ServedModel) -> None:
        old = self._models.get(model.name)
        self._models = {**self._models, model.name: model}  # one assignment: readers never wait
        log.info("serving %s version %d (%s labels, loaded in %.2f s)%s", model.name, model.version,
                 len(model.labels), model.load_seconds, f", replacing version {old.version}" if old else "")
        if self.metrics is not None:
            self.metrics.set_model(model.name, model.version, model.load_seconds)
        self._report_ready()
        if old is not None:
            # Requests already queued on the old version are answered; then its thread ends.
            threading.Thread(target=old.close, name=f"retire-{old.name}-v{old.version}", daemon=True).start()

    def _report_ready(self) -> None:
        if self.metrics is not None:
            self.metrics.set_ready(self.ready)

    # -- watching, signals, shutdown ----------------------------------------------------------------

    def watch(self, interval_s: float) -> None:
        """Polls models_dir every `interval_s` seconds and reloads (new versions, new models)."""
        if self._watcher is not None:
            return

        def loop():
            while not self._stop_watching.wait(interval_s):
                try:
                    self.reload()
                except Exception:
                    log.exception("reloading models failed")

        self._watcher = threading.Thread(target=loop, name="model-watcher", daemon=True)
        self._watcher.start()

    def install_sighup(self) -> bool:
        """Reloads on SIGHUP. Only the main thread can install a handler: returns False elsewhere."""
        if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGHUP"):
            return False

        def handler(signum, frame):
            log.info("SIGHUP: reloading models from %s", self.models_dir)
            threading.Thread(target=self.reload, name="sighup-reload", daemon=True).start()

        signal.signal(signal.SIGHUP, handler)
        return True

    def close(self, drain: bool = True, timeout: float | None = 30.0) -> None:
        """Stops watching, answers queued requests (with `drain`) and stops every batcher."""
        self._stop_watching.set()
        with self._reload_lock:
            self._closed = True
            models, self._models = self._models, {}
        self._report_ready()
        for model in models.values():
            model.close(drain=drain, timeout=timeout)
