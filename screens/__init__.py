"""The Textual UI: a thin layer over ``workbench``. One module per pane."""
