"""sampling: see DESIGN.md."""
