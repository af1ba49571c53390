"""Byte-level scan of folded stacks with numpy: frame boundaries, counts, frame ids.

Why not ``str.split`` and a dict: a 100,000-line profile holds about 3M frame
occurrences, and creating, hashing and looking up 3M Python strings costs
8–10× reading the file; the benchmark allows 3× for parse *and* diff. Here
the per-occurrence work is a handful of vectorised numpy operations:

1. Newlines, semicolons and each line's count separator (the space before
   the trailing digits) are found with comparisons over the byte array.
2. Every frame's bytes are hashed without a Python loop: a polynomial hash
   ``sum(b[k] * P**k) mod 2**64`` is a prefix sum, so a frame's hash is a
   difference of two prefix sums times an inverse power of ``P``; blocks of
   about 64 KB keep the prefix sums in cache.
3. Hashes become dense ids through a direct-mapped table indexed by the top
   bits of the (mixed) hash; the rare hash whose slot another hash holds goes
   through a small dict. Each new id remembers its frame's bytes, which are
   decoded once.

A collision of the 64-bit hash between two different frames of equal length
would merge them; with 10**5 distinct frames its probability is about
10**-9, accepted for a profile viewer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

_P = 0x100000001B3
_P_INVERSE = pow(_P, -1, 1 << 64)
#: Bytes hashed per prefix-sum block (blocks start at frame starts); 64 KB measured fastest.
HASH_BLOCK = 1 << 16
#: Bytes compared per step when looking for separators.
SCAN_SLICE = 1 << 20
#: Frames hashed and looked up per step (a 4 MB chunk of real stacks holds ~150,000).
TOKEN_SLICE = 1 << 18
#: Frames longer than this are hashed one by one (at most size/LONG_FRAME of them).
LONG_FRAME = 4096
#: Counts with more digits are not read here (the line-by-line path reads them):
#: the scan takes one step per digit of the longest count.
MAX_COUNT_DIGITS = 24
_SLOT_BITS = 20
_SEMICOLON, _SPACE, _NEWLINE, _ZERO, _NINE = 59, 32, 10, 48, 57


@dataclass
class ScannedChunk:
    """Frame ids and weights of a chunk of whole lines."""

    frame_ids: np.ndarray
    """Frame id of every frame occurrence, line by line, root first (uint32)."""
    lengths: np.ndarray
    """Frames per line (int64)."""
    counts: np.ndarray
    """Count of every line (float64)."""


class IrregularChunk(Exception):
    """The chunk has lines the vectorised path does not handle; clean it first."""


@dataclass
class FrameInterner:
    """Dense ids for frame byte strings, by hash, across chunks."""

    labels: list[bytes] = field(default_factory=list)
    """Bytes of each frame id, in id order."""
    _hashes: np.ndarray = field(default_factory=lambda: np.zeros(1 << _SLOT_BITS, np.uint64))
    _slot_ids: np.ndarray = field(default_factory=lambda: np.full(1 << _SLOT_BITS, -1, np.int32))
    _overflow: dict[int, int] = field(default_factory=dict)

    def ids(
        self, hashes: np.ndarray, chunk: np.ndarray, starts: np.ndarray, ends: np.ndarray
    ) -> np.ndarray:
        """Ids of the frames ``chunk[starts[i]:ends[i]]`` whose hashes are ``hashes``."""
        slots = (hashes >> np.uint64(64 - _SLOT_BITS)).astype(np.intp)
        held = self._hashes[slots]
        empty = held == 0
        if empty.any():
            self._hashes[slots[empty]] = hashes[empty]  # last writer wins; losers overflow
            held = self._hashes[slots]
        ids = self._slot_ids[slots]
        mine = held == hashes
        unnamed = mine & (ids < 0)
        if unnamed.any():
            positions = np.flatnonzero(unnamed)
            new_slots, first = np.unique(slots[positions], return_index=True)
            order = np.argsort(first)  # ids in order of first appearance
            new_slots, first = new_slots[order], first[order]
            self._slot_ids[new_slots] = np.arange(
                len(self.labels), len(self.labels) + len(new_slots), dtype=np.int64
            )
            for token in positions[first].tolist():
                self.labels.append(chunk[starts[token] : ends[token]].tobytes())
            ids = self._slot_ids[slots]
        if not mine.all():
            ids[~mine] = self._overflow_ids(hashes, chunk, starts, ends, np.flatnonzero(~mine))
        return ids

    def _overflow_ids(
        self,
        hashes: np.ndarray,
        chunk: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        tokens: np.ndarray,
    ) -> list[int]:
        """Ids of frames whose table slot another frame holds (a few per 10**5)."""
        result = []
        overflow = self._overflow
        for token, key in zip(tokens.tolist(), hashes[tokens].tolist(), strict=True):
            frame_id = overflow.get(key)
            if frame_id is None:
                frame_id = overflow[key] = len(self.labels)
                self.labels.append(chunk[starts[token] : ends[token]].tobytes())
            result.append(frame_id)
        return result


def scan_chunk(data: bytes | bytearray, interner: FrameInterner) -> ScannedChunk:
    """Scan ``data``: whole lines ``frame;frame COUNT\\n`` with integer counts, nothing else.

    Raises :class:`IrregularChunk` for blank lines, ``\\r\\n``, trailing blanks,
    missing or decimal counts, so the caller can clean the chunk first.
    """
    # ``13 in`` is one memchr; ``b"\\r\\n" in`` a substring search 100x slower, only run
    # when there is a carriage return at all.
    if not data.endswith(b"\n") or (13 in data and b"\r\n" in data):
        raise IrregularChunk
    chunk = np.frombuffer(data, dtype=np.uint8)
    # One pass finds semicolons and newlines together; every newline is then replaced
    # by its line's count separator, which lies between the line's last semicolon and
    # the newline, so the frame ends stay sorted without a sort.
    marks = _separators(chunk)
    line_ends = np.flatnonzero(chunk[marks] == _NEWLINE)
    newlines = marks[line_ends]
    line_starts = np.empty_like(newlines)
    line_starts[0] = 0
    line_starts[1:] = newlines[:-1] + 1
    separators, counts = _counts(chunk, newlines, line_starts)
    ends = marks
    ends[line_ends] = separators
    if (np.diff(ends) <= 0).any():
        raise IrregularChunk  # a semicolon inside the count: not a stack line
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    starts[line_ends[:-1] + 1] = line_starts[1:]
    lengths = np.diff(line_ends, prepend=-1)
    # Hashes and ids a slice of frames at a time: their temporaries (about 60 bytes a
    # frame) stay bounded when one long line makes the chunk millions of frames.
    frame_ids = np.empty(len(starts), dtype=np.uint32)
    for first in range(0, len(starts), TOKEN_SLICE):
        some = slice(first, first + TOKEN_SLICE)
        hashes = _frame_hashes(chunk, starts[some], ends[some])
        frame_ids[some] = interner.ids(hashes, chunk, starts[some], ends[some])
    return ScannedChunk(frame_ids, lengths, counts)


def _separators(chunk: np.ndarray) -> np.ndarray:
    """Positions of every ``;`` and ``\\n``, found a slice at a time so that the boolean
    temporaries stay :data:`SCAN_SLICE` bytes however long the chunk (one line can be)."""
    found = []
    for begin in range(0, len(chunk), SCAN_SLICE):
        part = chunk[begin : begin + SCAN_SLICE]
        found.append(np.flatnonzero((part == _SEMICOLON) | (part == _NEWLINE)) + begin)
    return np.concatenate(found) if len(found) != 1 else found[0]


def _counts(
    chunk: np.ndarray, newlines: np.ndarray, line_starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Position of each line's count separator, and the counts (digits read right to left)."""
    position = newlines - 1
    counts = np.zeros(len(newlines), dtype=np.float64)
    scale = 1.0
    active = np.arange(len(newlines))
    for _ in range(MAX_COUNT_DIGITS + 1):
        if not len(active):
            break
        where = position[active]
        byte = chunk[np.maximum(where, 0)]
        digit = (byte >= _ZERO) & (byte <= _NINE) & (where >= 0)
        counts[active[digit]] += (byte[digit] - _ZERO) * scale
        position[active[digit]] -= 1
        active = active[digit]
        scale *= 10.0
    else:
        raise IrregularChunk  # a count longer than any real one: read it line by line
    separators = position
    valid = (
        (separators >= line_starts)  # an empty stack is py-spy's sample without Python frames
        & (separators < newlines - 1)
        & (chunk[np.maximum(separators, 0)] == _SPACE)
    )
    if not valid.all():
        raise IrregularChunk
    return separators, counts


