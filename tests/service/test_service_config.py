"""ServiceConfig from defaults, TEXTCNN_* variables and overrides; the `serve` command's flags."""

from __future__ import annotations

import argparse

import pytest

from textcnn_service.cli import config_from_args, register
from textcnn_service.config import ServiceConfig
from textcnn.errors import TextcnnError


def test_defaults_then_environment_then_overrides():
    environ = {"TEXTCNN_MODELS_DIR": "/srv/models", "TEXTCNN_MAX_BATCH_SIZE": "32", "TEXTCNN_WARMUP": "false",
               "TEXTCNN_MAX_BATCH_WAIT_MS": "0.5", "TEXTCNN_PORT": "9000", "TEXTCNN_UNRELATED": "x"}
    config = ServiceConfig.load({"port": 9100, "max_texts": None}, environ=environ)
    assert config.models_dir == "/srv/models"
    assert config.max_batch_size == 32 and config.max_batch_wait_ms == 0.5
    assert config.warmup is False
    assert config.port == 9100  # the override wins
    assert config.max_texts == ServiceConfig().max_texts  # None: not overridden
    with pytest.raises(Exception):
        config.port = 1  # frozen
    assert config.replace(port=1).port == 1
    assert config.to_dict()["models_dir"] == "/srv/models"


@pytest.mark.parametrize("overrides, environ, message", [
    ({"max_batch_size": 0}, {}, "`max_batch_size` must be a positive integer. Received: max_batch_size=0"),
    ({"max_batch_wait_ms": -1}, {}, "`max_batch_wait_ms` must not be negative. Received: max_batch_wait_ms=-1"),
    ({"port": 70000}, {}, "`port` must be in [0, 65535]. Received: port=70000"),
    ({"max_batch": 3}, {}, "Unknown service option(s): max_batch"),
    ({}, {"TEXTCNN_MAX_TEXTS": "many"}, "TEXTCNN_MAX_TEXTS must be an integer. Received: 'many'"),
    ({}, {"TEXTCNN_WARMUP": "perhaps"}, "TEXTCNN_WARMUP must be true or false. Received: 'perhaps'"),
])
def test_bad_settings_are_refused(overrides, environ, message):
    with pytest.raises(TextcnnError) as raised:
        ServiceConfig.load(overrides, environ=environ)
    assert str(raised.value) == message


def test_serve_flags_match_the_config_fields(monkeypatch):
    monkeypatch.setenv("TEXTCNN_MAX_TEXTS", "12")
    parser = argparse.ArgumentParser(prog="textcnn")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--models", "m", "--max-batch-size", "8", "--no-warmup",
                              "--watch-interval-s", "2.5"])
    config = config_from_args(args)
    assert (config.models_dir, config.max_batch_size, config.warmup, config.watch_interval_s) == ("m", 8, False, 2.5)
    assert config.max_texts == 12  # unset flags leave the environment's value
    assert args.func.__name__ == "serve"
