"""Subcommands that open the app: compare, attach, run, demo (filled in per pane)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # noqa: ARG001 - placeholder
    """Add the app-opening subcommands to the ``workbench`` parser."""
