"""history: see DESIGN.md."""
