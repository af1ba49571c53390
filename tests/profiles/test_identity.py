from workbench.profiles.identity import FunctionKey, stable_path, suffix_match


def test_installed_and_stdlib_paths_are_stable() -> None:
    assert stable_path("/venv/a/lib/python3.11/site-packages/rich/text.py") == "rich/text.py"
    assert stable_path("/opt/x/dist-packages/numpy/core.py") == "numpy/core.py"
    assert stable_path("/usr/lib/python3.11/json/decoder.py") == "json/decoder.py"
    assert stable_path("<frozen importlib._bootstrap>") == "<frozen importlib._bootstrap>"


def test_project_root_makes_worktrees_match(tmp_path) -> None:
    for tree in ("wt1", "wt2"):
        (tmp_path / tree / "pkg").mkdir(parents=True)
        (tmp_path / tree / "pyproject.toml").write_text("")
    assert stable_path(str(tmp_path / "wt1/pkg/mod.py")) == "pkg/mod.py"
    assert stable_path(str(tmp_path / "wt2/pkg/mod.py")) == "pkg/mod.py"
    assert stable_path("/elsewhere/pkg/mod.py", roots=["/elsewhere"]) == "pkg/mod.py"


def test_parse_key_and_frame_label() -> None:
    assert FunctionKey.parse("pkg/mod.py:Cls.meth") == FunctionKey("pkg/mod.py", "Cls.meth")
    assert FunctionKey.parse("hot (w.py:4)") == FunctionKey("w.py", "hot")
    assert str(FunctionKey("pkg/a.py", "f")) == "pkg/a.py:f"
    assert FunctionKey.parse("bare") == FunctionKey("", "bare")


def test_suffix_match_pairs_only_unambiguous() -> None:
    base = [FunctionKey("/tmp/w.py", "hot"), FunctionKey("/x/a/util.py", "f")]
    branch = [
        FunctionKey("w.py", "hot"),
        FunctionKey("a/util.py", "f"),
        FunctionKey("b/util.py", "f"),
    ]
    matches = suffix_match(base, branch)
    assert matches == {
        FunctionKey("/tmp/w.py", "hot"): FunctionKey("w.py", "hot"),
        FunctionKey("/x/a/util.py", "f"): FunctionKey("a/util.py", "f"),
    }
    ambiguous = suffix_match([FunctionKey("/x/util.py", "f")], branch)
    assert ambiguous == {}
