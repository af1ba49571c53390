"""Runs of a command at revisions: worktrees, repeats, manifests, time statistics, bisect.

``capture`` checks out two revisions in worktrees beside the user's checkout
(:mod:`.worktrees`), prepares each (:mod:`.environment`), runs the command
under a profiler at each, interleaved and repeated (:mod:`.runner`, one run
is :func:`workbench.sampling.command.record_command`), and writes a manifest
(:mod:`.manifest`). :mod:`.time_diff` judges the runs in seconds with
:mod:`workbench.stats`, :mod:`.time_gates` turns that into a gate verdict,
:mod:`.bisect` searches the first-parent history for the commit that made it
slower. Reference: ``docs/capture.md``.
"""
