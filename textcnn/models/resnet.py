"""A small ResNet for 28x28 to 32x32 images: the CIFAR ResNet-20 of He et al. (2016)."""

from __future__ import annotations

from textcnn.layers import ConvBN, ResidualBlock
from textcnn.models.vgg import head


def resnet(
    inputs,
    num_classes: int,
    *,
    dropout: float | None = None,
    seed: int | None = None,
    widths=(16, 32, 64),
    blocks_per_stage: int = 3,
):
    """ResNet (He et al. 2016, section 4.2): a 3x3 :class:`ConvBN` stem, then stages of
    :class:`ResidualBlock`, each stage after the first halving the resolution (strided first
    block with a projection shortcut) and doubling the maps, then global average pooling,
    dropout and a softmax. The defaults are ResNet-20 (16-32-64 maps, 3 blocks per stage,
    about 270,000 parameters).

    Args:
        widths: maps of each stage.
        blocks_per_stage: residual blocks per stage.
        dropout: rate before the softmax (``None``: 0.3).
    """
    x = ConvBN(2, widths[0], 3, name="stem")(inputs)
    for s, maps in enumerate(widths):
        for b in range(blocks_per_stage):
            strides = 2 if s > 0 and b == 0 else 1
            x = ResidualBlock(2, maps, strides=strides, name=f"stage{s + 1}_block{b + 1}")(x)
    return head(x, num_classes, dropout, seed)
