"""Built-in plugin ``website``: push to the bureau's CMS, and the public static portal.

Enable it with ``Flow(plugins=["website"], plugin_config={"website": {...}})`` or
``gongkai dispatch --plugin website`` (configuration from ``GONGKAI_WEBSITE_*`` variables). Options:

``url``
    the CMS endpoint receiving ``POST`` requests (leave it out to only rebuild the portal);
``timeout``
    seconds per request (default 10);
``token`` / ``token_header``
    a credential, sent as ``Authorization: Bearer <token>`` by default;
``database`` or ``repository``
    where to read the item (body, dates) — without one the push carries only what the event knows;
``publisher`` / ``org_code``
    发布机构 and the first part of the 索引号;
``page_url``
    a template for the public page's address, e.g. ``https://hrss.rizhao.gov.cn/gk/{slug}.html``;
``portal``
    a folder: rebuild the static portal there after every publication, abolition, expiry or retraction.

Needs the ``website`` extra (httpx, jinja2). See ``docs/effects.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, final

import httpx

from ...bureau import credit_code_problem
from ...errors import PluginError
from ...events import Event
from ...model import Platform
from ...signals import item_abolished, item_expired, item_published, item_retracted
from .._items import DEFAULT_ORG_CODE, DEFAULT_PUBLISHER, ItemSource, page_slug
from .portal import PortalError, PortalReport, build_portal
from .push import EndpointConfig, PushError, event_stand_in, may_push, payload_text, post_json, website_body

if TYPE_CHECKING:
    from .. import PluginRegistry

__all__ = [
    "EndpointConfig",
    "PortalError",
    "PortalReport",
    "PushError",
    "WebsitePlugin",
    "build_portal",
    "plugin",
    "website_body",
]

#: Environment variables read when the configuration leaves an option out (``gongkai dispatch``).
ENV_PREFIX = "GONGKAI_WEBSITE_"

_ENV_OPTIONS: tuple[str, ...] = ("url", "timeout", "token", "token_header", "database", "publisher", "org_code")
_ENV_OPTIONS += ("page_url", "portal", "account")


def with_environment(config: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """``config`` completed with ``<prefix><OPTION>`` environment variables for missing options."""
    merged = dict(config)
    for key in _ENV_OPTIONS:
        value = os.environ.get(prefix + key.upper())
        if key not in merged and value:
            merged[key] = value
    if "database" not in merged and "repository" not in merged and os.environ.get("GONGKAI_DATABASE_URL"):
        merged["database"] = os.environ["GONGKAI_DATABASE_URL"]
    return merged


@final
class WebsitePlugin:
    """Connects the CMS push and the portal rebuild to the publication events."""

    name = "website"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Read the configuration and connect the receivers."""
        config = with_environment(config, ENV_PREFIX)
        source = ItemSource.from_config(config)
        if source is not None:
            registry.on_close(source.close)
        publisher = str(config.get("publisher", DEFAULT_PUBLISHER))
        org_code = str(config.get("org_code", DEFAULT_ORG_CODE))
        problem = credit_code_problem(org_code)
        if problem is not None:  # a wrong prefix would go into every 索引号 the portal ever shows
            raise PluginError(
                f"website 插件的 org_code（统一社会信用代码）“{org_code}”无效：{problem}。", plugin=self.name
            )
        page_url = config.get("page_url")
        signals = (item_published, item_abolished, item_expired, item_retracted)

        if config.get("url") is not None:
            endpoint = EndpointConfig.from_config(config, plugin=self.name)

            def push_to_cms(sender: object, *, event: Event) -> None:
                """POST the event to the CMS; raising makes the outbox retry."""
                loaded = source.load(event.item_id) if source is not None else None
                item, entries = loaded if loaded is not None else (None, [])
                if not may_push(item, event, Platform.WEBSITE):
                    return
                url = str(page_url).format(id=event.item_id, slug=page_slug(event.item_id)) if page_url else None
                files = source.files(item) if source is not None and item is not None else []
                body = website_body(
                    event, item, entries, publisher=publisher, org_code=org_code, page_url=url, files=files
                )
                # The last gate: the payload as sent, and the files in it. Without the stored item
                # (no database configured) the event's own fields stand in, so the gate still looks.
                checked = item if item is not None else event_stand_in(event)
                registry.workflow.check_output(checked, [("推送内容", payload_text(body))], files)
                with httpx.Client(timeout=endpoint.timeout) as client:
                    post_json(client, endpoint, event.event_id, body)

            for signal in signals:
                registry.connect(signal, push_to_cms)

        portal = config.get("portal")
        if portal is not None:
            if source is None:
                raise PluginError(
                    "插件“website”的 portal 选项需要同时配置 database 或 repository（从哪里读取已发布的信息）。",
                    plugin=self.name,
                )

            def rebuild_portal(sender: object, *, event: Event) -> None:
                """Render the portal again from what is stored now (idempotent)."""
                with source.open() as repo:
                    build_portal(
                        repo,
                        str(portal),
                        publisher=publisher,
                        org_code=org_code,
                        guards=registry.workflow.content_guards,
                    )

            for signal in signals:
                registry.connect(signal, rebuild_portal)


plugin = WebsitePlugin()