_POWERS: list[np.ndarray] = []


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """``P**k`` and ``P**-k`` mod 2**64 for ``k < size`` (cached, grown on demand)."""
    if not _POWERS or len(_POWERS[0]) < size:
        size = max(size, 2 * HASH_BLOCK)
        forward = np.full(size, _P, dtype=np.uint64)
        forward[0] = 1
        backward = np.full(size, _P_INVERSE, dtype=np.uint64)
        backward[0] = 1
        _POWERS[:] = [np.cumprod(forward, dtype=np.uint64), np.cumprod(backward, dtype=np.uint64)]
    return _POWERS[0], _POWERS[1]


def _frame_hashes(chunk: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A mixed 64-bit hash of every frame's bytes (never 0: 0 marks an empty table slot).

    Blocks are cut at frame starts, so a block's prefix sums stay about
    :data:`HASH_BLOCK` long however long a line is; a frame longer than
    :data:`LONG_FRAME` is a block of its own, hashed with BLAKE2 in one call
    (prefix sums over it would cost 32 bytes of memory per byte).
    """
    hashes = np.empty(len(starts), dtype=np.uint64)
    lengths = ends - starts
    long_frames = np.flatnonzero(lengths > LONG_FRAME)
    cuts = _block_cuts(starts, long_frames, len(chunk))
    token_cuts = np.searchsorted(starts, cuts)
    blocks = np.diff(cuts)
    forward, backward = _powers(int(blocks[blocks <= 2 * HASH_BLOCK].max(initial=0)) + 1)
    prefix = np.empty(len(forward) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for begin, end, first, last in zip(
            cuts[:-1].tolist(),
            cuts[1:].tolist(),
            token_cuts[:-1].tolist(),
            token_cuts[1:].tolist(),
            strict=True,
        ):
            if end - begin > 2 * HASH_BLOCK or first == last:
                continue  # one long frame (hashed below), or no frame
            size = end - begin
            block = prefix[: size + 1]
            block[0] = 0
            np.multiply(chunk[begin:end], forward[:size], out=block[1:], dtype=np.uint64)
            np.cumsum(block, out=block)
            local_starts = starts[first:last] - begin
            local_ends = ends[first:last] - begin
            hashes[first:last] = (block[local_ends] - block[local_starts]) * backward[local_starts]
        for token in long_frames.tolist():
            digest = hashlib.blake2b(chunk[starts[token] : ends[token]], digest_size=8).digest()
            hashes[token] = int.from_bytes(digest, "little")
        hashes += lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        hashes ^= hashes >> np.uint64(31)
        hashes *= np.uint64(0xBF58476D1CE4E5B9)
        hashes ^= hashes >> np.uint64(29)
    hashes |= np.uint64(1)
    return hashes


def _block_cuts(starts: np.ndarray, long_frames: np.ndarray, size: int) -> np.ndarray:
    """Block boundaries at frame starts about :data:`HASH_BLOCK` apart, each long frame alone."""
    targets = np.arange(HASH_BLOCK, size, HASH_BLOCK)
    after = starts[np.minimum(np.searchsorted(starts, targets), len(starts) - 1)]
    following = np.append(starts, size)[long_frames + 1]
    return np.unique(np.concatenate(([0], after, starts[long_frames], following, [size])))
