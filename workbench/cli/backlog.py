"""Subcommands: ``workbench backlog add|list|show|edit|move|status|link|snapshot|import|
propose|undo|redo`` and ``workbench kpis``.

Every command takes ``--db PATH`` (default: ``.workbench/triage.db`` at the git
root, else the user data dir). Writes print only after their transaction
committed, so a printed id is an item that exists.

Registration stays light: the store, KPIs, intake and transfer are imported
inside the handlers that use them, so ``workbench --help`` does not pay for them
(see "Start-up" in docs/development.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from workbench.cli.arguments import (
    Handler,
    Writes,
    add_db_option,
    always_writes,
    count,
    number,
    open_store,
    percent,
    positive_int,
    reads,
    with_store,
)
from workbench.output import counted, plain, plain_text, print_json
from workbench.triage.model import (
    DEFAULT_DRIFT_PCT,
    EDITABLE_FIELDS,
    Evidence,
    EvidenceKind,
    Item,
    ItemFilter,
    Pattern,
    Quadrant,
    Signal,
    Source,
    Status,
    Taxonomy,
)
from workbench.triage.values import ValidationError

if TYPE_CHECKING:
    from workbench.profiles.diff import ProfileDiff
    from workbench.profiles.model import Profile
    from workbench.triage.store import BacklogStore


# -- options ---------------------------------------------------------------
_CHOICES: dict[str, type] = {
    "source": Source,
    "signal": Signal,
    "pattern": Pattern,
    "taxonomy": Taxonomy,
    "status": Status,
}
_EVIDENCE_OPTIONS = ("function", "commit", "benchmark", "url", "profile")


def _enum(kind: type) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind.parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = kind.__name__.lower()
    return parse


def _add_field_options(parser: argparse.ArgumentParser, *, editing: bool) -> None:
    """The item fields as options; for ``add`` they have defaults, for ``edit`` not."""
    parser.add_argument("--hypothesis", help="what you think is slow and why")
    parser.add_argument("--notes", help="free notes (searched with the text filter)")
    for name, kind in _CHOICES.items():
        values = ", ".join(member.value for member in kind)
        parser.add_argument(f"--{name}", type=_enum(kind), help=f"one of: {values}")
    for name in ("impact", "effort"):
        parser.add_argument(
            f"--{name}", type=int, choices=range(1, 6), metavar="1-5", help=f"{name} score"
        )
    parser.add_argument("--kpi", help="KPI name (default: the taxonomy's KPI)")
    for name, meaning in (("baseline", "before"), ("target", "goal"), ("latest", "measured now")):
        parser.add_argument(
            f"--{name}", dest=f"kpi_{name}", type=number, metavar="N", help=f"KPI value {meaning}"
        )
    parser.add_argument("--owner", help="who drives it")
    parser.add_argument("--justification", help="why it is waived or deferred")
    parser.add_argument(
        "--critical",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="on a critical path (benchmark coverage counts these)",
    )
    if editing:
        parser.add_argument("--title")
        parser.add_argument(
            "--expect-version",
            type=count,
            metavar="N",
            help="refuse if the item changed since you read version N (show prints it)",
        )


def _add_evidence_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--function", action="append", default=[], metavar="PATH:QUALNAME")
    parser.add_argument("--commit", action="append", default=[], metavar="SHA")
    parser.add_argument("--benchmark", action="append", default=[], metavar="NAME")
    parser.add_argument("--url", action="append", default=[], metavar="URL")
    parser.add_argument("--profile", action="append", default=[], metavar="FILE")
    parser.add_argument("--note", default="", help="note on the evidence (e.g. a commit's time)")


def _field_values(args: argparse.Namespace) -> dict[str, Any]:
    return {
        name: getattr(args, name)
        for name in EDITABLE_FIELDS
        if getattr(args, name, None) is not None
    }


def _evidence(args: argparse.Namespace) -> list[Evidence]:
    return [
        Evidence(kind, ref, args.note) for kind in _EVIDENCE_OPTIONS for ref in getattr(args, kind)
    ]


def _filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quadrant", type=_enum(Quadrant), help="immediate_pr, design_review, ...")
    parser.add_argument("--taxonomy", type=_enum(Taxonomy))
    parser.add_argument(
        "--status", type=_enum(Status), action="append", default=[], help="repeatable"
    )
    parser.add_argument("--owner")
    parser.add_argument("--function", metavar="PATH:QUALNAME", help="items with this evidence")
    parser.add_argument("-q", "--text", help="full-text search in titles, hypotheses, notes")
    parser.add_argument("--all", action="store_true", help="include closed items")


def filter_from(args: argparse.Namespace) -> ItemFilter:
    return ItemFilter(
        text=args.text,
        quadrant=args.quadrant,
        taxonomy=args.taxonomy,
        status=args.status,
        owner=args.owner,
        function=args.function,
        include_closed=args.all,
    )


# -- commands --------------------------------------------------------------
def _add(store: BacklogStore, args: argparse.Namespace) -> int:
    values = _field_values(args)
    try:
        item = Item(evidence=_evidence(args), **values)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    print(store.add(item).id)
    return 0


def _list(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.triage.transfer import item_to_dict, write_csv

    item_filter = filter_from(args)
    items = store.items(item_filter, offset=args.offset, limit=args.limit)
    if args.format == "json":
        print_json([item_to_dict(item) for item in items])
    elif args.format == "csv":
        write_csv(items, sys.stdout)
    else:
        total = store.count(item_filter)
        for item in items:
            print(_line(item))
        shown = f"{args.offset + 1}-{args.offset + len(items)} of {total}" if items else "0"
        print(f"-- {shown} items (split {store.split}: a score ≥ {store.split} is high)")
    return 0


def _line(item: Item) -> str:
    return (
        f"#{item.id:<5} {item.quadrant.action:<13} I{item.impact} E{item.effort}  "
        f"{item.status.value:<11} {item.taxonomy.value:<10} {plain(item.owner or '-'):<10} "
        f"{plain(item.title)}"
    )


def _show(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.triage.next_step import PLACEHOLDER, next_step

    item = store.get(args.id)
    history = store.history(args.id)
    if args.format == "json":
        from workbench.triage.transfer import item_to_dict

        print_json(
            {
                **item_to_dict(item),
                "next_step": next_step(item).to_json(),
                "history": [vars(event) for event in history],
            }
        )
        return 0
    from workbench.reports.triage_markdown import kpi_cell

    rows = [
        ("quadrant", f"{item.quadrant.label} → {item.action} (impact {item.impact}, "
                     f"effort {item.effort}, split {store.split})"),
        ("status", item.status.label + (f" — {item.justification}" if item.justification else "")),
        ("owner", item.owner or "-"),
        ("taxonomy", f"{item.taxonomy.label}; KPI {kpi_cell(item)}"),
        ("source", f"{item.source.label}; signal {item.signal.label}; "
                   f"pattern {item.pattern.label}"),
        ("critical", "yes" if item.critical else "no"),
        ("hypothesis", item.hypothesis or "-"),
        ("notes", item.notes or "-"),
        ("created", f"{item.created_at[:19]}; updated {item.updated_at[:19]}; "
                    f"version {item.version}"),
    ]  # fmt: skip
    print(f"#{item.id} {plain(item.title)}")
    for name, value in rows:
        print(f"  {name:<11}{_indented(value)}")
    print("  evidence")
    for evidence in item.evidence or []:
        note = f"  ({evidence.note})" if evidence.note else ""
        print(f"    [{evidence.id}] {evidence.kind.value:<10}{plain(evidence.ref)}{plain(note)}")
    if not item.evidence:
        print("    none (workbench backlog link ID --function PATH:QUALNAME ...)")
    step = next_step(item)
    print(f"  next step  {step.tool}: {plain(step.what)}")
    print(f"    $ {plain(step.command)}")
    if step.needs_command:
        print(f"    (put the program to run where {PLACEHOLDER} is)")
    print("  history")
    for event in history:
        print(f"    {event.at[:19]}  {plain(event.actor)}  {plain(event.summary)}")
    return 0


def _indented(value: str) -> str:
    """A field that may have lines (notes, hypothesis): control characters escaped, and
    every line after the first indented under the first, so no line of a note can pass
    for a field name, an evidence row or an item of its own."""
    return plain_text(value).replace("\n", "\n" + " " * 13)


def _edit(store: BacklogStore, args: argparse.Namespace) -> int:
    changes = _field_values(args)
    if not changes:
        raise ValidationError("nothing to change; give at least one option like --title")
    item = store.update(args.id, changes, expected_version=args.expect_version)
    print(_line(item))
    return 0


def _score(text: str | None) -> tuple[int, int | None]:
    """``+1``/``-2`` are relative (the delta, no absolute score), ``4`` absolute."""
    if text is None:
        return 0, None
    try:
        number = int(text)
    except ValueError:
        raise ValidationError(f"{text!r} is not a score: use +1, -1 or 1..5") from None
    return (number, None) if text[:1] in "+-" else (0, number)


def _move(store: BacklogStore, args: argparse.Namespace) -> int:
    if args.expect_version is not None and len(args.ids) > 1:
        raise ValidationError("--expect-version applies to one item; move one ID at a time")
    impact_delta, impact = _score(args.impact)
    effort_delta, effort = _score(args.effort)
    expected = None if args.expect_version is None else {args.ids[0]: args.expect_version}
    for item in store.move_many(
        args.ids,
        impact_delta=impact_delta,
        effort_delta=effort_delta,
        impact=impact,
        effort=effort,
        expected_versions=expected,
    ):
        print(_line(item))
    return 0


def _status(store: BacklogStore, args: argparse.Namespace) -> int:
    for item in store.set_status(args.ids, args.status, justification=args.justification):
        print(_line(item))
    return 0


def _link(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.triage import kpis as kpi_module

    evidence = _evidence(args)
    if not evidence:
        raise ValidationError("nothing to link; give --function, --commit, --benchmark, --url "
                              "or --profile")  # fmt: skip
    item = store.link_many(args.id, evidence)
    for path in args.profile:
        kpi_module.record_profile_top(store, Path(path), args.target or Path(path).stem)
    print(_line(item))
    return 0


def _snapshot(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.triage import kpis as kpi_module

    top_n = kpi_module.DEFAULT_TOP_N if args.top is None else args.top
    top = kpi_module.record_profile_top(
        store, args.profile, args.target, top_n=top_n, recorded_at=args.at
    )
    print(f"stored top {len(top)} functions of {args.profile} for target {args.target}")
    return 0


def _split(store: BacklogStore, args: argparse.Namespace) -> int:
    if args.split is not None:
        store.set_split(args.split)
    print(f"split {store.split}: impact or effort ≥ {store.split} is high")
    return 0


def _import(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.triage.transfer import read_import

    result = read_import(args.file)
    for row, reason in result.skipped:
        print(f"skipped row {row}: {plain(reason)}", file=sys.stderr)
    if result.skipped and args.strict:
        raise ValidationError(
            f"{len(result.skipped)} rows cannot be imported (listed above); nothing was imported"
        )
    if args.dry_run or not result.items:
        print(f"would import {len(result.items)} items, skip {len(result.skipped)}")
        return 0
    added = store.add_many(result.items, label=f"import {args.file.name}")
    print(
        f"imported {len(added)} items (#{added[0].id}-#{added[-1].id}), "
        f"skipped {len(result.skipped)}; `workbench backlog undo` removes them all"
    )
    return 0


def _propose(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.profiles.diff import diff_profiles
    from workbench.profiles.io import read_profile
    from workbench.triage.intake import propose_items

    diff = diff_profiles(
        read_profile(args.base), read_profile(args.branch), hotspot_pct=args.hotspot_pct
    )
    print_proposals(propose_items(diff, store, args.drift_pct), sys.stdout)
    return 0


def print_proposals(
    items: list[Item],
    stream: TextIO,
    none: str = "no new hotspot or regression above the drift threshold needs a new item",
) -> None:
    """One line per new item, or ``none`` (why there is none)."""
    for item in items:
        print(f"proposed {_line(item)}", file=stream)
    if not items:
        print(none, file=stream)


def _add_drift_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--drift-pct",
        type=percent,
        default=DEFAULT_DRIFT_PCT,
        metavar="PCT",
        help=f"self-share growth in points that proposes an item (default: {DEFAULT_DRIFT_PCT:g})",
    )


def add_propose_options(parser: argparse.ArgumentParser) -> None:
    """``--propose [--drift-pct PCT] [--range BASE..BRANCH [--repo DIR]] [--db PATH]``."""
    parser.add_argument(
        "--propose",
        action="store_true",
        help="file a backlog item for each new hotspot or regression above --drift-pct",
    )
    _add_drift_option(parser)
    parser.add_argument(
        "--range",
        dest="rev_range",
        metavar="BASE..BRANCH",
        help="with --propose: the commits between the profiles; each item links its likely "
        "commit (as workbench candidates ranks them)",
    )
    parser.add_argument(
        "--repo", metavar="DIR", help="git repository of the code for --range (default: .)"
    )
    if not any("--db" in action.option_strings for action in parser._actions):
        add_db_option(parser)


def propose_from_diff(
    diff: ProfileDiff,
    args: argparse.Namespace,
    profiles: tuple[Profile, Profile] | None = None,
) -> None:
    """``workbench diff --propose``: store the proposals; report them on stderr so the
    diff's own output (text, JSON, Markdown) on stdout stays clean. With ``--range``
    and the two ``profiles``, each item links its likely commit."""
    from workbench.triage.intake import Suspects, propose_items

    suspects = Suspects()
    if getattr(args, "rev_range", None) and profiles is not None:
        from workbench.analysis.attribution import attribute

        suspects = Suspects(attribute(args.repo, *profiles, args.rev_range))
    with open_store(args) as store:
        items = propose_items(diff, store, args.drift_pct, suspects=suspects)
        print_proposals(items, sys.stderr)
    for item in items:
        commits = [e for e in item.evidence if e.kind is EvidenceKind.COMMIT]
        for commit in commits:
            print(f"  #{item.id} links {commit.ref[:12]}: {plain(commit.note)}", file=sys.stderr)
    if items and not any(e.kind is EvidenceKind.COMMIT for i in items for e in i.evidence):
        print(f"  no commit linked: {plain(suspects.none_reason())}", file=sys.stderr)


def _replay(store: BacklogStore, args: argparse.Namespace) -> int:
    batch = store.undo() if args.command_name == "undo" else store.redo()
    if batch is None:
        print(f"nothing to {args.command_name}")
        return 0
    items = sorted({event.item_id for event in batch.events})
    print(f"{plain(batch.label)} ({counted(len(batch.events), 'change')} on "
          f"{counted(len(items), 'item')})")  # fmt: skip
    return 0


def _kpis(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.triage import kpis as kpi_module

    report = kpi_module.compute_kpis(store, repo=args.repo)
    if args.format == "json":
        print_json(report.to_json())
        return 0
    for kpi in report.kpis:
        print(f"{kpi.name:<22} {kpi.display:>8}  target {kpi.target:<9} {kpi.status:<9} "
              f"{kpi.detail}")  # fmt: skip
    for escalation in report.escalations:
        print(f"ESCALATE  {plain(escalation.reason)}")
    return 0


def _init(args: argparse.Namespace) -> int:
    """Create the backlog (or add it to another application's file, when asked)."""
    with open_store(args) as store:
        print(f"backlog {store.path}: {counted(store.count(), 'open item')}")
    return 0


def _check(args: argparse.Namespace) -> int:
    """The full integrity check; exit 1 when the file is damaged."""
    from workbench.cli.arguments import db_path
    from workbench.triage.repair import check

    path = db_path(args)
    problems = check(path)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        print(f"{path}: damaged: {plain(problems[0])}{more}; "
              f"`workbench backlog repair --db {path}` rebuilds it")  # fmt: skip
        return 1
    print(f"{path}: sound (SQLite integrity_check and the search index's check)")
    return 0


def _repair(args: argparse.Namespace) -> int:
    from workbench.cli.arguments import db_path
    from workbench.triage.repair import repair

    path = db_path(args)
    done = repair(path, backup=args.source)
    if done.kept is None:
        print(f"{path}: sound (full integrity check); nothing to repair")
        return 0
    origin = "its own tables" if args.source is None else f"the backup {args.source}"
    print(f"rebuilt {path} from {origin}: {counted(done.items, 'item')}; the damaged file is "
          f"kept as {done.kept} (it had: {plain(done.problems[0])})")  # fmt: skip
    if args.source is not None:
        print("changes made after the backup are only in the damaged file", file=sys.stderr)
    return 0


# -- registration ----------------------------------------------------------
def register(sub: argparse._SubParsersAction) -> None:
    """Add ``backlog`` (with its verbs) and ``kpis`` to the ``workbench`` parser."""
    backlog = sub.add_parser(
        "backlog",
        help="triage backlog: add, list, groom, import, undo",
        description=(
            "The triage backlog: items on the impact/effort matrix with taxonomy, KPI and "
            "evidence. Every verb takes --db PATH (default: .workbench/triage.db at the git "
            "root, else the user data dir); writes print only once committed."
        ),
    )
    verbs = backlog.add_subparsers(dest="backlog_command", metavar="VERB", required=True)

    def verb(
        name: str,
        run: Callable[[BacklogStore, argparse.Namespace], int],
        help_: str,
        writes: Writes = always_writes,
    ):
        parser = verbs.add_parser(name, help=help_, description=help_)
        add_db_option(parser)
        parser.set_defaults(handler=with_store(run, writes), command_name=name)
        return parser

    add = verb("add", _add, "add an item; prints its id once committed")
    add.add_argument("title")
    _add_field_options(add, editing=False)
    _add_evidence_options(add)

    listing = verb("list", _list, "list items in matrix order (open items unless --all)", reads)
    _filter_options(listing)
    listing.add_argument("--format", choices=("text", "json", "csv"), default="text")
    listing.add_argument("--limit", type=count, default=100)
    listing.add_argument("--offset", type=count, default=0)

    show = verb("show", _show, "an item with its evidence and history", reads)
    show.add_argument("id", type=positive_int)
    show.add_argument("--format", choices=("text", "json"), default="text")

    edit = verb("edit", _edit, "change fields of an item")
    edit.add_argument("id", type=positive_int)
    _add_field_options(edit, editing=True)

    move = verb("move", _move, "change impact/effort of one or more items (one undo): ±N or 1..5")
    move.add_argument("ids", type=positive_int, nargs="+", metavar="ID")
    move.add_argument("--impact", metavar="±N|N")
    move.add_argument("--effort", metavar="±N|N")
    move.add_argument("--expect-version", type=count, metavar="N")

    status = verb("status", _status, "set the status of one or more items")
    status.add_argument("status", type=_enum(Status), help=", ".join(s.value for s in Status))
    status.add_argument("ids", type=positive_int, nargs="+", metavar="ID")
    status.add_argument("--justification", help="required to waive")

    link = verb("link", _link, "attach evidence; --profile also stores its top functions")
    link.add_argument("id", type=positive_int)
    _add_evidence_options(link)
    link.add_argument("--target", help="what --profile profiled, for hotspot churn (default: stem)")

    snapshot = verb("snapshot", _snapshot, "store a profile's top functions for hotspot churn")
    snapshot.add_argument("profile", type=Path)
    snapshot.add_argument("--target", required=True, help="service or benchmark profiled")
    # default: kpis.DEFAULT_TOP_N, applied when run
    snapshot.add_argument("--top", type=positive_int)
    snapshot.add_argument(
        "--at",
        metavar="TIME",
        help="when the profile was captured (ISO 8601; default: its own captured-at, else now)",
    )

    split = verb(
        "split",
        _split,
        "show or set the score at which impact/effort count as high",
        lambda args: args.split is not None,
    )
    split.add_argument("split", type=int, nargs="?", choices=range(2, 6), metavar="2-5")

    importing = verb(
        "import",
        _import,
        "import items from our JSON export or a CSV sheet",
        lambda args: not args.dry_run,
    )
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="report, write nothing")
    importing.add_argument("--strict", action="store_true", help="refuse if any row is skipped")

    propose = verb("propose", _propose, "file items for the drift between two profiles")
    propose.add_argument("base", type=Path)
    propose.add_argument("branch", type=Path)
    _add_drift_option(propose)
    propose.add_argument(
        "--hotspot-pct",
        type=percent,
        default=5.0,
        metavar="PCT",
        help="branch self share that makes a new hotspot (as in workbench diff)",
    )

    verb("undo", _replay, "revert your last change (one action, possibly many items)")
    verb("redo", _replay, "re-apply the change you last undid")

    def file_verb(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        parser = verbs.add_parser(name, help=help_, description=help_)
        add_db_option(parser)
        parser.set_defaults(handler=handler, command_name=name)
        return parser

    init = file_verb("init", _init, "create the backlog (reads never create one)")
    init.add_argument(
        "--add-to-existing",
        action="store_true",
        help="add the backlog's tables to another application's SQLite file (copied first)",
    )
    file_verb("check", _check, "full integrity check of the database file; exit 1 if damaged")
    repair = file_verb(
        "repair",
        _repair,
        "rebuild a damaged backlog in a new file from its tables (or a backup); keeps the old",
    )
    repair.add_argument(
        "--from", dest="source", type=Path, metavar="BACKUP", help="rebuild from this copy"
    )

    kpis = sub.add_parser("kpis", help="team KPIs and escalations from the backlog")
    add_db_option(kpis)
    kpis.add_argument("--format", choices=("text", "json"), default="text")
    kpis.add_argument("--repo", type=Path, help="git repository to date linked commits")
    kpis.set_defaults(handler=with_store(_kpis))
