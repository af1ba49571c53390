"""Checking what is written to an item: ranges, enum spellings, waiver rules.

Values are normalised to what the database stores (enum values, ints, floats
or None), so the event log compares like with like.
"""

from __future__ import annotations

import math
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
    stored_text,
)


class ValidationError(StoreError):
    """A value is out of range or missing (impact 7, waiver without justification)."""


def stale(item_id: int, read: int, now_version: int) -> StaleEditError:
    return StaleEditError(
        f"item {item_id} was changed by someone else since you read it "
        f"(version {read} → {now_version}); reload and retry"
    )


def validate_item(item: Item) -> None:
    for name in KPI_FIELDS:
        _kpi_value(getattr(item, name), name)
    if not item.title.strip():
        raise ValidationError("an item needs a title")
    if item.status is Status.WAIVED and not item.justification.strip():
        raise ValidationError(f"“{item.title}” is waived without a justification")


KPI_FIELDS = ("kpi_baseline", "kpi_target", "kpi_latest")


def _kpi_value(value: Any, name: str) -> float | None:
    """A KPI figure: absent, or a finite number (NaN would never compare as met)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError(f"{name} must be a finite number, not {value!r}")
    return float(value)


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
                value = None if value in (None, "") else _kpi_value(float(value), name)
            elif name == "critical":
                value = int(bool(value) and str(value).lower() not in ("0", "false", "no"))
            else:
                value = stored_text("" if value is None else str(value), name)
        except (ValueError, OverflowError) as error:
            raise ValidationError(str(error)) from None
        values[name] = value
    return values
