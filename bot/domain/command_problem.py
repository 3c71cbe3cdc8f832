"""A command the person typed wrong: what is wrong, and a correct example to copy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Invalid:
    problem: str
    example: str
