"""Process-wide TensorFlow settings, applied once before the first TensorFlow operation."""

from __future__ import annotations

import logging
import os

log = logging.getLogger("textcnn.service")


def configure_tensorflow(intra_op_threads: int = 0, inter_op_threads: int = 0) -> None:
    """Sizes TensorFlow's thread pools (0 leaves TensorFlow's default: one thread per core).

    Under gunicorn each worker process gets ``cores // workers`` intra-op threads, so that the
    workers do not oversubscribe the cores. TensorFlow accepts this only before its runtime
    starts; afterwards the call logs a warning and changes nothing.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if not intra_op_threads and not inter_op_threads:
        return
    import tensorflow as tf

    try:
        if intra_op_threads:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads)
        if inter_op_threads:
            tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads)
    except RuntimeError as error:  # the runtime has started already
        log.warning("TensorFlow threads left as they are: %s", error)
