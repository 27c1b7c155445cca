"""Progress lines of training, tuning and baselines: on stderr (stdout is for a command's result), when verbose."""

from __future__ import annotations

import sys


def log(message: str, verbose: int) -> None:
    if verbose:
        print(message, file=sys.stderr, flush=True)
