"""A small VGG-style network with batch normalisation, for 28x28 to 32x32 images."""

from __future__ import annotations

import keras

from textcnn.layers import ConvBN


def vgg(
    inputs,
    num_classes: int,
    *,
    dropout: float | None = None,
    seed: int | None = None,
    widths=(32, 64, 128),
    convs_per_block: int = 2,
):
    """VGG-style (Simonyan & Zisserman 2015): blocks of 3x3 :class:`ConvBN` (``"same"``), each
    block followed by 2x2 max-pooling and doubling the maps, then global average pooling,
    dropout and a softmax. The defaults (32-64-128, two convolutions per block) have about
    290,000 parameters.

    Args:
        widths: maps of each block.
        convs_per_block: 3x3 convolutions per block.
        dropout: rate before the softmax (``None``: 0.3).
    """
    x = inputs
    for b, maps in enumerate(widths):
        for c in range(convs_per_block):
            x = ConvBN(2, maps, 3, name=f"block{b + 1}_conv{c + 1}")(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{b + 1}_pool")(x)
    return head(x, num_classes, dropout, seed)


def head(x, num_classes, dropout, seed):
    """Global average pooling, dropout (0.3 by default) and a float32 softmax."""
    x = keras.layers.GlobalAveragePooling2D(name="global_avg_pool")(x)
    x = keras.layers.Dropout(0.3 if dropout is None else dropout, seed=seed, name="dropout")(x)
    return keras.layers.Dense(num_classes, activation="softmax", dtype="float32",
                              name="probabilities")(x)
