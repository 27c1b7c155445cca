"""Training-time image augmentation: small random shifts and rotations (Keras preprocessing layers).

The augmentation runs in the training input pipeline only; it is not part of the saved model,
so evaluation, prediction and the service see images unchanged.
"""

from __future__ import annotations

from textcnn.errors import TextcnnError

AUGMENTATIONS = ("none", "shift", "rotate", "shift-rotate")
SHIFT_FRACTION = 0.1  # up to 10% of the height and width (about 3 pixels of a 28x28 digit)
ROTATION_DEGREES = 10.0  # up to 10 degrees either way


def build_augmentation(augment: str | None, seed: int | None = None):
    """A Keras layer that randomly shifts and/or rotates a batch of images when called with
    ``training=True`` (and returns it unchanged otherwise); ``None`` for "none".

    Args:
        augment: one of ``AUGMENTATIONS``.
        seed: seeds each random layer, so a run repeats.

    Example:
    >>> layer = build_augmentation("shift-rotate", seed=0)
    >>> layer(images, training=True).shape == images.shape
    True
    """
    if augment in (None, "none"):
        return None
    if augment not in AUGMENTATIONS:
        raise TextcnnError(f"`augment` must be one of {', '.join(AUGMENTATIONS)}. Received: augment={augment!r}")
    import keras

    layers = []
    if "shift" in augment:
        layers.append(keras.layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, fill_mode="constant",
                                                     seed=seed, name="random_shift"))
    if "rotate" in augment:
        layers.append(keras.layers.RandomRotation(ROTATION_DEGREES / 360.0, fill_mode="constant",
                                                  seed=None if seed is None else seed + 1, name="random_rotation"))
    return keras.Sequential(layers, name="augmentation")
