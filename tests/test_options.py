"""textcnn.options: one way from configuration dataclasses to flags and environment variables,
task scoping from field metadata, and architecture options reaching the image model builders."""

from __future__ import annotations

import argparse

import pytest

from textcnn.config import TrainConfig, add_config_arguments, config_from_args
from textcnn.errors import TextcnnError
from textcnn.options import environment_values, parse_assignments, parse_value
from textcnn_service.config import ServiceConfig


def _parse(*argv):
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    return config_from_args(parser.parse_args(list(argv)))


def test_flags_parse_as_their_fields_types_and_none_is_a_value():
    config = _parse("--preset", "fast", "--region-sizes", "2,3", "--max-norm", "none", "--epochs", "3",
                    "--no-tensorboard")
    assert config.region_sizes == (2, 3) and config.max_norm is None and config.epochs == 3
    assert config.tensorboard is False and config.optimizer == "adam"  # the preset's, not the default


def test_help_shows_every_default_and_the_task_of_scoped_options():
    parser = argparse.ArgumentParser()
    add_config_arguments(parser)
    text = parser.format_help()
    assert "(default: 3,4,5)" in text and "(default: kim2014)" in text
    assert "[image models only]" in text and "[text models only]" in text


def test_scoping_comes_from_metadata():
    with pytest.raises(TextcnnError, match="`region_sizes` is an option of text models"):
        TrainConfig(task="image", region_sizes=(2,))
    with pytest.raises(TextcnnError, match="`arch_options` is an option of image models"):
        TrainConfig(arch_options={"widths": (8,)})


def test_architecture_options_reach_the_builder():
    from textcnn.training.image import build_model

    config = _parse("--task", "image", "--arch", "lenet-tutorial", "--arch-options", "hidden_units=7;feature_maps=3,5")
    assert config.arch_options == {"hidden_units": 7, "feature_maps": (3, 5)}
    model = build_model(config, (28, 28, 1), 10)
    dense = [layer for layer in model.layers if layer.__class__.__name__ == "Dense"]
    assert dense[0].units == 7
    with pytest.raises(TextcnnError, match="does not take the option"):
        build_model(config.replace(arch_options={"bogus": 1}), (28, 28, 1), 10)


def test_the_service_uses_the_same_parsing():
    values = environment_values(ServiceConfig, {"TEXTCNN_MAX_BATCH_SIZE": "8", "TEXTCNN_WARMUP": "off"}, "TEXTCNN_")
    assert values == {"max_batch_size": 8, "warmup": False}
    with pytest.raises(TextcnnError, match="TEXTCNN_PORT must be an integer"):
        environment_values(ServiceConfig, {"TEXTCNN_PORT": "eighty"}, "TEXTCNN_")


def test_values_and_assignments():
    assert parse_value("3 4", tuple[int, ...]) == (3, 4)
    assert parse_value("None", int | None) is None
    assert parse_assignments("a=1;b=x;c=true;d=1.5") == {"a": 1, "b": "x", "c": True, "d": 1.5}
    with pytest.raises(ValueError):
        parse_assignments("novalue")
