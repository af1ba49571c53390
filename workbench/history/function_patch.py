"""The diff of one function between two versions, with the whole function as context."""

from __future__ import annotations

import difflib

from workbench.history.finder import Version


def _common_prefix(a: list[str], b: list[str], limit: int) -> int:
    """Length of the longest common prefix, by bisection on C-speed slice comparisons."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: list[str], b: list[str], limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def function_patch(
    old: Version, new: Version, old_path: str, new_path: str
) -> tuple[int, int, str]:
    """Lines added and removed inside the function; its diff, the whole function as context.

    The common head and tail are set aside first, so the line matcher only
    sees the edited middle (a few lines, however long the function). The text
    is decoded in each version's own encoding (PEP 263).
    """
    old_text, new_text = old.source, new.source
    before = old_text.split("\n") if old_text is not None else []
    after = new_text.split("\n") if new_text is not None else []
    limit = min(len(before), len(after))
    head = _common_prefix(before, after, limit)
    tail = _common_suffix(before, after, limit - head)
    middle_before = before[head : len(before) - tail]
    middle_after = after[head : len(after) - tail]
    body = [" " + line for line in before[:head]]
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, middle_before, middle_after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            body += [" " + line for line in middle_before[i1:i2]]
            continue
        body += ["-" + line for line in middle_before[i1:i2]]
        body += ["+" + line for line in middle_after[j1:j2]]
        removed += i2 - i1
        added += j2 - j1
    body += [" " + line for line in before[len(before) - tail :]] if tail else []
    old_start = old.span.start if old.span else 0
    new_start = new.span.start if new.span else 0
    header = [
        f"--- a/{old_path}" if old.text is not None else "--- /dev/null",
        f"+++ b/{new_path}",
        f"@@ -{old_start},{len(before)} +{new_start},{len(after)} @@",
    ]
    return added, removed, "\n".join(header + body)
