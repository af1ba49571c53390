"""The Live pane's one-line diagnosis: the likely pattern and the figures behind it.

Focusable, so the file-item key (``b``) acts on it when it has focus: the
item gets the line as its title and the figures as its evidence. Drawn from
``Text``: nothing in it is markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from workbench.sampling.diagnosis import Diagnosis

#: Rich style per pattern family: leaks and contention stand out, "unknown" is quiet.
STYLES = {
    "unknown": "dim",
    "cpu-bound": "bold",
    "io-bound": "bold",
    "waiting": "bold",
    "gil-contention": "bold yellow",
    "fd-leak": "bold red",
    "thread-leak": "bold red",
    "memory-growth": "bold red",
}


class DiagnosisLine(Static, can_focus=True):
    """One line: ``◆ likely I/O bound: 71% idle, 2.3 MB/s reads · 62% sure``."""

    diagnosis: Diagnosis | None = None

    def show(self, diagnosis: Diagnosis | None) -> None:
        """Redraw when the diagnosis changed."""
        if diagnosis == self.diagnosis:
            return
        self.diagnosis = diagnosis
        if diagnosis is None:
            self.update(
                Text("◇ diagnosis: waiting for the first readings", style="dim"), layout=False
            )
            return
        text = Text("◆ ", style=STYLES.get(diagnosis.pattern, ""))
        text.append(diagnosis.line, style=STYLES.get(diagnosis.pattern, ""))
        if diagnosis.pattern != "unknown":
            text.append(f" · {diagnosis.confidence:.0%} sure", style="dim")
        self.update(text, layout=False)  # a fixed height (styles): no layout each second
