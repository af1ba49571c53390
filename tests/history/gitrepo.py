"""Real git repositories built in temp dirs, with fixed authors and dates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

AUTHORS = {
    "alice": ("Alice Example", "alice@example.com"),
    "bob": ("Bob | Builder", "bob@example.com"),
    "carol": ("Carol `Coder`", "carol@example.com"),
}


class GitRepo:
    """A repository whose commits get deterministic authors and dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.commits: dict[str, str] = {}
        """Commit label -> sha."""
        self._day = 0
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
        return subprocess.run(
            ["git", "-c", "user.name=T", "-c", "user.email=t@example.com", *args],
            cwd=self.path,
            env=full_env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def write(self, name: str, text: str | bytes) -> None:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)  # a source in another encoding, as it is
        else:
            target.write_text(text)
        self.git("add", "--", name)

    def commit(self, label: str, author: str = "alice") -> str:
        self._day += 1
        name, email = AUTHORS[author]
        date = f"2024-01-{self._day:02d}T12:00:00+00:00"
        env = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
            "GIT_COMMITTER_DATE": date,
        }
        self.git("commit", "-q", "-m", label, env=env)
        sha = self.git("rev-parse", "HEAD").strip()
        self.commits[label] = sha
        return sha

    def label(self, sha: str) -> str:
        """The label a sha was committed under."""
        return {value: key for key, value in self.commits.items()}[sha]
