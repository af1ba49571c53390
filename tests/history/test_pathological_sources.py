"""Sources Python's own parser cannot hold are one HistoryError line, not a traceback."""

from __future__ import annotations

import pytest

from workbench.errors import HistoryError
from workbench.history.locate import definitions


@pytest.mark.parametrize(
    "source",
    ["x = 1" + "+1" * 200_000, "x = " + "-" * 200_000 + "1"],  # 200,000 deep
)
def test_sources_too_deep_for_the_parser_are_one_line(source: str) -> None:
    with pytest.raises(HistoryError, match="nested too deeply|too large") as caught:
        definitions(source)
    assert "\n" not in str(caught.value)


def test_a_source_that_is_not_python3_is_scanned_instead() -> None:
    found, scanned = definitions("def f():\n    print 'py2'\n\ndef g():\n    return 1\n")
    assert scanned
    assert [span.qualname for span in found] == ["f", "g"]
