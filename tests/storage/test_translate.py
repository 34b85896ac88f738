"""storage_errors and @translated: a recognised driver error leaves typed, anything else unchanged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from gongkai_flow.storage.errors import SchemaMismatchError
from gongkai_flow.storage.translate import storage_errors, translated


def _missing_table() -> None:
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT * FROM gongkai_nowhere")


def _unknown_driver_error() -> None:
    engine = sa.create_engine("sqlite://")
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT RAISE(ABORT, '自定义错误')")  # not one translate_error knows


def _through_context(fn: Callable[[], None]) -> None:
    with storage_errors("测试库"):
        fn()


def _through_decorator(fn: Callable[[], None]) -> None:
    translated("测试库")(fn)()


@pytest.mark.parametrize("way", [_through_context, _through_decorator])
def test_a_recognised_driver_error_leaves_typed_with_its_cause(way: Callable[[Callable[[], None]], None]) -> None:
    with pytest.raises(SchemaMismatchError) as caught:
        way(_missing_table)
    assert "测试库" in str(caught.value)
    assert isinstance(caught.value.__cause__, sa_exc.OperationalError)


@pytest.mark.parametrize("way", [_through_context, _through_decorator])
def test_other_errors_pass_unchanged(way: Callable[[Callable[[], None]], None]) -> None:
    with pytest.raises(sa_exc.DBAPIError):
        way(_unknown_driver_error)

    def boom() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        way(boom)


def test_nothing_happens_without_an_error() -> None:
    with storage_errors():
        value = 1
    assert value == 1
    assert translated()(lambda: 2)() == 2
