"""How titles, dates and times are written: nested book-title marks, formal dates, Beijing time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongkai_flow import Actor, Flow, ItemKind, MemoryRepository, Role, errors
from gongkai_flow.text import beijing, beijing_time, formal_date, quote_title


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("关于调整失业保险金标准的通知", "《关于调整失业保险金标准的通知》"),
        (
            "关于印发《日照市人力资源和社会保障局2019年政务公开工作要点实施方案》的通知",
            "《关于印发〈日照市人力资源和社会保障局2019年政务公开工作要点实施方案〉的通知》",
        ),
        ("《关于调整失业保险金标准的通知》政策解读", "《〈关于调整失业保险金标准的通知〉政策解读》"),
        ("关于转发《关于印发〈办法〉的通知》的通知", "《关于转发〈关于印发《办法》的通知〉的通知》"),
        # Typed with 《》 at every level, or with 〈〉 already: nested by depth either way.
        ("关于印发《关于《X》的意见》的通知", "《关于印发〈关于《X》的意见〉的通知》"),
        ("〈关于调整失业保险金标准的通知〉政策解读", "《〈关于调整失业保险金标准的通知〉政策解读》"),
    ],
)
def test_quote_title_nests_the_marks(title: str, quoted: str) -> None:
    assert quote_title(title) == quoted


_OPEN, _CLOSE = "《〈", "》〉"


def _balanced(title: str) -> bool:
    depth = 0
    for char in title:
        depth += (char in _OPEN) - (char in _CLOSE)
        if depth < 0:
            return False
    return depth == 0


@given(st.text(alphabet=st.sampled_from("《》〈〉关于通知A ")))
def test_quote_title_alternates_by_depth(title: str) -> None:
    """Every mark of a balanced title alternates by depth (outer 《》, then 〈〉, then 《》…); the text is kept."""
    quoted = quote_title(title)
    assert quoted.startswith("《")
    assert quoted.endswith("》")
    inner = quoted[1:-1]
    assert len(inner) == len(title)
    plain = str.maketrans("〈〉", "《》")
    assert inner.translate(plain) == title.translate(plain)  # same text, same bracket positions
    if _balanced(title):
        depth = 0
        for char in inner:
            if char in _OPEN:
                depth += 1
                assert char == ("〈" if depth % 2 else "《")
            elif char in _CLOSE:
                assert char == ("〉" if depth % 2 else "》")
                depth -= 1


def test_formal_date() -> None:
    assert formal_date(date(2019, 9, 20)) == "2019年9月20日"
    assert formal_date(date(2019, 10, 1)) == "2019年10月1日"
    # 2019-09-19 17:00 UTC is already 20 September in Beijing.
    assert formal_date(datetime(2019, 9, 19, 17, 0, tzinfo=UTC)) == "2019年9月20日"


def test_beijing_time() -> None:
    assert beijing_time(datetime(2019, 6, 3, 1, 30, tzinfo=UTC)) == "2019-06-03 09:30"
    assert beijing_time(datetime(2019, 6, 3, 1, 30), seconds=True) == "2019-06-03 09:30:00"  # naive = UTC
    new_york = timezone(timedelta(hours=-4))
    assert beijing(datetime(2019, 6, 2, 21, 30, tzinfo=new_york)).hour == 9


def test_refusals_nest_the_title() -> None:
    """An error about an item whose title already has 《》 nests it, not 《《…》…》."""
    flow = Flow(repository=MemoryRepository())
    zhang = Actor("zhang", "张敏", "就业失业科", {Role.DRAFTER})
    with pytest.raises(errors.AttributeRequiredError) as info:
        flow.draft(zhang, title="《关于调整失业保险金标准的通知》政策解读", kind=ItemKind.NOTICE, body="正文")
    assert "《〈关于调整失业保险金标准的通知〉政策解读》未选择公开属性" in info.value.message
    assert "《《" not in info.value.message
