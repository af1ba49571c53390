"""LiveTable's title: a new title repaints the border line, never the rows."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.strip import Strip

from screens.widgets.live_table import LiveTable

COLUMNS = (("name", "name", None), ("n", "n", 4))


class CountingTable(LiveTable):
    """A real LiveTable that counts the content lines it renders."""

    DEFAULT_CSS = "CountingTable { border: round $accent; }"

    def __init__(self) -> None:
        super().__init__(COLUMNS)
        self.rendered = 0

    def render_line(self, y: int) -> Strip:
        self.rendered += 1
        return super().render_line(y)


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield CountingTable()


def screen_text(app: App[None]) -> str:
    return "\n".join(line.text for line in app.screen._compositor.render_strips())


async def test_new_title_is_drawn_without_repainting_rows() -> None:
    app = TableApp()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(CountingTable)
        table.show([(f"k{i}", (Text(f"row [b]{i}[/b]"), Text(str(i)))) for i in range(4)])
        table.show_title(Text("view · 0.50 CPU s [red]"))
        await pilot.pause()
        assert "view · 0.50 CPU s [red]" in screen_text(app)  # literal: never markup
        assert "row [b]3[/b]" in screen_text(app)

        table.rendered = 0
        table.show_title(Text("view · 0.75 CPU s"))
        await pilot.pause()
        text = screen_text(app)
        assert "view · 0.75 CPU s" in text and "0.50" not in text
        assert "row [b]3[/b]" in text
        assert table.rendered == 0  # only the border line (drawn by Textual) was repainted
        assert table.border_title == "view · 0.75 CPU s"
