"""Tests of the ``negative_list`` plugin (附件1 负面清单)."""
