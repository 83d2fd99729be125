"""One receipt, rendered for each way a customer takes it in.

Screen and email get labelled rows; speech gets sentences with amounts, dates and
digits in words; TTY gets one short upper-case line of Baudot-safe characters ending in
"GA" (go ahead); SMS gets one line of at most 160 plain characters. All of them are built
from the same receipt, which holds only last-4 digits, so none can show more.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from babel.dates import format_datetime
from babel.numbers import format_currency
from num2words import num2words

from kiosk.receipts.model import PaymentMethod, Receipt

LOCALE = "en_US"
SMS_LIMIT = 160
TTY_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -?:$!'()\",./;")
_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TTY_SWAPS = {"&": " AND ", "#": " NO ", "%": " PERCENT ", "+": " PLUS ", "@": " AT "}


@dataclass(frozen=True)
class EmailReceipt:
    """Subject and plain-text body of a receipt email."""

    subject: str
    body: str


def format_money(cents: int) -> str:
    """Display form of cents, e.g. ``$1,234.50`` (Babel, en_US)."""
    return str(format_currency(Decimal(cents) / 100, "USD", locale=LOCALE))


def spoken_money(cents: int) -> str:
    """Cents in words: 4250 -> "forty-two dollars and fifty cents"."""
    dollars, rest = divmod(abs(cents), 100)
    parts = []
    if dollars or not rest:
        parts.append(f"{num2words(dollars)} dollar{'' if dollars == 1 else 's'}")
    if rest:
        parts.append(f"{num2words(rest)} cent{'' if rest == 1 else 's'}")
    words = " and ".join(parts)
    return f"minus {words}" if cents < 0 else words


def confirmation_groups(confirmation: str) -> list[str]:
    """Groups to read a confirmation number in: its own dash groups, else blocks of 4."""
    if "-" in confirmation:
        return confirmation.split("-")
    return [confirmation[start : start + 4] for start in range(0, len(confirmation), 4)]


def spoken_characters(group: str) -> str:
    """Each digit as a word and each letter as itself: "K42" -> "K four two"."""
    return " ".join(_DIGIT_WORDS[int(c)] if c.isdigit() else c for c in group)


def spoken_date(moment: datetime) -> str:
    """Date and time in words: "Monday, March third, twenty twenty-five, at two oh five PM"."""
    weekday_month = format_datetime(moment, "EEEE, MMMM", tzinfo=moment.tzinfo, locale=LOCALE)
    day = num2words(moment.day, to="ordinal")
    year = num2words(moment.year, to="year")
    hour = moment.hour % 12 or 12
    if moment.minute == 0:
        clock = num2words(hour)
    elif moment.minute < 10:
        clock = f"{num2words(hour)} oh {num2words(moment.minute)}"
    else:
        clock = f"{num2words(hour)} {num2words(moment.minute)}"
    noon = "AM" if moment.hour < 12 else "PM"
    return f"{weekday_month} {day}, {year}, at {clock} {noon}"


def display_date(moment: datetime) -> str:
    """Date for screen, paper and email: "March 3, 2025 at 2:05 PM CST"."""
    return str(
        format_datetime(moment, "MMMM d, y 'at' h:mm a zzz", tzinfo=moment.tzinfo, locale=LOCALE)
    )


def paid_with(receipt: Receipt) -> str:
    """The payment method in words, last 4 only: "Visa card ending in 4242"."""
    if receipt.method is PaymentMethod.CARD:
        return f"{receipt.card_brand} card ending in {receipt.card_last4}"
    if receipt.method is PaymentMethod.BANK:
        return f"Bank account ending in {receipt.bank_last4}"
    return "Cash"


def balance_row(cents: int) -> tuple[str, str]:
    """Label and amount of the balance after payment; a negative balance is a credit."""
    if cents < 0:
        return "Credit balance", format_money(-cents)
    return "New balance", format_money(cents)


def receipt_rows(receipt: Receipt) -> list[tuple[str, str]]:
    """Labelled rows shared by screen, email and paper so they never disagree."""
    return [
        ("Confirmation number", receipt.confirmation_number),
        ("Date", display_date(receipt.timestamp)),
        ("Name", receipt.customer_name),
        ("Account", receipt.masked_account),
        ("Amount paid", format_money(receipt.amount_cents)),
        ("Paid with", paid_with(receipt)),
        balance_row(receipt.new_balance_cents),
    ]


def location_line(receipt: Receipt) -> str:
    """Where the payment was made, for staff tracing a receipt."""
    return f"Store {receipt.store_id}, kiosk {receipt.kiosk_id}"


def render_screen(receipt: Receipt) -> str:
    """Receipt as aligned plain-text rows for the screen (and screen readers)."""
    rows = receipt_rows(receipt)
    width = max(len(label) for label, _ in rows)
    text = ["Payment received", ""]
    text += [f"{label.ljust(width)}  {value}" for label, value in rows]
    if receipt.lines:
        text += ["", *receipt.lines]
    text += ["", location_line(receipt)]
    return "\n".join(text)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def render_spoken(receipt: Receipt) -> str:
    """Receipt as sentences for text-to-speech: amounts, dates and digits in words."""
    if receipt.method is PaymentMethod.CASH:
        method = "in cash"
    else:
        kind = (
            f"{receipt.card_brand} card" if receipt.method is PaymentMethod.CARD else "bank account"
        )
        method = f"with your {kind} ending in {spoken_characters(receipt.instrument_last4 or '')}"
    groups = ", ".join(
        spoken_characters(g) for g in confirmation_groups(receipt.confirmation_number)
    )
    label, _ = balance_row(receipt.new_balance_cents)
    sentences = [
        "Payment received.",
        f"Thank you, {receipt.customer_name}.",
        f"You paid {spoken_money(receipt.amount_cents)} {method}, "
        f"for the account ending in {spoken_characters(receipt.account_last4)}, "
        f"on {spoken_date(receipt.timestamp)}.",
        f"Your confirmation number is {groups}.",
        f"Your {label.lower()} is {spoken_money(abs(receipt.new_balance_cents))}.",
        *(_sentence(line) for line in receipt.lines),
    ]
    return " ".join(sentences)


def tty_safe(text: str) -> str:
    """Upper case, only characters a Baudot TTY can send, single spaces."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    for char, words in _TTY_SWAPS.items():
        ascii_text = ascii_text.replace(char, words)
    kept = "".join(c if c in TTY_SAFE else " " for c in ascii_text.upper())
    return re.sub(r" {2,}", " ", kept).strip()


