"""The facts a customer must be told, worded once for every register.

Service state (will it be cut off, when, what stops it), what a payment leaves
unpaid, and reference numbers: the steps put these in front of the question
and in the confirmation, so no register (standard, simple, spoken, TTY) drops
them. The figures come from services; only the words are made here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kiosk.conversation.prompt import Wording
from kiosk.conversation.wording import join, w
from kiosk.money import format_cents
from kiosk.services.confirmation import digit_groups

if TYPE_CHECKING:  # the services pull in SQLAlchemy; the greeting must not wait for it
    from kiosk.services.billing import BillExplanation, Standing

# ServiceStatus values (a StrEnum compares equal to its value)
NOTICE, SUSPENDED, RECONNECT_PENDING = "notice", "suspended", "reconnect_pending"


def short_date(day: dt.date) -> str:
    """A date for plain sentences: "March 3" (as the services write it)."""
    return f"{day:%B} {day.day}"


def number_groups(number: str) -> list[str]:
    """A confirmation or reference number's digit groups: its own when it is written in
    groups (a payment reference, "1234 5678"), else as :func:`digit_groups` makes them."""
    parts = number.split()
    return parts if len(parts) > 1 else digit_groups(number.strip())


def grouped(number: str) -> str:
    """A confirmation or reference number as shown: its digit groups ("100 000 0053").
    Steps put it in a sentence of its own, on its own line, so a screen never wraps
    the number across two lines."""
    return " ".join(number_groups(number))


def spoken_number(number: str) -> str:
    """A number read digit group by digit group: "one zero zero, zero zero zero, ..."."""
    from kiosk.speech.numbers import digits_to_words

    return ", ".join(digits_to_words(group, group=len(group)) for group in number_groups(number))


def numbers_said(text: str, number: str) -> str:
    """``text`` with ``number`` (as written in it, grouped or not) read group by group:
    speech read a reference "1234 5678" as "twelve thirty-four, fifty-six seventy-eight"."""
    for written in dict.fromkeys((number, grouped(number), number.replace(" ", ""))):
        text = text.replace(written, spoken_number(number))
    return text


def number_wording(lead: str, number: str, simple_lead: str | None = None) -> Wording:
    """ "Your reference number is 100 000 0053." in every register, read group by group."""
    return w(
        f"{lead} {grouped(number)}.",
        f"{simple_lead or lead} {grouped(number)}.",
        spoken_text=f"{lead} {spoken_number(number)}.",
        tty_text=f"{lead} {grouped(number)}",
        go_ahead=False,
    )


HIDDEN_TTY = "(HIDDEN)"
"""Marks the hidden letters of a masked address on a TTY: Baudot has no * or @."""


def masked_contact(masked: str) -> Wording:
    """A masked receipt address ("b***@example.com", "***-***-0123") as each register
    can read it. Baudot has no ``*`` or ``@``, so a TTY showed "B AT EXAMPLE.COM" (as if
    the address were b@example.com); it now reads "B(HIDDEN) AT EXAMPLE.COM", and a
    phone "PHONE ENDING 0123". Speech says which letters are hidden."""
    from kiosk.speech.numbers import digits_to_words

    local, at, domain = masked.partition("@")
    if at:
        first = local.rstrip("*")
        return w(
            masked,
            spoken_text=f"the address starting with {first.upper()}, the rest hidden, at {domain}",
            tty_text=f"{first}{HIDDEN_TTY} AT {domain}",
            go_ahead=False,
        )
    last = masked.rsplit("-", 1)[-1]
    return w(
        masked,
        spoken_text=f"the phone number ending {digits_to_words(last, group=len(last))}",
        tty_text=f"PHONE ENDING {last}",
        go_ahead=False,
    )


def with_contact(text: str, masked: str, *, go_ahead: bool = True) -> Wording:
    """``text`` naming a masked address, with the address as each register reads it."""
    if not masked or masked not in text:
        return w(text, go_ahead=go_ahead)
    contact = masked_contact(masked)
    return w(
        text,
        spoken_text=text.replace(masked, contact.spoken),
        tty_text=text.replace(masked, contact.tty),
        go_ahead=go_ahead,
    )


def standing_wording(standing: Standing, *, past_due: bool = False) -> Wording | None:
    """The service's state and what keeps it on; None when service is simply on.
    ``past_due``: the amount that stops a disconnection is what is past due, and the TTY
    says so in the same words ("UNLESS $95.00 PAST DUE PAID"), not once more after it."""
    cents = format_cents(standing.needed_cents)
    hours = standing.back_on_hours
    if standing.status == NOTICE and standing.at_risk and standing.cutoff_on:
        day = short_date(standing.cutoff_on)
        return w(
            f"Your service will be turned off on {day} unless {cents} is paid by then "
            "or a payment plan is set up.",
            f"Your service will be cut off on {day}. Pay {cents} by then to keep it on.",
            tty_text=f"SERVICE OFF {day} UNLESS {cents} {'PAST DUE ' if past_due else ''}PAID",
            go_ahead=False,
        )
    if standing.status == SUSPENDED:
        fee_cents = format_cents(standing.fee_cents)
        fee = f", with the {fee_cents} reconnection fee," if standing.fee_cents else ""
        simple_fee = f" That has a {fee_cents} fee in it." if standing.fee_cents else ""
        tty_fee = f" WITH {fee_cents} RECONNECT FEE" if standing.fee_cents else ""
        return w(
            f"Your service is turned off. Paying {cents}{fee} turns it back on "
            f"within {hours} hours. A payment plan can also turn it back on.",
            f"Your service is off. Pay {cents} to turn it back on.{simple_fee} "
            f"It comes back on in {hours} hours.",
            tty_text=f"SERVICE OFF. {cents}{tty_fee} TURNS IT ON WITHIN {hours} HOURS",
            go_ahead=False,
        )
    if standing.status == RECONNECT_PENDING:
        return w(
            f"Your service is being turned back on. It will be on within {hours} hours.",
            f"Your service will be back on in {hours} hours.",
            tty_text=f"SERVICE BACK ON WITHIN {hours} HOURS",
            go_ahead=False,
        )
    return None


def shortfall_wording(
    cents: int,
    standing: Standing,
    past_due_cents: int,
    *,
    reconnect: bool = False,
    again: bool = False,
) -> Wording | None:
    """What paying only ``cents`` does not do, told before the review; None if it covers it.
    ``again``: the review says it a second time, and a TTY line (0.18 s a character) says
    only the figures of it ("STILL $45.00 SHORT FOR DEC 10")."""
    if standing.at_risk and standing.status == NOTICE and standing.cutoff_on:
        if cents >= standing.needed_cents:
            return None
        rest = format_cents(standing.needed_cents - cents)
        day = short_date(standing.cutoff_on)
        return w(
            f"{format_cents(cents)} does not stop the disconnection: {rest} more is "
            f"still needed by {day} to keep your service on.",
            f"This is not enough to keep your service on. Pay {rest} more by {day}.",
            tty_text=f"STILL {rest} SHORT FOR {day}"
            if again
            else f"{rest} MORE NEEDED BY {day} TO STOP CUT OFF",
            go_ahead=False,
        )
    if standing.at_risk and standing.status == SUSPENDED:
        if reconnect and cents >= standing.needed_cents:
            return None
        return w(
            f"{format_cents(cents)} does not turn your service back on: that takes "
            f"{format_cents(standing.needed_cents)}.",
            f"Your service stays off. To turn it on, pay {format_cents(standing.needed_cents)}.",
            tty_text=f"SERVICE STAYS OFF. TO TURN IT ON PAY {format_cents(standing.needed_cents)}",
            go_ahead=False,
        )
    if past_due_cents and cents < past_due_cents:
        rest = format_cents(past_due_cents - cents)
        return w(
            f"{format_cents(cents)} is less than the {format_cents(past_due_cents)} past due: "
            f"{rest} of it will still be late.",
            f"This is less than what is late. {rest} will still be late.",
            tty_text=f"LESS THAN PAST DUE. {rest} STILL LATE",
            go_ahead=False,
        )
    return None


def after_payment_wording(
    paid_cents: int, standing: Standing, *, was_at_risk: bool, cutoff_on: dt.date | None = None
) -> Wording | None:
    """Where the service stands once a payment is in: kept on, coming back, or still short.
    ``cutoff_on`` is the disconnection day the payment (or the plan it started) stopped:
    said once, so the customer knows that date no longer applies."""
    paid = format_cents(paid_cents)
    if standing.status == NOTICE and standing.at_risk and standing.cutoff_on:
        rest = format_cents(standing.needed_cents)
        day = short_date(standing.cutoff_on)
        return w(
            f"{paid} paid; {rest} is still needed by {day} to keep your service on.",
            f"You paid {paid}. Pay {rest} more by {day} to keep your service on.",
            tty_text=f"{rest} MORE BY {day} KEEPS SERVICE ON",
            go_ahead=False,
        )
    if standing.status == SUSPENDED:
        return w(
            f"Your service is still off: {format_cents(standing.needed_cents)} more "
            "turns it back on.",
            f"Your service is still off. Pay {format_cents(standing.needed_cents)} more "
            "to turn it on.",
            tty_text=f"SERVICE STILL OFF. {format_cents(standing.needed_cents)} MORE TURNS IT ON",
            go_ahead=False,
        )
    if standing.status == RECONNECT_PENDING:
        return standing_wording(standing)
    if was_at_risk and cutoff_on is not None:
        day = short_date(cutoff_on)
        return w(
            f"Your service stays on: the disconnection on {day} is stopped.",
            f"Your service stays on. It will not be cut off on {day}.",
            tty_text=f"SERVICE STAYS ON. NO CUT OFF {day}",
            go_ahead=False,
        )
    if was_at_risk:
        return w(
            "Your service stays on: the disconnection is stopped.",
            "Your service stays on.",
            tty_text="SERVICE STAYS ON. DISCONNECTION STOPPED",
            go_ahead=False,
        )
    return None


def account_notice(explanation: BillExplanation, greeting: Wording | None = None) -> Wording:
    """The greeting, then its facts: the service's state first, then what is owed and
    when (after a greeting that names the customer, the summary does not name them again)."""
    brief = greeting is not None and _cutoff_is_past_due(explanation)
    summary = w(
        explanation.owed_text if greeting is not None else explanation.summary,
        simple_summary(explanation),
        tty_text=tty_summary(explanation, past_due_told=brief),
        go_ahead=False,
    )
    return join(greeting, standing_wording(explanation.standing, past_due=brief), summary)


def _cutoff_is_past_due(explanation: BillExplanation) -> bool:
    """The amount that stops a disconnection is the past-due amount: a TTY greeting
    says it once ("UNLESS $95.00 PAST DUE PAID"), not as the cut-off's amount and again
    as what is past due (each character is 0.18 s of line time)."""
    standing = explanation.standing
    return (
        standing.status == NOTICE
        and standing.at_risk
        and standing.cutoff_on is not None
        and standing.needed_cents == explanation.past_due_cents > 0
    )


def simple_summary(explanation: BillExplanation) -> str:
    """What is owed and when, in the simple register: the greeting and the bill say the
    same (the bill said "Pay by December 17" of $215.40 of which $120.40 was due then)."""
    if explanation.balance_cents <= 0:
        credit = -explanation.balance_cents
        extra = f" You have {format_cents(credit)} extra." if credit else ""
        return "You do not owe anything now." + extra
    text = f"You owe {format_cents(explanation.balance_cents)}."
    if explanation.past_due_cents:
        text += f" {format_cents(explanation.past_due_cents)} of it is late."
    if explanation.held_by_dispute_cents:  # else "Pay $99.99" of $129.98 is unexplained
        text += (
            f" {format_cents(explanation.held_by_dispute_cents)} is on hold while we check "
            "a charge. You do not have to pay it now."
        )
    plan_next = simple_plan_next(explanation)
    arrangement = explanation.arrangement
    on_plan = arrangement is not None and arrangement.kind != "extension"  # no models import
    if plan_next or on_plan or not explanation.due_dates:
        return text + plan_next
    day, cents = explanation.due_dates[0]  # when the rest is due, as standard and TTY say
    if cents == explanation.balance_cents:
        return text + f" Pay by {day:%B} {day.day}."
    return text + f" Pay {format_cents(cents)} by {day:%B} {day.day}."


def simple_plan_next(explanation: BillExplanation) -> str:
    """The plan's next payment in simple words (" Your plan: pay $40.00 by December 10."),
    or "": a plan customer's greeting and bill said only the balance, as if all of it
    were due."""
    arrangement = explanation.arrangement
    if arrangement is None or arrangement.next_part_due_on is None:
        return ""
    day = arrangement.next_part_due_on
    return f" Your plan: pay {format_cents(arrangement.next_part_cents)} by {day:%B} {day.day}."


def tty_summary(explanation: BillExplanation, *, past_due_told: bool = False) -> str:
    """What is owed in as few characters as the facts allow (6 characters a second).
    ``past_due_told``: the line before said the past-due amount (the greeting of a
    disconnection notice), so this says only what else is due and when ("$120.40 MORE
    DUE DEC 17"); the bill and the amount choices give the total."""
    if explanation.balance_cents <= 0:
        credit = -explanation.balance_cents
        return f"YOU OWE NOTHING. CREDIT {format_cents(credit)}" if credit else "YOU OWE NOTHING"
    held = explanation.held_by_dispute_cents
    if past_due_told and explanation.arrangement is None and explanation.due_dates and not held:
        day, cents = explanation.due_dates[0]
        if cents == explanation.balance_cents - explanation.past_due_cents:
            return f"{format_cents(cents)} MORE DUE {short_date(day)}"
    parts = [f"YOU OWE {format_cents(explanation.balance_cents)}"]
    if explanation.past_due_cents == explanation.balance_cents:
        parts[0] += ", ALL PAST DUE"
    elif explanation.past_due_cents:
        parts.append(f"{format_cents(explanation.past_due_cents)} PAST DUE")
    arrangement = explanation.arrangement
    if arrangement is not None and arrangement.next_part_due_on is not None:
        parts.append(
            f"PLAN PAYMENT {format_cents(arrangement.next_part_cents)} "
            f"BY {short_date(arrangement.next_part_due_on)}"
        )
    elif explanation.due_dates:
        day, cents = explanation.due_dates[0]
        if cents == explanation.balance_cents and len(parts) == 1:
            parts[0] = f"{format_cents(cents)} DUE {short_date(day)}"  # "$84.99 DUE DEC 14"
        else:
            parts.append(f"{format_cents(cents)} DUE {short_date(day)}")
    if explanation.held_by_dispute_cents:
        parts.append(f"{format_cents(explanation.held_by_dispute_cents)} ON HOLD, DISPUTED")
    return ". ".join(parts)


def bill_changes(explanation: BillExplanation) -> Wording | None:
    """Why the latest bill changed, briefly, in every register ("Internet went up $10.00:
    you moved to a faster plan"); None when no charge changed."""
    if not explanation.lines:
        return None
    latest = explanation.lines[0].bill_period
    standard: list[str] = []
    tty: list[str] = []
    for line in explanation.lines:
        if line.bill_period != latest or line.change_cents == 0:
            continue
        reason = _lower_first(line.reason)
        amount = format_cents(line.cents)
        if line.change_cents is None:
            said = f"{line.description} is new, {amount}"
            short = f"{line.description} NEW {amount}"
        else:
            direction = "up" if line.change_cents > 0 else "down"
            change = format_cents(abs(line.change_cents))
            said = f"{line.description} went {direction} {change}"
            short = f"{line.description} {direction} {change}"
        standard.append(f"{said}: {reason}." if reason else f"{said}.")
        tty.append(f"{short}: {reason}" if reason else short)
    if not standard:
        return None
    text = "Why your bill changed: " + " ".join(standard)
    return w(
        text,
        "What changed: " + " ".join(standard),
        tty_text="CHANGES: " + ". ".join(tty),
        go_ahead=False,
    )


def _lower_first(text: str) -> str:
    """ "You moved" -> "you moved" after a colon; "Internet 500" keeps its capital."""
    first = text.split(" ", 1)[0]
    return text[:1].lower() + text[1:] if first[1:].islower() and first.isalpha() else text
