"""The REST prediction service of textcnn models.

- :func:`service.app.create_app` builds the Flask app (``create_app(config=None, registry=None)``);
- :class:`service.config.ServiceConfig` holds its settings (``TEXTCNN_*`` variables);
- :class:`service.registry.ModelRegistry` loads, warms and hot-reloads the models;
- :class:`service.batching.MicroBatcher` batches concurrent requests into one model call;
- ``gunicorn -c service/gunicorn.conf.py textcnn_service.wsgi:app`` runs it in production;
- :func:`service.cli.register` adds ``textcnn serve`` (development server) to a CLI.

Nothing is imported here, so ``import service`` stays cheap (no TensorFlow).
"""
