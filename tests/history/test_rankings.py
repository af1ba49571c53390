"""Heat x churn hotspots from real profiles over the story repo."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from workbench.history.hotspots import hotspot_ranking
from workbench.profiles.io import read_profile


def _line(repo: GitRepo, path: str, text: str) -> int:
    return (repo.path / path).read_text().splitlines().index(text) + 1


def write_profiles(story: GitRepo, folder: Path) -> tuple[Path, Path]:
    """Collapsed stacks as py-spy writes them: bare method names, file:line frames."""
    compute = f"compute (pkg/shapes.py:{_line(story, 'pkg/shapes.py', '        total += i * 2')})"
    inner = f"inner (pkg/util.py:{_line(story, 'pkg/util.py', '        return v + 2')})"
    helper = (
        f"helper (pkg/util.py:{_line(story, 'pkg/util.py', '    return list(map(inner, values))')})"
    )
    area = f"area (pkg/shapes.py:{_line(story, 'pkg/shapes.py', '        return self.s ** 2')})"
    fetch = f"fetch (pkg/shapes.py:{_line(story, 'pkg/shapes.py', '    return url.strip()')})"
    main = "main (app.py:1)"
    base = folder / "base.txt"
    base.write_text(
        f"{main};{compute} 10\n{main};{helper};{inner} 10\n{main};{area} 70\n{main};{fetch} 10\n"
    )
    branch = folder / "branch.txt"
    branch.write_text(
        f"{main};{compute} 40\n{main};{helper};{inner} 30\n{main};{area} 25\n{main};{fetch} 5\n"
    )
    return base, branch


@pytest.fixture
def profiles(story: GitRepo, tmp_path: Path) -> tuple[Path, Path]:
    return write_profiles(story, tmp_path)


def test_hotspots_rank_heat_times_churn(story: GitRepo, profiles: tuple[Path, Path]) -> None:
    spots = hotspot_ranking(story.path, read_profile(profiles[1]), since="2000-01-01")
    assert [(s.function, s.commits) for s in spots] == [
        ("pkg/shapes.py:compute", 3),
        ("pkg/util.py:inner", 2),
        ("pkg/shapes.py:area", 2),
        ("pkg/util.py:helper", 3),
        ("pkg/shapes.py:fetch", 2),
    ]
    assert spots[0].score == pytest.approx(60 * 3)
    assert spots[0].lines_changed == 9
    assert (spots[2].path, spots[2].qualname) == ("pkg/shapes.py", "Square.area")
    recent = hotspot_ranking(
        story.path, read_profile(profiles[1]), since="2024-01-09T00:00:00+00:00", top=2
    )
    assert [(s.function, s.commits) for s in recent] == [
        ("pkg/shapes.py:compute", 1),
        ("pkg/util.py:inner", 0),
    ]


def test_hotspots_leave_out_a_dependency_that_only_shares_a_file_name(
    story: GitRepo, tmp_path: Path
) -> None:
    # A real-world profile: py-spy names installed code relative to site-packages.
    # sympy/strategies/shapes.py is not the repository's pkg/shapes.py.
    profile = tmp_path / "deps.txt"
    site = "/venv/lib/python3.11/site-packages"
    profile.write_text(
        "main (app.py:1);chain_rl (sympy/strategies/shapes.py:40) 50\n"
        f"main (app.py:1);fold ({site}/other/util.py:3) 30\n"
        f"main (app.py:1);compute ({site}/pkg/shapes.py:1) 20\n"
    )
    spots = hotspot_ranking(story.path, read_profile(profile), since="2000-01-01")
    # Installed pkg/shapes.py is the repository's file (a src/ layout would match too).
    assert [spot.function for spot in spots] == ["pkg/shapes.py:compute"]
