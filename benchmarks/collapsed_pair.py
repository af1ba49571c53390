"""A deterministic base/branch pair of collapsed profiles that look like py-spy's.

Frames are ``func_34 (pkg/mod_12.py:127)``: 60 modules of 40 functions, a
few lines per function (so line-level and function-level identities differ),
stacks 20–40 deep under a fixed entry prefix, one in ten stacks recursing
through ``walk`` 2–4 times (and, as in real code, many stacks that call one
function twice through others). The branch is the base with known changes, so a
diff has something to find:

* the stacks ending in :data:`SLOWER` weigh 4× more, those in :data:`FASTER` 4× less;
* every tenth stack ends in :data:`NEW_HOTSPOT` instead (about 10% of self time).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

MODULES = 60
FUNCTIONS_PER_MODULE = 40
LINES_PER_FUNCTION = 8
ENTRY = ("<module> (app.py:1)", "main (app.py:50)", "serve (pkg/server.py:88)")
WALK = tuple(f"walk (pkg/tree.py:{line})" for line in (12, 14, 17))
NEW_HOTSPOT = "load_cache (pkg/cache_new.py:33)"
SLOWER = ("mod_7.py:func_3", "mod_21.py:func_9", "mod_40.py:func_1")
FASTER = ("mod_2.py:func_5", "mod_33.py:func_30", "mod_50.py:func_12")


def labels() -> list[str]:
    """Every body frame label; index = frame id in the generated arrays."""
    return [
        f"func_{function} (pkg/mod_{module}.py:{10 + function * 20 + line})"
        for module in range(MODULES)
        for function in range(FUNCTIONS_PER_MODULE)
        for line in range(LINES_PER_FUNCTION)
    ]


def _function_of_label(index: int) -> str:
    """``mod_M.py:func_F`` of body label ``index`` (to pick the shifted stacks)."""
    function_index = index // LINES_PER_FUNCTION
    module, function = divmod(function_index, FUNCTIONS_PER_MODULE)
    return f"mod_{module}.py:func_{function}"


def write_pair(directory: Path, stacks: int, *, seed: int = 20251123) -> tuple[Path, Path]:
    """Write ``base.txt`` and ``branch.txt`` into ``directory``; same input, same bytes."""
    rng = np.random.default_rng(seed)
    names = labels()
    depths = rng.integers(20, 41, size=stacks)
    body = depths - len(ENTRY)
    offsets = np.concatenate([[0], np.cumsum(body)])
    ids = rng.integers(0, len(names), size=int(offsets[-1]))
    weights = 1 + rng.geometric(0.2, size=stacks)
    recursing = np.flatnonzero(rng.random(stacks) < 0.1)
    walk_depth = rng.integers(2, 5, size=len(recursing))

    leaves = ids[offsets[1:] - 1]
    leaf_function = np.array([_function_of_label(i) for i in range(len(names))])[leaves]
    branch_weights = weights.copy()
    branch_weights[np.isin(leaf_function, SLOWER)] *= 4
    faster = np.isin(leaf_function, FASTER)
    branch_weights[faster] = np.maximum(1, branch_weights[faster] // 4)
    hotspot = np.zeros(stacks, dtype=bool)
    hotspot[::10] = True

    walks = dict(zip(recursing.tolist(), walk_depth.tolist(), strict=True))
    base_path, branch_path = directory / "base.txt", directory / "branch.txt"
    entry = ";".join(ENTRY)
    with base_path.open("w") as base_out, branch_path.open("w") as branch_out:
        base_lines: list[str] = []
        branch_lines: list[str] = []
        for index in range(stacks):
            frames = [names[i] for i in ids[offsets[index] : offsets[index + 1]].tolist()]
            repeat = walks.get(index)
            if repeat:
                middle = len(frames) // 2
                frames[middle : middle + repeat] = [
                    WALK[level % len(WALK)] for level in range(repeat)
                ]
            stack = entry + ";" + ";".join(frames)
            base_lines.append(f"{stack} {weights[index]}\n")
            if hotspot[index]:
                stack = stack[: stack.rfind(";") + 1] + NEW_HOTSPOT
            branch_lines.append(f"{stack} {branch_weights[index]}\n")
            if len(base_lines) >= 10_000:
                base_out.writelines(base_lines)
                branch_out.writelines(branch_lines)
                base_lines.clear()
                branch_lines.clear()
        base_out.writelines(base_lines)
        branch_out.writelines(branch_lines)
    return base_path, branch_path
