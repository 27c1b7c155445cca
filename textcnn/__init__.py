"""textcnn: convolutional text (and image) classifiers over word embeddings."""

__version__ = "0.1.0"
