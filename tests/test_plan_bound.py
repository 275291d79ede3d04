"""The bound that spares the planner attempts to meet a due that cannot pay."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from ml.plan_bound import MeetingBound
from ml.plan_repair import on_time, possible
from ml.planner import local_search
from ml.planning import Interval, PlanRules, PlanTask, Problem
from tests.test_planner import problems

pytestmark = pytest.mark.no_servers


def test_a_due_worth_less_than_the_work_it_would_displace_is_not_worth_meeting() -> None:
    # One free hour, wanted by two tasks: "report" (priority 3, due at the end of the day)
    # fills it; "notes" (priority 1, due at noon) could fit there before its due, but its
    # hour is worth less than the report's.
    problem = Problem(
        horizon=1440,
        windows=(Interval(0, 60),),
        tasks=(
            PlanTask(key="report", minutes=60, priority=3.0, difficulty=1, due=1440),
            PlanTask(key="notes", minutes=60, priority=1.0, difficulty=1, due=720),
        ),
        rules=PlanRules(max_chunk=60, min_chunk=30, break_minutes=10, buffer_minutes=0),
    )
    search = local_search(problem)
    assert sorted(zip(search.task, search.start, search.end, strict=True)) == [(0, 0, 60)]
    assert possible(search, 1) and not on_time(search, 1)
    # 60 minutes of "notes" at their best, from minute 0: urgency 1 + 1/1.5, times priority
    # 1, plus the on-time bonus of 20; no room is left for anything else.
    bound = MeetingBound(search)
    assert bound.bound(1) == pytest.approx(60 * (5 / 3 + 20))
    assert search.value() == pytest.approx(4.5 * (60 - 1770 / 40320) + 20 * 60)
    assert not bound.worth_meeting(1)


@settings(deadline=None, max_examples=60)
@given(problems())
def test_the_bound_is_never_below_a_plan_that_meets_the_due(problem: Problem) -> None:
    search = local_search(problem)
    bound = MeetingBound(search)
    for i in range(search.n):
        if 0 < search.due[i] <= problem.horizon and search.r0[i] > 0 and on_time(search, i):
            assert bound.bound(i) >= search.value() - 1e-6
