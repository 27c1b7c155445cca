"""The `serve` sub-command: the prediction service on the development server.

`register(subparsers)` adds it to an argparse CLI; its `func` takes the parsed arguments and
returns the exit code; bad input raises `TextcnnError`, which the main CLI prints as one line.
For production use gunicorn (see ``service/gunicorn.conf.py``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading
import typing

from service.config import ServiceConfig


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
    hints = typing.get_type_hints(ServiceConfig)
    for field in dataclasses.fields(ServiceConfig):
        flags = [f"--{field.name.replace('_', '-')}"]
        if field.name == "models_dir":
            flags.insert(0, "--models")
        kind = hints[field.name]
        help_text = f"{field.metadata['help']} (default: {field.default})"
        if kind is bool:
            parser.add_argument(*flags, dest=field.name, action=argparse.BooleanOptionalAction,
                                default=None, help=help_text)
        else:
            parser.add_argument(*flags, dest=field.name, type=kind, default=None, help=help_text,
                                metavar="DIR" if field.name == "models_dir" else field.name.upper())
    parser.set_defaults(func=serve)
    return parser


def config_from_args(args: argparse.Namespace) -> ServiceConfig:
    overrides = {f.name: getattr(args, f.name, None) for f in dataclasses.fields(ServiceConfig)}
    return ServiceConfig.load(overrides)


def serve(args: argparse.Namespace) -> int:
    """Runs the threaded development server until SIGTERM or Ctrl-C, then drains."""
    from werkzeug.serving import make_server

    from service.app import create_app

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
