"""Ava's whole demo payment as a voice caller answers it, step by step.

Shared by the voice channel's tests and ``bench/bench_voice.py`` so both pay the same
way; each turns the answers into audio (and the PIN into a key press) its own way.
"""

from __future__ import annotations

#: Spoken answers in order; None where the PIN is typed on the keypad (never spoken).
AVA_PAYMENT_ANSWERS: tuple[str | None, ...] = (
    "start",
    "four zero one five two two seven zero",
    "yes",
    "seven two two zero one",
    "yes",
    None,
    "pay my bill",
    "full balance",
    "card",
    "yes",
    "no more receipts",
    "no",
)
