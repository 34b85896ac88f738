"""Messages written for people: short category names, names glued to verbs, lists without Python, missing features."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongkai_flow.bdd.catalogue import MISSING, not_found_message
from gongkai_flow.bdd.text import normalise

from .test_cli_bdd import gongkai

FEATURE = """# language: zh-CN
功能: 提示的写法

  背景:
    假如本局人员如下：
      | 姓名 | 科室       | 角色                 |
      | 张敏 | 就业失业科 | 承办人               |
      | 李华 | 局办公室   | 保密及公开属性审核人 |
      | 赵丽 | 局办公室   | 依申请公开经办人     |

  场景大纲: 负面清单类别可以写方案中的简称
    当张敏起草一条信息：
      | 信息名称 | 公开属性 | 不予公开类别 | 不予公开理由 |
      | 人事安排 | 不予公开 | <类别>       | 内部人事安排 |
    那么操作成功

    例子:
      | 类别         |
      | 内部事务信息 |
      | 个人隐私     |
      | 过程性信息   |
      | 单位内部信息 |

  场景: 不予公开理由可以写简称
    假如今天是2025年10月9日
    当赵丽登记依申请公开申请：
      | 申请人 | 所需信息     | 收到日期      |
      | 王某   | 局内人事安排 | 2025年9月30日 |
    而且赵丽受理该申请
    而且赵丽答复不予公开，理由为“内部事务信息”
    那么答复书中写明“属于三类内部事务信息”

  场景: 姓名后面紧跟没有的写法
    当张敏马上提交审核

  场景: 写错的负面清单类别
    当张敏起草一条信息：
      | 信息名称 | 公开属性 | 不予公开类别 | 不予公开理由 |
      | 人事安排 | 不予公开 | 秘密信息     | 内部人事安排 |

  场景: 审核表上的意见不对
    当张敏起草一条信息：
      | 信息名称 | 公开属性 | 发布平台 |
      | 通知     | 主动公开 | 网站     |
    而且张敏提交审核
    而且李华审核同意，意见为“同意”
    那么审核表上保密及公开属性审核人的意见为“不同意”

  场景: 还没有的功能
    当张敏发送短信通知李华

  场景: 配置文件写在操作之后
    当张敏起草一条信息：
      | 信息名称 | 公开属性 | 发布平台 |
      | 通知     | 主动公开 | 网站     |
    而且本局的配置文件为：
      \"\"\"
      [bureau]
      name = "日照市医疗保障局"
      credit_code = "11371100MB0001234M"
      \"\"\"

  场景: 配置文件没有内容
    假如本局的配置文件为：

  场景: 年度报告没有表一
    那么2025年度报告表一的表头有“信息内容”
"""


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The summary of ``gongkai bdd`` over :data:`FEATURE`."""
    folder = tmp_path_factory.mktemp("messages")
    (folder / "提示.feature").write_text(FEATURE, encoding="utf-8")
    result = gongkai("bdd", str(folder), "--report", str(folder / "r.html"), cwd=folder)
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def test_short_category_and_reason_names_are_accepted(output: str) -> None:
    """内部事务信息, 个人隐私 … name a category of 附件1; 内部事务信息 names the 不予公开 reason."""
    for name in ("内部事务信息", "个人隐私", "过程性信息", "单位内部信息"):
        assert f"通过  提示.feature · 负面清单类别可以写方案中的简称（例子：类别={name}）" in output
    assert "通过  提示.feature · 不予公开理由可以写简称" in output


def test_a_verb_glued_to_a_name_is_explained(output: str) -> None:
    """``张敏马上提交审核``: the message points at 张敏 and the unknown wording, not at a person 张敏马上."""
    assert "是不是“张敏”？“马上”和后面的文字可能是一种还没有的写法" in output


def test_lists_are_separated_for_people(output: str) -> None:
    """Category names that contain 、 are separated by ；; opinions are quoted, not a Python list."""
    assert "没有名为“秘密信息”的负面清单类别。" in output
    assert "危及国家安全、公共安全、经济安全、社会稳定的信息；涉及商业秘密" in output
    assert "审核表上保密及公开属性审核人的意见是“同意”，没有“不同意”。" in output
    assert "['" not in output


def test_a_missing_capability_is_named(output: str) -> None:
    """A step about text messages says the capability does not exist yet, besides the closest steps."""
    assert "本库还不能做这件事：短信通知尚未提供" in output


def test_missing_list_only_for_its_words() -> None:
    """The missing-capability note appears only when the step mentions the capability."""
    assert "本库还不能做这件事" not in not_found_message("张敏审核同意了")
    for word, note in MISSING.items():
        assert note in not_found_message(f"张敏处理{word}")


def test_verb_glued_to_a_name_parses_right(tmp_path: Path) -> None:
    """``张敏重新提交审核`` is 张敏 doing 重新提交审核 (the whole flow is in features/通知与提醒.feature)."""
    from pytest_bdd import parsers

    from gongkai_flow.bdd.steps import TYPES

    submit = parsers.parse("{who:Name}提交审核", extra_types=TYPES)
    again = parsers.parse("{who:Name}重新提交审核", extra_types=TYPES)
    assert not submit.is_matching("张敏重新提交审核")
    assert again.parse_arguments("张敏重新提交审核") == {"who": "张敏"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("功能：甲", "功能:甲"),
        ("  场景：乙", "  场景:乙"),
        ("  场景 乙", "  场景:乙"),
        ("  场景大纲： 丙", "  场景大纲: 丙"),
        ("    假如：今天是2025年9月30日", "    假如今天是2025年9月30日"),
        ("    当： 张敏提交审核", "    当张敏提交审核"),
        ("      ｜ 姓名 ｜ 科室 ｜", "      | 姓名 | 科室 |"),
        ("    那么负面清单提示“场景：甲”", "    那么负面清单提示“场景：甲”"),
        ("\ufeff功能: 甲", "功能: 甲"),
    ],
)
def test_normalise_fixes_input_method_spellings(typed: str, expected: str) -> None:
    """Each spelling an input method produces is made standard; other text is left alone."""
    assert normalise(typed) == expected


def test_normalise_keeps_line_numbers() -> None:
    """Line numbers in messages stay those of the file staff edit."""
    text = "功能：甲\n\n  场景：乙\n    假如：今天是2025年9月30日\n"
    assert normalise(text).count("\n") == text.count("\n")


def test_bureau_file_misuse_is_explained(output: str) -> None:
    """A configuration given after the flow started, or without its text, fails with what to do instead."""
    assert "本局的配置文件须写在场景开头（背景中），先于起草、登记等任何操作。" in output
    assert "“本局的配置文件为：”下面需要配置文件的内容" in output


def test_annual_report_table_names_are_checked(output: str) -> None:
    """表一 is the report's prose, not a table: the step names the tables there are."""
    assert "没有名为“一”的年度报告的表。" in output
    assert "年度报告有表二、表三、表四" in output
