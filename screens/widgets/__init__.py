"""Reusable widgets shared by the panes (icicle, delta tables, summaries, …)."""
