"""Built-in plugin ``new_media``: the same outbox contract for a 政务新媒体 webhook.

A 政务新媒体 account (微信公众号, 政务微博, a 客户端) takes short articles: a title of at most
:data:`TITLE_LIMIT` characters and a digest of at most :data:`DIGEST_LIMIT`, both cut with “…”
when longer, and a link to the full text on the website. Only items whose 发布平台 include
新媒体 are sent. One ``POST`` per event with the event id as ``Idempotency-Key`` (and as
``msg_id`` in the body); a failure raises and the outbox retries.

Options: ``url``, ``timeout``, ``token``, ``token_header`` (as for ``website``), ``account`` (the
account's name), ``page_url`` (template of the full text's address, ``{id}`` / ``{slug}``),
``database`` or ``repository`` (to read the body for the digest). Environment fallbacks:
``GONGKAI_NEW_MEDIA_*``. The body is described in ``docs/effects.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, final

import httpx

from ...events import Event, ItemPublished
from ...model import DisclosureItem, Platform
from ...signals import item_abolished, item_expired, item_published, item_retracted
from .._items import DEFAULT_PUBLISHER, ItemSource, page_slug, truncate
from ..website import with_environment
from ..website.push import EndpointConfig, may_push, post_json

if TYPE_CHECKING:
    from .. import PluginRegistry

__all__ = ["DIGEST_LIMIT", "SCHEMA", "TITLE_LIMIT", "NewMediaPlugin", "new_media_body", "plugin"]

#: The schema name of the webhook body.
SCHEMA: Final = "gongkai.new_media.v1"
#: The longest title a 政务新媒体 article may carry (characters).
TITLE_LIMIT: Final = 64
#: The longest digest (characters).
DIGEST_LIMIT: Final = 120

#: What the account should do, by the item's state now, and the mark put before the title.
_ACTIONS: Final = {
    "published": ("publish", ""),
    "abolished": ("update", "【已废止】"),
    "expired": ("update", "【已失效】"),
    "retracted": ("delete", ""),
}


def new_media_body(
    event: Event,
    item: DisclosureItem | None,
    *,
    account: str,
    publisher: str = DEFAULT_PUBLISHER,
    page_url: str | None = None,
) -> dict[str, Any]:
    """The webhook body for ``event`` (schema ``gongkai.new_media.v1``), limits applied.

    The action follows the item's state now (a late publication of a retracted item deletes).
    """
    state = item.state if item is not None and item.state in _ACTIONS else event.to_state
    action, mark = _ACTIONS.get(state, (state, ""))
    title = item.title if item is not None else getattr(event, "title", "")
    digest_source = item.body if item is not None else ""
    reason = getattr(event, "reason", "") or ""
    if mark and reason:
        digest_source = f"{mark}{reason}"
    return {
        "schema": SCHEMA,
        "msg_id": event.event_id,
        "action": action,
        "account": account,
        "article": {
            "id": event.item_id,
            "title": truncate(mark + title, TITLE_LIMIT),
            "digest": truncate(digest_source, DIGEST_LIMIT),
            "author": publisher,
            "url": page_url,
            "published_at": event.at.isoformat() if isinstance(event, ItemPublished) else None,
        },
    }


@final
class NewMediaPlugin:
    """Pushes publications, abolitions, expiries and retractions to a 政务新媒体 webhook."""

    name = "new_media"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Read the configuration and connect the receiver."""
        config = with_environment(config, "GONGKAI_NEW_MEDIA_")
        endpoint = EndpointConfig.from_config(config, plugin=self.name)
        source = ItemSource.from_config(config)
        if source is not None:
            registry.on_close(source.close)
        account = str(config.get("account", f"{DEFAULT_PUBLISHER}政务新媒体"))
        publisher = str(config.get("publisher", DEFAULT_PUBLISHER))
        page_url = config.get("page_url")

        def push_to_new_media(sender: object, *, event: Event) -> None:
            """POST the article to the webhook; raising makes the outbox retry."""
            loaded = source.load(event.item_id) if source is not None else None
            item = loaded[0] if loaded is not None else None
            if not may_push(item, event, Platform.NEW_MEDIA):
                return
            url = str(page_url).format(id=event.item_id, slug=page_slug(event.item_id)) if page_url else None
            body = new_media_body(event, item, account=account, publisher=publisher, page_url=url)
            with httpx.Client(timeout=endpoint.timeout) as client:
                post_json(client, endpoint, event.event_id, body)

        for signal in (item_published, item_abolished, item_expired, item_retracted):
            registry.connect(signal, push_to_new_media)


plugin = NewMediaPlugin()
