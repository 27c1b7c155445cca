"""Prediction with trained models: :func:`load` an artifact, then ``predict`` / ``predict_proba``.

Needs TensorFlow, Keras and NumPy only (no training, serving or word-vector packages):

- :mod:`textcnn.inference.base`: what every classifier shares (traced model calls, top-k);
- :mod:`textcnn.inference.text`: :class:`TextClassifier` (tokeniser, vocabulary, packed batches);
- :mod:`textcnn.inference.image`: :class:`ImageClassifier` (image size and colour mode);
- :mod:`textcnn.inference.packing`: a batch of sentences as one sequence, without padding;
- :mod:`textcnn.inference.loading`: :func:`load`.
"""

from textcnn.backend import require_tensorflow_backend
from textcnn.inference.base import Classifier
from textcnn.inference.image import ImageClassifier
from textcnn.inference.loading import load
from textcnn.inference.text import TextClassifier

require_tensorflow_backend()

__all__ = ["Classifier", "ImageClassifier", "TextClassifier", "load"]
