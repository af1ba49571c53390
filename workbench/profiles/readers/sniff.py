"""Tell profile formats apart by their first bytes, never by the file name.

Files arrive renamed (``profile.txt`` that is speedscope JSON, ``out`` with no
suffix), so the name says nothing reliable. The head of the content does.
"""

from __future__ import annotations

import codecs
import re

#: How much of a file :func:`sniff_format` needs to see.
HEAD_BYTES = 64 * 1024

#: The formats :func:`workbench.profiles.io.read_profile` understands, for error messages.
UNDERSTOOD = (
    "collapsed stacks (py-spy raw, flamegraph folded), speedscope JSON, "
    "pyinstrument JSON (-r json) or session (-r pyisession), pprof (gzipped profile.proto)"
)

# A folded line: a stack, one space, a count (integer, or decimal as flamegraph.pl allows).
# The stack may be empty: py-spy writes `` 3`` for samples without Python frames.
_FOLDED_LINE = re.compile(r"^(?:\S.*)?[ \t]\d+(?:\.\d+)?[ \t]*$")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_GZIP = b"\x1f\x8b"
_SPEEDSCOPE_KEYS = re.compile(r'"(?:\$schema"\s*:\s*"[^"]*speedscope|shared"\s*:|profiles"\s*:)')
_PYINSTRUMENT_KEYS = re.compile(r'"(?:root_frame|frame_records|start_call_stack)"\s*:')


def sniff_format(head: bytes) -> str:
    """The format of a file whose first bytes are ``head``.

    Returns ``collapsed``, ``speedscope``, ``pyinstrument`` or ``pprof`` when the head
    decides it; otherwise ``json`` (a JSON object whose kind the head does not
    show — the reader looks at the whole document), ``empty``, ``binary``
    (NUL bytes or not UTF-8) or ``unknown``.
    """
    if head.startswith(_GZIP):
        return "pprof"  # gzip is how pprof files travel; the reader checks what is inside
    if b"\x00" in head and not head.startswith(_UTF16_BOMS):
        return "binary"
    try:
        # Incremental, not final: the head may end inside a character.
        text = codecs.getincrementaldecoder(text_encoding(head))().decode(head, final=False)
    except UnicodeDecodeError:
        return "binary"
    if "\x00" in text or (not text and len(head) > len(codecs.BOM_UTF16)):
        return "binary"
    stripped = text.lstrip()
    if not stripped:
        return "empty"
    if stripped.startswith("{"):
        if _SPEEDSCOPE_KEYS.search(stripped):
            return "speedscope"
        if _PYINSTRUMENT_KEYS.search(stripped):
            return "pyinstrument"
        return "json"
    first = _first_data_line(text)  # not ``stripped``: a folded line may start with a space
    if first is None:
        return "unknown"
    if _FOLDED_LINE.match(first):
        return "collapsed"
    if len(head) >= HEAD_BYTES and first == _lines(text)[-1]:
        return "collapsed"  # a line longer than the head: its count is further on
    return "unknown"


def _first_data_line(text: str) -> str | None:
    """The first line that is neither blank nor a ``#`` comment (our writer's header)."""
    for line in _lines(text):
        if line.strip() and not line.startswith("#"):
            return line
    return None


def _lines(text: str) -> list[str]:
    """Lines as the collapsed reader sees them: ended by ``\\n`` (a ``\\r`` before it
    trimmed), or by a lone ``\\r`` in a file that has no ``\\n`` (old Mac line ends)."""
    if "\n" in text:
        return [line.rstrip("\r") for line in text.split("\n")]
    return text.split("\r")


def text_encoding(head: bytes) -> str:
    """How a text profile starting with ``head`` is encoded: ``utf-16`` after its BOM
    (stackcollapse output saved by Windows tools), else ``utf-8``."""
    return "utf-16" if head.startswith(_UTF16_BOMS) else "utf-8-sig"


def needs_text_decoding(head: bytes) -> bool:
    """Whether the collapsed reader must read through a decoder rather than bytes:
    UTF-16, or old Mac line ends (``\\r`` alone, which the byte scanner would take
    for part of a frame)."""
    if text_encoding(head) == "utf-16":
        return True
    return b"\r" in head and b"\n" not in head
