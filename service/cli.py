"""The `serve` sub-command: the prediction service on the development server.

`register(subparsers)` adds it to an argparse CLI; its `func` takes the parsed arguments and
returns the exit code; bad input raises `TextcnnError`, which the main CLI prints as one line.
For production use gunicorn (see ``service/gunicorn.conf.py``).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from textcnn_service.config import ServiceConfig
from textcnn.options import add_dataclass_arguments, given_values


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Adds the `serve` command to a CLI: one flag per :class:`ServiceConfig` field
    (``--max-batch-size`` <-> ``max_batch_size``), ``--models`` short for ``--models-dir``.

    Args:
        subparsers: what `ArgumentParser.add_subparsers()` returned for the main CLI.

    Returns:
        The `serve` parser.

    Example:

    >>> parser = argparse.ArgumentParser(prog="textcnn")
    >>> _ = register(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["serve", "--models", "models", "--port", "8080"])
    >>> exit_code = args.func(args)                              # doctest: +SKIP
    """
    parser = subparsers.add_parser(
        "serve", help="serve models over HTTP (development server; use gunicorn in production)",
        description="Serve the models of a directory (<dir>/<name>/<version>/model.textcnn) over HTTP. "
                    "Unset options come from TEXTCNN_* environment variables, then the defaults.",
    )
    add_dataclass_arguments(parser, ServiceConfig, suppress_defaults=False)
    parser.set_defaults(func=serve)
    return parser


def config_from_args(args: argparse.Namespace) -> ServiceConfig:
    return ServiceConfig.load(given_values(args, ServiceConfig))


def serve(args: argparse.Namespace) -> int:
    """Runs the threaded development server until SIGTERM or Ctrl-C, then drains."""
    from werkzeug.serving import make_server

    from textcnn_service.app import create_app

    config = config_from_args(args)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(config)
    registry = app.extensions["textcnn"]
    server = make_server(config.host, config.port, app, threaded=True)
    if config.reload_on_sighup:
        registry.install_sighup()

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    print(f"textcnn: serving {config.models_dir} on http://{config.host}:{server.server_port} "
          "(development server; SIGHUP reloads models)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        registry.close(drain=True)
    print("textcnn: stopped", file=sys.stderr, flush=True)
    return 0
