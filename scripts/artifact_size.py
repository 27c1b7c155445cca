"""What an artifact's Keras weights file holds, by group (layers, optimizer), and the size of the
same model saved again by this version of textcnn (which leaves the optimizer out).

    python -m scripts.artifact_size runs/mr/model.textcnn
"""

from __future__ import annotations

import io
import sys
import tempfile
import zipfile
from pathlib import Path


def group_megabytes(path: Path) -> dict:
    import h5py

    inner = zipfile.ZipFile(io.BytesIO(zipfile.ZipFile(path).read("model.keras")))
    sizes = {}
    with h5py.File(io.BytesIO(inner.read("model.weights.h5"))) as weights:
        for name in weights:
            total = []
            weights[name].visititems(lambda _, obj: total.append(obj.size * obj.dtype.itemsize)
                                     if isinstance(obj, h5py.Dataset) else None)
            sizes[name] = round(sum(total) / 1e6, 1)
    return sizes


def main(argv=None) -> int:
    import textcnn

    path = Path((argv or sys.argv[1:])[0])
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB; weights by group (MB): {group_megabytes(path)}")
    with tempfile.TemporaryDirectory() as scratch:
        again = Path(scratch) / "model.textcnn"
        textcnn.load(path).save(again)
        print(f"saved again: {again.stat().st_size / 1e6:.1f} MB; weights by group (MB): {group_megabytes(again)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
