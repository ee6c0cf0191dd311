"""Long loops in short calls: sizes adapt to the time a call takes, the total is exact."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from dropout_lab.core.chunks import FIRST_CHUNK, MAX_GROWTH, in_chunks


@settings(max_examples=60, deadline=None)
@given(total=st.integers(1, 10**9), speed=st.floats(1e2, 1e9))
def test_calls_cover_the_total_exactly_once_in_order(total, speed):
    now = [0.0]
    calls = []

    def run(done, size):
        calls.append((done, size))
        now[0] += size / speed  # a call of `size` units takes size / speed seconds

    in_chunks(total, run, clock=lambda: now[0])
    starts = [done for done, _ in calls]
    assert starts == sorted(starts) and starts[0] == 0
    assert sum(size for _, size in calls) == total
    assert all(d1 + s1 == d2 for (d1, s1), (d2, _) in itertools.pairwise(calls))
    assert calls[0][1] == min(total, FIRST_CHUNK)
    for (_, before), (_, after) in itertools.pairwise(calls):
        assert after <= before * MAX_GROWTH
    # after the first call, no call (but the last, which is cut short) takes over the target
    # by more than the growth cap allows
    assert all(size / speed <= max(0.25, FIRST_CHUNK / speed) * 1.01 for _, size in calls[1:])


def test_progress_is_reported_after_every_call():
    seen = []
    in_chunks(1000, lambda done, size: None, lambda done, total: seen.append((done, total)),
              first=10)
    assert seen[0] == (10, 1000) and seen[-1] == (1000, 1000)
