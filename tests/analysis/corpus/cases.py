"""The attribution corpus: real regressions (and one improvement) in released projects.

Each cause was found by reading the two releases' code (and confirmed by
timing the workload against both); see ``docs/analysis.md`` for the story of
each. Cosmetic steps are the release's own cosmetic hunks where it had some on
the hot functions, else an annotation or docstring in the project's style added
as a control (``control`` in the label): a commit that cannot change speed.
"""

from __future__ import annotations

from tests.analysis.corpus.build import Case, Edit, Step

RAW_HTML_DOC = """
import markdown
DOC = "\\n".join(
    f"Para {i} with *emph* and `code` and a [link](http://x/{i}).\\n\\n"
    f"<div class=\\"c{i}\\">\\nraw {i}\\n</div>\\n\\n"
    f"Text <span>inline {i}</span> here &amp; there.\\n"
    for i in range(SIZE)
)
"""

ISBLOCKLEVEL_ANNOTATED = Edit(
    "markdown/postprocessors.py",
    "    def isblocklevel(self, html):\n",
    "    def isblocklevel(self, html: str) -> bool:\n"
    '        """ Check is block of HTML is block-level. """\n',
)

MARKDOWN_NESTED_PLACEHOLDERS = Case(
    name="markdown-3.1-nested-placeholders",
    package="markdown",
    base="3.0.1",
    branch="3.1.1",
    roots=("markdown",),
    steps=(
        Step(
            "Annotate RawHtmlPostprocessor.isblocklevel (control)",
            (ISBLOCKLEVEL_ANNOTATED,),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Annotate Markdown.is_block_level (control)",
            (
                Edit(
                    "markdown/core.py",
                    "    def is_block_level(self, tag):\n",
                    "    def is_block_level(self, tag: str) -> bool:\n",
                ),
            ),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Run RawHtmlPostprocessor again until no placeholder is left",
            take=("markdown/postprocessors.py",),
            author="carol",
        ),
        Step("Rest of Markdown 3.1.1", rest=True),
    ),
    cause="Run RawHtmlPostprocessor again until no placeholder is left",
    setup=RAW_HTML_DOC.replace("SIZE", "600"),
    unit="markdown.markdown(DOC)",
    why=(
        "RawHtmlPostprocessor.run now calls itself on its output until nothing changes, so "
        "the substitution with one alternative per stashed block (and isblocklevel on every "
        "block) runs a second time over the whole document"
    ),
)

MARKDOWN_HTML_PARSER = Case(
    name="markdown-3.3-html-parser",
    package="markdown",
    base="3.2.2",
    branch="3.3",
    roots=("markdown",),
    steps=(
        Step(
            "Annotate RawHtmlPostprocessor.isblocklevel (control)",
            (ISBLOCKLEVEL_ANNOTATED,),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Annotate Markdown.convert (control)",
            (
                Edit(
                    "markdown/core.py",
                    "    def convert(self, source):\n",
                    "    def convert(self, source: str) -> str:\n",
                ),
            ),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Parse raw HTML blocks with html.parser",
            take=("markdown/htmlparser.py", "markdown/preprocessors.py"),
            author="carol",
        ),
        Step("Rest of Markdown 3.3", rest=True),
    ),
    cause="Parse raw HTML blocks with html.parser",
    setup=RAW_HTML_DOC.replace("SIZE", "300"),
    unit="markdown.markdown(DOC)",
    why=(
        "the new HTMLExtractor finds the start of the current line with "
        "re.match('([^\\n]*\\n){N}') from the top of the document at every tag: "
        "quadratic in the document's lines"
    ),
)

MARKDOWN_LINE_CACHE = Case(
    name="markdown-3.5.2-line-offset-cache",
    package="markdown",
    base="3.5",
    branch="3.5.2",
    roots=("markdown",),
    steps=(
        Step(
            "Fix annotations of HTMLExtractor tag handlers",
            (
                Edit(
                    "markdown/htmlparser.py",
                    "    def handle_starttag(self, tag: str, attrs: dict[str, str]):\n",
                    "    def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str]]):\n",
                ),
                Edit(
                    "markdown/htmlparser.py",
                    "    def handle_startendtag(self, tag: str, attrs: dict[str, str]):\n",
                    "    def handle_startendtag(self, tag: str, attrs):\n",
                ),
            ),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Cache line starts in HTMLExtractor.line_offset",
            take=("markdown/htmlparser.py",),
            author="carol",
        ),
        Step("Rest of Markdown 3.5.2", rest=True),
    ),
    cause="Cache line starts in HTMLExtractor.line_offset",
    setup=RAW_HTML_DOC.replace("SIZE", "300"),
    unit="markdown.markdown(DOC)",
    improvement=True,
    why="line_offset keeps the start of every line seen instead of re-matching from the top",
)

