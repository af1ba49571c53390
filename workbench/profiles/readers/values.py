"""Checks every reader applies to the values a file hands it.

A profile is untrusted input that ends in a verdict: one ``Infinity`` weight
made every share ``NaN``, every comparison false, and a failing gate pass. So
weights and times must be finite and non-negative, and their sum must stay
finite; frame references must point at a frame; names must be text. A value
that breaks these rules is bad input, reported with the file and the place
(:class:`ValueProblem` carries the place up to the reader, which adds the file).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from workbench.errors import ProfileFormatError
from workbench.output import LONE_SURROGATE
from workbench.profiles.model import Profile, ProfileMeta

#: Exceptions that mean "the document does not have the shape we read": each
#: reader turns them into one ProfileFormatError line naming the file.
MALFORMED = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)


class ValueProblem(ValueError):
    """A value is out of bounds; the message says which and where."""


@contextmanager
def reading(source: str, what: str, hint: str = "") -> Iterator[None]:
    """Turn a :class:`ValueProblem` or a document of the wrong shape (:data:`MALFORMED`)
    met while reading ``source`` into one :class:`ProfileFormatError` line."""
    try:
        yield
    except ValueProblem as problem:
        raise ProfileFormatError(f"{source}: {problem}") from None
    except MALFORMED as error:
        raise ProfileFormatError(
            f"{source}: {what} is malformed ({type(error).__name__}: {str(error):.80}){hint}"
        ) from None


def text(value: Any, what: str) -> str:
    """``value`` as a name or path: a string, lone surrogates replaced (UTF-8 cannot hold them)."""
    if not isinstance(value, str):
        raise ValueProblem(f"{what} must be a string, not {type(value).__name__} {value!r:.40}")
    return LONE_SURROGATE.sub("\ufffd", value)


def optional_text(value: Any, what: str) -> str | None:
    return None if value is None else text(value, what)


def weight(value: Any, what: str) -> float:
    """A weight or a time: a finite, non-negative number (``true`` is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueProblem(f"{what} must be a number, not {type(value).__name__} {value!r:.40}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueProblem(f"{what} {value!r:.40} is too large") from None
    if not math.isfinite(number) or number < 0:
        raise ValueProblem(f"{what} is {value!r:.40}; weights must be finite and not negative")
    return number


def line_number(value: Any, what: str) -> int | None:
    """A source line: a non-negative integer, or absent (``None``, 0)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise ValueProblem(f"{what} must be a line number, not {value!r:.40}")
    return value or None


def frame_index(value: Any, count: int, what: str) -> int:
    """An index into a frame table of ``count`` frames (``-1`` is not "the last one")."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise ValueProblem(f"{what} refers to frame {value!r:.40}; the file has {count} frames")
    return value


def check_weights(profile: Profile, source: str) -> None:
    """Every weight finite and non-negative, and their total finite: else one line, exit 2.

    The readers check values as they read them; this is the net under all of
    them (the collapsed reader parses counts in bulk, a 400-digit count is
    ``inf``), and the guarantee the diff and the gates rely on.
    """
    weights = np.frombuffer(profile.weights, dtype=np.float64)
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise ProfileFormatError(
            f"{source}: stack {index + 1} weighs {float(weights[index])!r} (its samples "
            "added up); weights must be finite and not negative"
        )
    with np.errstate(over="ignore"):
        total = float(weights.sum())
    if not math.isfinite(total):
        raise ProfileFormatError(
            f"{source}: the weights add up to more than a number can hold (largest "
            f"{float(weights.max())!r}); the file is corrupt"
        )


#: Metadata fields a file may carry, and what each must be.
_META_NUMBERS = ("rate", "duration")
_META_TEXTS = ("command", "git_revision", "captured_at", "name")


def restore_meta(meta: ProfileMeta, saved: dict[str, Any], where: str) -> None:
    """Copy the metadata our writers saved into ``meta``, checking each value's type."""
    for key in _META_NUMBERS:
        if saved.get(key) is not None:
            number = weight(saved[key], f"{where} {key}")
            if key == "rate" and not number > 0:
                raise ValueProblem(f"{where} rate must be positive, not {number!r}")
            setattr(meta, key, number)
    for key in _META_TEXTS:
        if saved.get(key) is not None:
            setattr(meta, key, text(saved[key], f"{where} {key}"))
    pid = saved.get("pid")
    if pid is not None:
        if isinstance(pid, bool) or not isinstance(pid, int) or not 0 < pid < 2**32:
            raise ValueProblem(f"{where} pid must be a process id, not {pid!r:.40}")
        meta.pid = pid
