"""Subcommands: ``history``, ``hotspots`` and ``candidates`` (attribution lives in analysis).

Imports happen inside the handlers: ``workbench --help`` and a cached
``workbench history`` must not pay for GitPython or numpy.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from workbench.cli.arguments import add_repo, positive_int
from workbench.errors import HistoryError

FORMATS = ("text", "json", "markdown")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to the ``workbench`` parser."""
    history = sub.add_parser(
        "history",
        help="who changed a function, when and why (judged on its ast text in every commit)",
        description=(
            "List the commits that changed FUNCTION (path/to/file.py:Class.method, or a "
            "profile frame 'name (path:line)'). Put '--' before a FUNCTION that starts "
            "with '-'. Exit 0, or 2 for a bad repository, revision, path or name."
        ),
    )
    history.add_argument("function", nargs="?", metavar="FUNCTION")
    add_repo(history, "the current directory")
    history.add_argument("--rev", default="HEAD", help="revision to look from (default HEAD)")
    window = history.add_mutually_exclusive_group()
    window.add_argument("--since", metavar="DATE", help="only commits after DATE (git date)")
    window.add_argument(
        "--range", dest="rev_range", metavar="BASE..BRANCH", help="only commits in BASE..BRANCH"
    )
    history.add_argument(
        "--blame", action="store_true", help="blame the span (git blame -w): authors and lines"
    )
    history.add_argument(
        "--copies",
        action="store_true",
        help="blame with -C: see through code moved from other files",
    )
    history.add_argument(
        "--lines", metavar="N,N", type=_lines, help="blame only these (hot) lines, e.g. 12,15"
    )
    history.add_argument("--no-cache", action="store_true", help="recompute, ignoring the cache")
    history.add_argument(
        "--write-commit-graph",
        action="store_true",
        help="write git's commit-graph with changed-path filters (path-limited logs 3-5x faster)",
    )
    _format_option(history)
    history.set_defaults(handler=run_history)

    hotspots = sub.add_parser(
        "hotspots",
        help="hot code that keeps changing: profile heat x git churn",
        description="Rank the hottest functions of PROFILE by heat x commits in a window.",
    )
    hotspots.add_argument("profile", metavar="PROFILE")
    add_repo(hotspots, "the current directory")
    hotspots.add_argument(
        "--since", default="90 days ago", metavar="DATE", help="churn window (default 90 days)"
    )
    hotspots.add_argument(
        "--top", type=positive_int, default=20, help="functions to rank (default 20)"
    )
    hotspots.add_argument("--rev", default="HEAD", help="revision the profile ran (default HEAD)")
    _format_option(hotspots)
    hotspots.set_defaults(handler=run_hotspots)

    candidates = sub.add_parser(
        "candidates",
        help="commits in BASE..BRANCH that made it slower (or faster), with why",
        description=(
            "Diff BASE_PROFILE and BRANCH_PROFILE and rank the commits of --range that "
            "changed what moved: self share, grown or new call edges, the hot path. "
            "Commits that only touch docstrings, annotations or layout score zero and are "
            "listed as cosmetic. Regressions and improvements are ranked separately."
        ),
    )
    candidates.add_argument("base", metavar="BASE_PROFILE")
    candidates.add_argument("branch", metavar="BRANCH_PROFILE")
    candidates.add_argument("--range", dest="rev_range", metavar="BASE..BRANCH", required=True)
    add_repo(candidates, "the current directory")
    _format_option(candidates)
    candidates.add_argument(
        "--open", action="store_true", help="then show them in the History pane (Candidates tab)"
    )
    candidates.set_defaults(handler=run_candidates)


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text")


def _lines(text: str) -> list[int]:
    try:
        lines = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of line numbers") from None
    if not lines or min(lines) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give line numbers from 1, e.g. 12,15")
    return lines


def _warn(message: str) -> None:
    from workbench.history.render import literal

    print(f"workbench: warning: {literal(message)}", file=sys.stderr)


