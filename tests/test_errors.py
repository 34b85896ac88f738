"""The error hierarchy: one root, stable codes, Chinese messages."""

from __future__ import annotations

import inspect

import pytest

from gongkai_flow import Finding, Severity, errors
from gongkai_flow.errors import GongkaiFlowError


def _error_classes() -> list[type[GongkaiFlowError]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, GongkaiFlowError) and obj.__module__ == errors.__name__
    ]


def test_every_error_has_a_unique_code() -> None:
    """Every GongkaiFlowError subclass declares its own non-empty, unique ``code``."""
    classes = _error_classes()
    assert len(classes) > 20
    codes = [cls.code for cls in classes]
    for cls in classes:
        assert isinstance(cls.code, str)
        assert cls.code.strip(), cls.__name__
        assert "code" in vars(cls), f"{cls.__name__} inherits its code"
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    "cls",
    [cls for cls in _error_classes() if cls.__init__ is GongkaiFlowError.__init__],
    ids=lambda cls: cls.__name__,
)
def test_error_message_and_details(cls: type[GongkaiFlowError]) -> None:
    """Each error keeps its Chinese message as ``str()`` and exposes its details as attributes and in to_dict."""
    exc = cls("未通过发布前检查", item_id="x1")
    assert str(exc) == "未通过发布前检查"
    assert exc.details["item_id"] == "x1"
    assert getattr(exc, "item_id") == "x1"  # noqa: B009 - the attribute is set dynamically
    assert exc.to_dict() == {"code": cls.code, "message": "未通过发布前检查", "item_id": "x1"}


def test_blocked_error_carries_findings() -> None:
    """TransitionBlockedError keeps its findings as a tuple next to the message and details."""
    finding = Finding("t.block", Severity.BLOCK, "含有个人隐私")
    exc = errors.TransitionBlockedError("未通过发布前检查", [finding], item_id="x1")
    assert exc.findings == (finding,)
    assert exc.to_dict() == {"code": "check.blocked", "message": "未通过发布前检查", "item_id": "x1"}


def _all_error_classes() -> list[type[GongkaiFlowError]]:
    """Every GongkaiFlowError subclass of the library, after importing every module that may define one."""
    import importlib
    import pkgutil

    import gongkai_flow

    for info in pkgutil.walk_packages(gongkai_flow.__path__, "gongkai_flow."):
        if not info.name.startswith("gongkai_flow.migrations") and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    return [cls for cls in errors.error_classes() if cls.__module__.startswith("gongkai_flow.")]


def _doc_rows() -> dict[str, tuple[str, str, int]]:
    import re
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "concepts.md").read_text(encoding="utf-8")
    section = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| `([^`]+)` \| (\d{3}) \|$", section, re.M)
    return {code: (cls, base, int(status)) for code, cls, base, status in rows}


def test_every_error_has_an_http_status_in_the_documented_table() -> None:
    """Every error class (every module's) is a row of the docs table: code, class, base, HTTP status."""
    classes = _all_error_classes()
    assert len(classes) > 60
    expected = {}
    for cls in classes:
        base = next((b.__name__ for b in cls.__bases__ if issubclass(b, GongkaiFlowError)), "Exception")
        expected[cls.code] = (f"{cls.__module__}.{cls.__qualname__}", base, cls.http_status)
        assert 400 <= cls.http_status <= 599, cls
        assert errors.http_status(cls.__new__(cls)) == cls.http_status
    table = "\n".join(f"| `{c}` | `{k}` | `{b}` | {s} |" for c, (k, b, s) in sorted(expected.items()))
    assert _doc_rows() == expected, f"docs/concepts.md#errors should list:\n{table}"


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (errors.StaleItemError("已被他人处理"), 409),
        (errors.SelfApprovalError("不能审核自己起草的信息"), 403),
        (errors.ItemNotFoundError("找不到"), 404),
        (errors.OpinionRequiredError("请填写意见"), 422),
        (errors.ActionNotAvailableError("不能执行"), 409),
        (errors.StorageError("数据库不可用"), 503),
        (errors.PluginError("插件有误"), 500),
        (ValueError("x"), 500),
    ],
)
def test_http_status_by_class(exc: BaseException, status: int) -> None:
    """The helper reads the class attribute; a subclass inherits its base's unless it states its own."""
    assert errors.http_status(exc) == status
