"""The simulated stand-in drawn afresh (slow: seconds of drawing and fitting): the same seed gives the same
respondents, and across independent draws no effect appears where the generator has none."""

from __future__ import annotations

import pytest

from kzopinion.chapters import cultural_values as conservatism
from kzopinion.data import simulate

pytestmark = pytest.mark.slow


def test_same_seed_same_respondents():
    assert simulate.respondents("cab", seed=7).equals(simulate.respondents("cab", seed=7))
    assert not simulate.respondents("cab", seed=7).equals(simulate.respondents("cab", seed=8))


def test_no_effect_where_the_generator_has_none():
    # The generator gives conservatism no effect on approval of Russia: across independent
    # stand-ins the estimate centres on zero and its 95% interval covers zero (allowing one miss
    # in five, about what chance alone produces).
    effects = [
        conservatism.immigration_effect(simulate.respondents("gallup", seed=seed), "approve_russia")
        for seed in range(5)
    ]
    assert abs(sum(e.change for e in effects) / len(effects)) < 0.02
    assert sum(not (e.low <= 0 <= e.high) for e in effects) <= 1
