"""The dataset and tokenizer a training configuration names.

`config` is anything with a TrainConfig's data fields (``task``, ``dataset``, ``dev``, ``test``,
``format``, ``text_column``, ``label_column``, ``encoding``, ``split``, ``image_size``,
``color_mode``; ``tokenizer``, ``lowercase``, ``max_tokens``): the data layer reads them without
depending on the configuration module, so word-vector tools and baselines load exactly what
training loads.
"""

from __future__ import annotations

from pathlib import Path

from textcnn.data.datasets import Dataset, load_dataset
from textcnn.data.tokenizer import Tokenizer
from textcnn.errors import TextcnnError


def load_config_dataset(config):
    """The dataset `config` names: a text :class:`Dataset` or, for images, an ``ImageDataset``."""
    from textcnn.data.image_datasets import IMAGE_BENCHMARKS, load_image_dataset

    if config.task == "image":
        return load_image_dataset(config.dataset, split=config.split, image_size=config.image_size,
                                  color_mode=config.color_mode)
    if config.dataset in IMAGE_BENCHMARKS and not Path(config.dataset).exists():
        raise TextcnnError(f"{config.dataset} is an image dataset; train on it with task='image' (--task image)")
    return load_dataset(config.dataset, dev=config.dev, test=config.test, format=config.format,
                        text_column=config.text_column, label_column=config.label_column,
                        encoding=config.encoding)


def make_tokenizer(config, dataset: Dataset) -> Tokenizer:
    """The tokenizer `config` asks for; lower-casing follows the dataset's convention unless set."""
    lowercase = dataset.lowercase if config.lowercase is None else config.lowercase
    return Tokenizer(scheme=config.tokenizer, lowercase=lowercase, max_tokens=config.max_tokens)
