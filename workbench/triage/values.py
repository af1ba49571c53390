"""Checking what is written to an item: ranges, enum spellings, waiver rules.

Values are normalised to what the database stores (enum values, ints, floats
or None), so the event log compares like with like.
"""

from __future__ import annotations

from typing import Any

from workbench.errors import StaleEditError, StoreError
from workbench.triage.model import (
    IMPACT_EFFORT_RANGE,
    Item,
    Pattern,
    Signal,
    Source,
    Status,
    Taxonomy,
)


class ValidationError(StoreError):
    """A value is out of range or missing (impact 7, waiver without justification)."""


def stale(item_id: int, read: int, now_version: int) -> StaleEditError:
    return StaleEditError(
        f"item {item_id} was changed by someone else since you read it "
        f"(version {read} → {now_version}); reload and retry"
    )


def validate_item(item: Item) -> None:
    if not item.title.strip():
        raise ValidationError("an item needs a title")
    if item.status is Status.WAIVED and not item.justification.strip():
        raise ValidationError(f"“{item.title}” is waived without a justification")


def normalise_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Parse enum names and numbers the way they are stored; ValidationError on bad values."""
    parsers: dict[str, Any] = {
        "source": Source.parse,
        "signal": Signal.parse,
        "pattern": Pattern.parse,
        "taxonomy": Taxonomy.parse,
        "status": Status.parse,
    }
    values: dict[str, Any] = {}
    for name, value in changes.items():
        try:
            if name in parsers:
                value = parsers[name](value).value
            elif name in ("impact", "effort"):
                value = int(value)
                if value not in IMPACT_EFFORT_RANGE:
                    raise ValueError(f"{name} must be 1..5 (got {value})")
            elif name.startswith("kpi_"):
                value = None if value in (None, "") else float(value)
            elif name == "critical":
                value = int(bool(value) and str(value).lower() not in ("0", "false", "no"))
            else:
                value = "" if value is None else str(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None
        values[name] = value
    return values
