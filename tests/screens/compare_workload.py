"""A workload whose branch mode is known to be slower, for the Compare pane tests.

``base``: parse 2 units, render 2, and two functions with markup-looking
names 1 each. ``branch``: parse 16 units (the regression), ``slow_join`` 3
(a new hotspot), the rest unchanged — so by self share parse grows by about
37 points, slow_join appears at about 13%, the others shrink. The margins
are wide on purpose: on a loaded machine a short recording's shares move by
several points (the process is descheduled in bursts).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import FunctionType

UNIT = 20_000


def spin(units: float) -> None:
    """The template of every worker below: all its time is *self* time."""
    for _ in range(int(units * UNIT)):
        pass


def named(name: str) -> Callable[[float], None]:
    """A copy of :func:`spin` whose code object is called ``name``, as a profiler sees it.

    Real profilers report ``co_name``/``co_qualname`` verbatim, so this also
    makes functions whose names look like markup.
    """
    code = spin.__code__.replace(co_name=name, co_qualname=name)
    return FunctionType(code, spin.__globals__, name)


parse = named("parse")
render = named("render")
slow_join = named("slow_join")
closing_tag = named("[/]")
click_quit = named("[@click=app.quit]x")


def main(mode: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        parse(16 if mode == "branch" else 2)
        render(2)
        closing_tag(1)
        click_quit(1)
        if mode == "branch":
            slow_join(3)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
