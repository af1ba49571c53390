"""Released files from PyPI, fetched with pip at test time and kept for the session.

Wheels, not sdists: a pure-Python wheel is a zip of the package as released,
so nothing is built (an sdist's metadata step can fail on a modern toolchain).
``WORKBENCH_CORPUS_CACHE`` names a folder to keep them across sessions.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


class Wheels:
    """Downloads ``name==version`` once and hands out its unpacked tree."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)

    def tree(self, name: str, version: str) -> Path:
        """The unpacked wheel of ``name==version`` (downloaded on first use)."""
        target = self.cache / f"{name}-{version}"
        if target.is_dir():
            return target
        downloads = self.cache / "downloads" / f"{name}-{version}"
        if not any(downloads.glob("*.whl")):
            downloads.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [
                    sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                    "--only-binary", ":all:", "-d", str(downloads), f"{name}=={version}",
                ],
                capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            assert done.returncode == 0, f"pip download {name}=={version}: {done.stderr[-500:]}"
        (wheel,) = downloads.glob("*.whl")
        partial = target.with_suffix(".partial")
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(partial)
        partial.rename(target)
        return target
