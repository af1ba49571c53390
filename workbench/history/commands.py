"""Subcommands: show, diff, gate, convert (filled in by the profiles work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # noqa: ARG001 - placeholder
    """Add this area's subcommands to the ``workbench`` parser."""
