"""Names of the files one run of a cycle leaves in its folder.

Kept apart from the code that writes them (the load test, the capture) so that
reading a cycle folder — the Cycle pane's first frame — does not import
locust's driver, py-spy's or psutil.
"""

from __future__ import annotations

#: The load test's figures, as :class:`~workbench.cycle.results.LoadResult` JSON.
RESULT_FILE = "result.json"
#: The server's profile captured while the load ran.
PROFILE_FILE = "profile.speedscope.json"
