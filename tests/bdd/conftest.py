"""tests/bdd/must_fail holds scenarios that must fail: they run only inside test_assertion_steps_fail."""

collect_ignore = ["must_fail"]
