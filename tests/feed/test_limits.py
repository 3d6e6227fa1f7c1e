import random

import pytest

from mdtui.feed.rate_limiter import Backoff, RateLimiter


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(5, 1.0)
    for _ in range(5):
        assert limiter.delay(100.0) == 0
        limiter._times.append(100.0)
    assert limiter.delay(100.2) == pytest.approx(0.8)
    assert limiter.delay(101.0) == 0


def test_backoff_grows_jitters_and_caps() -> None:
    b = Backoff(base=0.5, cap=30, rng=random.Random(7))
    delays = [b.delay(n) for n in range(12)]
    assert 0.25 <= delays[0] <= 0.5
    assert 2.0 <= delays[3] <= 4.0
    assert all(15 <= d <= 30 for d in delays[7:])
    assert len({round(d, 6) for d in delays[7:]}) > 1, "jitter spreads capped delays"
