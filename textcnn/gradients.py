"""Deprecated: `textcnn.gradients` moved to `textcnn.training.optimizers`; this alias goes in the next release."""

import warnings

from textcnn.training.optimizers import *  # noqa: F401,F403

warnings.warn("textcnn.gradients is deprecated; import from textcnn.training.optimizers instead", DeprecationWarning, stacklevel=2)
