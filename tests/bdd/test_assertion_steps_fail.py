"""Every 那么-step of the catalogue can fail: for each, a scenario where its condition is false must fail.

tests/bdd/must_fail holds small .feature files; :data:`CASES` names, for every step whose example
starts with 那么, the scenarios there in which that step's condition does not hold, and a piece of
the message the step must fail with (so the scenario fails at that step, for that reason, not
earlier for another). One pytest run over the folder, with the plugin on, must fail every one of
them; a 那么-step added to the catalogue without a case here fails
:func:`test_every_assertion_step_has_a_failing_scenario`.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gongkai_flow.bdd.catalogue import CATALOGUE

FOLDER = Path(__file__).resolve().parent / "must_fail"

#: Step pattern → [(feature file, scenario name, part of the failure message)].
CASES: dict[str, list[tuple[str, str, str]]] = {
    "信息状态为“{state}”": [("审核", "状态不对", "不是“法律法规审核”")],
    "“{title}”的状态为“{state}”": [("审核", "指定信息的状态不对", "不是“已发布”")],
    "系统拒绝，提示包含“{text}”": [
        ("审核", "没有被拒绝却预期拒绝", "上一步操作没有被系统拒绝"),
        ("审核", "被拒绝但提示不同", "其中没有“没有这句话”"),
    ],
    "操作成功": [("审核", "被拒绝却说操作成功", "上一步操作被系统拒绝")],
    "下一步由{role:Word}办理": [("审核", "下一步不由这个角色办理", "不是法律法规审核人")],
    "审核表上{role:Word}的意见为“{opinion}”": [("审核", "审核表上的意见不同", "没有“同意”")],
    "审核表上共有{n:d}个签字": [("审核", "签字个数不对", "不是3个")],
    "负面清单提示“{text}”": [
        ("审核", "负面清单没有检查过却说有提示", "还没有进行过负面清单检查"),
        ("审核", "提示中没有的文字，即使正文里有", "检查结果中没有“补贴5000元”"),
    ],
    "负面清单没有发现问题": [
        ("审核", "负面清单没有检查过却说没有问题", "还没有进行过负面清单检查"),
        ("审核", "检查过、有发现，却说没有问题", "有1项发现"),
        ("审核", "检查后又修改，当前内容没有检查", "当前内容还没有检查"),
    ],
    "“{title}”的附件有“{name}”": [
        ("附件", "没有这个附件却说有", "的附件中没有“说明.txt”（现有：“名单.csv”）"),
        ("附件", "附件删除后却说还有", "的附件中没有“名单.csv”（现有：没有附件）"),
    ],
    "“{title}”没有附件“{name}”": [("附件", "附件还在却说没有", "仍有附件“名单.csv”")],
    "门户网站上“{title}”的页面有附件“{name}”": [
        ("附件", "门户网站页面没有这个附件", "页面没有附件“说明.txt”（页面列出的附件：“名单.csv”）")
    ],
    "门户网站上“{title}”的页面显示“{text}”": [("审核", "页面没有显示这段文字", "没有显示“已废止”")],
    "门户网站上“{title}”的页面不显示“{text}”": [("审核", "页面显示了这段文字", "显示了“就业补贴标准”")],
    "门户网站上“{title}”的页面链接到“{other}”": [("审核", "页面没有链接到另一条信息", "没有指向“另一条无关的通知”")],
    "门户网站首页显示“{text}”": [("审核", "首页没有这段文字", "首页没有显示")],
    "门户网站上没有“{title}”": [("审核", "信息出现在门户网站上", "门户网站上出现了")],
    "{day:Date}是工作日": [("时限", "节假日不是工作日", "2025年10月8日不是工作日")],
    "{day:Date}不是工作日": [("时限", "调休上班日是工作日", "2025年10月11日是工作日")],
    "{day:Date}之后的第{n:d}个工作日是{expected:Date}": [("时限", "工作日推算不对", "不是2025年10月3日")],
    "政策解读应在{day:Date}前发布": [("时限", "政策解读的最迟发布日不对", "不是2025年10月3日")],
    "政策解读时限已结束": [("时限", "没有发布解读，解读时限没有结束", "仍在计算")],
    "该信息应在{day:Date}前公开": [("时限", "最迟公开日不对", "不是2025年10月1日")],
    "已超期的时限有{n:d}项": [("时限", "超期时限的个数不对", "不是1项")],
    "舆情“{event}”应在{moment:DateTime}前发布权威信息": [
        ("时限", "发布权威信息的最迟时间不对", "不是2025年9月30日18时")
    ],
    "舆情“{event}”应在{moment:DateTime}前举行新闻发布会": [
        ("时限", "举行新闻发布会的最迟时间不对", "不是2025年10月2日9时")
    ],
    "舆情“{event}”应在{moment:DateTime}前予以回应": [("时限", "回应的最迟时间不对", "不是2025年10月1日9时")],
    "舆情“{event}”的时限已全部结束": [("时限", "没有回应，时限没有结束", "还有时限在计算")],
    "舆情“{event}”已超时": [("时限", "刚登记的舆情没有超时", "没有超时的时限")],
    "申请状态为“{state}”": [("时限", "申请状态不对", "不是“已答复”")],
    "答复期限是{day:Date}": [("时限", "答复期限不对", "不是2025年10月30日")],
    "补正告知期限是{day:Date}": [("时限", "补正告知期限不对", "不是2025年10月8日")],
    "答复书中写明“{text}”": [("时限", "答复书中没有这段文字", "其中没有“行政处罚决定书”")],
    "答复告知书中写明“{text}”": [
        ("领域", "还没有答复却说答复告知书中写明", "该申请还没有答复，还没有答复告知书"),
        ("领域", "答复告知书中没有这段文字", "答复告知书中没有“第三十七条”"),
        ("领域", "答复书有而答复告知书的救济途径不同", "答复告知书中没有“或者在6个月内"),
    ],
    "{year:d}年度报告表{which:Word}的表头有“{text}”": [
        ("领域", "表头中没有这段文字", "2025年度报告表二的表头中没有“申请人情况”"),
        ("领域", "表中一行的名称不是表头", "表头中没有“本年新收政府信息公开申请数量”"),
    ],
    "审核表上记录了{who:Name}放行负面清单发现，理由为“{reason}”": [
        ("通知", "没有放行却说审核表上有放行记录", "（没有放行记录）"),
        ("通知", "放行的理由不同", "没有李华以“领导同意”放行的有效记录"),
    ],
    "系统向{who:Name}发送待办": [("通知", "待办没有发给这个人", "系统没有向王芳发送")],
    "系统没有向{who:Name}发送待办": [("通知", "待办发给了这个人", "系统向李华发送了")],
    "系统向{who:Name}发送逾期提醒": [("通知", "还没有逾期却说发了逾期提醒", "没有向张敏发送逾期提醒")],
    "系统向{who:Name}发送即将到期提醒": [
        ("通知", "还没有到提醒的时候却说发了即将到期提醒", "没有向张敏发送即将到期提醒")
    ],
    "系统向{who:Name}发送今日到期提醒": [("通知", "不是今天到期却说发了今日到期提醒", "没有向张敏发送今日到期提醒")],
    "系统没有发送提醒": [("通知", "发了提醒却说没有", "系统发送了1条提醒")],
    "公开事项“{duty}”的状态为“{state}”": [("公开事项", "公开事项的状态不对", "的状态是“进行中”，不是“已完成”")],
    "{n:d}年的公开事项状态如下：": [("公开事项", "状态一览与表格不符", "截止日期是2026年1月31日，不是2026年1月30日")],
    "系统向{section:Section}发送公开事项“{duty}”的提醒": [
        ("公开事项", "还没到提醒日却说发了公开事项的提醒", "系统没有向局办公室发送公开事项")
    ],
    "系统向{section:Section}发送公开事项“{duty}”的逾期提醒": [
        ("公开事项", "还没到截止日却说发了公开事项的逾期提醒", "的逾期提醒（第一个责任科室单位：局办公室")
    ],
    "系统没有发送公开事项“{duty}”的提醒": [
        ("公开事项", "发了公开事项的提醒却说没有", "系统发送了公开事项“2025年度政府信息公开工作年度报告”的提醒"),
        ("公开事项", "责任科室没有人员时不能说没有发送提醒", "人员表中没有社保中心"),
    ],
    "政府信息公开目录中“{duty}”下有“{title}”": [
        ("公开事项", "目录中该事项下没有这条信息", "下没有“2025年政府信息公开工作年度报告”")
    ],
}

ASSERTIONS = [e.pattern for e in CATALOGUE if e.example.startswith("那么")]


def _case_ids() -> list[tuple[str, str, str, str]]:
    return [(pattern, *case) for pattern, cases in CASES.items() for case in cases]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], str | None]:
    """One pytest run over tests/bdd/must_fail: (file, scenario) → failure text, or ``None`` if it passed."""
    tmp = tmp_path_factory.mktemp("must_fail")
    ini = tmp / "pytest.ini"
    ini.write_text("[pytest]\ngongkai_bdd = true\n", encoding="utf-8")
    xml = tmp / "results.xml"
    args = [str(FOLDER), "-c", str(ini), "--rootdir", str(FOLDER), "--noconftest", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-q", f"--junitxml={xml}"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    found: dict[tuple[str, str], str | None] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        feature = case.get("classname", "")  # "审核.feature"
        name = case.get("name", "").split("_", 2)[-1]
        failure = case.find("failure")
        found[(feature, name)] = None if failure is None else (failure.text or "") + failure.get("message", "")
    return found


def test_every_assertion_step_has_a_failing_scenario() -> None:
    """Each 那么-step of the catalogue has at least one scenario here in which its condition is false."""
    missing = [p for p in ASSERTIONS if not CASES.get(p)]
    assert missing == [], f"那么-steps without a must-fail scenario: {missing}"
    assert set(CASES) <= set(ASSERTIONS), "CASES names a pattern that is not a 那么-step of the catalogue"


@pytest.mark.parametrize(("pattern", "feature", "scenario", "message"), _case_ids())
def test_scenario_fails_at_its_assertion(
    outcomes: dict[tuple[str, str], str | None], pattern: str, feature: str, scenario: str, message: str
) -> None:
    """The scenario ran, failed, and failed with the assertion step's own message."""
    key = next((k for k in outcomes if k[1] == scenario and feature in k[0]), None)
    assert key is not None, f"scenario {feature}/{scenario} did not run; ran: {sorted(outcomes)}"
    text = outcomes[key]
    assert text is not None, f"{feature}/{scenario} passed although “{pattern}” is false there"
    assert message in text, text


def test_every_must_fail_scenario_is_in_the_table(outcomes: dict[tuple[str, str], str | None]) -> None:
    """No scenario in the folder is left out of the table (each one documents one step's failure)."""
    listed = {scenario for _, _, scenario, _ in _case_ids()}
    assert {name for _, name in outcomes} == listed
