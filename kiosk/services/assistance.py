"""Assistance programs: the kiosk informs and refers, records the question, never decides."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.store.store import Store


@dataclass(frozen=True)
class Registers:
    """The same message for each way the kiosk speaks."""

    standard: str
    simple: str
    spoken: str
    tty: str  # short, upper case


@dataclass(frozen=True)
class ProgramInfo:
    key: str  # "lifeline", or a configured program's key
    name: str
    benefit: Registers
    who_qualifies: Registers
    how_to_apply: Registers
    decides: str  # who decides eligibility (never the kiosk)


class AssistanceService:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def programs(self) -> list[ProgramInfo]:
        """Lifeline first, then the configured programs."""
        raise NotImplementedError

    def program(self, key: str) -> ProgramInfo:
        """Raises NotFound for an unknown key."""
        raise NotImplementedError

    def lifeline(self) -> ProgramInfo:
        raise NotImplementedError

    def record_inquiry(self, account_number: str | None, program: str) -> int:
        """Record that the customer asked (a ServiceRequest); returns its id."""
        raise NotImplementedError
