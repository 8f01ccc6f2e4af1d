"""Benchmarks of chainrule against micrograd 0.1.0 and a no-graph floor (run ``bench/run.py``)."""
