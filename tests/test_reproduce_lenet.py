"""scripts/reproduce_lenet.py writes its table from the stored runs (here: runs the test writes)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_report_from_stored_runs(tmp_path):
    out = tmp_path / "lenet_tutorial"
    runs = [{"seed": s, "validation_error": v, "test_error": t, "best_epoch": 20, "epochs": 30,
             "train_seconds": 600.0 + s, "wall_seconds": 630.0, "parameters": 431080}
            for s, v, t in ((0, 0.90, 0.89), (1, 0.94, 0.93), (2, 0.92, 0.91))]
    out.with_suffix(".json").write_text(json.dumps({"runs": runs, "config": {"optimizer": "sgd", "learning_rate": 0.1,
                                                                             "batch_size": 500, "epochs": 30}}))
    result = subprocess.run([sys.executable, "scripts/reproduce_lenet.py", "--out", str(out), "--report-only"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = out.with_suffix(".md").read_text()
    assert "| **mean ± std** | **0.92 ± 0.02** | **0.91 ± 0.02** |" in table
    assert "| deeplearning.net tutorial | 0.91 | 0.92 | | | 380 min |" in table
    assert "Goal: test error at most 0.92% in under 15 min of training: **met** (mean 0.91%, 10.0 min)." in table
    assert "Parameters: 431,080." in table
