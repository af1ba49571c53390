"""The judgement of attribution: real regressions of released projects, real py-spy profiles.

For every case the commit that caused the move ranks first in its direction
and no cosmetic commit (annotations, docstrings, layout) ranks at all. See
``tests/analysis/corpus/cases.py`` for the cases and ``docs/analysis.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.analysis.corpus.build import Case, build_case
from tests.analysis.corpus.cases import CASES
from tests.analysis.corpus.pypi import Wheels
from workbench.analysis.attribution import attribute
from workbench.analysis.render import attribution_text
from workbench.profiles.io import read_profile


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    cache = os.environ.get("WORKBENCH_CORPUS_CACHE")
    return Wheels(Path(cache) if cache else tmp_path_factory.mktemp("wheels"))


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_causing_commit_ranks_first(case: Case, wheels: Wheels, tmp_path: Path) -> None:
    built = build_case(case, wheels, tmp_path)
    answer = attribute(
        built.repo.path,
        read_profile(built.base_profile),
        read_profile(built.branch_profile),
        f"{built.base_sha}..HEAD",
    )
    shown = attribution_text(answer)
    ranking = answer.improvements if case.improvement else answer.regressions
    labels = [built.labels[candidate.sha] for candidate in ranking]
    assert labels[:1] == [case.cause], shown
    cosmetic = {step.label for step in case.steps if step.cosmetic}
    ranked = {built.labels[c.sha] for c in answer.regressions + answer.improvements}
    assert not cosmetic & ranked, shown
    assert {built.labels[c.sha] for c in answer.cosmetic} <= cosmetic, shown
