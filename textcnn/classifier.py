"""Deprecated: `textcnn.classifier` moved to `textcnn.inference.loading`, `textcnn.inference.base`, `textcnn.inference.text`; this alias goes in the next release."""

import warnings

from textcnn.inference.loading import *  # noqa: F401,F403
from textcnn.inference.base import *  # noqa: F401,F403
from textcnn.inference.text import *  # noqa: F401,F403

warnings.warn("textcnn.classifier is deprecated; import from textcnn.inference.loading instead", DeprecationWarning, stacklevel=2)
