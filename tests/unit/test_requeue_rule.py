"""The lobby's re-queue rule: a participant the host declined asks again at most 3 times per
engagement, each no sooner than a minute after the last denial (``domain.access.may_requeue``)."""

import math

from hypothesis import given
from hypothesis import strategies as st

from summitry.domain.access import MAX_REQUEUES, REQUEUE_WAIT_S, may_requeue


def test_the_limits():
    assert (MAX_REQUEUES, REQUEUE_WAIT_S) == (3, 60.0)
    assert may_requeue(0, 0.0).allowed  # never declined: asking is no re-queue
    assert may_requeue(1, 60.0).allowed and may_requeue(3, 3600.0).allowed
    assert may_requeue(1, 59.9) == may_requeue(3, 0.0) == may_requeue(2, -5.0)
    assert may_requeue(1, 59.9).reason == "denied_wait"
    assert may_requeue(4, 3600.0).reason == may_requeue(4, 0.0).reason == "denied_too_often"
    assert not may_requeue(10**6, math.inf).allowed


def test_a_time_that_is_not_a_number_is_too_soon():
    assert may_requeue(1, math.nan).reason == "denied_wait"


@given(st.lists(st.floats(min_value=0, max_value=400, allow_nan=False), max_size=60))
def test_a_host_who_always_declines_hears_at_most_four_requests_a_minute_apart(gaps):
    """Whenever the participant tries, and however often: the first request, then at most three more,
    each at least a minute after the denial before it."""
    now, denials, denied_at, asked = 0.0, 0, None, 0
    for gap in gaps:
        now += gap
        since = math.inf if denied_at is None else now - denied_at
        if may_requeue(denials, since).allowed:
            asked += 1
            assert denied_at is None or now - denied_at >= REQUEUE_WAIT_S
            denials, denied_at = denials + 1, now  # the host declines at once
    assert asked <= 1 + MAX_REQUEUES


@given(st.integers(min_value=-3, max_value=10), st.floats(allow_nan=False),
       st.integers(min_value=0, max_value=10), st.floats(min_value=0, max_value=1e6))
def test_fewer_denials_and_more_patience_never_hurt(denials, since, fewer, more):
    if may_requeue(denials, since).allowed:
        assert may_requeue(denials - fewer, since + more).allowed


@given(st.integers(min_value=MAX_REQUEUES + 1, max_value=10**6), st.floats())
def test_past_the_limit_never_again(denials, since):
    decision = may_requeue(denials, since)
    assert not decision.allowed and decision.reason == "denied_too_often"
