#!/bin/sh
# The optional Beam job: Apache Beam cannot install beside requirements.lock (it needs older
# protobuf, pyarrow, pillow and python-dateutil), so it gets an environment of its own, made from
# requirements-beam.lock, in which tests/cli/test_cli_beam_predict.py runs. Output goes to
# benchmarks/beam.txt.
#
#   scripts/check_beam.sh [VENV]        (from the repository root; default VENV: .venv-beam)
set -eu
venv=${1:-.venv-beam}
python=${PYTHON:-python3.11}
if [ ! -x "$venv/bin/textcnn" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/pip" install --quiet -r requirements-beam.lock
    "$venv/bin/pip" install --quiet --no-deps --no-build-isolation -e .
fi
data=$(if [ -d ../shared/data ]; then cd ../shared/data && pwd; fi)
{
    echo "\$ $0   ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $("$venv/bin/python" -c 'import apache_beam, tensorflow; print("apache-beam", apache_beam.__version__, "tensorflow", tensorflow.__version__)'))"
    TEXTCNN_DATA_DIR=${TEXTCNN_DATA_DIR:-$data} TF_CPP_MIN_LOG_LEVEL=2 \
        "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/cli/test_cli_beam_predict.py 2>&1
} | tee benchmarks/beam.txt