def render_tty(receipt: Receipt) -> str:
    """Receipt as one short upper-case TTY line, amounts like $42.50, ending in GA."""
    if receipt.method is PaymentMethod.CASH:
        method = "CASH"
    elif receipt.method is PaymentMethod.CARD:
        method = f"{receipt.card_brand} ENDING {receipt.card_last4}"
    else:
        method = f"BANK ENDING {receipt.bank_last4}"
    label = "CREDIT BAL" if receipt.new_balance_cents < 0 else "NEW BAL"
    when = format_datetime(
        receipt.timestamp, "MMM d, y, h:mm a", tzinfo=receipt.timestamp.tzinfo, locale=LOCALE
    )
    parts = [
        f"PAYMENT {format_money(receipt.amount_cents)} RECEIVED.",
        f"{method}.",
        f"ACCT ENDING {receipt.account_last4}.",
        f"CONF {' '.join(confirmation_groups(receipt.confirmation_number))}.",
        f"{label} {format_money(abs(receipt.new_balance_cents))}.",
        f"{when}.",
        *(_sentence(line) for line in receipt.lines),
    ]
    return " ".join(safe for safe in map(tty_safe, parts) if safe) + " GA"


def render_email(receipt: Receipt) -> EmailReceipt:
    """Receipt email: a subject naming the confirmation number and a plain-text body."""
    subject = f"Your payment receipt, confirmation {receipt.confirmation_number}"
    body = "\n".join(
        [
            f"Hello {receipt.customer_name},",
            "",
            "Thank you for your payment. Here is your receipt.",
            "",
            render_screen(receipt),
            "",
            "For your security this receipt shows only the last 4 digits of your account",
            "and of the card or bank account you paid with.",
        ]
    )
    return EmailReceipt(subject=subject, body=body + "\n")


def render_sms(receipt: Receipt) -> str:
    """Receipt as one SMS of at most 160 plain ASCII characters; extra lines only if they fit."""
    label, amount = balance_row(receipt.new_balance_cents)
    text = (
        f"Payment {format_money(receipt.amount_cents)} received, acct ending "
        f"{receipt.account_last4}. Conf {receipt.confirmation_number}. {label} {amount}."
    )
    for line in receipt.lines:
        plain = unicodedata.normalize("NFKD", _sentence(line)).encode("ascii", "ignore").decode()
        if len(text) + 1 + len(plain) <= SMS_LIMIT:
            text += f" {plain}"
    return text[:SMS_LIMIT]
