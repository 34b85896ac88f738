"""The errors a scenario reports to policy staff: in Chinese, shown without a traceback."""

from __future__ import annotations


class ScenarioError(AssertionError):
    """A scenario went wrong in a way staff can fix: the message says what and how, in Chinese.

    The plugin shows only the message (no Python traceback) for these failures.
    """


class StepNotFoundError(ScenarioError):
    """A step in a ``.feature`` file matches no step of the library."""
