"""A small Inception-style network with batch normalisation, for 28x28 to 32x32 images."""

from __future__ import annotations

import keras

from textcnn.layers import ConvBN, InceptionBlock
from textcnn.models.vgg import head

# (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection) of each Inception block, per stage.
STAGES = (
    ((32, 32, 48, 8, 16, 16), (48, 48, 64, 12, 24, 24)),
    ((64, 48, 96, 16, 32, 32), (80, 64, 112, 16, 32, 32)),
)


def inception(
    inputs,
    num_classes: int,
    *,
    dropout: float | None = None,
    seed: int | None = None,
    stem_filters: int = 64,
    factorize_5x5: bool = True,
):
    """Inception-style (Szegedy et al. 2015): a 3x3 :class:`ConvBN` stem, then two stages of two
    :class:`InceptionBlock` (1x1 reductions, the 5x5 branch as two 3x3 convolutions by
    default), each stage preceded by 2x2 max-pooling (28x28 -> 14x14 -> 7x7), then global
    average pooling, dropout and a softmax. About 280,000 parameters.

    Args:
        stem_filters: maps of the stem convolution.
        factorize_5x5: two 3x3 convolutions in place of each 5x5 one.
        dropout: rate before the softmax (``None``: 0.3).
    """
    x = ConvBN(2, stem_filters, 3, name="stem")(inputs)
    for s, blocks in enumerate(STAGES):
        x = keras.layers.MaxPooling2D(2, name=f"stage{s + 1}_pool")(x)
        for b, filters in enumerate(blocks):
            x = InceptionBlock(2, *filters, factorize_5x5=factorize_5x5,
                               name=f"stage{s + 1}_inception{b + 1}")(x)
    return head(x, num_classes, dropout, seed)
