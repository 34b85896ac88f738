"""A full publication: a policy document and its interpretation through the whole review chain.

Run it with ``.venv/bin/python examples/full_publication.py [DATABASE]`` — a SQLite file (created
and migrated if new) or a PostgreSQL URL; without one it uses a temporary SQLite file. It shows:

* the six signatures of the review form (附件2), each bound to the content that is published;
* a return by 政策法规科 for a change: the drafter edits, every approval so far is void and the
  chain restarts at 保密及公开属性审核;
* a return by the leader with a question only: the unchanged item goes straight back to the leader;
* the policy ↔ interpretation link the plan asks for (解读材料与政策文件相互关联);
* a plugin at work (the example ``title_rules`` package, if installed) and refusals with their
  stable error codes.
"""

from __future__ import annotations

import sys

from gongkai_flow import Action, Actor, Flow, GongkaiFlowError, ItemKind, Role
from gongkai_flow.plugins import available_plugins
from gongkai_flow.text import beijing_time, quote_title

drafter = Actor("zhangmin", "张敏", "就业失业科", {Role.DRAFTER})
office = Actor("lihua", "李华", "局办公室", {Role.ATTRIBUTE_REVIEWER})
legal = Actor("wangfang", "王芳", "政策法规科", {Role.LEGAL_REVIEWER})
head = Actor("zhaoqiang", "赵强", "就业失业科", {Role.SECTION_HEAD})
leader = Actor("liuyang", "刘洋", "局领导", {Role.LEADER}, in_charge_of={"就业失业科"})
publisher = Actor("chenjing", "陈静", "行政许可科（12333）", {Role.PUBLISHER})


def main(database: str | None = None) -> dict[str, str]:
    """Run the publication; return the final state of each item by title (the test checks it)."""
    # negative_list guards what reaches the public; title_rules is the example third-party plugin.
    plugins = ["negative_list", *(["title_rules"] if "title_rules" in available_plugins() else [])]
    flow = Flow(database=database, plugins=plugins) if database else Flow.temporary(plugins=plugins)
    try:
        return publish(flow)
    finally:
        flow.close()


def publish(flow: Flow) -> dict[str, str]:
    """Drive the policy document and its interpretation through the chain on ``flow``."""
    policy = flow.draft(
        drafter,
        title="关于进一步做好就业创业工作的实施意见",
        kind=ItemKind.POLICY_DOCUMENT,
        body="为深入实施就业优先政策，现提出如下实施意见……",
        attribute="主动公开",
        platforms=["网站", "新媒体"],
        column="政策文件",
        document_number="日人社发〔2019〕15号",
    )
    flow.submit(policy.id, drafter)
    flow.approve(policy.id, office, "不涉密，同意主动公开")

    # 政策法规科 returns it for a change: the edit voids 李华's approval and the chain restarts.
    flow.return_item(policy.id, legal, "创业担保贷款额度应为20万元，请核实修改")
    flow.edit(policy.id, drafter, body="为深入实施就业优先政策，创业担保贷款额度提高至20万元，现提出如下实施意见……")
    policy = flow.submit(policy.id, drafter)
    print(f"修改后重新提交：回到“{flow.workflow.chain_of(policy).stage(policy.state).label}”，此前的同意意见作废")

    flow.approve(policy.id, office, "不涉密，同意主动公开")
    flow.approve(policy.id, legal, "同意")
    flow.approve(policy.id, head, "同意")

    # A refusal leaves the item as it was and says why, with a stable code.
    try:
        flow.approve(policy.id, head, "同意")
    except GongkaiFlowError as exc:
        print(f"被拒绝［{exc.code}］：{exc}")

    flow.approve(policy.id, leader, "同意发布")
    policy = flow.publish(policy.id, publisher)
    assert policy.published_at is not None
    print(f"{quote_title(policy.title)}已发布，发布时间 {beijing_time(policy.published_at)}（北京时间）")

    interpretation = flow.draft(
        drafter,
        title="《关于进一步做好就业创业工作的实施意见》解读",
        kind=ItemKind.POLICY_INTERPRETATION,
        body="一、出台背景；二、主要内容；三、新旧政策差异……",
        attribute="主动公开",
        platforms=["网站"],
        column="政策解读",
        policy_id=policy.id,
    )
    flow.submit(interpretation.id, drafter)
    for reviewer in (office, legal, head):
        flow.approve(interpretation.id, reviewer, "同意")

    # The leader only asks a question: unchanged, the item goes straight back to the leader.
    flow.return_item(interpretation.id, leader, "请确认是否需要增加图解")
    interpretation = flow.submit(interpretation.id, drafter)
    print(f"未修改重新提交：直接回到“{flow.workflow.chain_of(interpretation).stage(interpretation.state).label}”")
    flow.approve(interpretation.id, leader, "同意发布")
    interpretation = flow.publish(interpretation.id, publisher)

    print("\n审核表签字（政策文件）：")
    chain = flow.workflow.chain_of(policy)
    for stage, entries in flow.review_form(policy.id).items():
        for entry in entries:
            role = entry.role.label if entry.role else ""
            signer = f"{entry.actor_name}（{entry.section}）"
            print(f"  {chain.stage(stage).label:<12} {role:<12} {signer}{entry.opinion or ''}")

    links = flow.interpretations_of(policy.id)
    print(f"\n政策文件的解读：{'、'.join('《' + i.title + '》' for i in links)}")
    print(
        "可对已发布文件执行：",
        "、".join(o.action.label for o in flow.available_actions(policy.id, publisher) if o.allowed),
    )
    assert Action.ABOLISH in {o.action for o in flow.available_actions(policy.id, publisher) if o.allowed}
    return {item.title: item.state for item in (flow.get(policy.id), flow.get(interpretation.id))}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
