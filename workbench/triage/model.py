"""The backlog's vocabulary: what an item is, where it sits on the matrix, what it moves.

Pure data, no storage: the store, the CLI, the exports and the Backlog pane
all speak these types. Enum *values* are stable snake_case strings (they are
what the database, JSON and CSV hold); :attr:`label` is the human spelling.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Self

from workbench.output import LONE_SURROGATE

IMPACT_EFFORT_RANGE = range(1, 6)
"""Impact and effort are scored 1 (least) to 5 (most)."""
DEFAULT_SPLIT = 3
"""A score at or above the split is "high"; configurable per store."""


class _Labelled(StrEnum):
    """A StrEnum whose human label is derived from its value unless overridden."""

    @property
    def label(self) -> str:
        return _LABELS.get(self.value, self.value.replace("_", " ").capitalize())

    @classmethod
    def parse(cls, text: str) -> Self:
        """Accept a value (``in_progress``), a label (``In progress``) or close spellings.

        Spreadsheets and people write ``In Progress``, ``in-progress``, ``CPU``;
        all of them mean the same member. Raises ``ValueError`` listing the
        accepted values otherwise.
        """
        member = cls._value2member_map_.get(text)
        if member is not None:
            return member
        wanted = _normalise(text)
        for member in cls:
            if wanted in (_normalise(member.value), _normalise(member.label)):
                return member
        choices = ", ".join(member.value for member in cls)
        raise ValueError(f"{text!r} is not a {cls.__name__.lower()} (one of: {choices})")


def _normalise(text: str) -> str:
    return "".join(ch for ch in str(text).lower() if ch.isalnum())


class Source(_Labelled):
    """Where the hypothesis came from."""

    SLO_ALERT = "slo_alert"
    BENCHMARK_DIFF = "benchmark_diff"
    PROFILE_DRIFT = "profile_drift"
    COST_SPIKE = "cost_spike"
    USER_COMPLAINT = "user_complaint"
    PROACTIVE = "proactive"
    MANUAL = "manual"


class Signal(_Labelled):
    """What was observed; it picks the diagnosis tool."""

    LATENCY = "latency"
    CPU = "cpu"
    MEMORY = "memory"
    ALLOCATION_CHURN = "allocation_churn"
    THREAD_LEAK = "thread_leak"
    IO = "io"
    LOCK_CONTENTION = "lock_contention"


class Pattern(_Labelled):
    """The suspected root cause."""

    ALGORITHMIC = "algorithmic"
    EXCESS_ALLOCATIONS = "excess_allocations"
    LOCK_CONTENTION = "lock_contention"
    IO_BOUND = "io_bound"
    GC_PRESSURE = "gc_pressure"
    CALL_PATH = "call_path"
    UNKNOWN = "unknown"


class Taxonomy(_Labelled):
    """The kind of work, which decides the KPI it should move."""

    PREVENTIVE = "preventive"
    CORRECTIVE = "corrective"
    HYGIENE = "hygiene"
    STRATEGIC = "strategic"


class Status(_Labelled):
    """Where the item is in its life; the last four close it."""

    NEW = "new"
    TRIAGED = "triaged"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DEFERRED = "deferred"
    WAIVED = "waived"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({Status.NEW, Status.TRIAGED, Status.IN_PROGRESS})


class Quadrant(_Labelled):
    """A cell of the impact/effort matrix, in the order the matrix shows them."""

    IMMEDIATE_PR = "immediate_pr"
    DESIGN_REVIEW = "design_review"
    BATCH_FIXES = "batch_fixes"
    DEFER = "defer"

    @property
    def action(self) -> str:
        return QUADRANT_ACTIONS[self]

    @property
    def rank(self) -> int:
        """0..3, the matrix order (also the stored sort key)."""
        return list(Quadrant).index(self)


class EvidenceKind(_Labelled):
    """What an evidence reference points at."""

    PROFILE = "profile"
    FUNCTION = "function"
    COMMIT = "commit"
    BENCHMARK = "benchmark"
    URL = "url"


_LABELS = {
    "slo_alert": "SLO alert",
    "cpu": "CPU",
    "io": "I/O",
    "thread_leak": "Thread/handle leak",
    "io_bound": "I/O bound",
    "gc_pressure": "GC pressure",
    "immediate_pr": "High impact · low effort",
    "design_review": "High impact · high effort",
    "batch_fixes": "Low impact · low effort",
    "defer": "Low impact · high effort",
    "url": "URL",
}

#: Self-share growth (points) above which a profile diff proposes a backlog item (playbook: 4%).
DEFAULT_DRIFT_PCT = 4.0

QUADRANT_ACTIONS: dict[Quadrant, str] = {
    Quadrant.IMMEDIATE_PR: "Immediate PR",
    Quadrant.DESIGN_REVIEW: "Design review",
    Quadrant.BATCH_FIXES: "Batch fixes",
    Quadrant.DEFER: "Defer",
}

DEFAULT_KPI: dict[Taxonomy, str] = {
    Taxonomy.PREVENTIVE: "p95 latency (ms)",
    Taxonomy.CORRECTIVE: "self % of the hotspot",
    Taxonomy.HYGIENE: "benchmark coverage of critical paths (%)",
    Taxonomy.STRATEGIC: "throughput (req/s)",
}


def quadrant_of(impact: int, effort: int, split: int = DEFAULT_SPLIT) -> Quadrant:
    """The matrix cell of a score: ``impact >= split`` is high impact, likewise effort."""
    high_impact, high_effort = impact >= split, effort >= split
    if high_impact:
        return Quadrant.DESIGN_REVIEW if high_effort else Quadrant.IMMEDIATE_PR
    return Quadrant.DEFER if high_effort else Quadrant.BATCH_FIXES


#: The free-text fields of an item.
TEXT_FIELDS = ("title", "hypothesis", "kpi", "owner", "justification", "notes")


def stored_text(value: object, name: str) -> str:
    """``value`` as the store keeps text: a string (``TypeError`` otherwise), lone surrogates
    (an argument with bytes that are not UTF-8, ``"\\ud800"`` in an import) as U+FFFD,
    since SQLite stores UTF-8."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be text, not {type(value).__name__}")
    return LONE_SURROGATE.sub("\ufffd", value)


