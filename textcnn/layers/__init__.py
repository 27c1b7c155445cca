"""The shared Keras 3 layer library: text and image models are built from these layers.

Every layer is registered as serializable under the package name ``textcnn``, so saved models
load in Keras safe mode (no ``Lambda`` layers, no pickles).
"""

from textcnn.layers.conv_pool import ConvPool
from textcnn.layers.region_conv import RegionConv

__all__ = ["ConvPool", "RegionConv"]
