"""Live sampling of a running Python process (py-spy) and its metrics (psutil).

Modules: :mod:`~workbench.sampling.processes` (find and check targets),
:mod:`~workbench.sampling.pyspy` (the py-spy driver: batches and thread
dumps), :mod:`~workbench.sampling.metrics` (psutil readings),
:mod:`~workbench.sampling.session` (rolling window, total, snapshots),
:mod:`~workbench.cli.sampling` (``ps``, ``record``, ``attach``, ``run``,
``demo``). No Textual here: the Live pane in ``screens/`` drives these.
"""
