"""The optimisation cycle: SLOs, load tests (locust and imported results), compliance,
the bottleneck analysis, the plan, and the data the cycle reports are made from.

Nothing here imports locust: load tests run locust's CLI in a child process
(see :mod:`.loadtest` for why).
"""
