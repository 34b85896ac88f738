"""The plugin registry: how plugins find the signals of one workflow.

A plugin is any object with a ``name`` and a ``setup(registry, config)`` method. Installed
plugins announce themselves in the entry-point group ``gongkai_flow.plugins``; a bureau enables
them by name in an explicit list — installing a package never switches it on by itself.

Receivers are connected strongly (a receiver defined inside ``setup`` must not vanish with it)
and only for this registry's workflow, so two workflows in one process stay apart. Their
signatures are checked at registration: ``receiver(sender, *, event)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Final, Protocol, final, runtime_checkable

from blinker import NamedSignal

from .errors import MissingExtraError, PluginError, PluginNotFoundError
from .model import ContentGuard
from .signals import ALL_SIGNALS

if TYPE_CHECKING:
    from .engine import Workflow

#: The entry-point group installed plugins register under.
ENTRY_POINT_GROUP = "gongkai_flow.plugins"

Receiver = Callable[..., Any]

#: The extra that installs what each built-in plugin needs (named in the error when it is missing).
PLUGIN_EXTRAS: Final[dict[str, str]] = {
    "negative_list": "negative-list",
    "website": "website",
    "new_media": "new-media",
    "notify": "notify",
}

#: The top-level modules each extra of ``gongkai_flow`` installs, in the order a missing module is
#: attributed to an extra when the caller prefers none (``jinja2`` comes with ``website`` first).
EXTRA_MODULES: Final[dict[str, frozenset[str]]] = {
    "cli": frozenset({"click", "rich"}),
    "postgres": frozenset({"psycopg", "psycopg_binary"}),
    "negative-list": frozenset({"ahocorasick_rs", "docx"}),
    "website": frozenset({"httpx", "jinja2"}),
    "new-media": frozenset({"httpx", "jinja2"}),
    "reports": frozenset({"docx", "openpyxl", "jinja2"}),
    "bdd": frozenset({"pytest", "pytest_bdd", "ahocorasick_rs", "docx", "httpx", "jinja2"}),
    "docs": frozenset({"mkdocs", "material", "pymdownx", "mkdocstrings"}),
    "examples": frozenset({"flask"}),
}


def extra_for_module(module: str, preferred: Iterable[str] = ()) -> str | None:
    """The extra that installs top-level ``module``: one of ``preferred`` if it does, else the first that does."""
    top = module.split(".")[0]
    for extra in (*preferred, *EXTRA_MODULES):
        if top in EXTRA_MODULES.get(extra, ()):
            return extra
    return None


def missing_extra_error(
    exc: ModuleNotFoundError, preferred: Iterable[str] = (), what: str = "", **details: Any
) -> MissingExtraError | None:
    """A :class:`MissingExtraError` naming the extra for ``exc``'s module, or None when no extra installs it.

    ``what`` names what needs the module (「插件“website”」), at the head of the message.
    """
    module = (exc.name or "").split(".")[0]
    extra = extra_for_module(module, preferred)
    if extra is None:
        return None
    return MissingExtraError(
        f"{what}缺少可选依赖 {module}，请安装：pip install 'gongkai_flow[{extra}]'",
        module=module,
        extra=extra,
        **details,
    )


@runtime_checkable
class Plugin(Protocol):
    """What a plugin provides: a unique name and a set-up hook."""

    name: str

    def setup(self, registry: PluginRegistry, config: Mapping[str, Any]) -> None:
        """Connect receivers through ``registry``; ``config`` is this plugin's own section."""


def available_plugins() -> dict[str, str]:
    """Installed plugins by name, with the object each entry point names."""
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _check_receiver(signal: NamedSignal, receiver: Receiver) -> None:
    if not callable(receiver):
        raise PluginError(f"信号“{signal.name}”的接收者不是可调用对象：{receiver!r}。")
    try:
        sig = inspect.signature(receiver)
    except (TypeError, ValueError):  # builtins without a signature: trust them
        return
    try:
        sig.bind(object(), event=object())
    except TypeError as exc:
        name = getattr(receiver, "__qualname__", repr(receiver))
        raise PluginError(
            f"接收者 {name} 的参数不符合要求：应为 receiver(sender, *, event)（{exc}）。",
            signal=signal.name,
        ) from exc


