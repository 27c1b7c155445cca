#!/bin/sh
# The deployment check (no Docker engine needed): builds the image's environment in a fresh
# virtual environment from requirements.lock, serves a model through the image's ENTRYPOINT and
# classifies over HTTP. Its output goes to benchmarks/deployment.txt.
#
#   scripts/check_deployment.sh            (from the repository root, after `make install`)
set -eu
python=${PYTHON_BIN:-.venv/bin/python}
{
    echo "\$ $0   ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores)"
    "$python" -m pytest -q -p no:cacheprovider -s tests/test_deployment.py::test_the_image_recipe_serves_a_model_over_http 2>&1
} | tee benchmarks/deployment.txt
