"""Configuration dataclasses as command-line flags and environment variables, one way for all.

A configuration is a frozen dataclass whose fields are declared with :func:`option`: the field's
name is the flag's (``max_batch_size`` <-> ``--max-batch-size``), its type hint says how a string
is parsed, its metadata holds the help text and, for training options that only one kind of
model takes, the task they belong to. :class:`textcnn.TrainConfig` and the service's
``ServiceConfig`` both go through here, so flag names, parsing and help cannot drift apart.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing

from textcnn.errors import TextcnnError

_NONE_WORDS = ("none", "")
_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")


def option(default=dataclasses.MISSING, help: str = "", *, task: str | None = None, default_factory=None,
           flag: str | None = None):
    """A dataclass field with its help text; `task` scopes it to one kind of model ("text" or
    "image": giving it to the other is refused); `flag` adds a short alias (``--models``)."""
    metadata = {"help": help, "task": task, "flag": flag}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def field_default(f: dataclasses.Field):
    """A field's default value, calling its factory if it has one."""
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def _unwrap(kind):
    """``(base type, optional)`` of a type hint: ``int | None`` -> ``(int, True)``."""
    args = typing.get_args(kind)
    if type(None) in args:
        return next(a for a in args if a is not type(None)), True
    return kind, False


def parse_ints(text: str) -> tuple[int, ...]:
    """``"3,4,5"`` (or ``"3 4 5"``) -> ``(3, 4, 5)``."""
    try:
        return tuple(int(part) for part in text.replace(" ", ",").split(",") if part)
    except ValueError:
        raise ValueError(f"expected comma-separated integers, got {text!r}") from None


def parse_scalar(text: str):
    """A value of a ``KEY=VALUE`` option: an integer, number, true/false, none, a tuple of
    integers (``32,64``) or else the string itself."""
    lowered = text.strip().lower()
    if lowered in ("none", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    if "," in text:
        try:
            return parse_ints(text)
        except ValueError:
            pass
    return text


def parse_assignments(items) -> dict:
    """``["widths=32,64", "convs_per_block=1"]`` (or one string, ``;``-separated) -> a dict."""
    if isinstance(items, str):
        items = [part for part in items.split(";") if part.strip()]
    result = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"expected KEY=VALUE, got {item!r}")
        result[key.strip().replace("-", "_")] = parse_scalar(value.strip())
    return result


def parse_value(text: str, kind, name: str = "value"):
    """`text` parsed as the type hint `kind` says; a one-line :class:`TextcnnError` otherwise."""
    base, optional = _unwrap(kind)
    if optional and text.strip().lower() in _NONE_WORDS:
        return None
    try:
        if base is bool:
            lowered = text.strip().lower()
            if lowered in _TRUE_WORDS:
                return True
            if lowered in _FALSE_WORDS:
                return False
            raise ValueError
        if typing.get_origin(base) is tuple:
            return parse_ints(text)
        if typing.get_origin(base) is dict or base is dict:
            return parse_assignments(text)
        return base(text)
    except ValueError:
        wanted = {int: "an integer", float: "a number", bool: "true or false"}.get(base, getattr(base, "__name__", str(base)))
        raise TextcnnError(f"{name} must be {wanted}. Received: {text!r}") from None


def _argparse_type(kind, name: str):
    def parse(text: str):
        try:
            return parse_value(text, kind, name)
        except TextcnnError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    parse.__name__ = name
    return parse


def add_dataclass_arguments(parser: argparse.ArgumentParser, cls, *, skip=(), only=None,
                            suppress_defaults: bool = True) -> None:
    """Adds a ``--flag`` for each field of the dataclass `cls` (all but `skip`, or just `only`),
    with its help text and default. With `suppress_defaults`, only the flags given end up in the
    namespace (so a preset's values are not overridden by the dataclass's defaults); else unset
    flags are ``None``."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.name in skip or (only is not None and f.name not in only):
            continue
        flags = [f.metadata.get("flag")] if f.metadata.get("flag") else []
        flags.append("--" + f.name.replace("_", "-"))
        base, _ = _unwrap(hints[f.name])
        default = field_default(f)
        shown = ",".join(map(str, default)) if isinstance(default, tuple) else default
        scope = f" [{f.metadata['task']} models only]" if f.metadata.get("task") else ""
        kwargs = dict(dest=f.name, default=argparse.SUPPRESS if suppress_defaults else None,
                      help=f"{f.metadata.get('help', '')}{scope} (default: {shown})".replace("%", "%%"))
        if base is bool:
            parser.add_argument(*flags, action=argparse.BooleanOptionalAction, **kwargs)
        elif typing.get_origin(base) is dict or base is dict:
            parser.add_argument(*flags, type=_argparse_type(hints[f.name], f.name), metavar="KEY=VALUE;...",
                                **kwargs)
        else:
            metavar = "N,N,..." if typing.get_origin(base) is tuple else f.name.upper()
            parser.add_argument(*flags, type=_argparse_type(hints[f.name], f.name), metavar=metavar, **kwargs)


def given_values(namespace: argparse.Namespace, cls) -> dict:
    """The fields of `cls` in a parsed command line: those given (``--max-norm none`` is a given
    ``None``), and with ``suppress_defaults=False`` the others as ``None``."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in vars(namespace).items() if k in names}


def environment_values(cls, environ, prefix: str) -> dict:
    """The fields of `cls` set by ``<prefix><FIELD>`` variables of `environ` (empty ones ignored)."""
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        variable = prefix + f.name.upper()
        raw = environ.get(variable)
        if raw is not None and raw != "":
            values[f.name] = parse_value(raw, hints[f.name], variable)
    return values
