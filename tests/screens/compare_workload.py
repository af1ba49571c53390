"""A workload whose branch mode is known to be slower, for the Compare pane tests.

``base``: parse 2 units, render 2, and two functions with markup-looking
names 1 each. ``branch``: parse 8 units (the regression), ``slow_join`` 1.5
(a new hotspot), the rest unchanged — so by self share parse grows by about
25 points, slow_join appears at about 10%, the others shrink.
"""

from __future__ import annotations

import sys
import time

UNIT = 20_000


def parse(units: float) -> None:
    for _ in range(int(units * UNIT)):  # the work is inline: it must be *self* time
        pass


def render(units: float) -> None:
    for _ in range(int(units * UNIT)):  # the work is inline: it must be *self* time
        pass


def slow_join(units: float) -> None:
    for _ in range(int(units * UNIT)):  # the work is inline: it must be *self* time
        pass


def closing_tag(units: float) -> None:
    for _ in range(int(units * UNIT)):  # the work is inline: it must be *self* time
        pass


def click_quit(units: float) -> None:
    for _ in range(int(units * UNIT)):  # the work is inline: it must be *self* time
        pass


# Real profilers report these names verbatim; the pane must show them as text.
closing_tag.__code__ = closing_tag.__code__.replace(co_name="[/]", co_qualname="[/]")
click_quit.__code__ = click_quit.__code__.replace(
    co_name="[@click=app.quit]x", co_qualname="[@click=app.quit]x"
)


def main(mode: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        parse(8 if mode == "branch" else 2)
        render(2)
        closing_tag(1)
        click_quit(1)
        if mode == "branch":
            slow_join(1.5)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
