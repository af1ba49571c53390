"""Which view a profile is, and whether two views can be compared.

A profile the workbench sampled says what its weights measure
(``ProfileMeta.view``): ``cpu`` (samples weighed to each thread's measured
CPU time), ``samples`` (py-spy's samples of running threads) or ``wall``
(every thread, waiting included). CPU and samples views count the same
stacks (running ones), weighed differently: comparable, and the summary
lines say which is which. A wall view counts waiting too: against either
of the others, a function that waits would look like a regression or an
improvement it is not, so such a diff is refused unless asked for.
"""

from __future__ import annotations

from workbench.errors import ProfileFormatError
from workbench.profiles.model import Profile

#: How a view reads in text ("CPU view").
VIEW_NAMES = {"cpu": "CPU", "samples": "samples", "wall": "wall"}


def check_views(base: Profile, branch: Profile, mixed: bool = False) -> None:
    """Raise :class:`ProfileFormatError` for a wall view against a non-wall one.

    ``mixed=True`` (``--mixed-views``; the Compare pane's ``c``, named by the
    error's ``in_app`` line) lets it through; profiles without a view (other
    tools' files) are never refused.
    """
    views = base.meta.view, branch.meta.view
    if mixed or None in views or (views[0] == "wall") == (views[1] == "wall"):
        return
    names = [f"{VIEW_NAMES[view]} view" for view in views]  # type: ignore[index]
    problem = (
        f"BASE is a {names[0]} and BRANCH a {names[1]}: a wall view counts waiting time, "
        "the other does not, so every waiting function would show as a change; record both "
        "with the same --view, or "
    )
    raise ProfileFormatError(
        f"{problem}pass --mixed-views to compare them anyway",
        in_app=f"{problem}press c to compare them anyway",
    )
