# Two commands do everything on a fresh machine with Python 3.11:
#   make run    install into .venv, train the default sentence classifier (CNN-rand on MR,
#               preset `fast`) and classify sample sentences with it
#   make test   install into .venv and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The datasets: ../shared/data when it is there (CI), else downloaded from their public sources.
DATA_DIR ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)
export TEXTCNN_DATA_DIR := $(DATA_DIR)
export TF_CPP_MIN_LOG_LEVEL := 2
SAMPLES := "a gripping, beautifully acted film" "a dull, lifeless and overlong mess" \
           "not the best of the year, but charming enough"

.PHONY: run serve test install install-test core-venv kserve-venv system-packages lock clean

# What runs (requirements.lock: the core and every runtime extra), then the test tools on top
# (requirements-test.lock); `make run` installs only the first.
install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(BIN)/pip install --quiet -r requirements.lock -r requirements-test.lock
	touch $@

# The core alone (requirements-core.lock: TensorFlow, Keras, NumPy) and textcnn as a wheel: the
# test that prediction needs nothing more runs in it (tests/test_core_install.py).
core-venv: .venv-core/.installed

.venv-core/.installed: requirements-core.lock setup.cfg pyproject.toml
	rm -rf .venv-core
	$(PYTHON) -m venv .venv-core
	.venv-core/bin/pip install --quiet -r requirements-core.lock
	.venv-core/bin/pip install --quiet --no-deps --no-build-isolation .
	rm -rf build
	touch $@

# Re-pins the lock files from the environment `make install-test` made (after a setup.cfg change,
# install the new requirement into .venv first).
lock: install-test
	$(BIN)/python scripts/lock.py

run: install
	$(BIN)/textcnn train --dataset mr --preset fast --output-dir runs/mr
	$(BIN)/textcnn predict --model runs/mr/model.textcnn --top-k 2 $(SAMPLES)

# Serve the model `make run` trained (development server on 127.0.0.1:8080; see service/ for
# the gunicorn command used in production).
serve: install
	mkdir -p models/mr/1 && cp runs/mr/model.textcnn models/mr/1/model.textcnn
	$(BIN)/textcnn serve --models models

# The kserve client conflicts with requirements.lock (pandas<3, protobuf<7, python-dateutil<3), so
# its test runs it from an environment of its own.
kserve-venv: .venv-kserve/.installed

.venv-kserve/.installed: requirements-kserve.lock
	$(PYTHON) -m venv .venv-kserve
	.venv-kserve/bin/pip install --quiet -r requirements-kserve.lock
	touch $@

# The browser test drives Debian's chromium through chromedriver; the load benchmark drives wrk.
SYSTEM_PACKAGES := chromium chromium-driver wrk
system-packages:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v wrk >/dev/null || \
	{ [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && { apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(SYSTEM_PACKAGES); }; } || \
	echo "make: could not install $(SYSTEM_PACKAGES); the browser test will fail (TEXTCNN_SKIP_BROWSER=1 opts out)"

test: install-test core-venv kserve-venv system-packages
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .venv-core .venv-kserve runs models .pytest_cache build
