# The prediction service in production: gunicorn (service/gunicorn.conf.py) serving every model
# under /models (<name>/<version>/model.textcnn), mounted as a volume.
#
#   docker build -t textcnn .                                   CPU
#   docker build --build-arg VARIANT=gpu -t textcnn:gpu .       CUDA, via tensorflow[and-cuda]
#   docker run -p 8080:8080 -v "$PWD/models:/models:ro" textcnn
#   docker run --gpus all -p 8080:8080 -v "$PWD/models:/models:ro" textcnn:gpu
#
# Dependencies come from requirements.lock, the lock file `make install` and the tests use
# (tests/test_deployment.py builds the same environment without Docker and serves through it).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
# cpu, or gpu: adds the CUDA libraries of tensorflow[and-cuda] at the locked TensorFlow version
ARG VARIANT=cpu
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY requirements-serve.lock setup.py setup.cfg pyproject.toml README.md LICENSE ./
COPY textcnn ./textcnn
COPY embeddings ./embeddings
COPY service ./service
COPY scripts/install_service.sh ./scripts/
RUN scripts/install_service.sh /opt/venv "${VARIANT}"

FROM python:${PYTHON_VERSION}-slim
COPY --from=build /opt/venv /opt/venv
COPY service/gunicorn.conf.py /etc/textcnn/gunicorn.conf.py
# A non-root user, named by number so that any host (and Kubernetes' runAsNonRoot) resolves it.
RUN groupadd --gid 10001 textcnn \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin textcnn \
    && mkdir /models && chown 10001:10001 /models
USER 10001:10001
WORKDIR /home/textcnn
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    TEXTCNN_MODELS_DIR=/models \
    TEXTCNN_HOST=0.0.0.0 \
    TEXTCNN_PORT=8080
VOLUME ["/models"]
EXPOSE 8080
# Ready once every model has loaded and answered a warm-up prediction; the slim image has no
# curl, so Python asks (urlopen fails on any status but 2xx).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['TEXTCNN_PORT'] + '/readyz', timeout=4)"]
ENTRYPOINT ["gunicorn", "-c", "/etc/textcnn/gunicorn.conf.py", "textcnn_service.wsgi:app"]
