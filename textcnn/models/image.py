"""The image classifiers: one entry point, :func:`build_image_model`, for every architecture."""

from __future__ import annotations

import inspect

import keras

from textcnn.errors import TextcnnError
from textcnn.models.inception import inception
from textcnn.models.lenet import lenet5, lenet_tutorial
from textcnn.models.names import IMAGE_ARCHITECTURES
from textcnn.models.resnet import resnet
from textcnn.models.vgg import vgg

# arch -> (builder, model name, smallest height and width, why)
_BUILDERS = {
    "lenet5": (lenet5, "lenet5", 28, "they are padded to LeNet-5's 32x32"),
    "lenet-tutorial": (lenet_tutorial, "lenet_tutorial", 16, "two 5x5 convolutions, each with 2x2 pooling"),
    "vgg": (vgg, "vgg", 8, "three 2x2 max-poolings"),
    "resnet": (resnet, "resnet", 8, "two stride-2 stages"),
    "inception": (inception, "inception", 8, "two 2x2 max-poolings"),
}


class ImageModelError(TextcnnError, ValueError):
    """A bad architecture, image shape or option for an image model (a user error, and a
    ``ValueError``)."""


def build_image_model(
    arch: str,
    input_shape: tuple[int, int, int],
    num_classes: int,
    *,
    seed: int | None = None,
    dropout: float | None = None,
    **arch_options,
) -> keras.Model:
    """Builds an image classifier from float images in [0, 1] to class probabilities.

    Architectures (see each builder's docstring for the details and its options):

    - ``"lenet5"``: LeNet-5 (LeCun et al. 1998) with its C3 connection table
      (:func:`textcnn.models.lenet.lenet5`; options `connection_table`, `connections_per_map`);
    - ``"lenet-tutorial"``: the deeplearning.net tutorial's LeNet
      (:func:`textcnn.models.lenet.lenet_tutorial`; options `feature_maps`, `hidden_units`);
    - ``"vgg"``, ``"resnet"``, ``"inception"``: small modern networks with batch
      normalisation, global average pooling, dropout and a softmax, a few hundred thousand
      parameters each (options `widths`/`convs_per_block`, `widths`/`blocks_per_stage`,
      `stem_filters`/`factorize_5x5`).

    Args:
        arch: one of ``IMAGE_ARCHITECTURES``.
        input_shape: ``(height, width, channels)``; any channel count (1 for grayscale, 3 for
            RGB) and any size at least the architecture's minimum.
        num_classes: number of classes (at least 2).
        seed: seeds Keras's global random state before the weights are created (weights,
            dropout and random connection tables are then reproducible).
        dropout: dropout rate before the softmax; ``None`` keeps the architecture's default
            (none for the LeNets, 0.3 for the modern networks).
        **arch_options: options of the architecture's builder.

    Returns:
        A Keras model named after the architecture, from float32 images
        ``(batch, height, width, channels)`` in [0, 1] to probabilities
        ``(batch, num_classes)`` (a float32 softmax, as the text models).

    Raises:
        ImageModelError: (a :class:`TextcnnError` and a ``ValueError``) for an unknown
            architecture or option, an image too small for the architecture, a bad shape,
            class count or dropout rate.

    Example:
    >>> model = build_image_model("lenet-tutorial", (28, 28, 1), 10, seed=0)
    >>> model(np.zeros((2, 28, 28, 1), "float32")).shape
    (2, 10)
    """
    if arch not in _BUILDERS:
        raise ImageModelError(f"`arch` must be one of {IMAGE_ARCHITECTURES}. Received: arch={arch!r}")
    builder, name, min_size, why = _BUILDERS[arch]
    input_shape = tuple(input_shape)
    if len(input_shape) != 3 or not all(isinstance(n, int) and n > 0 for n in input_shape):
        raise ImageModelError(
            "`input_shape` must be (height, width, channels), three positive integers. "
            f"Received: input_shape={input_shape}"
        )
    if input_shape[0] < min_size or input_shape[1] < min_size:
        raise ImageModelError(
            f"`{arch}` needs images of at least {min_size}x{min_size} ({why}). "
            f"Received: input_shape={input_shape}"
        )
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ImageModelError(f"`num_classes` must be at least 2. Received: num_classes={num_classes}")
    if dropout is not None and not 0 <= dropout < 1:
        raise ImageModelError(f"`dropout` must be in [0, 1). Received: dropout={dropout}")
    accepted = [p for p in inspect.signature(builder).parameters
                if p not in ("inputs", "num_classes", "dropout", "seed")]
    unknown = sorted(set(arch_options) - set(accepted))
    if unknown:
        raise ImageModelError(
            f"`{arch}` does not take the option(s) {', '.join(unknown)}; "
            f"it takes: {', '.join(accepted)}."
        )
    if seed is not None:
        keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=input_shape, dtype="float32", name="images")
    try:
        probabilities = builder(inputs, num_classes, dropout=dropout, seed=seed, **arch_options)
    except ValueError as error:  # a bad option value, caught by a layer
        raise ImageModelError(f"`{arch}`: {error}") from error
    return keras.Model(inputs, probabilities, name=name)
