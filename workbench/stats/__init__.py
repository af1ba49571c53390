"""Statistics for "is this change real?", following benchstat.

Medians with the confidence interval of each median from order statistics;
the two-sided Mann-Whitney U test, exact with ties for small samples; a
confidence interval for the change from order statistics of the pairwise
ratios; Holm's correction when many things are compared at once; and a gate
verdict that says "undecidable" when the runs cannot tell. Method and
choices: ``docs/statistics.md``.

Knows nothing of profiles or benchmarks: it takes lists of non-negative
measurements (times, sizes, counts; higher is worse) and returns dataclasses.
"""

from workbench.stats.compare import Comparison, compare, compare_many, holm
from workbench.stats.mannwhitney import mann_whitney_u
from workbench.stats.summary import Summary, summarize
from workbench.stats.verdict import Verdict, explain, format_p, format_pct, judge

__all__ = [
    "Comparison",
    "Summary",
    "Verdict",
    "compare",
    "compare_many",
    "explain",
    "format_p",
    "format_pct",
    "holm",
    "judge",
    "mann_whitney_u",
    "summarize",
]