def run_history(args: argparse.Namespace) -> int:
    """``workbench history``: commits, churn and (with --blame/--lines) authors of a function."""
    if args.write_commit_graph:
        from workbench.history.repo import open_repo, write_commit_graph

        write_commit_graph(open_repo(args.repo))
        print("commit-graph written with changed-path filters")
        return 0
    if not args.function:
        raise HistoryError("give a FUNCTION, e.g. workbench history pkg/mod.py:Class.method")
    from workbench.history.log import function_history

    history = function_history(
        args.repo,
        args.function,
        rev=args.rev,
        since=args.since,
        rev_range=args.rev_range,
        use_cache=not args.no_cache,
    )
    if history.shallow:
        _warn(
            f"shallow clone: history is cut at {history.truncated_at[:12]}"
            if history.truncated_at
            else "shallow clone: history may be incomplete"
        )
    blame: list[Any] = []
    shares: list[Any] = []
    if args.blame or args.lines:
        from workbench.history.blame import author_shares, blame_history

        blame = blame_history(args.repo, history, args.lines or (), copies=args.copies)
        shares = author_shares(blame)
        outside = [line for line in args.lines or () if line not in history.span]
        if outside:  # hot lines from a profile of another revision, or a typo
            _warn(
                f"line{'s' if len(outside) > 1 else ''} {', '.join(map(str, outside))} "
                f"outside {history.span.qualname} (lines {history.span.start}-"
                f"{history.span.end} at {history.rev[:12]}); blamed anyway"
            )
    _print_history(args.format, history, blame, shares, args.copies)
    return 0


def _print_history(
    fmt: str, history: Any, blame: list[Any], shares: list[Any], copies: bool
) -> None:
    from workbench.history import render
    from workbench.history.blame import blame_label

    label = blame_label(copies)
    if fmt == "json":
        from workbench.output import print_json

        data = history.to_json()
        if blame:
            data["blame"] = {
                "command": label,
                "lines": [line.to_json() for line in blame],
                "authors": [share.to_json() for share in shares],
            }
        print_json(data)
    elif fmt == "markdown":
        print(render.history_markdown(history, blame, shares, label))
    else:
        print(render.history_text(history, blame, shares, label))


def run_hotspots(args: argparse.Namespace) -> int:
    """``workbench hotspots``: heat x churn ranking of a profile's functions."""
    from workbench.history import render
    from workbench.history.hotspots import hotspot_ranking
    from workbench.output import print_json
    from workbench.profiles.io import read_profile

    profile = read_profile(args.profile)
    if args.top < 1:
        raise HistoryError("--top must be at least 1")
    spots = hotspot_ranking(
        args.repo, profile, since=args.since or None, top=args.top, rev=args.rev
    )
    if args.format == "json":
        print_json({"since": args.since, "hotspots": [spot.to_json() for spot in spots]})
    elif args.format == "markdown":
        print(render.hotspots_markdown(spots, args.since))
    else:
        print(render.hotspots_text(spots, args.since))
    return 0


def run_candidates(args: argparse.Namespace) -> int:
    """``workbench candidates``: commits of a range ranked on the differential call graph."""
    from workbench.analysis.attribution import attribute
    from workbench.analysis.render import attribution_markdown, attribution_text
    from workbench.output import print_json
    from workbench.profiles.io import read_profile

    answer = attribute(
        args.repo, read_profile(args.base), read_profile(args.branch), args.rev_range
    )
    if args.format == "json":
        print_json(answer.to_json())
    elif args.format == "markdown":
        print(attribution_markdown(answer), end="")
    else:
        print(attribution_text(answer))
    if args.open:
        from pathlib import Path

        from workbench.cli.launch import open_app
        from workbench.context import LaunchContext

        repo = Path(args.repo) if args.repo else None
        return open_app(
            LaunchContext(
                mode="history",
                base=Path(args.base),
                branch=Path(args.branch),
                repo=repo,
                rev_range=args.rev_range,
            )
        )
    return 0
