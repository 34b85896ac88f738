"""``python -m gongkai_flow.cli``: the same as the ``gongkai`` script."""

from . import main

main()
