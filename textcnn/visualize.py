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


def _save_grid(panels: list[np.ndarray], path: Path, title: str, cmap: str | None, size: float = 1.2) -> Path:
    """Saves `panels` (2-D arrays, or RGB arrays) as one grid of small images with a title."""
    rows, cols = _grid(len(panels))
    plt = _pyplot()
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, size * rows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(panels):
            ax.imshow(panels[i], cmap=None if panels[i].ndim == 3 else cmap, interpolation="nearest")
    fig.suptitle(title)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_filters(model, path: Path, title: str | None = None) -> Path:
    """A grid of the first convolution's filters: RGB when they see three input channels, else
    the mean over their input channels in grey."""
    kernel = first_filters(model)
    panels = [_normalise(kernel[..., i]) if kernel.shape[2] == 3 else _normalise(kernel[..., i].mean(-1))
              for i in range(kernel.shape[-1])]
    return _save_grid(panels, path, title or f"{model.name}: first-layer filters "
                      f"{kernel.shape[0]}x{kernel.shape[1]} ({kernel.shape[-1]})", cmap="gray")


def plot_feature_maps(model, image: np.ndarray, output_dir: Path, max_maps: int = 64) -> list[Path]:
    """One PNG per convolutional layer: its feature maps for `image` ``(H, W, C)`` (the first
    `max_maps` of them), and the input image itself first."""
    import keras

    layers = conv_layers(model)
    if not layers:
        raise TextcnnError(f"The model {model.name!r} has no convolutional layers")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs, [layer.output for layer in layers])
    outputs = probe(image[None].astype("float32"), training=False)
    outputs = [np.asarray(o) for o in (outputs if isinstance(outputs, (list, tuple)) else [outputs])]
    output_dir = Path(output_dir)
    written = [_save_grid([image if image.shape[-1] == 3 else image[..., 0]], output_dir / "input.png",
                          "input", cmap="gray", size=3)]
    for number, (layer, maps) in enumerate(zip(layers, outputs), start=1):
        maps = maps[0]
        count = min(maps.shape[-1], max_maps)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", layer.name)
        written.append(_save_grid([maps[..., i] for i in range(count)],
                                  output_dir / f"feature_maps_{number:02d}_{safe}.png",
                                  f"{layer.name}: {maps.shape[0]}x{maps.shape[1]}, {count} of {maps.shape[-1]} maps",
                                  cmap="viridis", size=1.3))
    return written
