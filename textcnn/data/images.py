"""Images as arrays: labelled image sets, reading PNG/JPEG files, and folders of images.

Every loader returns float32 pixels in [0, 1], shaped ``(N, height, width, channels)``, with
integer labels indexing a list of class names.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from textcnn.errors import TextcnnError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
COLOR_MODES = ("grayscale", "rgb")


@dataclass
class ImageSet:
    """Images ``(N, H, W, C)`` float32 in [0, 1] and their integer labels ``(N,)``."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self):
        self.images = np.asarray(self.images, dtype=np.float32)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        if self.images.ndim != 4:
            raise TextcnnError(f"Images must have shape (N, height, width, channels). Received: shape={self.images.shape}")
        if len(self.images) != len(self.labels):
            raise TextcnnError(f"{len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, indices) -> "ImageSet":
        return ImageSet(self.images[indices], self.labels[indices])


@dataclass
class ImageDataset:
    """An image dataset resolved to its splits; `dev` and `test` are ``None`` when it has none."""

    name: str
    train: ImageSet
    dev: ImageSet | None = None
    test: ImageSet | None = None
    class_names: list[str] = field(default_factory=list)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return tuple(int(d) for d in self.train.images.shape[1:])

    @property
    def label_names(self) -> list[str]:
        """The class names (the same attribute name as text datasets use)."""
        return list(self.class_names)


def to_unit_float(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels (0-255) as float32 in [0, 1]."""
    return np.asarray(pixels, dtype=np.float32) / np.float32(255.0)


def image_to_array(image, size: tuple[int, int] | None = None, color_mode: str = "grayscale") -> np.ndarray:
    """A Pillow image as float32 ``(H, W, C)`` in [0, 1], converted to `color_mode` and resized
    (bilinear) to `size` = (height, width) when given."""
    from PIL import Image

    if color_mode not in COLOR_MODES:
        raise TextcnnError(f"`color_mode` must be one of {', '.join(COLOR_MODES)}. Received: color_mode={color_mode!r}")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Composite transparent pixels on white, as a viewer shows them.
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    image = image.convert("L" if color_mode == "grayscale" else "RGB")
    if size is not None and (image.height, image.width) != tuple(size):
        image = image.resize((int(size[1]), int(size[0])), Image.Resampling.BILINEAR)
    array = to_unit_float(np.asarray(image, dtype=np.uint8))
    return array[..., None] if array.ndim == 2 else array


def open_image(path: Path, load: bool = True):
    """A Pillow image, fully read (or, without `load`, only its header: size and mode); a
    one-line TextcnnError for missing or unreadable files."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if load:
                image.load()
            else:
                image.getpalette()  # palette images: the palette, to tell grey from colour
            return image
    except FileNotFoundError:
        raise TextcnnError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise TextcnnError(f"Expected an image file, found a directory: {path}") from None
    except UnidentifiedImageError:
        raise TextcnnError(f"{path}: not a readable image (PNG or JPEG expected)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise TextcnnError(f"{path}: cannot decode image ({error})") from None


def read_image(path: Path, size: tuple[int, int] | None = None, color_mode: str = "grayscale") -> np.ndarray:
    """One PNG/JPEG file as float32 ``(H, W, C)`` in [0, 1]; see :func:`image_to_array`."""
    return image_to_array(open_image(path), size, color_mode)


def _has_color(image) -> bool:
    return image.mode not in ("1", "L", "LA", "I", "I;16", "F") and not (
        image.mode == "P" and all(r == g == b for r, g, b in _palette_colors(image)))


def _palette_colors(image):
    palette = image.getpalette() or []
    return zip(palette[0::3], palette[1::3], palette[2::3])


def _class_folders(root: Path) -> list[Path]:
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def read_image_folder(
    root: Path,
    *,
    image_size: tuple[int, int] | None = None,
    color_mode: str | None = None,
    class_names: list[str] | None = None,
) -> tuple[ImageSet, list[str]]:
    """Reads ``root/<class>/*.png|jpg|jpeg``; the sub-folder names, sorted, are the classes.

    Args:
        root: a folder holding one sub-folder per class.
        image_size: (height, width) every image is resized to; by default the size of the
            most common size in the folder.
        color_mode: "grayscale" or "rgb"; by default rgb when any image has colour, else grayscale.
        class_names: the classes to expect, in order (for a test split beside a train split).

    Returns:
        The images and labels, and the class names.
    """
    root = Path(root)
    if not root.is_dir():
        raise TextcnnError(f"No such folder: {root}")
    folders = _class_folders(root)
    discovered = class_names is None
    if discovered:
        class_names = [f.name for f in folders]
        if len(class_names) < 2:
            raise TextcnnError(f"{root}: an image folder needs one sub-folder per class, at least two; found {len(class_names)}")
    else:
        unknown = sorted({f.name for f in folders} - set(class_names))
        if unknown:
            raise TextcnnError(f"{root}: classes not in the training data: {', '.join(unknown)}")
    paths, labels = [], []
    for label, name in enumerate(class_names):
        files = _image_files(root / name) if (root / name).is_dir() else []
        if not files and discovered:
            raise TextcnnError(f"{root / name}: class {name!r} has no PNG or JPEG images")
        paths += files
        labels += [label] * len(files)
    if not paths:
        raise TextcnnError(f"{root}: no PNG or JPEG images")
    if color_mode is None or image_size is None:  # from the headers: nothing decoded twice
        headers = [open_image(path, load=False) for path in paths]
        if color_mode is None:
            color_mode = "rgb" if any(_has_color(image) for image in headers) else "grayscale"
        if image_size is None:
            image_size = Counter((image.height, image.width) for image in headers).most_common(1)[0][0]
    arrays = np.stack([read_image(path, image_size, color_mode) for path in paths])
    return ImageSet(arrays, np.asarray(labels)), list(class_names)


def load_image_folder(
    root: Path,
    *,
    image_size: tuple[int, int] | None = None,
    color_mode: str | None = None,
) -> ImageDataset:
    """A folder of class sub-folders as a dataset (train only: training holds out dev and test
    fractions), or, when `root` holds ``train/`` (and ``dev/``, ``test/``) folders of class
    sub-folders, those splits.

    Example:
    >>> data = load_image_folder("photos", image_size=(32, 32), color_mode="rgb")
    >>> data.train.images.shape[1:], data.class_names
    ((32, 32, 3), ['cat', 'dog'])
    """
    root = Path(root)
    if (root / "train").is_dir() and _class_folders(root / "train"):
        train, names = read_image_folder(root / "train", image_size=image_size, color_mode=color_mode)
        size = train.images.shape[1:3]
        mode = "rgb" if train.images.shape[-1] == 3 else "grayscale"
        splits = {}
        for split in ("dev", "test"):
            if (root / split).is_dir():
                splits[split], _ = read_image_folder(root / split, image_size=size, color_mode=mode, class_names=names)
        return ImageDataset(root.name, train, splits.get("dev"), splits.get("test"), names)
    train, names = read_image_folder(root, image_size=image_size, color_mode=color_mode)
    return ImageDataset(root.name, train, class_names=names)
