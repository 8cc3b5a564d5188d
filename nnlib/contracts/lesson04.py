"""Contracts of lesson 04, depth: what each exercise's text promises (see nnlib.contracts.spec)."""
from __future__ import annotations

CONTRACTS = []
