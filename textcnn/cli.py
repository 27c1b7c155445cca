"""The ``textcnn`` command: train, evaluate, cv, predict, visualize, export, info, and the commands other packages
plug in (embeddings, serve).

Bad input ends with a one-line ``textcnn: error: ...`` on stderr and exit status 1 (2 for a
malformed command line), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
import time
from itertools import islice
from pathlib import Path

from textcnn.config import add_config_arguments, config_from_args
from textcnn.errors import TextcnnError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _verbosity(args) -> int:
    return 0 if getattr(args, "quiet", False) else 1


# --- train / cv -------------------------------------------------------------------------------

def cmd_train(args) -> int:
    from textcnn.training import fit

    config = config_from_args(args)
    # Keras prints its progress on stdout; stdout is for the one JSON summary line.
    with contextlib.redirect_stdout(sys.stderr):
        result = fit(config, resume=args.resume, verbose=_verbosity(args))
    summary = {"model": str(Path(config.output_dir) / "model.textcnn"),
               "dev_accuracy": result.dev_accuracy, "best_epoch": result.best_epoch,
               "test_accuracy": result.report["accuracy"] if result.report else None,
               "train_seconds": round(result.train_seconds, 2),
               f"{'images' if config.task == 'image' else 'sentences'}_per_second":
                   round(result.sentences_per_second, 1)}
    print(json.dumps(summary))
    return 0


def cmd_cv(args) -> int:
    from textcnn.training import cross_validate

    config = config_from_args(args)
    results = cross_validate(config, folds=args.folds, seeds=tuple(args.seeds),
                             verbose=_verbosity(args), resume=args.resume)
    s = results["summary"]
    print(f"{results['dataset']}: {results['folds']}-fold CV over seeds {results['seeds']}: "
          f"accuracy {100 * s['mean']:.2f} ± {100 * s['std']:.2f} (min {100 * s['min']:.2f}, "
          f"max {100 * s['max']:.2f}; fold std {100 * s['fold_std']:.2f})", file=sys.stderr)
    print(json.dumps(s))
    return 0


def cmd_tune(args) -> int:
    if args.trials is not None and args.trials < 1:  # before loading anything
        raise TextcnnError(f"--trials must be at least 1. Received: {args.trials}")
    if args.time_budget is not None and not args.time_budget > 0:
        raise TextcnnError(f"--time-budget must be a positive number of seconds. Received: {args.time_budget:g}")
    from textcnn.training.tune import train_command, tune

    if "preset" not in vars(args) and not args.config_file:
        args.preset = "fast"  # Adam, as the learning-rate range assumes
    config = config_from_args(args)
    with contextlib.redirect_stdout(sys.stderr):
        result = tune(config, trials=args.trials, time_budget_s=args.time_budget, verbose=_verbosity(args))
    print(f"textcnn tune: the best trial again: {train_command(result.best_config)}", file=sys.stderr)
    print(json.dumps(result.summary()))
    return 0


# --- evaluate ----------------------------------------------------------------------------------

def cmd_evaluate(args) -> int:
    from textcnn.inference import load
    from textcnn.data.datasets import load_dataset
    from textcnn.metrics import format_report
    from textcnn.training import evaluate

    classifier = load(args.model)
    if getattr(classifier, "input_shape", None) is not None:
        split = _image_evaluation_split(args, classifier)
    else:
        if args.labels:
            raise TextcnnError("--labels goes with a .npy file of images, for image models")
        dataset = load_dataset(args.dataset, format=args.format, text_column=args.text_column,
                               label_column=args.label_column, encoding=args.encoding)
        split = dataset.train if Path(args.dataset).exists() else getattr(dataset, args.split)
    if split is None:
        raise TextcnnError(f"{args.dataset} has no {args.split} split")
    report = evaluate(classifier, split)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _image_evaluation_split(args, classifier):
    """The labelled images to evaluate an image model on: a benchmark's split, a folder of
    class sub-folders (named as the model's classes), or a .npy of images with --labels."""
    import numpy as np

    from textcnn.data.image_datasets import IMAGE_BENCHMARKS, load_image_dataset
    from textcnn.data.images import ImageSet, read_image_folder

    path = Path(args.dataset)
    if path.suffix.lower() == ".npy":
        if not args.labels:
            raise TextcnnError(f"{args.dataset} holds images only; give their labels with --labels LABELS.npy")
        images = classifier.prepare(_load_npy(path))
        labels = np.asarray(_load_npy(Path(args.labels))).reshape(-1)
        if labels.dtype.kind not in "iu":
            raise TextcnnError(f"{args.labels} must hold integer class indices. Received: dtype {labels.dtype}")
        if len(labels) != len(images):
            raise TextcnnError(f"{args.dataset} holds {len(images)} images but {args.labels} {len(labels)} labels")
        return ImageSet(images, labels)
    if path.is_dir():
        data, _ = read_image_folder(path, image_size=classifier.input_shape[:2], color_mode=classifier.color_mode,
                                    class_names=classifier.labels)
        return data
    if args.dataset not in IMAGE_BENCHMARKS:
        raise TextcnnError(f"Unknown image dataset {args.dataset!r}: not a folder, not a .npy file, "
                           f"and not one of {', '.join(IMAGE_BENCHMARKS)}")
    return getattr(load_image_dataset(args.dataset), args.split)


def _load_npy(path: Path):
    import numpy as np

    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise TextcnnError(f"No such file: {path}") from None
    except (ValueError, OSError, EOFError) as error:
        raise TextcnnError(f"{path} is not a NumPy .npy file ({str(error).splitlines()[0]})") from None


# --- predict -----------------------------------------------------------------------------------

def _text_chunks(args, chunk_size: int):
    """Texts to classify, in chunks, never all in memory at once."""
    if args.texts:
        yield list(args.texts)
        return
    if args.input in (None, "-"):
        if args.input is None and sys.stdin.isatty():
            raise TextcnnError("No texts: give them as arguments, with --input FILE, or on stdin")
        stream, name = io.TextIOWrapper(sys.stdin.buffer, encoding=args.encoding, newline=""), "stdin"
    else:
        try:
            stream = open(args.input, encoding=args.encoding, newline="")
        except FileNotFoundError:
            raise TextcnnError(f"No such file: {args.input}") from None
        except IsADirectoryError:
            raise TextcnnError(f"Expected a file, found a directory: {args.input}") from None
        name = args.input
    fmt = args.input_format or {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl"}.get(
        Path(name).suffix.lower(), "lines")
    try:
        with stream:
            if fmt == "lines":
                lines = (line.rstrip("\r\n") for line in stream)
                while chunk := list(islice(lines, chunk_size)):
                    yield chunk
            else:
                yield from _table_chunks(stream, fmt, name, args.text_column, chunk_size)
    except UnicodeDecodeError:
        raise TextcnnError(f"{name} is not valid {args.encoding}; pass --encoding") from None


def _table_chunks(stream, fmt, name, column, chunk_size):
    import pandas as pd

    try:
        if fmt == "jsonl":
            reader = pd.read_json(stream, lines=True, chunksize=chunk_size, dtype=False)
        else:
            reader = pd.read_csv(stream, sep="," if fmt == "csv" else "\t", chunksize=chunk_size,
                                 dtype=str, keep_default_na=False)
        for frame in reader:
            if column not in frame.columns:
                raise TextcnnError(f"{name} has no column {column!r}; its columns are: "
                                   + ", ".join(map(str, frame.columns)))
            yield ["" if value is None else str(value) for value in frame[column]]
    except UnicodeDecodeError:
        raise  # a ValueError too, but the caller words it: pass --encoding
    except (ValueError, pd.errors.ParserError) as error:
        raise TextcnnError(f"{name} is not valid {fmt}: {str(error).splitlines()[0]}") from None


def _prediction_writer(out, output_format: str, input_column: str):
    """``write(input, ranked)``: one JSON line, or one CSV row, per prediction."""
    writer = csv.writer(out) if output_format == "csv" else None
    if writer:
        writer.writerow([input_column, "label", "score", "top_k"])

    def write(item: str, ranked) -> None:
        best = ranked[0] if ranked else (None, None)
        if writer:
            writer.writerow([item, best[0] or "", "" if best[1] is None else f"{best[1]:.6f}",
                             ";".join(f"{label}:{score:.6f}" for label, score in ranked)])
        else:
            out.write(json.dumps({input_column: item, "label": best[0], "score": best[1],
                                  "top_k": [{"label": l, "score": s} for l, s in ranked]},
                                 ensure_ascii=False) + "\n")

    return write


def _image_chunks(args, classifier, chunk_size: int):
    """(names, inputs) to classify: image files in chunks, and each .npy file's images (named
    ``FILE[i]``); the paths come from the arguments or, one a line, from --input."""
    paths = list(args.texts)
    if args.input is not None:
        stream = sys.stdin if args.input == "-" else open(args.input, encoding=args.encoding)
        with stream:
            paths += [line.strip() for line in stream if line.strip()]
    if not paths:
        raise TextcnnError("No images: give image or .npy files as arguments, or list them with --input")
    files = []
    for path in paths:
        if Path(path).suffix.lower() != ".npy":
            files.append(path)
            if len(files) == chunk_size:
                yield files, files
                files = []
            continue
        if files:
            yield files, files
            files = []
        batch = classifier.prepare(_load_npy(Path(path)))
        yield [f"{path}[{i}]" for i in range(len(batch))], batch
    if files:
        yield files, files


def cmd_predict(args) -> int:
    from textcnn.inference import load

    if args.top_k < 1:
        raise TextcnnError(f"--top-k must be at least 1. Received: {args.top_k}")
    if args.threshold is not None and not 0 <= args.threshold <= 1:
        raise TextcnnError(f"--threshold must be between 0 and 1. Received: {args.threshold}")
    if args.input not in (None, "-") and not Path(args.input).is_file():
        raise TextcnnError(f"No such file: {args.input}")  # before loading the model or opening --output
    classifier = load(args.model)
    images = getattr(classifier, "input_shape", None) is not None
    try:
        out = open(args.output, "w", newline="", encoding="utf-8") if args.output else sys.stdout
    except OSError as error:
        raise TextcnnError(f"Cannot write {args.output}: {error.strerror}") from None
    write = _prediction_writer(out, args.output_format, "input" if images else "text")
    count = 0
    started = time.perf_counter()
    progress = sys.stderr.isatty() and not args.texts
    chunks = (_image_chunks(args, classifier, args.batch_size) if images
              else ((texts, texts) for texts in _text_chunks(args, args.chunk_size)))
    noun = "images" if images else "texts"
    try:
        for names, inputs in chunks:
            ranked = classifier.predict(inputs, k=args.top_k, threshold=args.threshold, batch_size=args.batch_size)
            for name, row in zip(names, ranked):
                write(name, row)
                count += 1
            out.flush()
            if progress:
                print(f"\rtextcnn: {_throughput(count, started, noun)}", end="", file=sys.stderr, flush=True)
    finally:
        if args.output:
            out.close()
    if progress:
        print(file=sys.stderr)
    if args.output:
        print(f"textcnn: wrote {count} predictions to {args.output} ({_throughput(count, started, noun)})",
              file=sys.stderr)
    elif not args.texts:
        print(f"textcnn: {_throughput(count, started, noun)}", file=sys.stderr)
    return 0


def _throughput(count: int, started: float, noun: str = "texts") -> str:
    seconds = time.perf_counter() - started
    return f"classified {count} {noun} in {seconds:.1f} s, {count / max(seconds, 1e-9):.0f} {noun}/s"


# --- visualize ---------------------------------------------------------------------------------

def cmd_visualize(args) -> int:
    from textcnn.inference import load
    from textcnn.visualize import plot_feature_maps, plot_filters, untrained_copy

    classifier = load(args.model)
    if getattr(classifier, "input_shape", None) is None:
        raise TextcnnError(f"{args.model} is a text model; visualize draws image models' filters and feature maps")
    model = untrained_copy(classifier.model) if args.untrained else classifier.model
    output = Path(args.output)
    if args.what == "filters":
        state = "untrained" if args.untrained else "trained"
        written = [plot_filters(model, output / f"filters{'_untrained' if args.untrained else ''}.png",
                                title=f"{model.name} ({state}): first-layer filters")]
    else:
        if not args.image:
            raise TextcnnError("feature-maps needs --image: a PNG/JPEG file or a .npy image")
        source = _load_npy(Path(args.image)) if args.image.lower().endswith(".npy") else args.image
        image = classifier.prepare(source)
        if len(image) != 1:
            raise TextcnnError(f"--image must be one image. Received: {len(image)}")
        written = plot_feature_maps(model, image[0], output)
    for path in written:
        print(path)
    return 0


# --- export ------------------------------------------------------------------------------------

def cmd_export(args) -> int:
    from textcnn.export import export

    if not Path(args.model).is_file():
        raise TextcnnError(f"No such model file: {args.model}")
    output = export(args.model, args.output, format=args.format)
    print(f"textcnn: exported {args.model} as a {args.format} to {output}", file=sys.stderr)
    return 0


# --- info --------------------------------------------------------------------------------------

def cmd_info(args) -> int:
    import zipfile

    from textcnn.artifact import read_manifest

    path = Path(args.model)
    if not path.is_file():
        raise TextcnnError(f"No such model file: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = read_manifest(archive, path)
    except zipfile.BadZipFile:
        raise TextcnnError(f"{path} is not a textcnn model file, or it is corrupt") from None
    print(json.dumps(manifest, indent=2))
    return 0


# --- the parser --------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    from textcnn import __version__

    parser = argparse.ArgumentParser(prog="textcnn", description="Convolutional text classifiers (Kim 2014).")
    parser.add_argument("--version", action="version", version=f"textcnn {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a model and write its run directory")
    add_config_arguments(train)
    train.add_argument("--config", dest="config_file", default=None, metavar="FILE",
                       help="start from a saved configuration (a run's config.json, tune's best_config.json); "
                            "flags given override it")
    train.add_argument("--resume", action="store_true", help="continue the interrupted run in --output-dir")
    train.add_argument("--quiet", action="store_true", help="no progress output")
    train.set_defaults(func=cmd_train)

    cv = commands.add_parser("cv", help="k-fold cross-validation repeated over seeds")
    add_config_arguments(cv, skip=("seed", "test", "test_fraction"))
    cv.add_argument("--folds", type=int, default=None, help="folds (default: the dataset's protocol, else 10)")
    cv.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="seeds to repeat the CV with")
    cv.add_argument("--resume", action="store_true", help="keep folds already in output-dir/cv_results.json")
    cv.add_argument("--quiet", action="store_true")
    cv.set_defaults(func=cmd_cv)

    tune = commands.add_parser("tune", help="choose hyper-parameters on the dev split (optuna; Zhang & Wallace 2015 ranges)",
                               description="Search region sizes, feature maps, dropout, Adam's learning rate and the "
                                           "embedding channels for the best dev accuracy (the test split is not used); "
                                           "writes tune.json and best_config.json to --output-dir. Starts from "
                                           "preset fast unless --preset or --config is given.")
    add_config_arguments(tune)
    tune.add_argument("--config", dest="config_file", default=None, metavar="FILE",
                      help="start from a saved configuration; flags given override it")
    tune.add_argument("--trials", type=int, default=None,
                      help="at most this many trials (default: 20 without --time-budget, else unlimited)")
    tune.add_argument("--time-budget", type=float, default=None, metavar="SECONDS",
                      help="start no trial that would not finish within this many seconds (a trial in progress "
                           "finishes)")
    tune.add_argument("--quiet", action="store_true", help="no progress output")
    tune.set_defaults(func=cmd_tune)

    evaluate = commands.add_parser("evaluate", help="accuracy, F1, per-class report, confusion matrix")
    evaluate.add_argument("--model", required=True, help="a model.textcnn file")
    evaluate.add_argument("--dataset", required=True,
                          help="a benchmark name or a labelled file; for image models also a folder of class "
                               "sub-folders or a .npy file of images (with --labels)")
    evaluate.add_argument("--labels", default=None, help="image models: a .npy file of the class indices of --dataset's images")
    evaluate.add_argument("--split", default="test", choices=("train", "dev", "test"),
                          help="split of a named benchmark (a file is used whole)")
    evaluate.add_argument("--format", default=None)
    evaluate.add_argument("--text-column", default="text")
    evaluate.add_argument("--label-column", default="label")
    evaluate.add_argument("--encoding", default="utf-8")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    evaluate.set_defaults(func=cmd_evaluate)

    predict = commands.add_parser("predict", help="classify texts (or images) from arguments, a file or stdin")
    predict.add_argument("--model", required=True, help="a model.textcnn file")
    predict.add_argument("texts", nargs="*", help="texts to classify; for image models, PNG/JPEG or .npy files")
    predict.add_argument("--input", default=None,
                         help="a file (plain lines, .csv, .tsv, .jsonl) or - for stdin; for image models, image paths one a line")
    predict.add_argument("--input-format", choices=("lines", "csv", "tsv", "jsonl"), default=None)
    predict.add_argument("--text-column", default="text")
    predict.add_argument("--encoding", default="utf-8")
    predict.add_argument("--top-k", "-k", type=int, default=1, dest="top_k")
    predict.add_argument("--threshold", type=float, default=None, help="leave out labels below this probability")
    predict.add_argument("--output-format", choices=("jsonl", "csv"), default="jsonl")
    predict.add_argument("--output", default=None, help="write here instead of stdout")
    predict.add_argument("--batch-size", type=int, default=256)
    predict.add_argument("--chunk-size", type=int, default=10000, help="texts read at a time")
    predict.set_defaults(func=cmd_predict)

    visualize = commands.add_parser("visualize", help="image models: PNG grids of the first layer's filters "
                                                     "or of each convolutional layer's feature maps")
    visualize.add_argument("what", choices=("filters", "feature-maps"))
    visualize.add_argument("--model", required=True, help="a model.textcnn file of an image model")
    visualize.add_argument("--image", default=None, help="feature-maps: the image (PNG/JPEG of any size, or .npy)")
    visualize.add_argument("--untrained", action="store_true",
                           help="draw a freshly initialised copy of the model instead (random filters)")
    visualize.add_argument("--output", required=True, help="the folder the PNG files go to")
    visualize.set_defaults(func=cmd_visualize)

    export = commands.add_parser("export", help="write a model for another runtime (TensorFlow Serving)")
    export.add_argument("--model", required=True, help="a model.textcnn file")
    export.add_argument("--format", choices=("savedmodel",), default="savedmodel",
                        help="savedmodel: a TensorFlow SavedModel taking raw texts (serving_default)")
    export.add_argument("--output", required=True,
                        help="a new directory; for TensorFlow Serving <model_base_path>/<version>")
    export.set_defaults(func=cmd_export)

    info = commands.add_parser("info", help="print a model file's manifest")
    info.add_argument("model")
    info.set_defaults(func=cmd_info)

    for command in plugin_commands():
        command.load()(commands)
    return parser


def plugin_commands():
    """Commands other packages add (``textcnn.commands`` entry points: ``embeddings``,
    ``serve``), so that the library never imports them."""
    from importlib.metadata import entry_points

    return sorted(entry_points(group="textcnn.commands"), key=lambda e: e.name)


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow with file descriptor 2 closed: its C++ start-up chatter ("Could not find
    cuda drivers", absl notices) would otherwise bury the one line that matters."""
    if os.environ.get("TEXTCNN_DEBUG") or "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import tensorflow

            tensorflow.config.list_physical_devices()  # device discovery chatters too
            tensorflow.get_logger().setLevel("ERROR")  # e.g. retracing notices, one per CV fold
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# Commands that never import TensorFlow (every other one, plug-ins included, gets it imported
# quietly first).
LIGHT_COMMANDS = ("info", "embeddings")


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command not in LIGHT_COMMANDS:
            import_tensorflow_quietly()
        return args.func(args)
    except TextcnnError as error:
        print(f"textcnn: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("textcnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    except Exception as error:  # a bug: say so in one line, keep the traceback on request
        if os.environ.get("TEXTCNN_DEBUG"):
            raise
        print(f"textcnn: internal error: {type(error).__name__}: {error} "
              "(set TEXTCNN_DEBUG=1 for the traceback)", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
