"""Seed one year of disclosure work on a fixed clock and print the annual report in Markdown.

Run it with ``.venv/bin/python examples/annual_report.py [YEAR]`` (default 2025). It publishes
policy documents (one with a timely interpretation), registers and answers 依申请公开
applications, files a review case, a director meeting with citizen representatives and a
proposal reply, then prints the report of 条例第50条 with its 勾稽关系 checked — the same as
``gongkai report annual --year YEAR --format md``. See docs/reports.md.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

from gongkai_flow import Action, Actor, Flow, ItemKind, Role, Workflow
from gongkai_flow.deadlines import BUREAU_TZ
from gongkai_flow.demo import BUREAU
from gongkai_flow.records import CaseRecord, MeetingRecord, ProposalRecord
from gongkai_flow.reports import annual_report
from gongkai_flow.reports.render import report_markdown
from gongkai_flow.requests import ApplicantType, Channel, ReplyCategory

OFFICER = Actor("zhaoli", "赵丽", "局办公室", {Role.REQUEST_OFFICER})


class Clock:
    """A clock the seed sets by hand (Beijing time, 10:00 on the given day)."""

    def __init__(self) -> None:
        self.now = datetime(2025, 1, 2, 10, tzinfo=BUREAU_TZ)

    def __call__(self) -> datetime:
        """The current time of the seed."""
        return self.now

    def at(self, day: date) -> None:
        """Move the clock to 10:00 on ``day``."""
        self.now = datetime(day.year, day.month, day.day, 10, tzinfo=BUREAU_TZ)


def publish(flow: Flow, clock: Clock, day: date, title: str, kind: ItemKind, policy_id: str | None = None) -> str:
    """Draft ``title`` on ``day`` and take it through every signature to publication."""
    clock.at(day)
    item = flow.draft(
        BUREAU["zhangmin"],
        title=title,
        kind=kind,
        body=f"{title}。各区县人力资源和社会保障局：现就有关事项通知如下。",
        attribute="主动公开",
        platforms=["网站"],
        column="政策解读" if policy_id else "政策文件",
        formed_on=day,
        **({"policy_id": policy_id} if policy_id else {}),
        # 表二 counts a 政策文件 as 行政规范性文件 only when its form says so.
        **({"normative": True} if kind is ItemKind.POLICY_DOCUMENT else {}),
    )
    flow.submit(item.id, BUREAU["zhangmin"])
    flow.approve(item.id, BUREAU["lihua"], "不涉密，同意主动公开")
    flow.approve(item.id, BUREAU["wangfang"], "同意")
    flow.approve(item.id, BUREAU["zhaoqiang"], "同意")
    flow.approve(item.id, BUREAU["liuyang"], "同意发布")
    flow.publish(item.id, BUREAU["chenjing"])
    return item.id


def seed(flow: Flow, clock: Clock, year: int) -> None:
    """A small year: two policy documents, one interpretation, three applications and three records."""
    policy = publish(flow, clock, date(year, 3, 3), "关于做好高校毕业生就业创业工作的通知", ItemKind.POLICY_DOCUMENT)
    publish(
        flow,
        clock,
        date(year, 3, 5),
        "《关于做好高校毕业生就业创业工作的通知》解读",
        ItemKind.POLICY_INTERPRETATION,
        policy,
    )
    publish(flow, clock, date(year, 9, 1), "关于调整失业保险金标准的通知", ItemKind.POLICY_DOCUMENT)
    answers = (
        (date(year, 4, 1), ApplicantType.NATURAL_PERSON, ReplyCategory.DISCLOSE),
        (date(year, 5, 6), ApplicantType.COMMERCIAL, ReplyCategory.NOT_EXIST),
        (date(year, 12, 29), ApplicantType.NATURAL_PERSON, None),  # still open on 31 Dec
    )
    for n, (received, applicant_type, category) in enumerate(answers, 1):
        clock.at(received)
        app = flow.requests.register(
            OFFICER,
            applicant_name=f"申请人{n}",
            applicant_type=applicant_type,
            contact="13800000000",
            description="所需政府信息的名称",
            channel=Channel.IN_PERSON,
            submitted_on=received,
        )
        if category is not None:
            clock.at(date(received.year, received.month, received.day + 10))
            flow.requests.act(app.id, Action.REPLY, OFFICER, category=category)
    flow.records.add(CaseRecord("review", date(year, 6, 1), "upheld"))
    flow.records.add(MeetingRecord(date(year, 3, 12), "局长办公会议（第3次）", 3))
    flow.records.add(ProposalRecord("suggestion", "第101号", date(year, 6, 30), True))


def main(year: int = 2025) -> str:
    """Seed ``year`` on a temporary database and return (and print) its annual report in Markdown."""
    clock = Clock()
    with Flow.temporary(workflow=Workflow(clock=clock)) as flow:
        seed(flow, clock, year)
        text = report_markdown(annual_report(flow, year))
    print(text)
    return text


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2025)
