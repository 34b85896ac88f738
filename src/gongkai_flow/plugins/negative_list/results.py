"""The findings of one scan as a sequence whose objects are built on first use.

A scan decides everything while it runs: which rule hit where, with which severity; so the
number of findings and how many of them block are known at once (:attr:`ScanResult.blocking`).
What is left — the message, the masked excerpt, the span in the original text or the cell, the
frozen :class:`~gongkai_flow.model.Finding` — is presentation, and costs more than the scan on a
list of 100,000 ID numbers. It is done once, for all findings, the first time any of them is
read (iterating, indexing, comparing); a caller that only asks whether something blocks never
pays for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar, final, overload

from .pause import gc_paused

T = TypeVar("T")


@final
class ScanResult(Sequence[T]):
    """The findings of a scan, built from ``build`` when first read; ``count`` and ``blocking`` known before.

    Equal to a list or tuple of the same findings in the same order. Reading it from several
    threads at once is safe: each may build the findings, one list is kept.
    """

    __slots__ = ("_blocking", "_build", "_count", "_items")

    def __init__(self, count: int, blocking: int, build: Callable[[], list[T]]) -> None:
        self._count = count
        self._blocking = blocking
        self._build: Callable[[], list[T]] | None = build
        self._items: list[T] | None = None

    @classmethod
    def of(cls, items: list[T], blocking: int) -> ScanResult[T]:
        """A result of findings already built."""
        result: ScanResult[T] = cls(len(items), blocking, list)
        result._items = items
        result._build = None
        return result

    @property
    def blocking(self) -> int:
        """How many of the findings stop publication (known without building them)."""
        return self._blocking

    @property
    def built(self) -> bool:
        """Whether the finding objects exist yet (for tests and benchmarks)."""
        return self._items is not None

    def to_list(self) -> list[T]:
        """The findings as a list (built now if they were not yet); the list is the result's own."""
        items = self._items
        if items is not None:
            return items
        build = self._build
        if build is None:  # another thread built them meanwhile (it sets the list first)
            items = self._items
            assert items is not None
            return items
        with gc_paused():
            items = build()
        if len(items) != self._count:
            raise AssertionError(f"built {len(items)} findings of {self._count}")
        self._items = items
        self._build = None  # drop the scanned text and the hits
        return items

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self.to_list()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self.to_list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ScanResult):
            return len(self) == len(other) and self.to_list() == other.to_list()
        if isinstance(other, list | tuple):
            return len(self) == len(other) and self.to_list() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable in effect, like a list

    def __repr__(self) -> str:
        return f"ScanResult({self.to_list()!r})"


__all__ = ["ScanResult"]
