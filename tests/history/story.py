"""One evolving repository shared by the history tests (built once per session).

Its story, commit by commit (labels are the commit messages):

c1  shapes.py: Circle.area, Square.area (a common method name), helper with a
    nested inner, a decorated compute, parse with two @overload stubs, an
    async fetch; --opt.py:f (a path that looks like an option)
c2  edit Circle.area                  c3  edit Square.area (bob)
c4  edit helper.inner                 c5  add a decorator to compute (bob)
c6  rename shapes.py -> pkg/shapes.py, edit --opt.py:f (carol)
c7  edit an @overload stub only       c8  move compute to the end, Circle below Square (bob)
c9  edit compute and fetch (carol)    c10 insert banner() at the top (shifts every line)
c11 edit Circle.area (bob)            c12 move helper to pkg/util.py unchanged (carol)
c13 edit helper's own lines, not inner
"""

from __future__ import annotations

from pathlib import Path

from tests.history.gitrepo import GitRepo

HEADER = (
    "import functools\nimport math\nfrom typing import overload\n\n\ndef trace(f):\n    return f\n"
)
BLOCKS = {
    "circle": (
        "class Circle:\n    def __init__(self, r):\n        self.r = r\n\n"
        "    def area(self):\n        return 3.14 * self.r ** 2\n"
    ),
    "square": (
        "class Square:\n    def __init__(self, s):\n        self.s = s\n\n"
        "    def area(self):\n        return self.s * self.s\n"
    ),
    "helper": (
        "def helper(values):\n    def inner(v):\n        return v + 1\n\n"
        "    return [inner(v) for v in values]\n"
    ),
    "compute": (
        "@functools.cache\ndef compute(n):\n    total = 0\n    for i in range(n):\n"
        "        total += i\n    return total\n"
    ),
    "parse": (
        "@overload\ndef parse(x: int) -> int: ...\n\n\n@overload\n"
        "def parse(x: str) -> str: ...\n\n\ndef parse(x):\n    return x\n"
    ),
    "fetch": "async def fetch(url):\n    return url\n",
    "banner": 'def banner():\n    return "x"\n',
}


class Story:
    """The source of a file as an ordered list of named blocks."""

    def __init__(self, repo: GitRepo, name: str, order: list[str]) -> None:
        self.repo, self.name, self.order = repo, name, order
        self.blocks = dict(BLOCKS)

    def edit(self, block: str, old: str, new: str) -> None:
        assert old in self.blocks[block]
        self.blocks[block] = self.blocks[block].replace(old, new)

    def save(self) -> None:
        body = "\n\n".join(self.blocks[name] for name in self.order)
        self.repo.write(self.name, HEADER + "\n\n" + body)


def build_story(path: Path) -> GitRepo:
    repo = GitRepo(path)
    shapes = Story(repo, "shapes.py", ["circle", "square", "helper", "compute", "parse", "fetch"])
    shapes.save()
    repo.write("--opt.py", "def f():\n    return 1\n")
    repo.commit("c1")
    shapes.edit("circle", "3.14 *", "math.pi *")
    shapes.save()
    repo.commit("c2")
    shapes.edit("square", "self.s * self.s", "self.s ** 2")
    shapes.save()
    repo.commit("c3", "bob")
    shapes.edit("helper", "v + 1", "v + 2")
    shapes.save()
    repo.commit("c4")
    shapes.edit("compute", "@functools.cache\n", "@trace\n@functools.cache\n")
    shapes.save()
    repo.commit("c5", "bob")
    (path / "pkg").mkdir()
    repo.git("mv", "shapes.py", "pkg/shapes.py")
    shapes.name = "pkg/shapes.py"
    repo.write("--opt.py", "def f():\n    return 2\n")
    repo.commit("c6", "carol")
    shapes.edit("parse", "def parse(x: int) -> int", "def parse(x: int, /) -> int")
    shapes.save()
    repo.commit("c7")
    shapes.order = ["square", "circle", "helper", "parse", "fetch", "compute"]
    shapes.save()
    repo.commit("c8", "bob")
    shapes.edit("compute", "total += i\n", "total += i * 2\n")
    shapes.edit("fetch", "return url\n", "return url.strip()\n")
    shapes.save()
    repo.commit("c9", "carol")
    shapes.order.insert(0, "banner")
    shapes.save()
    repo.commit("c10")
    shapes.edit("circle", "self.r ** 2", "self.r * self.r")
    shapes.save()
    repo.commit("c11", "bob")
    helper = shapes.blocks["helper"]
    shapes.order.remove("helper")
    shapes.save()
    repo.write("pkg/util.py", helper)
    repo.commit("c12", "carol")
    repo.write(
        "pkg/util.py", helper.replace("[inner(v) for v in values]", "list(map(inner, values))")
    )
    repo.commit("c13")
    return repo
