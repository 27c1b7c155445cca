"""The model artifact: ONE file holding everything needed to predict.

A ``.textcnn`` file is a zip archive with
- ``manifest.json``: format name and version, label names, tokenizer settings, the training
  configuration, the evaluation report, the embedding provenance, library versions;
- ``vocabulary.txt``: one token per line, in index order;
- ``model.keras``: the Keras model (architecture and weights; pretrained vectors travel here,
  as weights).
Nothing in it is executed on load: the Keras model is loaded in safe mode and no pickles are used.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

from textcnn.errors import TextcnnError

FORMAT = "textcnn-model"
FORMAT_VERSION = 1


def atomic_write(path: Path, write) -> None:
    """Calls ``write(temporary_path)`` then renames the result over `path` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def save_artifact(path, model, manifest: dict, vocabulary: list[str] | None) -> Path:
    """Writes the artifact atomically: a reader never sees a half-written file."""
    import keras

    path = Path(path)
    manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest,
                "keras_version": keras.__version__}

    model = inference_copy(model)

    def write(temporary: Path):
        with tempfile.TemporaryDirectory() as scratch:
            model_path = Path(scratch) / "model.keras"
            model.save(model_path)
            with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr("manifest.json", json.dumps(manifest, indent=2))
                if vocabulary is not None:
                    archive.writestr("vocabulary.txt", "\n".join(vocabulary) + "\n")
                archive.write(model_path, "model.keras", compress_type=zipfile.ZIP_STORED)

    atomic_write(path, write)
    return path


def inference_copy(model):
    """`model` without its training state: a compiled model's ``.keras`` file also stores the
    optimizer's variables (Adam's two moments are twice the embedding table: 44 of an MR model's
    65 MB), which prediction, the service and hot reloads never use. An uncompiled model is
    returned as it is; checkpoints for ``--resume`` save the compiled model themselves."""
    import keras

    if getattr(model, "optimizer", None) is None:
        return model
    copy = keras.Model.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def read_manifest(archive: zipfile.ZipFile, path) -> dict:
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError):
        raise TextcnnError(f"{path} is not a textcnn model: no readable manifest") from None
    if manifest.get("format") != FORMAT:
        raise TextcnnError(f"{path} is not a textcnn model (format {manifest.get('format')!r})")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise TextcnnError(f"{path} has no valid format version")
    if version > FORMAT_VERSION:
        raise TextcnnError(
            f"{path} has model format version {version}, newer than this textcnn reads "
            f"({FORMAT_VERSION}); upgrade textcnn"
        )
    return manifest


def load_artifact(path):
    """Reads an artifact: ``(keras_model, manifest, vocabulary_or_None)``."""
    path = Path(path)
    if not path.is_file():
        raise TextcnnError(f"No such model file: {path}")
    import keras

    import textcnn.layers  # noqa: F401  (registers the layers the saved model names)
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = read_manifest(archive, path)
            vocabulary = None
            if "vocabulary.txt" in archive.namelist():
                vocabulary = archive.read("vocabulary.txt").decode("utf-8").split("\n")[:-1]
            model_bytes = archive.read("model.keras")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, EOFError):
        raise TextcnnError(f"{path} is not a textcnn model file, or it is corrupt") from None
    with tempfile.TemporaryDirectory() as scratch:
        model_path = Path(scratch) / "model.keras"
        model_path.write_bytes(model_bytes)
        try:
            model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
        except Exception as error:  # Keras raises many types for a damaged archive.
            raise TextcnnError(f"{path}: the model inside is corrupt ({type(error).__name__})") from None
    return model, manifest, vocabulary


def inspect_bytes(data: bytes) -> dict:
    """The manifest of an artifact held in memory (for tools that only need the metadata)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return read_manifest(archive, "<bytes>")