TYPEGUARD_PROTOCOLS = Case(
    name="typeguard-2.7-protocols",
    package="typeguard",
    base="2.6.1",
    branch="2.7.0",
    roots=("typeguard",),
    steps=(
        Step(
            "Document check_type's memo parameter (control)",
            (
                Edit(
                    "typeguard/__init__.py",
                    "    :param expected_type: a class or generic type instance\n",
                    "    :param expected_type: a class or generic type instance\n"
                    "    :param memo: the call memo of the function being checked, if any\n",
                ),
            ),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Check protocols in check_type",
            (
                Edit(
                    "typeguard/__init__.py",
                    "from inspect import Parameter, isclass, isfunction, isgeneratorfunction\n",
                    "from inspect import Parameter, isclass, isfunction, isgeneratorfunction, "
                    "getattr_static\n",
                ),
                Edit(
                    "typeguard/__init__.py",
                    "try:\n    from typing import AsyncGenerator\n",
                    "try:\n    from typing import Protocol\nexcept ImportError:\n"
                    "    from typing import _Protocol as Protocol\n\n"
                    "try:\n    from typing import AsyncGenerator\n",
                ),
                Edit(
                    "typeguard/__init__.py",
                    "\n\n# Equality checks are applied to these\n",
                    "\n\ndef check_protocol(argname: str, value, expected_type):\n"
                    "    if not issubclass(type(value), expected_type):\n"
                    "        raise TypeError('type of {} ({}) is not compatible with the {} "
                    "protocol'.\n"
                    "                        format(argname, type(value).__qualname__, "
                    "expected_type.__qualname__))\n"
                    "\n\n# Equality checks are applied to these\n",
                ),
                Edit(
                    "typeguard/__init__.py",
                    "            check_typed_dict(argname, value, expected_type, memo)\n"
                    "        else:\n",
                    "            check_typed_dict(argname, value, expected_type, memo)\n"
                    "        elif getattr_static(expected_type, '_is_protocol', False):\n"
                    "            check_protocol(argname, value, expected_type)\n"
                    "        else:\n",
                ),
            ),
            author="carol",
        ),
        Step("Rest of typeguard 2.7.0 (TypedDict keys, AbstractSet)", rest=True),
    ),
    cause="Check protocols in check_type",
    setup="""
from typing import List
import typeguard
class Point:
    pass
P = Point()
""",
    unit="""
for _ in range(100):
    typeguard.check_type("p", P, Point)
    typeguard.check_type("xs", [1, 2], List[int])
""",
    why=(
        "check_type asks inspect.getattr_static(expected_type, '_is_protocol') for every "
        "plain class before the isinstance check"
    ),
)

IOC_FANGER_PYPARSING = Case(
    name="ioc-fanger-3.1-pyparsing",
    package="ioc-fanger",
    base="3.0.18",
    branch="3.1.0",
    roots=("ioc_fanger",),
    deps=(("pyparsing", "2.4.7"), ("click", "7.1.2")),
    steps=(
        Step(
            "Format with black",
            (
                Edit(
                    "ioc_fanger/ioc_fanger.py",
                    "            fanged_text = re.sub(find_value, mapping['replace'], "
                    "fanged_text, flags=re.IGNORECASE)\n",
                    "            fanged_text = re.sub(\n"
                    "                find_value, mapping['replace'], fanged_text, "
                    "flags=re.IGNORECASE\n            )\n",
                ),
                Edit(
                    "ioc_fanger/ioc_fanger.py",
                    "DEFANG_DATA_PATH = os.path.abspath(os.path.join(os.path.dirname(__file__),"
                    ' "./defang.json"))\n',
                    "DEFANG_DATA_PATH = os.path.abspath(\n"
                    '    os.path.join(os.path.dirname(__file__), "./defang.json")\n)\n',
                ),
            ),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Fang with pyparsing grammars",
            take=("ioc_fanger/ioc_fanger.py", "ioc_fanger/grammars.py"),
            author="carol",
        ),
        Step("Rest of ioc-fanger 3.1.0 (fewer regex mappings)", rest=True),
    ),
    cause="Fang with pyparsing grammars",
    setup="""
from ioc_fanger import ioc_fanger
TEXT = "see hxxp://example[.]com/a and 10[.]0[.]0[.]1 or bob[at]example(.)org"
""",
    unit="ioc_fanger.fang(TEXT)",
    why="fang now runs eight pyparsing transformString passes over the text before its regexes",
)

LIZARD_TAG_TOKENS = Case(
    name="lizard-1.16-tag-tokens",
    package="lizard",
    base="1.15.7",
    branch="1.16.1",
    roots=("lizard.py", "lizard_languages", "lizard_ext"),
    steps=(
        Step(
            "Docstring for the tokenizer (control)",
            (
                Edit(
                    "lizard_languages/code_reader.py",
                    "        def _generate_tokens(source_code, addition):\n",
                    "        def _generate_tokens(source_code, addition):\n"
                    '            """Split the source into tokens with one regular expression."""\n',
                ),
            ),
            cosmetic=True,
            author="bob",
        ),
        Step(
            "Tokenize tags and more operators",
            take=("lizard_languages/code_reader.py",),
            author="carol",
        ),
        Step("Rest of lizard 1.16.1 (Lua, Ruby-like languages)", rest=True),
    ),
    cause="Tokenize tags and more operators",
    setup="""
import lizard
CODE = "\\n".join(
    f"int f{i}(int a, int b) {{\\n  if (a > b) {{ return a * {i}; }}\\n"
    f"  for (int k = 0; k < b; k++) {{ a += k; }}\\n  return a + b;\\n}}\\n"
    for i in range(12)
)
""",
    unit='lizard.analyze_file.analyze_source_code("a.c", CODE)',
    why=(
        "the token pattern gained '<\\s*.*?\\s*>.*?<\\/\\s*.*?\\s*>' for tags: at every '<' "
        "(a comparison) the lazy scans run to the end of the source before failing"
    ),
)

CASES = (
    MARKDOWN_NESTED_PLACEHOLDERS,
    MARKDOWN_HTML_PARSER,
    TYPEGUARD_PROTOCOLS,
    IOC_FANGER_PYPARSING,
    LIZARD_TAG_TOKENS,
    MARKDOWN_LINE_CACHE,
)
