#!/bin/sh
# Installs textcnn with what serving needs (requirements-serve.lock: the core and the `serve` extra) into a new virtual environment: the one recipe of
# the Docker image (Dockerfile) and of the test that proves it without Docker
# (tests/test_deployment.py).
#
#   scripts/install_service.sh VENV [cpu|gpu]
#
# Run from the source tree; $PYTHON (default python3) makes the environment. gpu adds tensorflow[and-cuda] at the locked TensorFlow version.
set -eu
venv=$1
variant=${2:-cpu}
case "$variant" in
    cpu|gpu) ;;
    *) echo "install_service.sh: variant must be cpu or gpu, not '$variant'" >&2; exit 2 ;;
esac
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/pip" install --quiet -r requirements-serve.lock
"$venv/bin/pip" install --quiet --no-deps --no-build-isolation .
if [ "$variant" = gpu ]; then
    tensorflow=$(grep -i '^tensorflow==' requirements-serve.lock)
    "$venv/bin/pip" install --quiet "tensorflow[and-cuda]${tensorflow#*tensorflow}"
fi