def clamp_score(score: int) -> int:
    """Keep an impact or effort inside 1..5 (raising past 5 is a no-op, not an error)."""
    if isinstance(score, float) and not math.isfinite(score):
        raise ValueError(f"a score must be a number from 1 to 5, not {score}")
    return max(IMPACT_EFFORT_RANGE.start, min(IMPACT_EFFORT_RANGE.stop - 1, int(score)))


@dataclass
class Evidence:
    """A link from an item to what supports it: ``kind`` + ``ref`` (+ a free note).

    ``ref`` is a profile path, a function key ``path:qualname``, a commit sha,
    a benchmark name or a URL. A commit's ``note`` may carry its ISO time,
    which the time-to-detect KPI uses.
    """

    kind: EvidenceKind
    ref: str
    note: str = ""
    id: int | None = None
    added_at: str | None = None

    def __post_init__(self) -> None:
        self.kind = EvidenceKind.parse(self.kind)
        self.ref, self.note = stored_text(self.ref, "ref"), stored_text(self.note, "note")

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.ref}"


@dataclass
class Item:
    """One hypothesis on the backlog. ``id``/timestamps/``version`` are set by the store."""

    title: str
    hypothesis: str = ""
    source: Source = Source.MANUAL
    signal: Signal = Signal.CPU
    pattern: Pattern = Pattern.UNKNOWN
    impact: int = 3
    effort: int = 3
    taxonomy: Taxonomy = Taxonomy.CORRECTIVE
    kpi: str = ""
    """Empty means the taxonomy's default KPI (see :attr:`kpi_name`)."""
    kpi_baseline: float | None = None
    kpi_target: float | None = None
    kpi_latest: float | None = None
    status: Status = Status.NEW
    owner: str = ""
    justification: str = ""
    """Why it was waived (required for ``waived``) or deferred."""
    notes: str = ""
    critical: bool = False
    """Marks a critical path: benchmark coverage counts these."""
    evidence: list[Evidence] = field(default_factory=list)
    id: int | None = None
    quadrant: Quadrant | None = None
    """Set by the store with its split; computed with the default split otherwise."""
    created_at: str | None = None
    updated_at: str | None = None
    version: int = 0

    def __post_init__(self) -> None:
        for name in TEXT_FIELDS:
            setattr(self, name, stored_text(getattr(self, name), name))
        self.source = Source.parse(self.source)
        self.signal = Signal.parse(self.signal)
        self.pattern = Pattern.parse(self.pattern)
        self.taxonomy = Taxonomy.parse(self.taxonomy)
        self.status = Status.parse(self.status)
        self.impact, self.effort = clamp_score(self.impact), clamp_score(self.effort)
        self.critical = bool(self.critical)
        if self.quadrant is None:
            self.quadrant = quadrant_of(self.impact, self.effort)
        else:
            self.quadrant = Quadrant.parse(self.quadrant)

    @property
    def kpi_name(self) -> str:
        return self.kpi or DEFAULT_KPI[self.taxonomy]

    @property
    def action(self) -> str:
        return QUADRANT_ACTIONS[self.quadrant]

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    def functions(self) -> list[str]:
        """Function keys linked as evidence."""
        return [e.ref for e in self.evidence if e.kind is EvidenceKind.FUNCTION]