@final
class PluginRegistry:
    """Connects plugins' receivers to one workflow's signals and remembers them."""

    def __init__(self, workflow: Workflow) -> None:
        self.workflow = workflow
        self._guards: set[str] = set()
        self._rules: set[str] = set()
        self._closers: list[Callable[[], object]] = []
        self.plugins: dict[str, Plugin] = {}
        self._connections: list[tuple[NamedSignal, Receiver]] = []

    def declare_content_guard(self, name: str, guard: ContentGuard) -> None:
        """Say that plugin ``name`` checks content before it reaches the public.

        Publishing to a public platform is refused while no plugin has declared this (see
        :attr:`Workflow.content_guards <gongkai_flow.engine.Workflow.content_guards>`); closing the
        registry withdraws the declaration.
        """
        self.workflow.content_guards[name] = guard
        self._guards.add(name)

    def on_close(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` when the registry closes (a plugin releasing what its setup opened)."""
        self._closers.append(callback)

    def declare_rules(self, name: str, rule_ids: Iterable[str]) -> None:
        """Say which rule ids plugin ``name``'s findings can carry.

        An override (``overrides={rule_id: reason}``) naming an id no plugin declared is then
        refused (``rule.override_unknown``) instead of silently doing nothing; closing the registry
        withdraws the declaration.
        """
        self.workflow.known_rules[name] = frozenset(rule_ids)
        self._rules.add(name)

    def connect(self, signal: NamedSignal | str, receiver: Receiver) -> Receiver:
        """Connect ``receiver`` to ``signal`` for this workflow (strongly); return it."""
        if isinstance(signal, str):
            if signal not in ALL_SIGNALS:
                raise PluginError(f"没有名为“{signal}”的信号。", signal=signal)
            signal = ALL_SIGNALS[signal]
        elif ALL_SIGNALS.get(signal.name) is not signal:
            raise PluginError(f"“{signal.name}”不是 gongkai_flow 的信号。", signal=signal.name)
        _check_receiver(signal, receiver)
        signal.connect(receiver, sender=self.workflow, weak=False)
        self._connections.append((signal, receiver))
        return receiver

    def register(self, plugin: Plugin, config: Mapping[str, Any] | None = None) -> None:
        """Set up a plugin object directly (embedding code and tests)."""
        name = getattr(plugin, "name", None)
        if not isinstance(name, str) or not callable(getattr(plugin, "setup", None)):
            raise PluginError(f"{plugin!r} 不是插件：插件须有 name 属性和 setup(registry, config) 方法。")
        if name in self.plugins:
            raise PluginError(f"插件“{name}”已经启用过。", plugin=name)
        plugin.setup(self, dict(config or {}))
        self.plugins[name] = plugin

    def load(self, enabled: Iterable[str], config: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        """Load and set up the installed plugins named in ``enabled``, in that order."""
        config = config or {}
        installed = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        for name in enabled:
            ep = installed.get(name)
            if ep is None:
                have = "、".join(sorted(installed)) or "无"
                raise PluginNotFoundError(f"未安装名为“{name}”的插件（已安装：{have}）。", plugin=name)
            try:
                obj = ep.load()
            except ModuleNotFoundError as exc:
                extra = PLUGIN_EXTRAS.get(name)
                missing = missing_extra_error(exc, [extra] if extra else (), f"插件“{name}”", plugin=name)
                if missing is not None:
                    raise missing from exc
                hint = f"请安装：pip install 'gongkai_flow[{extra}]'" if extra else "请安装该插件所需的依赖包"
                raise PluginError(f"插件“{name}”缺少依赖包 {exc.name}，无法加载。{hint}。", plugin=name) from exc
            except Exception as exc:
                raise PluginError(f"插件“{name}”加载失败：{exc}", plugin=name) from exc
            plugin = obj() if isinstance(obj, type) else obj
            self.register(plugin, config.get(name))

    def close(self) -> None:
        """Disconnect every receiver this registry connected."""
        for signal, receiver in self._connections:
            signal.disconnect(receiver, sender=self.workflow)
        self._connections.clear()
        for name in self._guards:
            self.workflow.content_guards.pop(name, None)
        self._guards.clear()
        for name in self._rules:
            self.workflow.known_rules.pop(name, None)
        self._rules.clear()
        closers, self._closers = self._closers, []
        for callback in closers:
            callback()
        self.plugins.clear()
