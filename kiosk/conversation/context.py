"""What one conversation knows. Wiped at the end of every session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.conversation.prompt import Register

if TYPE_CHECKING:
    from kiosk.conversation.services import Services
    from kiosk.conversation.signals import Signal
    from kiosk.services.verification import VerifiedCustomer


@dataclass
class Context:
    services: Services
    register: Register = Register.STANDARD
    customer: VerifiedCustomer | None = None
    values: dict[str, Any] = field(default_factory=dict)  # what was entered, by step id
    signals: list[Signal] = field(default_factory=list)  # for channels: a display mode, volume

    @property
    def simple(self) -> bool:
        return self.register == Register.SIMPLE

    @property
    def types_text(self) -> bool:
        """Whether the customer can type words (an email address): a screen, a text
        terminal or a TTY has a keyboard; speech alone (a phone call, the kiosk's voice
        channel) has only number keys."""
        return self.register is not Register.SPOKEN

    @property
    def account_number(self) -> str:
        if self.customer is None:
            raise RuntimeError("no verified customer in this conversation")
        return self.customer.account_number

    def wipe(self) -> None:
        """Forget everything about the customer (end of session, timeout, start over)."""
        self.customer = None
        self.values.clear()
        self.signals.clear()
