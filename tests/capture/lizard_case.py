"""A real regression: lizard 1.15.7 → 1.16.1 (PyPI), a C workload ~5× slower.

lizard (a pure-Python code-complexity analyser) 1.16.x added tokens for
JSX-like tags to the tokenizer regex in ``lizard_languages/code_reader.py``
(``<\\s*.*?\\s*>.*?<\\/\\s*.*?\\s*>``); on C code full of ``a < b`` comparisons
it backtracks, and analysing a file gets several times slower, growing with
its length (reported upstream as "Latest release made it considerably
slower", terryyin/lizard#253).

The test builds a git history from the two released wheels (downloaded with
pip, kept in pytest's cache between runs): the 1.15.7 files, then every file
that differs in 1.16.1 as its own commit, in an order that breaks the package
for two commits on the way (``lizard_languages/__init__.py`` imports the new
``lua`` module before it exists) — so bisect must skip them — and puts the
culprit ``code_reader.py`` in the middle. Only files that differ are
committed; nothing of lizard is kept in this repository.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

GOOD = "1.15.7"
BAD = "1.16.1"
CULPRIT = "lizard_languages/code_reader.py"
#: Changed files in commit order (each its own commit); the rest follow alphabetically.
ORDER = [
    "lizard_ext/version.py",
    "lizard_languages/csharp.py",
    "lizard_languages/__init__.py",  # imports .lua: broken until lua.py lands
    "lizard_languages/rubylike.py",
    "lizard_languages/lua.py",
    "lizard_languages/ruby.py",
    CULPRIT,
]

#: The workload: analyse a C file of N small functions with comparisons in them.
WORKLOAD = """
import sys
import lizard

code = "\\n".join(
    f"int f{i}(int a, int b) {{ if (a > b) {{ return a * {i}; }} "
    f"for (int k = 0; k < b; k++) a += k; return a; }}"
    for i in range(int(sys.argv[1]))
)
result = lizard.analyze_file.analyze_source_code("x.c", code)
assert len(result.function_list) == int(sys.argv[1])
"""


def download(version: str, into: Path) -> Path:
    """The release's wheel, fetched with pip once (pip reaches PyPI in CI too)."""
    folder = into / version
    wheels = list(folder.glob("lizard-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
             "-d", str(folder), f"lizard=={version}"],
            check=True,
            capture_output=True,
            timeout=300,
        )  # fmt: skip
        wheels = list(folder.glob("lizard-*.whl"))
    return wheels[0]


def _files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {
            name: archive.read(name)
            for name in archive.namelist()
            if name.endswith(".py") and ".dist-info" not in name and ".data/" not in name
        }


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def build_repo(repo: Path, cache: Path) -> dict[str, str]:
    """The history described in the module doc; returns ``{"good", "bad", "culprit"}`` shas."""
    old, new = _files(download(GOOD, cache)), _files(download(BAD, cache))
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "lizard-case@workbench.invalid")
    _git(repo, "config", "user.name", "Lizard Case")
    for name, data in old.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_bytes(data)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"lizard {GOOD} as released on PyPI")
    _git(repo, "tag", f"v{GOOD}")
    shas = {"good": _git(repo, "rev-parse", "HEAD")}
    changed = sorted(name for name in new if old.get(name) != new[name])
    for name in ORDER + [name for name in changed if name not in ORDER]:
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(new[name])
        _git(repo, "add", name)
        _git(repo, "commit", "-q", "-m", f"{name} as in lizard {BAD}")
        if name == CULPRIT:
            shas["culprit"] = _git(repo, "rev-parse", "HEAD")
    _git(repo, "tag", f"v{BAD}")
    shas["bad"] = _git(repo, "rev-parse", "HEAD")
    return shas
