"""The theorems study's cells cost seconds (each statement's module keeps its simulation small)."""

from __future__ import annotations


def resources(spec: dict) -> dict:
    return {"mem_mb": 1000, "runtime": 5}
