"""``textcnn beam-predict``: batch classification of corpora beyond one machine, with Apache Beam.

A pipeline of Beam's own parts: a reader (text lines, CSV, JSON Lines or Parquet), ``RunInference``
with `TextcnnModelHandler` (the artifact is loaded once per worker process and shared by its
threads; elements are batched), and a writer (JSON Lines, CSV or Parquet, sharded). It runs on
the DirectRunner by default and on any Beam runner by its flags, given after ``--``::

    textcnn beam-predict --model model.textcnn --input 'corpus-*.txt' --output out/pred \\
        -- --runner DirectRunner --direct_num_workers 4 --direct_running_mode multi_processing
    textcnn beam-predict --model gs://bucket/model.textcnn ... -- --runner DataflowRunner \\
        --project P --region R --temp_location gs://bucket/tmp --requirements_file requirements-beam.lock

Apache Beam is an optional extra (``pip install 'textcnn[beam]'``) with its own lock file,
``requirements-beam.lock``: it cannot install beside the main lock (see README). This module
imports Beam only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from textcnn.errors import TextcnnError

INPUT_FORMATS = ("lines", "csv", "jsonl", "parquet")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")


def input_format(path: str, given: str | None) -> str:
    if given:
        return given
    for suffix, fmt in ((".csv", "csv"), (".jsonl", "jsonl"), (".json", "jsonl"), (".parquet", "parquet")):
        if path.lower().endswith(suffix):
            return fmt
    return "lines"


def prediction_record(text: str, ranked: list[tuple[str, float]]) -> dict:
    """The record `textcnn predict` writes for one text."""
    best = ranked[0] if ranked else (None, None)
    return {"text": text, "label": best[0], "score": best[1],
            "top_k": [{"label": label, "score": score} for label, score in ranked]}


def _model_handler_class():
    from apache_beam.ml.inference.base import ModelHandler, PredictionResult

    from textcnn.inference.text import TextClassifier

    class TextcnnModelHandler(ModelHandler[str, PredictionResult, TextClassifier]):
        """RunInference's handler of a textcnn artifact: raw texts in, top-k labels out.

        Args:
            model_path: a ``model.textcnn`` file (any path Beam's FileSystems opens: local,
                ``gs://``, ``s3://``, ...).
            top_k: labels per text, best first.
            min_batch_size, max_batch_size: how many texts RunInference batches into one call.

        Example:
        >>> texts | RunInference(TextcnnModelHandler("model.textcnn", top_k=2))
        """

        def __init__(self, model_path: str, top_k: int = 1, min_batch_size: int = 16,
                     max_batch_size: int = 256):
            super().__init__()
            self.model_path = model_path
            self.top_k = top_k
            self.min_batch_size = min_batch_size
            self.max_batch_size = max_batch_size

        def load_model(self) -> TextClassifier:
            import tempfile

            from apache_beam.io.filesystems import FileSystems

            import textcnn

            with FileSystems.open(self.model_path) as source, \
                    tempfile.NamedTemporaryFile(suffix=".textcnn") as local:
                local.write(source.read())
                local.flush()
                return textcnn.load(local.name)

        def run_inference(self, batch, model, inference_args=None):
            texts = list(batch)
            ranked = model.predict(texts, k=self.top_k, batch_size=self.max_batch_size)
            return [PredictionResult(text, r) for text, r in zip(texts, ranked)]

        def batch_elements_kwargs(self):
            return {"min_batch_size": self.min_batch_size, "max_batch_size": self.max_batch_size}

    return TextcnnModelHandler


def __getattr__(name):
    if name == "TextcnnModelHandler":  # Beam is imported only when asked for
        return _model_handler_class()
    raise AttributeError(name)


def build_pipeline(pipeline, *, model: str, input: str, output: str, input_format: str = "lines",
                   output_format: str = "jsonl", text_column: str = "text", top_k: int = 1,
                   batch_size: int = 256):
    """Adds read -> RunInference -> write to `pipeline`."""
    import apache_beam as beam
    from apache_beam.io import fileio
    from apache_beam.ml.inference.base import RunInference

    if input_format == "lines":
        texts = pipeline | "Read" >> beam.io.ReadFromText(input, strip_trailing_newlines=True)
    elif input_format == "parquet":
        texts = (pipeline | "Read" >> beam.io.ReadFromParquet(input, columns=[text_column])
                 | "Text" >> beam.Map(_column, text_column, input))
    elif input_format == "jsonl":  # one record a line: Beam splits the files
        texts = (pipeline | "Read" >> beam.io.ReadFromText(input)
                 | "Text" >> beam.Map(lambda line: _column(json.loads(line), text_column, input)))
    else:  # CSV fields may hold line breaks: each file is parsed whole, files in parallel
        texts = (pipeline | "Match" >> fileio.MatchFiles(input)
                 | "Open" >> fileio.ReadMatches()
                 | "Read" >> beam.FlatMap(_csv_texts, text_column))
    handler = _model_handler_class()(model, top_k=top_k, max_batch_size=batch_size)
    records = (texts | "Classify" >> RunInference(handler)
               | "Record" >> beam.Map(lambda result: prediction_record(result.example, result.inference)))
    if output_format == "jsonl":
        return (records | "Json" >> beam.Map(lambda r: json.dumps(r, ensure_ascii=False))
                | "Write" >> beam.io.WriteToText(output, file_name_suffix=".jsonl"))
    if output_format == "csv":
        return (records | "Csv" >> beam.Map(_csv_line)
                | "Write" >> beam.io.WriteToText(output, file_name_suffix=".csv",
                                                 header="text,label,score,top_k"))
    import pyarrow as pa

    schema = pa.schema([("text", pa.string()), ("label", pa.string()), ("score", pa.float64()),
                        ("top_k", pa.list_(pa.struct([("label", pa.string()), ("score", pa.float64())])))])
    return records | "Write" >> beam.io.WriteToParquet(output, schema, file_name_suffix=".parquet")


def _column(record: dict, column: str, name: str) -> str:
    if column not in record:
        raise TextcnnError(f"{name} has no column {column!r}; its columns are: {', '.join(map(str, record))}")
    value = record[column]
    return "" if value is None else str(value)


def _csv_texts(readable_file, column: str):
    """The `column` of every row of one CSV file (Beam's ReadFromCsv needs pandas < 3)."""
    import csv
    import io

    with readable_file.open() as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")):
            yield _column(row, column, readable_file.metadata.path)


def _csv_line(record: dict) -> str:
    """One CSV row as `textcnn predict --output-format csv` writes it."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(
        [record["text"], record["label"] or "", "" if record["score"] is None else f"{record['score']:.6f}",
         ";".join(f"{item['label']}:{item['score']:.6f}" for item in record["top_k"])])
    return buffer.getvalue()


def cmd_beam_predict(args) -> int:
    if args.top_k < 1:
        raise TextcnnError(f"--top-k must be at least 1. Received: {args.top_k}")
    if "://" not in args.model and not Path(args.model).is_file():
        raise TextcnnError(f"No such model file: {args.model}")
    logging.disable(logging.WARNING)  # Beam's import warns about Google Cloud clients it lacks
    try:
        import apache_beam as beam
        from apache_beam.options.pipeline_options import PipelineOptions
    except ImportError:
        raise TextcnnError("beam-predict needs Apache Beam: pip install 'textcnn[beam]' in an "
                           "environment made from requirements-beam.lock") from None
    finally:
        logging.disable(logging.NOTSET)
    fmt = input_format(args.input, args.input_format)
    beam_flags = args.pipeline_args[1:] if args.pipeline_args[:1] == ["--"] else args.pipeline_args
    options = PipelineOptions(beam_flags, save_main_session=False)
    with beam.Pipeline(options=options) as pipeline:
        build_pipeline(pipeline, model=args.model, input=args.input, output=args.output,
                       input_format=fmt, output_format=args.output_format,
                       text_column=args.text_column, top_k=args.top_k, batch_size=args.batch_size)
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Adds the `beam-predict` command to the textcnn CLI (a ``textcnn.commands`` entry point)."""
    parser = subparsers.add_parser(
        "beam-predict", help="classify a corpus with an Apache Beam pipeline (any runner)",
        description="Classify files with Beam's RunInference: text lines, CSV, JSON Lines or Parquet "
                    "in; JSON Lines, CSV or Parquet out. Beam's own flags (--runner, "
                    "--direct_num_workers, ...) go after --.")
    parser.add_argument("--model", required=True, help="a model.textcnn file (local or any Beam file system)")
    parser.add_argument("--input", required=True, help="a file or glob pattern")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default=None,
                        help="default: from the file name (.csv, .jsonl, .parquet, else lines)")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--output", required=True, help="output prefix: PREFIX-00000-of-0000N.<format>")
    parser.add_argument("--output-format", choices=OUTPUT_FORMATS, default="jsonl")
    parser.add_argument("--top-k", "-k", type=int, default=1, dest="top_k")
    parser.add_argument("--batch-size", type=int, default=256, help="most texts in one model call")
    parser.add_argument("pipeline_args", nargs=argparse.REMAINDER,
                        help="Beam pipeline options, after --")
    parser.set_defaults(func=cmd_beam_predict)
    return parser
