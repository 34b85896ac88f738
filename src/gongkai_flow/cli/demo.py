"""``gongkai demo``: a full publication with the bureau's people, and the signed trail."""

from __future__ import annotations

from collections.abc import Sequence

import click
from rich.table import Table

from ..demo import BUREAU, run_demo
from ..model import Role
from ..service import Flow
from ._app import cli, console


def print_trail(flow: Flow, item_id: str) -> None:
    """Print an item's audit trail and the review form's signatures."""
    out = console()
    item = flow.get(item_id)
    chain = flow.workflow.chain_of(item)

    def stage_label(name: str) -> str:
        return chain.stage(name).label if chain.has_stage(name) else name

    out.print(f"\n[bold]《{item.title}》[/bold]  状态：{stage_label(item.state)}  编号：{item.id}")
    trail = Table(title="审核记录（全部操作）")
    for col in ("时间", "环节", "操作", "经办人", "科室", "意见", "内容指纹"):
        trail.add_column(col)
    for entry in flow.audit(item.id):
        trail.add_row(
            entry.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            stage_label(entry.from_state),
            entry.decision,
            entry.actor_name,
            entry.section,
            entry.opinion or "",
            entry.content_hash[:12],
        )
    out.print(trail)
    form = Table(title="政府信息公开及合规性审核表 · 签字（均对应发布内容的指纹）")
    for col in ("签字栏", "签字人", "科室", "日期", "意见"):
        form.add_column(col)
    signatures = flow.review_form(item.id)
    for stage in chain.stages:
        for entry in signatures.get(stage.name, []):
            role = entry.role.label if isinstance(entry.role, Role) else ""
            date = entry.at.astimezone().strftime("%Y-%m-%d")
            form.add_row(role, entry.actor_name, entry.section, date, entry.opinion or "")
    out.print(form)


@cli.command()
@click.option("--plugin", "plugins", multiple=True, help="启用的插件（可多次指定），例如 log。")
def demo(plugins: Sequence[str]) -> None:
    """演示：一份政策文件及其解读走完整个审核发布流程，并打印签字记录。"""
    flow = Flow.temporary(plugins=list(plugins))
    result = run_demo(flow)
    for item in (result.policy, result.interpretation):
        print_trail(flow, item.id)
    out = console()
    count = len(flow.interpretations_of(result.policy.id))
    out.print(
        f"\n政策文件与解读已相互关联：解读《{result.interpretation.title}》→ 政策文件 {result.policy.id}"
        f"（该文件共有 {count} 份解读）。"
    )
    out.print("参与人员：" + "、".join(f"{a.name}（{a.section}）" for a in BUREAU.values()))
