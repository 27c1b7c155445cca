"""Deprecated: `textcnn.packing` moved to `textcnn.inference.packing`; this alias goes in the next release."""

import warnings

from textcnn.inference.packing import *  # noqa: F401,F403

warnings.warn("textcnn.packing is deprecated; import from textcnn.inference.packing instead", DeprecationWarning, stacklevel=2)
