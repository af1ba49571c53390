"""triage: see DESIGN.md."""
