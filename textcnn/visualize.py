"""Pictures of what an image CNN computes: its first layer's filters, and each convolutional
layer's feature maps for one image, as PNG grids.

With an untrained (randomly initialised) model the pictures show the classic observation that a
random filter already responds to edges and blobs.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from textcnn.errors import TextcnnError
from textcnn.plots import _pyplot


def untrained_copy(model):
    """The same architecture with freshly initialised weights."""
    import keras

    return keras.models.clone_model(model)


def conv_layers(model) -> list:
    """The model's top-level layers that have weights and output feature maps ``(N, H, W, C)``
    (convolutions and convolutional blocks), in order."""
    layers = []
    for layer in model.layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):
            continue
        if layer.weights and len(shape) == 4:
            layers.append(layer)
    return layers


def first_filters(model) -> np.ndarray:
    """The first convolution's kernel, ``(height, width, in_channels, filters)``."""
    for variable in _walk_weights(model):
        if len(variable.shape) == 4:
            return np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
    raise TextcnnError(f"The model {model.name!r} has no 2-D convolution")


def _walk_weights(model):
    for layer in model.layers:
        yield from layer.weights


def _grid(count: int) -> tuple[int, int]:
    cols = math.ceil(math.sqrt(count))
    return math.ceil(count / cols), cols


def _normalise(array: np.ndarray) -> np.ndarray:
    low, high = float(array.min()), float(array.max())
    return (array - low) / (high - low) if high > low else np.zeros_like(array)


def plot_filters(model, path: Path, title: str | None = None) -> Path:
    """A grid of the first convolution's filters: RGB when they see three input channels, else
    the mean over their input channels in grey."""
    kernel = first_filters(model)
    rows, cols = _grid(kernel.shape[-1])
    plt = _pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.2 * rows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < kernel.shape[-1]:
            f = kernel[..., i]
            if f.shape[-1] == 3:
                ax.imshow(_normalise(f), interpolation="nearest")
            else:
                ax.imshow(_normalise(f.mean(-1)), cmap="gray", interpolation="nearest")
    fig.suptitle(title or f"{model.name}: first-layer filters {kernel.shape[0]}x{kernel.shape[1]} ({kernel.shape[-1]})")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_feature_maps(model, image: np.ndarray, output_dir: Path, max_maps: int = 64) -> list[Path]:
    """One PNG per convolutional layer: its feature maps for `image` ``(H, W, C)`` (the first
    `max_maps` of them), and the input image itself first."""
    import keras

    layers = conv_layers(model)
    if not layers:
        raise TextcnnError(f"The model {model.name!r} has no convolutional layers")
    probe = keras.Model(model.inputs, [layer.output for layer in layers])
    outputs = probe(image[None].astype("float32"), training=False)
    outputs = [np.asarray(o) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    plt = _pyplot()
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.imshow(image if image.shape[-1] == 3 else image[..., 0], cmap=None if image.shape[-1] == 3 else "gray")
    ax.axis("off")
    ax.set_title("input")
    written.append(output_dir / "input.png")
    fig.savefig(written[-1], dpi=100)
    plt.close(fig)
    for number, (layer, maps) in enumerate(zip(layers, outputs), start=1):
        maps = maps[0]
        count = min(maps.shape[-1], max_maps)
        rows, cols = _grid(count)
        fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.3 * rows + 0.4), squeeze=False)
        for i, ax in enumerate(axes.flat):
            ax.axis("off")
            if i < count:
                ax.imshow(maps[..., i], cmap="viridis", interpolation="nearest")
        fig.suptitle(f"{layer.name}: {maps.shape[0]}x{maps.shape[1]}, {count} of {maps.shape[-1]} maps")
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", layer.name)
        written.append(output_dir / f"feature_maps_{number:02d}_{safe}.png")
        fig.savefig(written[-1], dpi=100)
        plt.close(fig)
    return written
