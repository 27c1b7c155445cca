"""The Kim (2014) sentence CNN in its four variants."""

from __future__ import annotations

import numpy as np
import keras

from textcnn.layers import NgramBag, RegionConv
from textcnn.models.names import VARIANTS



def build_kim_cnn(
    *,
    vocab_size: int,
    num_classes: int,
    variant: str = "rand",
    embedding_matrix: np.ndarray | None = None,
    embedding_dim: int = 300,
    embedding_init_scale: float = 0.25,
    learned_dim: int = 0,
    region_sizes=(3, 4, 5),
    feature_maps: int = 100,
    activation: str = "relu",
    dropout: float = 0.5,
    word_dropout: float = 0.0,
    max_norm: float | None = 3.0,
    ngram_buckets: int = 0,
    ngram_dim: int = 100,
    name: str = "kim_cnn",
) -> keras.Model:
    """Builds Kim's CNN: embedding, multi-region convolution with 1-max pooling, dropout, softmax.

    Args:
        vocab_size: rows of the embedding table (index 0 is padding and masked).
        num_classes: number of labels.
        variant: ``"rand"`` (embeddings learned from scratch), ``"static"`` (pretrained, frozen),
            ``"non-static"`` (pretrained, fine-tuned) or ``"multichannel"`` (a frozen and a
            fine-tuned copy of the pretrained vectors; every filter spans both channels and the
            per-channel results are summed).
        embedding_matrix: ``(vocab_size, dim)`` pretrained vectors; required by every variant
            but ``rand``. They enter as weights, never in the model's config.
        embedding_dim: embedding size for ``rand``.
        embedding_init_scale: learned embeddings start uniform in ``[-scale, scale]``.
        learned_dim: width of an extra channel learned from scratch beside the pretrained
            one(s) (0: none). Pretrained vectors of low dimension (GloVe 50-d) carry less than
            300 learned dimensions do; side by side, the filters get both.
        region_sizes, feature_maps, activation: see :class:`textcnn.layers.RegionConv`.
        dropout: dropout rate on the pooled features.
        word_dropout: share of word positions whose vectors (every channel) are zeroed during
            training, the rest scaled by ``1 / (1 - word_dropout)``; 0 adds no layer.
        max_norm: maximum L2 norm of each class's weight vector in the softmax layer
            (rescaled after every update), or ``None``.
        ngram_buckets: hash buckets of a bag-of-n-grams branch beside the convolutions (0: no
            branch): the mean of the sentence's word and hashed word-bigram vectors
            (:class:`textcnn.layers.NgramBag`, fastText style), concatenated with the pooled
            convolution features before the dropout and softmax, so the model contains the linear
            baseline.
        ngram_dim: vector size of the n-gram branch.

    Returns:
        A Keras model from int32 token ids ``(batch, time)`` (0 = padding, right-padded) to
        class probabilities ``(batch, num_classes)``.

    Example:
    >>> model = build_kim_cnn(vocab_size=1000, num_classes=2, feature_maps=10)
    >>> model(np.array([[5, 6, 7, 0]])).shape
    (1, 2)
    """
    if variant not in VARIANTS:
        raise ValueError(f"`variant` must be one of {VARIANTS}. Received: variant={variant!r}")
    if variant == "rand" and embedding_matrix is not None:
        raise ValueError("The 'rand' variant learns its embeddings; do not pass `embedding_matrix`.")
    if variant != "rand":
        if embedding_matrix is None:
            raise ValueError(f"The {variant!r} variant needs `embedding_matrix`.")
        embedding_matrix = np.asarray(embedding_matrix, dtype="float32")
        if embedding_matrix.ndim != 2 or embedding_matrix.shape[0] != vocab_size:
            raise ValueError(
                f"`embedding_matrix` must have shape ({vocab_size}, dim). "
                f"Received: shape={embedding_matrix.shape}"
            )
        embedding_dim = embedding_matrix.shape[1]
    if learned_dim < 0 or (learned_dim and variant == "rand"):
        raise ValueError(
            "`learned_dim` adds a learned channel beside pretrained vectors: it must be >= 0 and "
            f"0 for 'rand' (use `embedding_dim`). Received: learned_dim={learned_dim}, variant={variant!r}"
        )
    if not 0 <= word_dropout < 1:
        raise ValueError(f"`word_dropout` must be in [0, 1). Received: word_dropout={word_dropout}")
    if num_classes < 2:
        raise ValueError(f"`num_classes` must be at least 2. Received: num_classes={num_classes}")
    if ngram_buckets < 0 or ngram_dim < 1:
        raise ValueError("`ngram_buckets` must be >= 0 (0: no n-gram branch) and `ngram_dim` >= 1. "
                         f"Received: ngram_buckets={ngram_buckets}, ngram_dim={ngram_dim}")

    def embedding(layer_name, trainable, dim=embedding_dim):
        return keras.layers.Embedding(
            vocab_size,
            dim,
            embeddings_initializer=keras.initializers.RandomUniform(
                -embedding_init_scale, embedding_init_scale
            ),
            mask_zero=True,
            trainable=trainable,
            name=layer_name,
        )

    tokens = keras.Input(shape=(None,), dtype="int32", name="tokens")
    if variant == "multichannel":
        channels = [embedding("embedding_static", False), embedding("embedding", True)]
    else:
        channels = [embedding("embedding", variant != "static")]
    learned = [embedding("embedding_learned", True, learned_dim)] if learned_dim else []
    if len(channels) + len(learned) > 1:
        x = keras.layers.Concatenate(axis=-1, name="channels")([c(tokens) for c in channels + learned])
    else:
        x = channels[0](tokens)
    if word_dropout:  # one draw per (sentence, position), shared by all embedding dimensions
        x = keras.layers.Dropout(word_dropout, noise_shape=(None, None, 1), name="word_dropout")(x)
    x = RegionConv(region_sizes, feature_maps, activation=activation, name="region_conv")(x)
    if ngram_buckets:  # the fastText-style linear model's features beside the CNN's
        bag = NgramBag(vocab_size, ngram_buckets, ngram_dim, name="ngram_bag")(tokens)
        x = keras.layers.Concatenate(axis=-1, name="features")([x, bag])
    x = keras.layers.Dropout(dropout, name="dropout")(x)
    probabilities = keras.layers.Dense(
        num_classes,
        activation="softmax",
        kernel_constraint=keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None,
        dtype="float32",  # the softmax stays float32 under mixed precision
        name="probabilities",
    )(x)
    model = keras.Model(tokens, probabilities, name=name)
    if embedding_matrix is not None:
        for channel in channels:
            channel.set_weights([embedding_matrix])
    return model
