"""Every step of the conversation by name, as constants.

A :class:`StepId` is a string (``StepId.MENU == "menu"``), so prompts, tests and logs
keep reading the plain id; code that means a step names it here, and a misspelt
step is an ``AttributeError`` at import, not a silent "no such step" at run time.
What a step *is* (public, timed, confirms money) is declared where it is registered
(:func:`kiosk.conversation.steps.base.step`), not kept in lists by each channel.
"""

from __future__ import annotations

import enum


class StepId(enum.StrEnum):
    WELCOME = "welcome"
    VERIFY_ID = "verify_id"
    VERIFY_ZIP = "verify_zip"
    VERIFY_PIN = "verify_pin"
    LOCKED = "locked"
    MENU = "menu"
    MENU_MORE = "menu_more"
    PERSON_CONTACT = "person_contact"
    PERSON_PHONE = "person_phone"
    PERSON_REVIEW = "person_review"
    PERSON_DONE = "person_done"
    CONFIRMED = "confirmed"
    ANYTHING_ELSE = "anything_else"
    END = "end"
    BILL = "bill"
    PLAN_OFFERS = "plan_offers"
    PLAN_PARTS = "plan_parts"
    PLAN_REVIEW = "plan_review"
    DISPUTE_PICK = "dispute_pick"
    DISPUTE_REASON = "dispute_reason"
    DISPUTE_REVIEW = "dispute_review"
    RECONNECT_QUOTE = "reconnect_quote"
    ASSISTANCE_INFO = "assistance_info"
    PAY_AMOUNT = "pay_amount"
    PAY_OTHER = "pay_other"
    PAY_METHOD = "pay_method"
    CARD_NUMBER = "card_number"
    CARD_EXPIRY = "card_expiry"
    CARD_CODE = "card_code"
    BANK_ROUTING = "bank_routing"
    BANK_ACCOUNT = "bank_account"
    CASH_INSERT = "cash_insert"
    PAY_REVIEW = "pay_review"
    PAY_CHANGE = "pay_change"
    PAY_RESULT = "pay_result"
    RECEIPT_EMAIL = "receipt_email"
    RECEIPT_PHONE = "receipt_phone"
    PAY_FAILED = "pay_failed"
    PAY_UNKNOWN = "pay_unknown"
    OUT_OF_SERVICE = "out_of_service"


#: Where every session starts.
START = StepId.WELCOME
