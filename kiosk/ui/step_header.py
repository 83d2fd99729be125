"""The step header: where the customer is ("Step 2 of 4 — Pay your bill")."""

from __future__ import annotations

from textual.widgets import Static

from kiosk.conversation.prompt import Prompt

KIOSK_TITLE = "Bill payment kiosk"


def header_text(prompt: Prompt) -> str:
    if prompt.step_label:
        return f"{prompt.step_label} — {prompt.task}"
    return prompt.task or KIOSK_TITLE


class StepHeader(Static):
    """Always at the top, in the same place on every step."""

    def show(self, prompt: Prompt) -> None:
        self.update(header_text(prompt))
