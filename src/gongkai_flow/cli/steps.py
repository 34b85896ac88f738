"""``gongkai steps``: the Chinese step catalogue of the BDD step library, with an example each."""

from __future__ import annotations

import click

from ..bdd.catalogue import CATALOGUE, closest_steps, format_catalogue, format_entry
from ._app import cli

_GROUPS = tuple(dict.fromkeys(entry.group for entry in CATALOGUE))


@cli.command("steps")
@click.option("--group", "group", type=click.Choice(_GROUPS), help="只列出这一类步骤。")
@click.option("--match", "text", help="给出一句写法，列出最接近的步骤（排查“找不到步骤”）。")
def steps(group: str | None, text: str | None) -> None:
    """列出场景（.feature）中可以使用的全部中文步骤写法，每种附一个例子。"""
    if text is not None:
        click.echo(f"与“{text}”最接近的写法：")
        for entry in closest_steps(text, limit=5):
            click.echo(format_entry(entry))
        return
    click.echo("场景文件第一行写 # language: zh-CN；每一步以 假如 / 当 / 那么 / 而且 开头，后面照下列写法书写。")
    click.echo("〈…〉处换成具体内容；引号一律用中文引号“”。\n")
    click.echo(format_catalogue(group), nl=False)
