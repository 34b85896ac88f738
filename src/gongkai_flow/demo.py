"""The bureau's people and a realistic publication, for ``gongkai demo``, tests and BDD.

The actors mirror the seed document's sections: 就业失业科 drafts, 局办公室 reviews secrecy and
the disclosure attribute, 政策法规科 reviews legality, the section head and the leader in charge
sign, 行政许可科（12333）uploads and files.
"""

from __future__ import annotations

from typing import Final

import attrs

from .chain import Action
from .model import Actor, DisclosureItem, ItemKind, Role
from .service import Flow

#: The bureau's people in the demo: one per signature of the review form, plus a second section.
BUREAU: Final[dict[str, Actor]] = {
    a.id: a
    for a in (
        Actor("zhangmin", "张敏", "就业失业科", {Role.DRAFTER}),
        Actor("lihua", "李华", "局办公室", {Role.ATTRIBUTE_REVIEWER}),
        Actor("wangfang", "王芳", "政策法规科", {Role.LEGAL_REVIEWER}),
        Actor("zhaoqiang", "赵强", "就业失业科", {Role.SECTION_HEAD}),
        Actor("liuyang", "刘洋", "局领导", {Role.LEADER}, in_charge_of={"就业失业科", "养老保险科"}),
        Actor("chenjing", "陈静", "行政许可科（12333）", {Role.PUBLISHER}),
        Actor("sunli", "孙丽", "养老保险科", {Role.DRAFTER}),
        Actor("zhouwei", "周伟", "养老保险科", {Role.SECTION_HEAD}),
    )
}


#: Who takes a 政策文件 of 就业失业科 through the default chain, step by step: the drafter submits,
#: 局办公室, 政策法规科, the section head and the leader in charge approve, 行政许可科 publishes.
HAPPY_PATH: Final[tuple[tuple[Action, str], ...]] = (
    (Action.SUBMIT, "zhangmin"),
    (Action.APPROVE, "lihua"),
    (Action.APPROVE, "wangfang"),
    (Action.APPROVE, "zhaoqiang"),
    (Action.APPROVE, "liuyang"),
    (Action.PUBLISH, "chenjing"),
)


@attrs.frozen
class DemoResult:
    """The items the demo published: the policy document and its interpretation."""

    policy: DisclosureItem
    interpretation: DisclosureItem


def run_demo(flow: Flow) -> DemoResult:
    """Publish a policy document and its interpretation through the whole chain.

    The policy is returned once by 政策法规科 for a wording change, edited and resubmitted, so the
    trail shows a void approval and a restarted chain.
    """
    p = BUREAU
    policy = flow.draft(
        p["zhangmin"],
        title="关于做好2019年高校毕业生就业创业工作的通知",
        kind=ItemKind.POLICY_DOCUMENT,
        body="各区县人力资源和社会保障局：为做好2019年高校毕业生就业创业工作，现就有关事项通知如下……",
        attribute="主动公开",
        platforms=["网站", "新媒体"],
        column="政策文件",
        document_number="日人社发〔2019〕12号",
    )
    flow.submit(policy.id, p["zhangmin"])
    flow.approve(policy.id, p["lihua"], "不涉密，同意主动公开")
    flow.return_item(policy.id, p["wangfang"], "第三条补贴标准表述与省文件不一致，请修改")
    flow.edit(
        policy.id,
        p["zhangmin"],
        body="各区县人力资源和社会保障局：为做好2019年高校毕业生就业创业工作，按照鲁人社发〔2019〕8号要求，现就有关事项通知如下……",
    )
    flow.submit(policy.id, p["zhangmin"])
    flow.approve(policy.id, p["lihua"], "不涉密，同意主动公开")
    flow.approve(policy.id, p["wangfang"], "同意")
    flow.approve(policy.id, p["zhaoqiang"], "同意")
    flow.approve(policy.id, p["liuyang"], "同意发布")
    policy = flow.publish(policy.id, p["chenjing"])

    interpretation = flow.draft(
        p["zhangmin"],
        title="《关于做好2019年高校毕业生就业创业工作的通知》政策解读",
        kind=ItemKind.POLICY_INTERPRETATION,
        body="一、出台背景……二、主要内容……三、享受补贴的条件和程序……",
        attribute="主动公开",
        platforms=["网站"],
        column="政策解读",
        policy_id=policy.id,
    )
    flow.submit(interpretation.id, p["zhangmin"])
    for reviewer in ("lihua", "wangfang", "zhaoqiang", "liuyang"):
        flow.approve(interpretation.id, p[reviewer], "同意")
    interpretation = flow.publish(interpretation.id, p["chenjing"])
    return DemoResult(policy=policy, interpretation=interpretation)
