"""How bench/measure.py times: the round-robin order of the engines, the worker protocol.

Nothing here asserts a duration: the fake runners return made-up seconds, so the tests check
where each repeat's number goes, in what order the engines run and that a worker process
times the computation it was asked for.
"""

from __future__ import annotations

import gc
import io
from collections.abc import Iterator

import pytest

from bench import measure, run, workloads


class FakeRunner:
    """A runner that logs its repeats and returns the given seconds, one per repeat."""

    def __init__(self, name: str, log: list[tuple[str, bool]], seconds: list[float]) -> None:
        self.name = name
        self.number = 7
        self.result = 0.0
        self.log = log
        self.seconds: Iterator[float] = iter(seconds)

    def repeat(self, collector: bool) -> float:
        self.log.append((self.name, collector))
        return next(self.seconds)

    def close(self) -> None:
        pass


def test_interleave_runs_repeat_by_repeat_turning_the_order() -> None:
    log: list[tuple[str, bool]] = []
    runners = [FakeRunner(name, log, [1.0] * 6) for name in ("a", "b", "c")]
    measure.interleave(runners, repeats=3)
    on, off = True, False
    assert log == [
        ("a", on), ("b", on), ("c", on), ("a", off), ("b", off), ("c", off),
        ("b", on), ("c", on), ("a", on), ("b", off), ("c", off), ("a", off),
        ("c", on), ("a", on), ("b", on), ("c", off), ("a", off), ("b", off),
    ]  # fmt: skip


def test_interleave_keeps_min_median_max_per_engine_and_collector() -> None:
    log: list[tuple[str, bool]] = []
    # Each runner's repeats alternate on, off (one of each per round): on 5, 1, 3; off 20, 40, 30.
    a = FakeRunner("a", log, [5.0, 20.0, 1.0, 40.0, 3.0, 30.0])
    b = FakeRunner("b", log, [2.0, 9.0, 2.0, 8.0, 4.0, 7.0])
    timings = measure.interleave([a, b], repeats=3)
    assert set(timings) == {"a/on", "a/off", "b/on", "b/off"}
    assert (timings["a/on"].best, timings["a/on"].median, timings["a/on"].worst) == (1.0, 3.0, 5.0)
    assert (timings["a/off"].best, timings["a/off"].median, timings["a/off"].worst) == (
        20.0,
        30.0,
        40.0,
    )
    assert (timings["b/off"].best, timings["b/off"].median) == (7.0, 8.0)
    assert timings["b/on"].number == 7
    assert timings["a/on"].as_dict() == {"median": 3.0, "min": 1.0, "max": 5.0, "calls": 7}


def test_timed_repeat_switches_the_collector_off_only_while_timing() -> None:
    seen: list[bool] = []
    for collector in (True, False):
        seconds = measure.timed_repeat(lambda: seen.append(gc.isenabled()), 3, collector)
        assert seconds >= 0.0
        assert gc.isenabled()
    assert seen == [True] * 3 + [False] * 3


def test_serve_answers_each_request_with_one_line_and_stops_at_quit() -> None:
    calls: list[int] = []

    def fn() -> float:
        calls.append(1)
        return 2.5

    requests = io.StringIO("calibrate 0.0\nrepeat on\nrepeat off\nbogus\nquit\nrepeat on\n")
    replies = io.StringIO()
    measure.serve(fn, requests, replies)
    lines = replies.getvalue().splitlines()
    assert lines[0] == '{"number": 1, "result": 2.5}'
    assert lines[1].startswith('{"seconds": ')
    assert lines[2].startswith('{"seconds": ')
    assert lines[3] == '{"error": "unknown request \'bogus\'"}'
    assert lines[4] == '{"ok": true}'
    assert len(lines) == 5  # nothing after quit
    assert len(calls) == 3  # the warm-up call and one call per repeat


def test_a_worker_process_times_the_checked_computation() -> None:
    weights = workloads.make_weights(workloads.SIZES, workloads.SEED)
    one = workloads.make_samples(workloads.SIZES[0], workloads.SIZES[-1], 1, workloads.SEED)
    runner = measure.WorkerRunner("step", "floor", 1_000, min_time=0.001)
    try:
        assert runner.result.hex() == workloads.floor_step(weights, one)[0].hex()
        assert runner.number >= 1
        assert runner.repeat(True) > 0.0
        assert runner.repeat(False) > 0.0
    finally:
        runner.close()
    assert runner.process.returncode == 0


def test_a_worker_that_computes_something_else_stops_the_run() -> None:
    results = run.new_results(quick=True)
    cfg = {"expression_ops": 1_000, "min_time": 0.001, "repeats": 1}
    with pytest.raises(measure.CheckError, match="step/floor: the worker computed"):
        run.time_engines(results, "step", {"floor": 1.0}, cfg)
    assert results["timings"] == {}


def test_a_worker_that_cannot_start_says_so() -> None:
    with pytest.raises(RuntimeError, match="worker nonsense exited"):
        measure.WorkerRunner("step", "nonsense", 1_000, min_time=0.001)
