"""Data: loaders for benchmarks and user files, tokenisation, vocabulary, splits, batching."""

from textcnn.data.datasets import BENCHMARKS, Dataset, load_dataset
from textcnn.data.formats import LabeledTexts, read_labeled_file
from textcnn.data.tokenizer import Tokenizer
from textcnn.data.vocabulary import Vocabulary

__all__ = ["BENCHMARKS", "Dataset", "LabeledTexts", "Tokenizer", "Vocabulary", "load_dataset",
           "read_labeled_file"]
