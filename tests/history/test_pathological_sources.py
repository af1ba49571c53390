"""Sources Python's own parser cannot hold are one HistoryError line, not a traceback."""

from __future__ import annotations

import pytest

from workbench.errors import HistoryError
from workbench.history.locate import function_names


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("x = 1" + "+1" * 200_000, "nested too deeply|too large"),  # 200,000 deep
        ("x = " + "-" * 200_000 + "1", "nested too deeply|too large"),
        ("def f(:\n", "does not parse"),
    ],
)
def test_unparsable_sources_are_one_line(source: str, said: str) -> None:
    with pytest.raises(HistoryError, match=said) as caught:
        function_names(source)
    assert "\n" not in str(caught.value)
