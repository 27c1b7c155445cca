"""The one error type for bad input.

Anything the user can cause (a missing file, an empty dataset, an unknown column, a corrupt model
file) raises :class:`TextcnnError` with a one-line message. The CLI prints that message and exits
non-zero; the service maps it to a JSON 4xx error. Everything else is a bug.
"""


class TextcnnError(Exception):
    """An error caused by the user's input, with a one-line, human-readable message."""
