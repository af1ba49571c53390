"""What the app is opened on: the narrow data each pane needs to start.

Built by the CLI (the composition root) and handed to ``screens.app``; plain
data so that tests and other tools can open the app the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import WorkbenchError


class Preparation:
    """Files a launch names before they exist, made in a thread while the app starts.

    ``workbench demo`` opens on a repository, a backlog and a cycle it builds
    (fifteen git runs, a profile diff): building them before the app would hold
    its first frame for most of a second. The app calls :meth:`start` once that
    frame is painted; whatever reads those files first calls :meth:`wait` (from a
    worker or a thread: it blocks), and the command that made the files calls
    :meth:`join` before it removes them.
    """

    def __init__(self, work: Callable[[], object], what: str) -> None:
        self._work = work
        self.what = what
        """What is being made, for messages ("the demo's repository, backlog and cycle")."""
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._error: WorkbenchError | None = None

    @property
    def ready(self) -> bool:
        """The work has run and succeeded: reading the files cannot block."""
        return self._done.is_set() and self._error is None

    def start(self) -> None:
        """Start the work in a thread; later calls do nothing."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="preparation", daemon=True)
                self._thread.start()

    def wait(self) -> None:
        """Return once the files are made (starting the work if nobody has); raise
        :class:`WorkbenchError` if they could not be."""
        self.start()
        self._done.wait()
        if self._error is not None:
            raise self._error

    def join(self) -> None:
        """Wait for work already started (never start it), ignoring its outcome."""
        with self._lock:
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        try:
            self._work()
        except WorkbenchError as error:
            self._error = error
        except Exception as error:  # noqa: BLE001 - told to whoever waits, not lost in a thread
            self._error = WorkbenchError(f"could not make {self.what}: {error}")
        finally:
            self._done.set()


@dataclass(frozen=True)
class LaunchContext:
    """Everything optional: a pane with nothing to show offers to load it.

    Frozen: it is what the command line asked for. What changes while the app
    runs (the repository the user picks) lives in the app's session.
    """

    mode: str = "compare"
    """Pane shown first: compare, live, backlog, history or cycle."""
    base: Path | None = None
    """Baseline profile for the Compare pane."""
    branch: Path | None = None
    """Branch profile for the Compare pane."""
    capture: Path | None = None
    """Capture folder (``workbench capture --out``) the Compare pane opens on."""
    mixed_views: bool = False
    """The Compare pane compares a wall view with a CPU or samples view without asking
    (``workbench compare --mixed-views``)."""
    pid: int | None = None
    """Process the Live pane attaches to."""
    command: list[str] = field(default_factory=list)
    """Command the Live pane launches and samples (``workbench run -- ...``)."""
    rate: int = 100
    """Sampling rate in Hz for the Live pane."""
    nonblocking: bool | None = None
    """Force py-spy's --nonblocking on or off; None lets the sampler decide."""
    subprocesses: bool = False
    """Also sample the target's Python children (py-spy ``--subprocesses``)."""
    view: str = "cpu"
    """The Live pane's first view: cpu, samples or wall (see ``ProfileMeta.view``)."""
    refresh: int = 1
    """Seconds between two refreshes of the Live pane (one sampling window each)."""
    sampler: str | None = None
    """The Live pane's sampler, ``austin`` or ``py-spy``; None: austin when installed."""
    db: Path | None = None
    """Backlog database; None means the default location."""
    repo: Path | None = None
    """Git repository of the profiled code (``--repo``); None: the History pane asks the
    repository that holds the profiled file, or the target's working directory."""
    function: str | None = None
    """Function key the History pane opens on."""
    lines: list[int] = field(default_factory=list)
    """Hot lines of ``function`` whose blame the History pane shows (else the whole span)."""
    rev_range: str | None = None
    """``BASE..BRANCH`` between ``base`` and ``branch``: the History pane ranks its commits."""
    demo: bool = False
    """Opened by ``workbench demo``: the Live pane samples the bundled workload."""
    cycles: Path | None = None
    """Folder of the optimisation cycles; None means ``.workbench/cycles`` at the git root."""
    cycle: str | None = None
    """Cycle the Cycle pane opens; None means the current one."""
    preparation: Preparation | None = field(default=None, compare=False)
    """Made after the first frame: the files above that do not exist yet (``workbench
    demo``); every pane but the first waits for it, and so does the Live pane's launch."""
