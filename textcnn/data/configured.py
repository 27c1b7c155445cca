"""The dataset and tokenizer a training configuration names.

`config` is anything with a TrainConfig's data fields (``task``, ``dataset``, ``dev``, ``test``,
``format``, ``text_column``, ``label_column``, ``encoding``, ``split``, ``image_size``,
``color_mode``; ``tokenizer``, ``lowercase``, ``max_tokens``): the data layer reads them without
depending on the configuration module, so word-vector tools and baselines load exactly what
training loads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textcnn.data.datasets import Dataset, load_dataset
from textcnn.data.formats import LabeledTexts
from textcnn.data.splits import stratified_kfold, stratified_split
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


def split_for_training(config, dataset: Dataset):
    """(train, dev, test, notes): the dataset's own splits, else stratified hold-outs."""
    train, notes = dataset.train, {}
    test = dataset.test
    if test is None:
        kept, held = stratified_split(train.labels, config.test_fraction, config.seed)
        train, test = train.subset(kept), train.subset(held)
        notes["test"] = f"{config.test_fraction:.0%} of train held out (seed {config.seed})"
    dev = dataset.dev
    if dev is None:
        kept, held = stratified_split(train.labels, config.dev_fraction, config.seed + 1)
        train, dev = train.subset(kept), train.subset(held)
        notes["dev"] = f"{config.dev_fraction:.0%} of train held out (seed {config.seed + 1})"
    return train, dev, test, notes


def cv_fold_splits(data: LabeledTexts, folds: int, seed: int, dev_fraction: float):
    """``(train, dev, test)`` of each of `folds` stratified folds drawn with `seed`: the fold is
    the test part, and a stratified `dev_fraction` of the rest is held out for early stopping
    (drawn with ``seed + 1``), as ``textcnn cv`` does."""
    for test_idx in stratified_kfold(data.labels, folds, seed):
        rest = np.setdiff1d(np.arange(len(data)), test_idx)
        train_part, dev_part = stratified_split([data.labels[i] for i in rest], dev_fraction, seed + 1)
        yield data.subset(rest[train_part]), data.subset(rest[dev_part]), data.subset(test_idx)
