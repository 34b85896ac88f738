"""Built-in plugin ``log``: writes every stored transition to Python logging.

Enable it with ``plugins = ["log"]``; configuration: ``logger`` (default ``gongkai_flow.trail``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, final

from ..events import TransitionApplied
from ..signals import transition_applied

if TYPE_CHECKING:
    from ..registry import PluginRegistry


@final
class LogPlugin:
    """Logs ``transition-applied`` events as one line each."""

    name = "log"

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Connect the logging receiver."""
        logger = logging.getLogger(str(config.get("logger", "gongkai_flow.trail")))

        def on_applied(sender: object, *, event: TransitionApplied) -> None:
            logger.info(
                "%s %s: %s -> %s by %s", event.item_id, event.action, event.from_state, event.to_state, event.actor_id
            )

        registry.connect(transition_applied, on_applied)


plugin = LogPlugin()
