# textcnn: the library and CLI in a slim image (the REST service and its production image
# come with the service issue).
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.lock setup.cfg pyproject.toml README.md ./
RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r requirements.lock
COPY textcnn ./textcnn
COPY embeddings ./embeddings
COPY service ./service
RUN /opt/venv/bin/pip install --no-cache-dir --no-deps --no-build-isolation .

FROM python:3.11-slim
COPY --from=build /opt/venv /opt/venv
RUN useradd --create-home --uid 10001 textcnn
USER textcnn
WORKDIR /home/textcnn
ENV PATH=/opt/venv/bin:$PATH TF_CPP_MIN_LOG_LEVEL=2
ENTRYPOINT ["textcnn"]
CMD ["--help"]
