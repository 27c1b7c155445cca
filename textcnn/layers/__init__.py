"""The shared Keras 3 layer library: text and image models are built from these layers.

Every layer is registered as serializable under the package name ``textcnn``, so saved models
load in Keras safe mode (no ``Lambda`` layers, no pickles).
"""

from textcnn.layers.activations import scaled_tanh
from textcnn.layers.connection_table_conv import ConnectionTableConv
from textcnn.layers.conv_bn import ConvBN
from textcnn.layers.conv_pool import ConvPool
from textcnn.layers.inception_block import InceptionBlock
from textcnn.layers.ngram_bag import NgramBag
from textcnn.layers.region_conv import RegionConv
from textcnn.layers.residual_block import ResidualBlock
from textcnn.layers.subsampling import Subsampling

__all__ = [
    "ConnectionTableConv",
    "ConvBN",
    "ConvPool",
    "InceptionBlock",
    "NgramBag",
    "RegionConv",
    "ResidualBlock",
    "Subsampling",
    "scaled_tanh",
]
