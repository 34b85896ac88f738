"""The built-in plugins (``log``, ``negative_list``, ``website``, ``new_media``, ``notify``).

The registry they plug into lives in :mod:`gongkai_flow.registry`, below the façade that loads
it; its names are re-exported here, where plugin authors look for them.
"""

from ..registry import Plugin, PluginRegistry, Receiver, available_plugins

__all__ = ["Plugin", "PluginRegistry", "Receiver", "available_plugins"]
