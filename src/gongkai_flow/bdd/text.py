"""Reading a ``.feature`` file as staff type it: Chinese colons, no language line, one Chinese error line.

A Chinese input method types ``场景：`` (a full-width colon) and ``｜`` for a table bar, and staff
forget the ``# language: zh-CN`` line; the Gherkin parser wants ``场景:`` and the line, and says
so in English. :func:`normalise` rewrites those spellings line by line (never adding or removing
a line, so line numbers in messages stay those of the file), :func:`parse_document` parses with
simplified Chinese as the default language, and a file that still cannot be read raises
:class:`FeatureSyntaxError` naming the file and the line in Chinese.
"""

from __future__ import annotations

import re
from typing import Any, Final

from .errors import ScenarioError

#: The zh-CN words that start a heading line (they take a colon after them).
HEADINGS: Final[tuple[str, ...]] = ("场景大纲", "剧本大纲", "功能", "场景", "剧本", "背景", "例子", "规则")
#: The zh-CN words that start a step (no colon after them).
STEP_WORDS: Final[tuple[str, ...]] = ("假如", "假设", "假定", "当", "那么", "而且", "并且", "同时", "但是")

_HEADING = re.compile(rf"^(\s*)({'|'.join(HEADINGS)})(?:\s*[：:]|[ \t\u3000]+(?=\S))")
_STEP_COLON = re.compile(rf"^(\s*)({'|'.join(STEP_WORDS)})\s*[：:]\s*")
_TABLE = re.compile(r"^\s*[|｜]")


class FeatureSyntaxError(ScenarioError):
    """A ``.feature`` file that cannot be read even after :func:`normalise`."""


def normalise(text: str) -> str:
    """``text`` with the spellings of a Chinese input method made standard Gherkin, line for line.

    ``场景：`` and ``场景 名称`` → ``场景:`` (every heading word); ``假如：本局人员如下：`` → ``假如本局人员如下：`` (a
    colon right after a step word is dropped); ``｜`` → ``|`` on table lines; a byte-order mark is
    removed. The number of lines never changes.
    """
    out = []
    for line in text.lstrip("\ufeff").split("\n"):
        line = _HEADING.sub(lambda m: f"{m[1]}{m[2]}:", line, count=1)
        line = _STEP_COLON.sub(lambda m: f"{m[1]}{m[2]}", line, count=1)
        if _TABLE.match(line):
            line = line.replace("｜", "|")
        out.append(line)
    return "\n".join(out)


def _explain(message: str, line_text: str) -> str:
    """A Chinese reason for one Gherkin parser error."""
    stripped = line_text.strip()
    if "unexpected end of file" in message:
        return "文件在这里结束了，但还缺少内容（例如“功能:”下面没有任何场景，或场景没有步骤）"
    if stripped.startswith(HEADINGS):
        return f"无法识别标题行“{stripped}”，标题的写法是“场景: 名称”"
    if stripped.startswith(STEP_WORDS) and "got" in message:
        return f"步骤“{stripped}”的位置不对：步骤要写在“场景:”或“背景:”下面"
    if stripped.startswith(("|", "｜")):
        return f"表格行“{stripped}”的位置不对，或各行的列数不一致：表格要紧跟在以“：”结尾的步骤下面"
    if "Language not supported" in message:
        return "“# language:”一行写的语言不受支持，请写“# language: zh-CN”或删去这一行"
    return (
        f"无法识别“{stripped}”：每一行应当是标题（功能:、背景:、场景:、场景大纲:、例子:）、"
        "以假如/当/那么/而且/但是开头的步骤，或表格行"
    )


def parse_document(text: str, filename: str) -> dict[str, Any]:
    """The Gherkin document of ``text`` (already normalised), zh-CN unless the file says otherwise.

    Raises :class:`FeatureSyntaxError` with one Chinese line naming ``filename`` and the line.
    """
    from gherkin.errors import CompositeParserException, ParserException
    from gherkin.parser import Parser
    from gherkin.token_matcher import TokenMatcher

    try:
        document: dict[str, Any] = Parser().parse(text, TokenMatcher("zh-CN"))  # type: ignore[assignment]
    except (CompositeParserException, ParserException) as exc:
        errors = exc.errors if isinstance(exc, CompositeParserException) else [exc]
        first = errors[0]
        line = int(first.location["line"])
        lines = text.split("\n")
        line_text = lines[line - 1] if 0 < line <= len(lines) else ""
        raise FeatureSyntaxError(f"{filename} 第{line}行：{_explain(str(first), line_text)}。") from None
    feature = document.get("feature")
    if feature is None:
        raise FeatureSyntaxError(f"{filename} 第1行：文件中没有“功能:”一行，请在场景之前写“功能: 名称”。")
    if not _has_scenario(feature):
        line = feature["location"]["line"]
        raise FeatureSyntaxError(f"{filename} 第{line}行：“功能:”下面没有场景，请写“场景: 名称”，再在下面写步骤。")
    return document


def _has_scenario(node: dict[str, Any]) -> bool:
    for child in node.get("children", ()):
        if "scenario" in child or ("rule" in child and _has_scenario(child["rule"])):
            return True
    return False


__all__ = ["HEADINGS", "STEP_WORDS", "FeatureSyntaxError", "normalise", "parse_document"]
