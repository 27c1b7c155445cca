"""Activations the image models use that Keras does not ship, registered for safe loading."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="textcnn")
def scaled_tanh(x):
    """LeCun's scaled hyperbolic tangent ``1.7159 * tanh(2x / 3)`` (LeCun et al. 1998, App. A).

    Chosen so that ``f(1) = 1`` and ``f(-1) = -1``, with the largest curvature at +-1.
    """
    return 1.7159 * ops.tanh(x * (2.0 / 3.0))
