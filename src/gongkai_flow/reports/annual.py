"""The annual report on government information disclosure (条例第50条): tables 二, 三 and 四.

The format follows the report year: 国办公开办函〔2019〕60号 for 2019–2020, 〔2021〕30号 from 2021
(``docs/reports.md``, ``docs/legal-basis.md#annual-report``). Every figure is computed from the engine's records:

* 表二 第二十条第（一）项 “（行政）规范性文件” counts the items of kind 政策文件 stated to be
  行政规范性文件 (``normative`` true; a 非规范性文件 and one not stated are not counted): published in
  the year (制发/新公开), formed in the year and published (2019 新制作), abolished or expired in the
  year (2021 废止), and published by the year's end and not abolished, expired or retracted by then
  (2021 现行有效; 2019 对外公开总数量 keeps abolished and expired documents, which stay online
  marked as such, and drops retracted ones). The other rows (规章, 行政许可, 行政处罚, 行政强制, 收费,
  集中采购) come from figure records (:class:`~gongkai_flow.records.FigureRecord`) entered for the
  year (0 when none).
* 表三 counts the applications by applicant type and outcome: 一 received in the year; 二 received
  earlier and not closed before the year began (上年结转); 三 closed (replied or abandoned) in the
  year, one outcome row each (see :func:`outcome_row`); 四 received by the year's end and still open
  at its end (结转下年度).
* 表四 counts the case records (:class:`~gongkai_flow.records.CaseRecord`) filed in the year.

:func:`check_report` enforces the checks of 表三 and 表四 (docs/legal-basis.md#table-3-checks, ``#table-4``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Final, final

import attrs

from ..deadlines import BUREAU_TZ
from ..duty_types import ScheduleKind, TriggerSource
from ..errors import InvalidFieldError, WorkflowError
from ..model import DisclosureItem, ItemKind
from ..records import CaseKind, CaseOutcome, CaseRecord, FigureRecord, MeetingRecord, ProposalKind, ProposalRecord
from ..requests import ApplicantType, Application, DenyReason, ReplyCategory

if TYPE_CHECKING:
    from ..calendar import WorkCalendar
    from ..service import Flow

Number = int | float


class ReportCheckError(WorkflowError):
    """A table of the annual report breaks an arithmetic check (勾稽关系, docs/legal-basis.md#table-3-checks)."""

    code = "report.check_failed"


class ReportFormat(enum.Enum):
    """The two report formats; :meth:`for_year` picks the one a report year uses."""

    F2019 = "2019", "国办公开办函〔2019〕60号"
    F2021 = "2021", "国办公开办函〔2021〕30号"

    def __new__(cls, value: str, label: str) -> ReportFormat:
        """A member with its value and the notice that issued the format."""
        obj = object.__new__(cls)
        obj._value_ = value
        obj.label = label
        return obj

    label: str

    @classmethod
    def for_year(cls, year: int) -> ReportFormat:
        """60号 for 2019–2020, 30号 from 2021; ``InvalidFieldError`` before 2019 (the old regulation)."""
        if year < 2019:
            raise InvalidFieldError(
                f"{year}年度报告适用修订前的条例和格式，本工具只支持2019年度及以后的报告。", field="year"
            )
        return cls.F2019 if year <= 2020 else cls.F2021


@final
@attrs.frozen
class Row:
    """One row of a table: its key, its label (verbatim from the format) and its figures (``None``: a heading row)."""

    key: str
    label: str
    values: tuple[Number, ...] | None
    level: int = 0


@final
@attrs.frozen
class Section:
    """A block of rows sharing columns (表二 has one per Art. 20 item; 表三 and 表四 have one)."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def row(self, key: str) -> Row:
        """The row with ``key``; ``KeyError`` if there is none."""
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)


@final
@attrs.frozen
class Table:
    """One table of the report, with the header rows of the national format.

    ``corner`` is the top-left header cell (信息内容 in 表二; in 表三 the 勾稽关系 note, as the
    format prints it there). ``groups`` is the header row above the columns and ``supergroups`` the
    one above that (表三's 申请人情况, 表四's 行政复议 / 行政诉讼), both as (label, span) pairs; a group
    spanning the same columns as its supergroup with the same label is one merged cell.
    """

    title: str
    sections: tuple[Section, ...]
    groups: tuple[tuple[str, int], ...] = ()
    note: str = ""
    corner: str = "信息内容"
    supergroups: tuple[tuple[str, int], ...] = ()

    def row(self, key: str) -> Row:
        """The row with ``key`` in any section."""
        for section in self.sections:
            for r in section.rows:
                if r.key == key:
                    return r
        raise KeyError(key)


@final
@attrs.frozen
class Figure:
    """One figure the bureau's plan asks the report to give (其他需要报告的事项)."""

    label: str
    value: str


@final
@attrs.frozen
class AnnualReport:
    """The computed report of ``year`` in ``format``: tables 二, 三, 四 and the plan's figures."""

    year: int
    format: ReportFormat
    agency: str
    table2: Table
    table3: Table
    table4: Table
    figures: tuple[Figure, ...]

    @property
    def title(self) -> str:
        """The report's title."""
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"


# --- 表二 ----------------------------------------------------------------------------------------------

#: Layout of 表二 by format: (heading, columns as (key, label), rows as (key, label)).
TABLE2_LAYOUT: Final[
    dict[ReportFormat, tuple[tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]], ...]]
] = {
    ReportFormat.F2019: (
        (
            "第二十条第（一）项",
            (("made", "本年新制作数量"), ("published", "本年新公开数量"), ("total", "对外公开总数量")),
            (("rules", "规章"), ("normative", "规范性文件")),
        ),
        (
            "第二十条第（五）项",
            (("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
            (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
        ),
        (
            "第二十条第（六）项",
            (("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")),
            (("punishment", "行政处罚"), ("enforcement", "行政强制")),
        ),
        (
            "第二十条第（八）项",
            (("prev_items", "上一年项目数量"), ("change", "本年增/减")),
            (("fees", "行政事业性收费"),),
        ),
        (
            "第二十条第（九）项",
            (("items", "采购项目数量"), ("amount", "采购总金额")),
            (("procurement", "政府集中采购"),),
        ),
    ),
    ReportFormat.F2021: (
        (
            "第二十条第（一）项",
            (("issued", "本年制发件数"), ("abolished", "本年废止件数"), ("in_force", "现行有效件数")),
            (("rules", "规章"), ("normative", "行政规范性文件")),
        ),
        ("第二十条第（五）项", (("decisions", "本年处理决定数量"),), (("licensing", "行政许可"),)),
        (
            "第二十条第（六）项",
            (("decisions", "本年处理决定数量"),),
            (("punishment", "行政处罚"), ("enforcement", "行政强制")),
        ),
        ("第二十条第（八）项", (("amount", "本年收费金额（单位：万元）"),), (("fees", "行政事业性收费"),)),
    ),
}

#: The 表二 row computed from the items; figure records may not set it.
COMPUTED_ROW: Final = "normative"
_ENDED: Final = {"abolished", "expired", "retracted"}


#: Figures of 六、其他需要报告的事项 that come from other systems, by format: 信息处理费 is charged
#: (and reported) from 2021 (《政府信息公开信息处理费管理办法》).
SECTION6_KEYS: Final[dict[ReportFormat, dict[str, tuple[str, ...]]]] = {
    ReportFormat.F2019: {},
    ReportFormat.F2021: {"processing_fee": ("applications", "amount")},
}


def figure_keys(fmt: ReportFormat) -> dict[str, tuple[str, ...]]:
    """The (row → columns) keys a :class:`FigureRecord` may set in a report of ``fmt`` (表二 and 六)."""
    keys = {
        row: tuple(c for c, _ in columns)
        for _, columns, rows in TABLE2_LAYOUT[fmt]
        for row, _ in rows
        if row != COMPUTED_ROW
    }
    return {**keys, **SECTION6_KEYS[fmt]}


def check_figure(record: FigureRecord) -> None:
    """``InvalidFieldError`` unless ``record`` names a row and column of its year's 表二."""
    keys = figure_keys(ReportFormat.for_year(record.year))
    if record.row not in keys:
        raise InvalidFieldError(
            f"{record.year}年度表二没有可填报的行“{record.row}”（可选：{'、'.join(keys)}）。", field="row"
        )
    if record.column not in keys[record.row]:
        raise InvalidFieldError(
            f"{record.year}年度表二“{record.row}”行没有列“{record.column}”（可选：{'、'.join(keys[record.row])}）。",
            field="column",
        )


def _local_day(moment: datetime) -> date:
    return moment.astimezone(BUREAU_TZ).date()


@final
@attrs.frozen
class PolicyLife:
    """A published 政策文件 with the day it was published and the day it ended (abolished, expired, retracted)."""

    item: DisclosureItem
    published_on: date
    ended_on: date | None
    ended_as: str | None


def _normative(policies: Sequence[PolicyLife], year: int, fmt: ReportFormat) -> tuple[int, ...]:
    # Only the 政策文件 stated to be 行政规范性文件 count: the seed tells 规范性文件 from 非规范性文件,
    # and one not stated (``None``) is not counted as one.
    policies = [p for p in policies if p.item.normative is True]
    end = date(year, 12, 31)
    published = [p for p in policies if p.published_on.year == year]
    if fmt is ReportFormat.F2021:
        abolished = [
            p for p in policies if p.ended_on is not None and p.ended_on.year == year and p.ended_as != "retracted"
        ]
        in_force = [p for p in policies if p.published_on <= end and (p.ended_on is None or p.ended_on > end)]
        return (len(published), len(abolished), len(in_force))

    def formed(p: PolicyLife) -> date:
        if p.item.formed_on is not None:
            return p.item.formed_on
        return _local_day(p.item.created_at) if p.item.created_at is not None else p.published_on

    made = [p for p in policies if formed(p).year == year and p.published_on <= end]
    total = [
        p
        for p in policies
        if p.published_on <= end and not (p.ended_as == "retracted" and p.ended_on is not None and p.ended_on <= end)
    ]
    return (len(made), len(published), len(total))


def table2(policies: Sequence[PolicyLife], figures: Iterable[FigureRecord], year: int, fmt: ReportFormat) -> Table:
    """表二 主动公开政府信息情况 of ``year``."""
    given = {(f.row, f.column): f.value for f in figures if f.year == year}
    sections = []
    for heading, columns, rows in TABLE2_LAYOUT[fmt]:
        built = []
        for key, label in rows:
            if key == COMPUTED_ROW:
                values: tuple[Number, ...] = _normative(policies, year, fmt)
            else:
                values = tuple(_number(given.get((key, c), 0)) for c, _ in columns)
            built.append(Row(key, label, values))
        sections.append(Section(heading, tuple(label for _, label in columns), tuple(built)))
    return Table("二、主动公开政府信息情况", tuple(sections))


def _number(value: float) -> Number:
    return int(value) if float(value).is_integer() else value


# --- 表三 ----------------------------------------------------------------------------------------------

#: The applicant columns of 表三, in order; the seventh column (总计) is their sum.
APPLICANT_COLUMNS: Final = (
    ApplicantType.NATURAL_PERSON,
    ApplicantType.COMMERCIAL,
    ApplicantType.RESEARCH,
    ApplicantType.PUBLIC_INTEREST,
    ApplicantType.LEGAL_SERVICE,
    ApplicantType.OTHER_ORG,
)
TABLE3_COLUMNS: Final = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
TABLE3_GROUPS: Final = (("自然人", 1), ("法人或其他组织", 5), ("总计", 1))
TABLE3_SUPERGROUPS: Final = (("申请人情况", 7),)
#: 表三's top-left cell in the national format: the 勾稽关系 of every column.
TABLE3_NOTE: Final = "本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和"

_DENY_ROWS: Final = {reason: f"deny_{n}" for n, reason in enumerate(DenyReason, start=1)}

#: The rows of 表三 as (key, label, level, heading?) — labels verbatim from the format (docs/legal-basis.md#table-3).
_TABLE3_HEAD: Final = (
    ("new", "一、本年新收政府信息公开申请数量", 0, False),
    ("carried_in", "二、上年结转政府信息公开申请数量", 0, False),
    ("results", "三、本年度办理结果", 0, True),
    ("disclose", "（一）予以公开", 1, False),
    ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 1, False),
    ("deny", "（三）不予公开", 1, True),
    *((_DENY_ROWS[r], f"{n}.{r.label}", 2, False) for n, r in enumerate(DenyReason, start=1)),
    ("unable", "（四）无法提供", 1, True),
    ("unable_1", "1.本机关不掌握相关政府信息", 2, False),
    ("unable_2", "2.没有现成信息需要另行制作", 2, False),
    ("unable_3", "3.补正后申请内容仍不明确", 2, False),
    ("not_handled", "（五）不予处理", 1, True),
    ("not_handled_1", "1.信访举报投诉类申请", 2, False),
    ("not_handled_2", "2.重复申请", 2, False),
    ("not_handled_3", "3.要求提供公开出版物", 2, False),
    ("not_handled_4", "4.无正当理由大量反复申请", 2, False),
    ("not_handled_5", "5.要求行政机关确认或重新出具已获取信息", 2, False),
)
_TABLE3_OTHER: Final[dict[ReportFormat, tuple[tuple[str, str, int, bool], ...]]] = {
    ReportFormat.F2019: (("other", "（六）其他处理", 1, False),),
    ReportFormat.F2021: (
        ("other", "（六）其他处理", 1, True),
        ("other_1", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", 2, False),
        ("other_2", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", 2, False),
        ("other_3", "3.其他", 2, False),
    ),
}
_TABLE3_TAIL: Final = (
    ("total", "（七）总计", 1, False),
    ("carried_out", "四、结转下年度继续办理", 0, False),
)

_OUTCOMES: Final[dict[ReplyCategory, str]] = {
    ReplyCategory.ALREADY_PUBLIC: "disclose",
    ReplyCategory.DISCLOSE: "disclose",
    ReplyCategory.PARTIAL: "partial",
    ReplyCategory.NOT_EXIST: "unable_1",
    ReplyCategory.NOT_OURS: "unable_1",
    ReplyCategory.NEEDS_PROCESSING: "unable_2",
    ReplyCategory.UNCLEAR_AFTER_CORRECTION: "unable_3",
    ReplyCategory.PETITION: "not_handled_1",
    ReplyCategory.DUPLICATE: "not_handled_2",
    ReplyCategory.PUBLICATION: "not_handled_3",
    ReplyCategory.EXCESSIVE: "not_handled_4",
    ReplyCategory.CONFIRM_OR_REISSUE: "not_handled_5",
    ReplyCategory.NO_CORRECTION: "other_1",
    ReplyCategory.NO_FEE: "other_2",
    ReplyCategory.SPECIAL_LAW: "other_3",
}


def outcome_row(app: Application, fmt: ReportFormat) -> str:
    """The 表三 row key a closed application counts in (docs/legal-basis.md#table-3-mapping; A7 counts as 其他处理).

    In the 2019 format the three 其他处理 sub-rows are one row, ``other``.
    """
    category = app.reply_category
    if category is ReplyCategory.DENY:
        return _DENY_ROWS[app.deny_reason] if app.deny_reason is not None else "deny_1"
    key = _OUTCOMES.get(category, "other_3") if category is not None else "other_3"
    if fmt is ReportFormat.F2019 and key.startswith("other"):
        return "other"
    return key


def table3_rows(fmt: ReportFormat) -> tuple[tuple[str, str, int, bool], ...]:
    """The rows of 表三 in ``fmt``: (key, verbatim label, indent level, heading row?)."""
    return (*_TABLE3_HEAD, *_TABLE3_OTHER[fmt], *_TABLE3_TAIL)


def outcome_keys(fmt: ReportFormat) -> tuple[str, ...]:
    """The keys of the outcome rows whose sum is （七）总计."""
    keys = [k for k, _, level, heading in table3_rows(fmt) if level >= 1 and not heading]
    return tuple(k for k in keys if k != "total")


@final
@attrs.frozen
class ApplicationLife:
    """An application with the day it was closed (replied or abandoned; ``None`` while open)."""

    application: Application
    closed_on: date | None


def table3(apps: Sequence[ApplicationLife], year: int, fmt: ReportFormat) -> Table:
    """表三 收到和处理政府信息公开申请情况 of ``year``."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    counts: dict[str, list[int]] = {key: [0] * 7 for key, *_ in table3_rows(fmt)}

    def add(key: str, app: Application) -> None:
        col = APPLICANT_COLUMNS.index(app.applicant_type)
        counts[key][col] += 1
        counts[key][6] += 1

    for life in apps:
        app = life.application
        if app.received_on > end or (life.closed_on is not None and life.closed_on < start):
            continue
        add("new" if app.received_on >= start else "carried_in", app)
        if life.closed_on is not None and life.closed_on <= end:
            add(outcome_row(app, fmt), app)
            add("total", app)
        else:
            add("carried_out", app)
    rows = tuple(
        Row(key, label, None if heading else tuple(counts[key]), level)
        for key, label, level, heading in table3_rows(fmt)
    )
    return Table(
        "三、收到和处理政府信息公开申请情况",
        (Section("", TABLE3_COLUMNS, rows),),
        groups=TABLE3_GROUPS,
        note=TABLE3_NOTE,
        corner=f"（{TABLE3_NOTE}）",
        supergroups=TABLE3_SUPERGROUPS,
    )


# --- 表四 ----------------------------------------------------------------------------------------------

TABLE4_OUTCOMES: Final = (CaseOutcome.UPHELD, CaseOutcome.CORRECTED, CaseOutcome.OTHER, CaseOutcome.PENDING)
#: 表四's header rows: 行政复议 (one merged cell over two rows) and 行政诉讼 over its two kinds.
TABLE4_GROUPS: Final = (("行政复议", 5), ("未经复议直接起诉", 5), ("复议后起诉", 5))
TABLE4_SUPERGROUPS: Final = (("行政复议", 5), ("行政诉讼", 10))
TABLE4_COLUMNS: Final = tuple(label for _ in CaseKind for label in (*(o.label for o in TABLE4_OUTCOMES), "总计"))


def table4(cases: Iterable[CaseRecord], year: int) -> Table:
    """表四 政府信息公开行政复议、行政诉讼情况 of ``year`` (cases filed in the year, outcome as recorded)."""
    values: list[int] = []
    found = [c for c in cases if c.filed_on.year == year]
    for kind in CaseKind:
        group = [sum(1 for c in found if c.kind is kind and c.outcome is outcome) for outcome in TABLE4_OUTCOMES]
        values.extend((*group, sum(group)))
    return Table(
        "四、政府信息公开行政复议、行政诉讼情况",
        (Section("", TABLE4_COLUMNS, (Row("cases", "件数", tuple(values)),)),),
        groups=TABLE4_GROUPS,
        supergroups=TABLE4_SUPERGROUPS,
        corner="",
    )


# --- checks --------------------------------------------------------------------------------------------


def _fail(table: str, message: str, **details: str | int) -> ReportCheckError:
    return ReportCheckError(f"年度报告{table}勾稽关系不成立：{message}", table=table, **details)


def check_table3(table: Table, fmt: ReportFormat) -> None:
    """The checks of 表三 (docs/legal-basis.md#table-3-checks); :class:`ReportCheckError` on the first breach."""
    section = table.sections[0]
    values = {r.key: r.values for r in section.rows if r.values is not None}
    outcomes = outcome_keys(fmt)
    for col, label in enumerate(section.columns):
        one, two = values["new"][col], values["carried_in"][col]
        total, four = values["total"][col], values["carried_out"][col]
        if one + two != total + four:
            raise _fail(
                "表三", f"“{label}”列 一（{one}）+ 二（{two}）≠ （七）总计（{total}）+ 四（{four}）。", column=label
            )
        summed = sum(values[k][col] for k in outcomes)
        if summed != total:
            raise _fail("表三", f"“{label}”列 各办理结果之和（{summed}）≠ （七）总计（{total}）。", column=label)
    for row in section.rows:
        if row.values is not None and sum(row.values[:6]) != row.values[6]:
            raise _fail(
                "表三", f"“{row.label}”行 总计（{row.values[6]}）≠ 前6列之和（{sum(row.values[:6])}）。", row=row.key
            )


def check_table4(table: Table) -> None:
    """Each group's 总计 of 表四 is the sum of its four outcome columns."""
    values = table.sections[0].rows[0].values or ()
    for n, (group, _) in enumerate(table.groups):
        part = values[n * 5 : n * 5 + 5]
        if sum(part[:4]) != part[4]:
            raise _fail("表四", f"“{group}”总计（{part[4]}）≠ 前4列之和（{sum(part[:4])}）。", group=group)


def check_report(report: AnnualReport) -> None:
    """Enforce the checks of 表三 and 表四 (docs/legal-basis.md#table-3-checks); ReportCheckError on a breach."""
    check_table3(report.table3, report.format)
    check_table4(report.table4)


def _meetings_needed(flow: Flow) -> int:
    """How many meetings with citizen representatives the duty catalogue asks for (2 without such a duty)."""
    for duty in flow.duties.catalogue:
        s = duty.schedule
        if s.kind is ScheduleKind.COUNT and s.source is TriggerSource.MEETING and s.at_least is not None:
            return s.at_least
    return 2


# --- the plan's figures --------------------------------------------------------------------------------


def plan_figures(
    policies: Sequence[PolicyLife],
    interpretations: Sequence[DisclosureItem],
    proposals: Sequence[ProposalRecord],
    meetings: Sequence[MeetingRecord],
    year: int,
    calendar: WorkCalendar,
    figures: Iterable[FigureRecord] = (),
    *,
    meetings_needed: int = 2,
) -> tuple[Figure, ...]:
    """六、其他需要报告的事项: 信息处理费 (from 2021) and what the bureau's plan asks for.

    The plan's figures are interpretation timeliness, 建议提案 replies and meetings; the meetings
    are counted as the duty catalogue counts them (``meetings_needed``: its count duty's target).
    """
    published = [p for p in policies if p.published_on.year == year]
    interpreted = 0
    timely = 0
    for p in published:
        days = [
            _local_day(i.published_at)
            for i in interpretations
            if i.policy_id == p.item.id and i.published_at is not None
        ]
        if days:
            interpreted += 1
            if min(days) <= calendar.add_workdays(p.published_on, 3).date:
                timely += 1
    in_year = [r for r in proposals if r.replied_on.year == year]
    disclosed = [r for r in in_year if r.disclosed]
    by_kind = "；".join(
        f"{k.label}{sum(1 for r in in_year if r.kind is k)}件、公开{sum(1 for r in disclosed if r.kind is k)}件"
        for k in ProposalKind
    )
    attended = [m for m in meetings if m.held_on.year == year and m.representatives > 0]
    people = sum(m.representatives for m in attended)
    met = "达到" if len(attended) >= meetings_needed else "未达到"
    fee: tuple[Figure, ...] = ()
    if ReportFormat.for_year(year) is ReportFormat.F2021:
        given = {f.column: f.value for f in figures if f.year == year and f.row == "processing_fee"}
        amount, charged = _number(given.get("amount", 0)), _number(given.get("applications", 0))
        text = f"对{charged}件申请收取信息处理费，共{amount}元" if amount or charged else "本年度未收取信息处理费"
        fee = (Figure("收取信息处理费情况", text),)
    return (
        *fee,
        Figure("本年发布政策文件", f"{len(published)}件"),
        Figure("其中已发布解读", f"{interpreted}件"),
        Figure("其中解读于文件公开之日起3个工作日内发布", f"{timely}件"),
        Figure("建议提案办理复文", f"{len(in_year)}件，公开答复全文{len(disclosed)}件（{by_kind}）"),
        Figure(
            "邀请市民代表列席局长办公会议",
            f"{len(attended)}次，共{people}人次（方案要求{meetings_needed}次以上：{met}）",
        ),
    )


# --- assembling ------------------------------------------------------------------------------------------


def _ended(flow: Flow, item: DisclosureItem) -> tuple[date | None, str | None]:
    if item.state not in _ENDED:
        return None, None
    for entry in reversed(flow.audit(item.id)):
        if entry.to_state in _ENDED:
            return _local_day(entry.at), entry.to_state
    return None, item.state


def _closed_on(flow: Flow, app: Application) -> date | None:
    if app.replied_at is not None:
        return _local_day(app.replied_at)
    if app.state == "abandoned":
        for entry in reversed(flow.requests.audit(app.id)):
            if entry.to_state == "abandoned":
                return _local_day(entry.at)
    return None


def annual_report(flow: Flow, year: int, *, agency: str = "日照市人力资源和社会保障局") -> AnnualReport:
    """Compute the report of ``year`` from the flow's items, applications and records, and check it."""
    fmt = ReportFormat.for_year(year)
    items = flow.items()
    policies = []
    for item in items:
        if item.kind is ItemKind.POLICY_DOCUMENT and item.published_at is not None:
            ended_on, ended_as = _ended(flow, item)
            policies.append(PolicyLife(item, _local_day(item.published_at), ended_on, ended_as))
    interpretations = [i for i in items if i.kind is ItemKind.POLICY_INTERPRETATION]
    apps = [ApplicationLife(a, _closed_on(flow, a)) for a in flow.requests.all()]
    records = flow.records
    figures = [r for r in records.all(FigureRecord, year=year) if isinstance(r, FigureRecord)]
    cases = [r for r in records.all(CaseRecord, year=year) if isinstance(r, CaseRecord)]
    proposals = [r for r in records.all(ProposalRecord, year=year) if isinstance(r, ProposalRecord)]
    meetings = [r for r in records.all(MeetingRecord, year=year) if isinstance(r, MeetingRecord)]
    report = AnnualReport(
        year=year,
        format=fmt,
        agency=agency,
        table2=table2(policies, figures, year, fmt),
        table3=table3(apps, year, fmt),
        table4=table4(cases, year),
        figures=plan_figures(
            policies,
            interpretations,
            proposals,
            meetings,
            year,
            flow.clocks.calendar,
            figures,
            meetings_needed=_meetings_needed(flow),
        ),
    )
    check_report(report)
    return report
