"""Several runs' profiles as one: the average run, for share diffs and icicles of a capture.

A capture has N profiles a side; the share diff, the icicle and the Compare
pane want one. The merged profile holds every stack of every run with its
weight divided by the number of runs, so shares are those of all runs pooled
and seconds are per run (a mean; the medians are in the time diff). Profiles
that can be expressed in seconds are merged in seconds, so runs at different
rates still add up; otherwise they must count samples at one rate.

Threads are matched across runs by name, not by label: py-spy's label holds
the OS thread id (``Thread 7351 "MainThread"``), new in every run, so six runs
of a one-thread program would read as six threads. A thread without a name is
matched by its order within its run.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.errors import ProfileFormatError
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.readers.threads import split_label, thread_label


def merge_profiles(
    profiles: Sequence[Profile], *, name: str | None = None, roots: Sequence[str] = ()
) -> Profile:
    """The average of ``profiles`` (see the module doc); ``name`` labels it.

    File paths under one of ``roots`` (checkouts that may be gone, such as a
    capture's worktrees) are made relative to it, so the merged profile's
    functions match those of another checkout of the same code.
    """
    if not profiles:
        raise ProfileFormatError("no profiles to merge")
    factors = [profile.to_seconds(1.0) for profile in profiles]
    in_seconds = None not in factors
    rates = {profile.meta.rate for profile in profiles}
    if not in_seconds and len(rates) > 1:
        raise ProfileFormatError(
            "cannot merge sample counts taken at different or unknown rates; give each its rate"
        )
    first = profiles[0].meta
    meta = ProfileMeta(
        format="merged",
        unit="seconds" if in_seconds else "samples",
        rate=first.rate if len(rates) == 1 else None,
        command=first.command,
        git_revision=first.git_revision
        if len({p.meta.git_revision for p in profiles}) == 1
        else None,
        name=name or f"{len(profiles)} runs",
        profiler=first.profiler,
        argv=first.argv,
        python_version=first.python_version,
        view=first.view if len({p.meta.view for p in profiles}) == 1 else None,
    )
    merged = Profile(meta)
    prefixes = [root.rstrip("/") + "/" for root in roots]
    share = 1.0 / len(profiles)
    for profile, factor in zip(profiles, factors, strict=True):
        scale = share * (factor if in_seconds and factor is not None else 1.0)
        frame_ids = [merged.intern(_relative(frame, prefixes)) for frame in profile.frames]
        threads = [
            merged.thread_index(_run_thread(label, index) if len(profiles) > 1 else label)
            for index, label in enumerate(profile.meta.threads)
        ]
        for stack, weight, thread in profile.stacks():
            merged.add_stack(
                [frame_ids[frame] for frame in stack],
                weight * scale,
                threads[thread] if thread >= 0 else -1,
            )
    return merged


def _run_thread(label: str, index: int) -> str:
    """The label of a run's thread that is the same in every run (see the module doc)."""
    parts = split_label(label)
    if parts is None:
        return label
    _thread_id, name = parts
    return thread_label("*", name) if name else thread_label(f"#{index + 1}", None)


def _relative(frame: Frame, prefixes: Sequence[str]) -> Frame:
    for prefix in prefixes:
        if frame.file.startswith(prefix):
            return Frame(frame.function, frame.file[len(prefix) :], frame.line)
    return frame
