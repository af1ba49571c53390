"""Regenerate the Compare demo pair: ``base.txt`` and ``branch.txt`` beside this file.

Runs ``workload.py`` once per variant under real ``py-spy record`` (collapsed
``raw`` format, ``--threads`` so each stack names its thread, ``--gil`` so only
the thread holding the GIL is sampled and the sleeping indexer thread does not
blur the comparison). The two runs are sequential so they do not compete
for the CPU.

    python data/compare_demo/make_profiles.py [--seconds 5] [--rate 200]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The demo pair is committed, so it must stay small.
MAX_BYTES = 60_000


def py_spy() -> str:
    """The py-spy executable installed with the project (next to this Python), else on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.exists() else shutil.which("py-spy")
    if not found:
        raise SystemExit("py-spy not found; install the project (pip install -e .) first")
    return found


def record(variant: str, seconds: float, rate: int) -> Path:
    """Profile one variant of the workload into ``<variant>.txt``."""
    output = HERE / f"{variant}.txt"
    command = [
        py_spy(), "record", "--format", "raw", "--threads", "--gil",
        "--rate", str(rate), "--output", str(output), "--",
        sys.executable, str(HERE / "workload.py"), "--variant", variant, "--seconds", str(seconds),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    size = output.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{output} is {size} bytes (> {MAX_BYTES}); use fewer --seconds")
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="run time per variant")
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    args = parser.parse_args()
    for variant in ("base", "branch"):
        print(record(variant, args.seconds, args.rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
