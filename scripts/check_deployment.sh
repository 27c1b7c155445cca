#!/bin/sh
# The slow deployment check (no Docker engine needed): builds the image's environment in a fresh
# virtual environment from requirements.lock, serves a model through the image's ENTRYPOINT and
# classifies over HTTP. Its output goes to benchmarks/deployment.txt.
#
#   scripts/check_deployment.sh            (from the repository root, after `make install`)
set -eu
python=${PYTHON_BIN:-.venv/bin/python}
{
    echo "\$ $0   ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores)"
    "$python" -m pytest -q -p no:cacheprovider -m slow -s tests/test_deployment.py 2>&1
} | tee benchmarks/deployment.txt