EDITABLE_FIELDS = (
    "title",
    "hypothesis",
    "source",
    "signal",
    "pattern",
    "impact",
    "effort",
    "taxonomy",
    "kpi",
    "kpi_baseline",
    "kpi_target",
    "kpi_latest",
    "status",
    "owner",
    "justification",
    "notes",
    "critical",
)
"""Fields :meth:`BacklogStore.update` accepts in ``changes``."""


@dataclass
class ItemFilter:
    """What ``list``/``count`` select. Empty filter = every open item."""

    text: str | None = None
    """Full-text query over title, hypothesis and notes (words, prefix ``foo*``)."""
    quadrant: Quadrant | None = None
    taxonomy: Taxonomy | None = None
    status: list[Status] = field(default_factory=list)
    """Explicit statuses; when given, ``include_closed`` is ignored."""
    owner: str | None = None
    function: str | None = None
    """Only items with this function key as evidence."""
    commit: str | None = None
    """Only items with this commit (full sha) as evidence."""
    include_closed: bool = False


@dataclass
class Event:
    """One entry of the append-only change log (values JSON-encoded as text)."""

    id: int
    batch: int
    item_id: int
    at: str
    actor: str
    action: str
    """create, update, link, unlink, undo, redo."""
    field: str | None
    old: str | None
    new: str | None

    @property
    def summary(self) -> str:
        """One line for a history view: ``impact: 2 → 4``, ``linked commit:abc123``."""
        old, new = (None if v is None else json.loads(v) for v in (self.old, self.new))
        prefix = "" if self.action in ("create", "update", "link", "unlink") else f"{self.action}: "
        if self.action == "create":
            return "created"
        if self.field == "item":
            return prefix + ("item restored" if new is not None else "item removed")
        if self.field == "evidence":
            linked = new is not None
            ref = new if linked else old
            return f"{prefix}{'linked' if linked else 'unlinked'} {ref['kind']}:{ref['ref']}"
        return f"{prefix}{self.field}: {_show(old)} → {_show(new)}"


def _show(value: object) -> str:
    return "∅" if value in (None, "") else str(value)


@dataclass
class Batch:
    """One user action (possibly over many items), the unit undo and redo work on."""

    id: int
    at: str
    actor: str
    label: str
    """What was done, for a notification: ``move #12``, ``status done ×3``."""
    kind: str
    """do, undo or redo."""
    events: list[Event] = field(default_factory=list)
