"""TREC test accuracy, preset `fast` (Adam), CNN-rand: textcnn's optimizers (sparse gradients
deduplicated) against Keras 3.15's own (repeated rows squared slice by slice). One run per call:

    nice -n 5 python scripts/dedup_accuracy.py textcnn|stock SEED

prints one JSON line (test accuracy, dev accuracy, best epoch, seconds). Needs TEXTCNN_DATA_DIR.
"""

import json
import sys
import time
from pathlib import Path


import keras

import textcnn
import textcnn.training.optimizers as gradients

mode, seed = sys.argv[1], int(sys.argv[2])
if mode == "stock":
    gradients.optimizer_classes()
    gradients._OPTIMIZERS.update(adam=keras.optimizers.Adam, adadelta=keras.optimizers.Adadelta)
started = time.time()
result = textcnn.train("trec", preset="fast", seed=seed, save=False, verbose=0, tensorboard=False)
print(json.dumps({"mode": mode, "seed": seed, "test_accuracy": result.report["accuracy"],
                  "dev_accuracy": result.dev_accuracy, "best_epoch": result.best_epoch,
                  "seconds": round(time.time() - started, 1)}), flush=True)
