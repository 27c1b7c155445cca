"""The service configuration: one frozen dataclass per process.

Filled, in order, from the field defaults, the ``TEXTCNN_<FIELD>`` environment variables
(``TEXTCNN_MODELS_DIR``, ``TEXTCNN_MAX_BATCH_SIZE``, ...) and an overrides mapping (command-line
flags, or a test's dict).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

from textcnn.errors import TextcnnError
from textcnn.options import environment_values, option

ENV_PREFIX = "TEXTCNN_"



@dataclass(frozen=True)
class ServiceConfig:
    """Everything that defines how the prediction service runs.

    Example:
    >>> ServiceConfig.load({"max_batch_size": 32}, environ={"TEXTCNN_MODELS_DIR": "/srv/models"})
    ... # doctest: +ELLIPSIS
    ServiceConfig(models_dir='/srv/models', max_batch_size=32, ...)
    """

    models_dir: str = option("models", "directory of models: <models_dir>/<name>/<version>/model.textcnn",
                             flag="--models")
    max_batch_size: int = option(64, "most texts in one model call")
    max_batch_wait_ms: float = option(2.0, "longest a batch waits for more requests once several are queued")
    max_texts: int = option(256, "most texts in one request")
    max_body_bytes: int = option(16 * 1024 * 1024, "largest request body")
    max_text_chars: int = option(2 * 1024 * 1024, "longest text, in characters")
    max_tokens: int = option(1000, "tokens of a text the model sees; the rest is cut off")
    default_top_k: int = option(1, "labels per result when the request does not say")
    warmup: bool = option(True, "run a smoke prediction before a model version serves")
    load_in_background: bool = option(True, "serve /healthz (and 503 on /readyz) while models load")
    watch_interval_s: float = option(0.0, "poll models_dir for new versions this often (0: off)")
    reload_on_sighup: bool = option(True, "reload models on SIGHUP (where a handler can be installed)")
    freeze_gc: bool = option(True, "after a reload that loads a version, freeze the heap (gc.freeze) so full "
                                "garbage collections skip TensorFlow's and the models' objects")
    intra_op_threads: int = option(0, "TensorFlow intra-op threads (0: TensorFlow's default)")
    inter_op_threads: int = option(0, "TensorFlow inter-op threads (0: TensorFlow's default)")
    host: str = option("127.0.0.1", "address to listen on")
    port: int = option(8080, "port to listen on")

    def __post_init__(self):
        positive = ("max_batch_size", "max_texts", "max_body_bytes", "max_text_chars", "max_tokens",
                    "default_top_k")
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise TextcnnError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
        for name in ("max_batch_wait_ms", "watch_interval_s"):
            if getattr(self, name) < 0:
                raise TextcnnError(f"`{name}` must not be negative. Received: {name}={getattr(self, name)!r}")
        for name in ("intra_op_threads", "inter_op_threads"):
            if getattr(self, name) < 0:
                raise TextcnnError(f"`{name}` must not be negative. Received: {name}={getattr(self, name)!r}")
        if not 0 <= self.port <= 65535:
            raise TextcnnError(f"`port` must be in [0, 65535]. Received: port={self.port}")

    @classmethod
    def load(cls, overrides: Mapping | None = None, environ: Mapping | None = None) -> "ServiceConfig":
        """Defaults, then ``TEXTCNN_*`` variables of `environ` (default: ``os.environ``), then
        `overrides` (keys are field names; ``None`` values are ignored)."""
        environ = os.environ if environ is None else environ
        fields = {f.name for f in dataclasses.fields(cls)}
        values = environment_values(cls, environ, ENV_PREFIX)
        unknown = set(overrides or {}) - set(fields)
        if unknown:
            raise TextcnnError(f"Unknown service option(s): {', '.join(sorted(unknown))}")
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return cls(**values)

    def replace(self, **changes) -> "ServiceConfig":
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
