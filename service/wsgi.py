"""The WSGI entry point: ``gunicorn -c service/gunicorn.conf.py textcnn_service.wsgi:app``.

Importing this module builds the app, and the app starts loading models. gunicorn imports it in
each worker after the fork (``preload_app = False`` in ``service/gunicorn.conf.py``): a TensorFlow
runtime created in the master before the fork would hang the workers.
"""

from __future__ import annotations

import logging

from textcnn_service.app import create_app

_gunicorn = logging.getLogger("gunicorn.error")
_service = logging.getLogger("textcnn.service")
if _gunicorn.handlers and not _service.handlers:  # our log lines go where gunicorn's go
    _service.handlers = list(_gunicorn.handlers)
    _service.setLevel(_gunicorn.level)
    _service.propagate = False

app = create_app()
