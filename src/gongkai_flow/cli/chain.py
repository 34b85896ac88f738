"""``gongkai chain show`` and ``gongkai plugins``."""

from __future__ import annotations

import click
from rich.table import Table

from ..chain import ChainDefinition, ChainSet, to_mermaid
from ..plugins import available_plugins
from ._app import cli, console

_SCOPE_LABELS = {
    "any": "任一持该角色者",
    "own_item": "承办人本人",
    "item_section": "本信息责任科室",
    "section_leader": "分管该科室的领导",
}


def chain_table(definition: ChainDefinition) -> Table:
    """The chain's steps as a rich table, in Chinese."""
    table = Table(title=f"{definition.label}（{definition.id} 第{definition.version}版）")
    for col in ("环节", "操作", "下一环节", "办理角色", "范围", "签字", "须填意见"):
        table.add_column(col)
    for step in definition.steps:
        table.add_row(
            definition.stage(step.source).label,
            step.action.label,
            definition.stage(step.dest).label,
            step.role.label,
            _SCOPE_LABELS[step.scope.value],
            "是" if step.signs else "",
            "是" if step.opinion_required else "",
        )
    return table


@cli.group()
def chain() -> None:
    """审核流程定义。"""


@chain.command("show")
@click.option(
    "--chain",
    "name",
    type=click.Choice(["default", "news", "request", "all"]),
    default="all",
    show_default=True,
    help="显示哪条流程：default（审核表全流程）、news（新闻宣传类）、request（依申请公开）或 all。",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "mermaid", "both"]),
    default="both",
    show_default=True,
    help="表格、Mermaid 状态图，或两者。",
)
def chain_show(name: str, fmt: str) -> None:
    """以表格和 Mermaid 状态图显示审核流程。"""
    chains = ChainSet.standard()
    names = ("default", "news", "request") if name == "all" else (name,)
    definitions = [chains.latest(cid) for cid in names]
    out = console()
    for definition in definitions:
        if fmt in ("table", "both"):
            out.print(chain_table(definition))
        if fmt in ("mermaid", "both"):
            # Plain echo: Mermaid text must stay copy-pasteable, without markup or wrapping.
            click.echo(to_mermaid(definition))


@cli.command("plugins")
def plugins_cmd() -> None:
    """列出已安装的插件（须在配置中明确启用才会生效）。"""
    installed = available_plugins()
    out = console()
    if not installed:
        out.print("未安装任何插件。")
        return
    table = Table(title="已安装的插件（入口组 gongkai_flow.plugins）")
    table.add_column("名称")
    table.add_column("对象")
    for name, target in sorted(installed.items()):
        table.add_row(name, target)
    out.print(table)
