"""Pushing published items to the bureau's CMS over HTTP (httpx).

One ``POST`` per event, the JSON body described in ``docs/effects.md`` (schema
``gongkai.website.v1``), the event id in the ``Idempotency-Key`` header. Any failure — a refused
connection, a timeout, a status other than 2xx — raises :class:`PushError`, so the outbox records
the failed delivery and retries it later with backoff. The CMS must treat a repeated
``Idempotency-Key`` as the same request (the same event may arrive again after a crash).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, final

import attrs
import httpx

from ...errors import GongkaiFlowError, PluginError
from ...events import Event, ItemPublished
from ...model import Attachment, AuditEntry, DisclosureAttribute, DisclosureItem, Platform
from .._items import DEFAULT_ORG_CODE, DEFAULT_PUBLISHER, STATUS_LABELS, index_number, published_at, status_change

#: The schema name sent in every body; a new incompatible shape gets a new name.
SCHEMA: Final = "gongkai.website.v1"

#: What the CMS should do, by the item's state: the push makes the CMS show the item as it is.
OPERATIONS: Final = {
    "published": "publish",
    "abolished": "mark_abolished",
    "expired": "mark_expired",
    "retracted": "retract",
}


class PushError(GongkaiFlowError):
    """A push to a publication endpoint failed; the outbox retries it later."""

    code = "effects.push_failed"
    http_status = 502


@final
@attrs.frozen
class EndpointConfig:
    """Where and how to push: ``url``, ``timeout`` in seconds, an optional token and its header.

    With ``token_header = "Authorization"`` (the default) the token is sent as ``Bearer <token>``;
    with any other header name it is sent as it is.
    """

    url: str
    timeout: float = 10.0
    token: str | None = None
    token_header: str = "Authorization"

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, plugin: str) -> EndpointConfig:
        """Read the ``url``, ``timeout``, ``token`` and ``token_header`` options of a plugin."""
        url = config.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise PluginError(f"插件“{plugin}”须配置 url（以 http:// 或 https:// 开头的推送地址）。", plugin=plugin)
        token = config.get("token")
        return cls(
            url=url,
            timeout=float(config.get("timeout", 10.0)),
            token=str(token) if token else None,
            token_header=str(config.get("token_header", "Authorization")),
        )

    def headers(self, event_id: str) -> dict[str, str]:
        """The request headers: JSON, the idempotency key and the token."""
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": event_id}
        if self.token:
            value = f"Bearer {self.token}" if self.token_header.lower() == "authorization" else self.token
            headers[self.token_header] = value
        return headers


def post_json(client: httpx.Client, endpoint: EndpointConfig, event_id: str, body: Mapping[str, Any]) -> None:
    """POST ``body``; raise :class:`PushError` on any transport error or non-2xx answer."""
    try:
        response = client.post(endpoint.url, json=dict(body), headers=endpoint.headers(event_id))
    except httpx.TimeoutException as exc:
        raise PushError(f"推送到 {endpoint.url} 超时（{endpoint.timeout:g} 秒），稍后重试。") from exc
    except httpx.HTTPError as exc:
        raise PushError(f"推送到 {endpoint.url} 失败：{type(exc).__name__}: {exc}，稍后重试。") from exc
    if not response.is_success:
        raise PushError(f"推送到 {endpoint.url} 被拒绝：HTTP {response.status_code}，稍后重试。")


def website_body(
    event: Event,
    item: DisclosureItem | None,
    entries: list[AuditEntry],
    *,
    publisher: str = DEFAULT_PUBLISHER,
    org_code: str = DEFAULT_ORG_CODE,
    page_url: str | None = None,
    files: Sequence[tuple[Attachment, bytes]] = (),
) -> dict[str, Any]:
    """The JSON body pushed to the CMS for ``event`` (schema ``gongkai.website.v1``).

    ``item`` is the stored item when the plugin can read it (``None`` sends what the event knows).
    ``operation`` and ``item.status`` describe the item as it is *now*: a publication delivered
    late, after the item was retracted, says ``retract`` — late and repeated deliveries converge.
    """
    state = item.state if item is not None and item.state in OPERATIONS else event.to_state
    changed = status_change(entries, state) if item is not None and state != "published" else None
    reason = (changed.opinion if changed is not None else None) or getattr(event, "reason", None) or None
    body: dict[str, Any] = {
        "schema": SCHEMA,
        "event_id": event.event_id,
        "event_type": event.type,
        "operation": OPERATIONS.get(state, state),
        "occurred_at": event.at.isoformat(),
        "reason": reason,
        "item": {
            "id": event.item_id,
            "content_hash": event.content_hash,
            "status": state,
            "status_label": STATUS_LABELS.get(state, state),
        },
    }
    data: dict[str, Any] = body["item"]
    if isinstance(event, ItemPublished):
        data.update(title=event.title, kind=event.kind, column=event.column, policy_id=event.policy_id)
    if item is not None:
        when = published_at(item, entries)
        data.update(
            title=item.title,
            kind=item.kind.value,
            kind_label=item.kind.label,
            column=item.column,
            body=item.body,
            document_number=item.document_number,
            source_name=item.source_name,
            attachments=[
                {
                    "name": a.name,
                    "media_type": a.media_type,
                    "size": a.size,
                    "sha256": a.sha256,
                    "content_base64": base64.b64encode(data).decode("ascii"),
                }
                for a, data in files
            ],
            policy_id=item.policy_id,
            index_number=index_number(item, org_code),
            publisher=publisher,
            disclosure=DisclosureAttribute.PROACTIVE.label,
            published_at=when.isoformat() if when is not None else None,
            status_changed_at=changed.at.isoformat() if changed is not None else None,
            url=page_url,
        )
    return body


def may_push(item: DisclosureItem | None, event: Event, platform: Platform) -> bool:
    """Whether an event about ``item`` may go to ``platform`` at all.

    Never a classified item, never anything but 主动公开, and only items meant for the platform.
    """
    if isinstance(event, ItemPublished) and platform.value not in event.platforms:
        return False
    if item is None:
        return True
    return not item.classified and item.attribute is DisclosureAttribute.PROACTIVE and platform in item.platforms


def payload_text(body: Mapping[str, Any]) -> str:
    """The push body as the last gate reads it: every value but the attachments' bytes (checked as files)."""
    item = dict(body.get("item") or {})
    item["attachments"] = [{k: v for k, v in a.items() if k != "content_base64"} for a in item.get("attachments", [])]
    return json.dumps({**body, "item": item}, ensure_ascii=False, indent=1)


def event_stand_in(event: Event) -> DisclosureItem:
    """An item built from what an event carries, for the last gate when the stored item cannot be read.

    It is 主动公开 and meant for the platforms the event names (or the website), so every finding
    blocks, and it carries no overrides: without the item, nothing an attribute reviewer passed can
    be honoured.
    """
    published = event if isinstance(event, ItemPublished) else None
    platforms = published.platforms if published is not None and published.platforms else (Platform.WEBSITE.value,)
    return DisclosureItem(
        id=event.item_id,
        title=(published.title if published is not None else "") or event.item_id,
        kind=(published.kind if published is not None else "") or "policy_document",
        body="",
        drafter_id=event.actor_id,
        sections=("—",),
        attribute=DisclosureAttribute.PROACTIVE,
        platforms=platforms,
        column=published.column if published is not None else "",
        content_hash=event.content_hash,
    )
