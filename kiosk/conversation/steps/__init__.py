"""The conversation's steps. Importing this package registers them all."""

from kiosk.conversation.steps import account, pay, service_state, session  # noqa: F401
from kiosk.conversation.steps.base import STEPS, TASK_CONTINUES, TASK_LENGTHS

__all__ = ["STEPS", "TASK_CONTINUES", "TASK_LENGTHS"]
