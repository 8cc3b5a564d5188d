"""Every declared exercise contract is consistent with its own reference (nnlib/contracts).

The reference defines the type, dtype and shape clauses and is the answer every learner is compared with, so
it must keep every clause of its own contract: on the visible calls, on calls drawn from the domain (with
Hypothesis, as the grade draws them) and on the error cases. A contract's sentences must name clauses it has,
and its domain must yield calls (a filter that rejects everything would grade nothing).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.contracts import CONTRACTS, verify_call, verify_errors

NAMES = sorted(CONTRACTS)


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_keeps_its_visible_calls_and_errors(name):
    spec = CONTRACTS[name]
    reference = spec.reference_function()
    assert spec.visible, f"{name}: no visible calls for the instant check"
    for args, kwargs in spec.visible:
        broken = verify_call(spec, reference, args, kwargs)
        assert broken is None, broken.message
    broken = verify_errors(spec, reference)
    assert broken is None, broken.message


@pytest.mark.parametrize("name", NAMES)
def test_the_sentences_name_the_contracts_clauses(name):
    spec = CONTRACTS[name]
    keys = {clause.key for clause in spec.clauses()}
    assert set(spec.sentences) <= keys, f"{name}: sentences for clauses it does not have: {set(spec.sentences) - keys}"


@pytest.mark.parametrize("name", [n for n in NAMES if CONTRACTS[n].domain is not None])
def test_the_reference_keeps_every_clause_on_its_domain(name):
    spec = CONTRACTS[name]
    reference = spec.reference_function()
    drawn = []

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(spec.domain(st, hnp))
    def holds(example):
        args, kwargs = example
        drawn.append(1)
        with np.errstate(all="ignore"):
            broken = verify_call(spec, reference, args, kwargs)
        assert broken is None, broken.message

    holds()
    assert len(drawn) >= 20, f"{name}: its domain yielded only {len(drawn)} calls of 25"
