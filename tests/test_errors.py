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
