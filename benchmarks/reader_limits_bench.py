"""How reading grows with what an adversarial file can make large: depth and line length.

Usage::

    python benchmarks/reader_limits_bench.py [--depths 2500 5000 10000 20000] [--line-mb 30]

Prints, each in a fresh process (so peaks do not add up):

* an **evented speedscope** profile nested D deep (open D frames, one time step
  each, then close them), every level holding time: CPU seconds and peak RSS
  per depth, and the ratio of time to depth (flat when reading is linear);
* a **collapsed file of one line** of ``--line-mb`` MB (frames of 9 bytes, and one
  single frame of that size): peak RSS against the file's size.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SCHEMA = "https://www.speedscope.app/file-format-schema.json"


def evented(depth: int) -> dict:
    frames = [{"name": f"f{index}", "file": "deep.py", "line": index + 1} for index in range(64)]
    events = [{"type": "O", "frame": level % 64, "at": level} for level in range(depth)]
    events += [
        {"type": "C", "frame": (depth - 1 - level) % 64, "at": depth + level}
        for level in range(depth)
    ]
    profile = {
        "type": "evented",
        "name": "deep",
        "unit": "milliseconds",
        "startValue": 0,
        "endValue": 2 * depth,
        "events": events,
    }
    return {"$schema": SCHEMA, "shared": {"frames": frames}, "profiles": [profile]}


def measure(path: Path) -> tuple[float, int]:
    """CPU seconds and peak RSS (bytes) of a fresh process reading ``path``."""
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's high-water mark.
    code = (
        "import sys, time\n"
        "from workbench.profiles.io import read_profile\n"
        "start = time.process_time()\n"
        "read_profile(sys.argv[1])\n"
        "spent = time.process_time() - start\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print(spent, int(peak.split()[1]) * 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    spent, peak = result.stdout.split()
    return float(spent), int(peak)


def baseline_rss() -> int:
    code = (
        "import numpy, workbench.profiles.io\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print(int(peak.split()[1]) * 1024)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return int(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[2500, 5000, 10000, 20000])
    parser.add_argument("--line-mb", type=int, default=30)
    args = parser.parse_args()
    idle = baseline_rss()
    print(f"an interpreter with the readers imported peaks at {idle / 1e6:.0f} MB")
    with tempfile.TemporaryDirectory(prefix="reader-limits-") as folder:
        print(f"{'evented depth':>14} {'file MB':>8} {'CPU s':>7} {'us/level':>9} {'peak MB':>8}")
        for depth in args.depths:
            path = Path(folder) / f"deep{depth}.json"
            path.write_text(json.dumps(evented(depth)))
            spent, peak = measure(path)
            size = path.stat().st_size / 1e6
            print(
                f"{depth:>14,} {size:>8.1f} {spent:>7.2f} {spent / depth * 1e6:>9.1f} "
                f"{peak / 1e6:>8.0f}"
            )
        size = args.line_mb * 1_000_000
        lines = {
            "9-byte frames": ";".join(f"f{index % 5000:07d}" for index in range(size // 9)),
            "one frame": "x" * size,
        }
        print(f"{'one line of':>14} {'file MB':>8} {'CPU s':>7} {'peak MB':>9} {'over idle':>10}")
        for name, line in lines.items():
            path = Path(folder) / "line.txt"
            path.write_text(f"{line} 5\nmain 3\n")
            spent, peak = measure(path)
            over = (peak - idle) / path.stat().st_size
            print(
                f"{name:>14} {path.stat().st_size / 1e6:>8.0f} {spent:>7.2f} "
                f"{peak / 1e6:>9.0f} {over:>9.1f}x"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
