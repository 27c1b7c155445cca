"""The layering of the code (.importlinter): one-way imports from layers up to the command line,
textcnn never importing the service, the service never importing word-vector code or gensim,
inference needing nothing of training, and no import cycles. Checked by import-linter itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "broken" not in done.stdout.lower().replace("0 broken", "")
    kept = [line for line in done.stdout.splitlines() if line.rstrip().endswith(("KEPT", "KEPT (1 ignored import)"))
            or " KEPT " in line]
    assert len(kept) >= 8, done.stdout


def test_the_contracts_would_catch_a_violation(tmp_path):
    """A layer importing the command line is reported: the check is not vacuous."""
    config = (ROOT / ".importlinter").read_text()
    offending = ROOT / "textcnn" / "layers" / "_lint_probe.py"
    offending.write_text("import textcnn.cli  # noqa: F401\n")
    try:
        lint = Path(sys.executable).with_name("lint-imports")
        (tmp_path / ".importlinter").write_text(config)
        done = subprocess.run([str(lint), "--no-cache", "--config", str(tmp_path / ".importlinter")], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)
    finally:
        offending.unlink()
    assert done.returncode != 0
    assert "textcnn.layers._lint_probe" in done.stdout


def test_the_folders_are_only_imported_under_their_installed_names():
    """service/ and embeddings/ install as textcnn_service and textcnn_embeddings; nothing may
    import the folders under their bare names (from the repository root they would load a second,
    separate copy of every module)."""
    code = ("import sys, textcnn_embeddings as e, textcnn_service.app, textcnn.cli\n"
            "e.build_matrix, e.load, e.default_cache_dir, e.train\n"
            "textcnn.cli.build_parser()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('service', 'embeddings')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_old_import_paths_still_work_for_one_release_with_a_warning():
    code = """
import importlib, warnings
old = {"textcnn.classifier": ("load", "TextClassifier", "Classifier"), "textcnn.image_classifier": ("ImageClassifier",),
       "textcnn.packing": ("pack", "packed_forward"), "textcnn.image_training": ("train_on_image_splits",),
       "textcnn.distribute": ("get_strategy",), "textcnn.gradients": ("deduplicate", "make_optimizer")}
for name, attributes in old.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(name)
    assert any(issubclass(w.category, DeprecationWarning) for w in caught), name
    for attribute in attributes:
        assert hasattr(module, attribute), (name, attribute)
from textcnn.training import fit, train_on_splits, make_optimizer, summarize_cv, cross_validate  # the old module's names
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok")
