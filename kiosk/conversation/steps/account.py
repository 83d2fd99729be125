"""The bill, payment plans, disputes, reconnection and assistance programs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.conversation.context import Context
from kiosk.conversation.facts import (
    bill_changes,
    grouped,
    number_wording,
    short_date,
    simple_summary,
    spoken_number,
    standing_wording,
    tty_summary,
)
from kiosk.conversation.prompt import Answer, AnswerKind, Choice, Prompt, Wording
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.steps.base import (
    Go,
    Outcome,
    choice,
    handles,
    invalid,
    numbered,
    prompt,
    step,
)
from kiosk.conversation.steps.pay import PAY
from kiosk.conversation.wording import join, w
from kiosk.errors import KioskError, NotEligible
from kiosk.money import format_cents

if TYPE_CHECKING:
    from kiosk.services.billing import BillExplanation
    from kiosk.services.disputes import DisputeSummary

PLAN = "Payment plan"
DISPUTE = "Question a charge"
RECONNECT = "Turn service back on"


def _back_to_menu_choices() -> list[Choice]:
    return [
        choice("pay", "1", "Pay now", "Pay", icon="$"),
        choice("menu", "2", "Main menu", "Menu", icon="☰"),
    ]


# --------------------------------------------------------------------- bill
@step(StepId.BILL)
def bill(ctx: Context) -> Prompt:
    explanation = ctx.services.bills.explain(ctx.account_number)
    several_bills = len({line.bill_period for line in explanation.lines}) > 1
    rows = tuple(
        (
            f"{line.description} ({line.bill_period})" if several_bills else line.description,
            f"{format_cents(line.cents)}{' (held)' if line.disputed else ''}",
        )
        for line in explanation.lines
    ) + tuple(  # payments and credits, so the rows add up to what is owed
        (row.label, f"-{format_cents(row.cents)}" if row.cents > 0 else format_cents(-row.cents))
        for row in explanation.paid_rows
    )
    said = tuple(  # speech says a payment as paid, a credit as a credit: never "-$20.00"
        (len(explanation.lines) + index, row.said(format_cents(abs(row.cents))))
        for index, row in enumerate(explanation.paid_rows)
    )
    why = " ".join(line.text for line in explanation.lines)
    standard = f"{explanation.summary} {why}"
    owed = join(
        standing_wording(explanation.standing),
        w(
            standard + _recent_payments(explanation, grouped),
            simple_summary(explanation) + "".join(f" {p}." for p in _paid(explanation)),
            spoken_text=standard + _recent_payments(explanation, spoken_number),
            tty_text=". ".join((tty_summary(explanation), *_paid(explanation))),
            go_ahead=False,
        ),
    )
    # Each charge's own sentence says how it changed and why in the standard and spoken
    # texts; the short summary of the changes is for the simple and TTY texts, which list
    # no reasons (speech said each change twice).
    with_changes = join(owed, bill_changes(explanation))
    text = Wording(owed.standard, with_changes.simple, owed.spoken, with_changes.tty)
    return prompt(
        text,
        AnswerKind.CHOICE,
        w(
            "Each charge is listed with what it is and why it changed. Press 1 to pay, or 2 for the menu.",
            "Press 1 to pay. Press 2 for the menu.",
        ),
        _back_to_menu_choices(),
        details=rows,
        details_said=said,
        itemized=True,
        sensitive=True,
        big_value=format_cents(max(explanation.balance_cents, 0)),
    )


def _recent_payments(explanation: BillExplanation, number: Callable[[str], str]) -> str:
    """ " Recent payments: $95.00 by card ending 4242 on December 5, confirmation 000 000
    021." with each confirmation number as ``number`` says it: in its digit groups on
    screen, group by group in speech (a run of digits is read as one number)."""
    said = [
        p.text.replace(p.confirmation_number, number(p.confirmation_number))
        if p.confirmation_number
        else p.text
        for p in explanation.payments[:2]
    ]
    return f" Recent payments: {' '.join(said)}" if said else ""


def _paid(explanation: BillExplanation) -> list[str]:
    """The bill's payment rows as short sentences ("Paid December 5: $71.80"), for the
    simple and TTY texts (the standard text lists recent payments in full)."""
    return [
        f"{row.label}: {format_cents(row.cents)}" for row in explanation.paid_rows if row.cents > 0
    ]


@handles(StepId.BILL)
def bill_answer(ctx: Context, answer: Answer) -> Outcome:
    return Go(
        StepId.PAY_AMOUNT if answer.choice == "pay" else StepId.MENU,
        clear_history=answer.choice != "pay",
    )


# -------------------------------------------------------------------- plans
@step(StepId.PLAN_OFFERS, PLAN, 1)
def plan_offers(ctx: Context) -> Prompt:
    offers = ctx.services.arrangements.eligibility(ctx.account_number)
    eligible = [offer for offer in offers if offer.eligible]
    ctx.values["plan_kinds"] = [offer.kind.value for offer in eligible]
    choices = [
        choice(offer.kind.value, str(i), offer.title, offer.title, icon="📅")
        for i, offer in enumerate(eligible, 1)
    ]
    choices.append(choice("menu", "", "Main menu", "Menu", icon="☰"))
    rows = tuple(
        (
            offer.title,
            offer.explanation if offer.eligible else f"{offer.explanation} {offer.instead}".strip(),
        )
        for offer in offers
    )
    if not eligible:
        reason = " ".join(f"{offer.explanation} {offer.instead}".strip() for offer in offers)
        text = w(
            f"We cannot set up a payment plan here today. {reason}",
            "We cannot make a plan here today. A person can help.",
            tty_text="NO PLAN POSSIBLE HERE TODAY. A PERSON CAN HELP",
        )
        choices = [choice("person", "1", "Talk to a person", "Get a person", icon="☎"), *choices]
    else:
        text = w(
            "These payment plans are possible for your account. Which one do you want?",
            "You can pick a plan. Which one?",
            tty_text="WHICH PLAN Q",  # the choices line names them; the rows give terms
        )
    return prompt(
        text,
        AnswerKind.CHOICE,
        w(
            "An extension moves your due date. A deferred payment lets you pay part now and the rest later. "
            "An installment plan splits what you owe into monthly parts.",
            "A plan lets you pay in parts.",
        ),
        numbered(choices),
        details=rows,
        sensitive=True,
    )


@handles(StepId.PLAN_OFFERS)
def plan_offers_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice == "menu":
        return Go(StepId.MENU, clear_history=True)
    if answer.choice == "person":
        return Go(StepId.PERSON_CONTACT)
    ctx.values["plan_kind"] = answer.choice
    if answer.choice == "installment":
        return Go(StepId.PLAN_PARTS)
    return _make_offer(ctx, None)


@step(StepId.PLAN_PARTS, PLAN, 2)
def plan_parts(ctx: Context) -> Prompt:
    maximum = ctx.services.settings.installment_max_parts
    counts = [n for n in (3, 6, 12) if n <= maximum] or [maximum]
    return prompt(
        w(
            "In how many monthly parts do you want to pay the rest?",
            "How many months do you want?",
            tty_text="HOW MANY MONTHLY PARTS Q",
        ),
        AnswerKind.CHOICE,
        w("More parts means smaller payments each month.", "More months means smaller payments."),
        [
            choice(str(n), str(i), f"{n} months", f"{n} months", icon="📅")
            for i, n in enumerate(counts, 1)
        ],
    )


@handles(StepId.PLAN_PARTS)
def plan_parts_answer(ctx: Context, answer: Answer) -> Outcome:
    return _make_offer(ctx, int(answer.choice or 3))


def _make_offer(ctx: Context, parts: int | None) -> Outcome:
    from kiosk.store.models import ArrangementKind

    try:
        offer = ctx.services.arrangements.offer(
            ctx.account_number, ArrangementKind(ctx.values["plan_kind"]), parts=parts
        )
    except (NotEligible, KioskError) as error:
        return invalid(error.message)
    ctx.values["plan_offer"] = offer
    return Go(StepId.PLAN_REVIEW)


@step(StepId.PLAN_REVIEW, PLAN, 3, confirms_money=True, continues_into=(PAY,))
def plan_review(ctx: Context) -> Prompt:
    offer = ctx.values["plan_offer"]
    rows = tuple(
        (
            f"Part {part.sequence}",
            f"{format_cents(part.cents)} today"
            if part.sequence == 1
            else f"{format_cents(part.cents)} on {short_date(part.due_on)}",
        )
        for part in offer.parts
    )
    if offer.new_due_on and not offer.parts:
        rows = (("New due date", short_date(offer.new_due_on)),)
    question = w(
        "Do you want this plan?",
        "Do you want it?",
        tty_text="DO YOU WANT IT Q",
    )
    return prompt(
        join(plan_terms(offer, starts_with_payment=offer.today_cents > 0), question),
        AnswerKind.YES_NO,
        w("Press 1 to agree to the plan, or 2 to say no.", "Press 1 for yes. Press 2 for no."),
        details=rows,
        sensitive=True,
    )


def plan_terms(offer, *, starts_with_payment: bool = False) -> Wording:  # type: ignore[no-untyped-def]
    """What the customer agrees to, amounts and dates, in every register: said before
    the yes (plan review, and the first payment's review) and in the confirmation."""
    if not offer.parts:  # an extension: a new date for the amount due
        day = short_date(offer.new_due_on)
        total = format_cents(offer.total_cents)
        return w(
            offer.explanation,
            f"You get more time. Pay {total} by {day}.",
            tty_text=f"EXTENSION: PAY {total} BY {day}",
            go_ahead=False,
        )
    today = format_cents(offer.today_cents)
    later = [f"{format_cents(p.cents)} on {short_date(p.due_on)}" for p in offer.parts[1:]]
    then = (
        (", then " + ", ".join(later[:-1]) + (" and " if len(later) > 1 else "") + later[-1])
        if later
        else ""
    )
    fee = (
        f" This includes the {format_cents(offer.fee_cents)} reconnection fee."
        if offer.includes_reconnection_fee
        else ""
    )
    starts = (
        f" The plan starts when you pay the {today} today; until then nothing is set up."
        if starts_with_payment
        else ""
    )
    title = offer.title
    return w(
        f"{title} of {format_cents(offer.total_cents)}: pay {today} today{then}.{fee}"
        " Late fees may still be added while the plan runs." + starts,
        f"{title}: pay {today} today{then}.{fee}"
        + (" The plan starts when you pay today." if starts_with_payment else ""),
        tty_text=f"{title} {format_cents(offer.total_cents)}: PAY {today} TODAY{then}.{fee}"
        + (" PLAN STARTS WHEN YOU PAY TODAY" if starts_with_payment else ""),
        go_ahead=False,
    )


@handles(StepId.PLAN_REVIEW)
def plan_review_answer(ctx: Context, answer: Answer) -> Outcome:
    offer = ctx.values["plan_offer"]
    if not answer.yes:
        ctx.services.arrangements.decline(ctx.account_number, offer.arrangement_id)
        return Go(
            StepId.MENU, clear_history=True, notice=w("No plan was set up.", "No plan was made.")
        )
    if offer.today_cents > 0:
        # A plan starts only with its first payment: it is accepted in the same
        # answer that pays (pay_review), and taken back if that payment fails.
        ctx.values.update(
            pay_cents=offer.today_cents,
            pay_reconnect=offer.includes_reconnection_fee,
            pay_plan_offer=offer,
        )
        return Go(
            StepId.PAY_METHOD,
            notice=w(
                f"To start the plan, pay {format_cents(offer.today_cents)} now.",
                f"Now pay {format_cents(offer.today_cents)} to start the plan.",
                tty_text=f"TO START PLAN PAY {format_cents(offer.today_cents)} NOW",
                go_ahead=False,
            ),
        )
    try:
        summary = ctx.services.arrangements.accept(ctx.account_number, offer.arrangement_id)
    except KioskError as error:
        return invalid(error.message)
    ctx.values["confirmed"] = join(
        w("Your plan is set up.", "Your plan is set up.", go_ahead=False),
        plan_terms(offer),
        number_wording("Your plan reference number is", summary.reference, "Your plan number is"),
    )
    return Go(StepId.CONFIRMED, clear_history=True)


# ----------------------------------------------------------------- disputes
@step(StepId.DISPUTE_PICK, DISPUTE, 1)
def dispute_pick(ctx: Context) -> Prompt:
    explanation = ctx.services.bills.explain(ctx.account_number)
    lines = [line for line in explanation.lines if not line.disputed]
    per_page = 3 if ctx.simple else 8
    page = int(ctx.values.get("dispute_page", 0))
    if page * per_page >= len(lines):
        page = 0
    shown = lines[page * per_page : (page + 1) * per_page]
    ctx.values["dispute_lines"] = {
        str(line.line_item_id): (line.description, line.open_cents, line.cents) for line in lines
    }
    choices = [
        choice(
            str(line.line_item_id),
            "",
            f"{line.description}, {format_cents(line.cents)}"
            + (", already paid" if line.open_cents <= 0 else ""),
            f"{line.description}" + (" (paid)" if line.open_cents <= 0 else ""),
            icon="?",
        )
        for line in shown
    ]
    if len(lines) > per_page:
        choices.append(choice("more", "", "More charges", "More", synonyms=("next",), icon="…"))
    disputes = [_dispute_wording(d) for d in explanation.disputes]
    return prompt(
        w(
            "Which charge do you think is wrong?",
            "Which charge is wrong?",
            tty_text="WHICH CHARGE IS WRONG Q",
        ),
        AnswerKind.CHOICE,
        w(
            "While we look into a charge, you do not have to pay it, and your service "
            "will not be cut off for it.",
            "You do not pay it while we check it.",
        ),
        numbered(choices),
        notice=join(*disputes) if disputes else None,
        sensitive=True,
    )


def _dispute_wording(dispute: DisputeSummary) -> Wording:
    """A dispute already made, in every register: an open one's charge, amount, the day
    it was made and the day we answer by. The simple and TTY registers got the standard
    sentence (170 characters, 28 s on a TTY line)."""
    if dispute.state != "open" or dispute.decision_due_on is None:  # a StrEnum
        return w(dispute.text, go_ahead=False)
    amount = format_cents(dispute.cents)
    due = short_date(dispute.decision_due_on)
    return w(
        dispute.text,
        f"On {short_date(dispute.opened_on)} you said the {dispute.description} charge of "
        f"{amount} is wrong. You do not pay it until we answer, by {due}.",
        tty_text=f"{dispute.description} {amount} DISPUTED {short_date(dispute.opened_on)}, "
        f"ON HOLD. ANSWER BY {due}",
        go_ahead=False,
    )


@handles(StepId.DISPUTE_PICK)
def dispute_pick_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice == "more":
        ctx.values["dispute_page"] = int(ctx.values.get("dispute_page", 0)) + 1
        return Go(StepId.DISPUTE_PICK)
    description, open_cents, cents = ctx.values.get("dispute_lines", {}).get(
        answer.choice or "", ("this charge", 0, 0)
    )
    if open_cents <= 0:
        # Said before any review: a dispute holds what is unpaid, so a paid charge
        # has nothing to hold (the disputes service refuses it the same way).
        amount = format_cents(cents)
        return invalid(
            f"The {description} charge of {amount} is already paid. A dispute only holds "
            "an unpaid charge, so it would change nothing here. For a refund, ask for a "
            "person, or choose another charge.",
            f"The {description} charge of {amount} is paid. We cannot hold it. "
            "Ask for a person about a refund, or pick another charge.",
            f"{description} CHARGE {amount} IS ALREADY PAID. NOTHING TO HOLD. FOR A REFUND "
            "ASK FOR A PERSON, OR PICK ANOTHER CHARGE",
        )
    ctx.values["dispute_line"] = int(answer.choice or 0)
    return Go(StepId.DISPUTE_REASON)


REASONS = {
    "not_ordered": ("I did not order this", "I did not order it"),
    "charged_twice": ("I was charged twice", "Charged twice"),
    "returned": ("I returned the equipment", "I sent it back"),
    "wrong_amount": ("The amount is wrong", "Wrong amount"),
}


@step(StepId.DISPUTE_REASON, DISPUTE, 2)
def dispute_reason(ctx: Context) -> Prompt:
    choices = [
        choice(key, str(i), standard, simple, icon="?")
        for i, (key, (standard, simple)) in enumerate(REASONS.items(), 1)
    ]
    return prompt(
        w(
            "Why do you think this charge is wrong?",
            "Why is it wrong?",
            tty_text="WHY IS IT WRONG Q",
        ),
        AnswerKind.CHOICE,
        w("Pick the reason that fits best.", "Pick the best reason."),
        choices,
    )


@handles(StepId.DISPUTE_REASON)
def dispute_reason_answer(ctx: Context, answer: Answer) -> Outcome:
    ctx.values["dispute_reason"] = REASONS[answer.choice or "wrong_amount"][0]
    return Go(StepId.DISPUTE_REVIEW)


@step(StepId.DISPUTE_REVIEW, DISPUTE, 3)
def dispute_review(ctx: Context) -> Prompt:
    description, cents, total = ctx.values.get("dispute_lines", {}).get(
        str(ctx.values.get("dispute_line")), ("this charge", 0, 0)
    )
    reason = ctx.values.get("dispute_reason", "")
    today = ctx.services.store.today()
    due = short_date(today + dt.timedelta(days=ctx.services.settings.dispute_decision_days))
    amount = format_cents(cents)
    # A part-paid charge: its real amount, and the unpaid part that is held.
    charge = amount if cents == total else f"{format_cents(total)} ({amount} of it unpaid)"
    tty_charge = amount if cents == total else f"{format_cents(total)}, {amount} UNPAID"
    return prompt(
        w(
            f"You are questioning the {description} charge of {charge}. Your reason: {reason}. "
            f"While we check it, you do not have to pay the {amount}, and we will answer by "
            f"{due}. Send it?",
            f"We will check the {description} charge of {charge}. You do not pay {amount} "
            f"for now. We will answer by {due}. Send it?",
            tty_text=f"QUESTION {description} CHARGE {tty_charge}. {amount} ON HOLD, ANSWER BY "
            f"{due}. SEND IT Q",
        ),
        AnswerKind.YES_NO,
        w("Press 1 to send, or 2 to stop.", "Press 1 to send. Press 2 to stop."),
        details=(("Charge", description), ("Amount held", amount), ("Answer by", due)),
        sensitive=True,
    )


@handles(StepId.DISPUTE_REVIEW)
def dispute_review_answer(ctx: Context, answer: Answer) -> Outcome:
    if not answer.yes:
        return Go(
            StepId.MENU,
            clear_history=True,
            notice=w("The charge was not questioned.", "Nothing was sent."),
        )
    try:
        summary = ctx.services.disputes.open(
            ctx.account_number,
            int(ctx.values["dispute_line"]),
            ctx.values.get("dispute_reason", ""),
        )
    except KioskError as error:
        return invalid(error.message)
    amount = format_cents(summary.cents)
    due = short_date(summary.decision_due_on) if summary.decision_due_on else ""
    ctx.values["confirmed"] = join(
        w(
            f"We are checking the {summary.description} charge of {amount}. You do not have "
            f"to pay it while we check, and it cannot lead to a disconnection. We will answer "
            f"by {due}.",
            f"We will check the {summary.description} charge of {amount}. You do not pay it "
            f"for now. We will answer by {due}.",
            tty_text=f"{summary.description} CHARGE {amount} ON HOLD. ANSWER BY {due}.",
            go_ahead=False,
        ),
        number_wording(
            "Your dispute reference number is", summary.reference, "Your dispute number is"
        ),
    )
    return Go(StepId.CONFIRMED, clear_history=True)


# ------------------------------------------------------------- reconnection
@step(StepId.RECONNECT_QUOTE, RECONNECT, 1, continues_into=(PAY, PLAN))
def reconnect_quote(ctx: Context) -> Prompt:
    info = ctx.services.reconnection.quote(ctx.account_number)
    ctx.values["reconnect_total"] = info.total_cents
    choices = [choice("pay", "1", f"Pay {format_cents(info.total_cents)} now", "Pay now", icon="$")]
    if info.plan_possible:
        choices.append(
            choice("plan", "2", "Set up a payment plan", "Payment plan", icon="📅", tty_text="PLAN")
        )
    choices.append(choice("menu", "", "Main menu", "Menu", icon="☰"))
    return prompt(
        w(
            info.explanation,
            f"To turn your service back on, pay {format_cents(info.total_cents)}."
            + (f" That has a {format_cents(info.fee_cents)} fee in it." if info.fee_cents else ""),
            tty_text=f"TO RECONNECT PAY {format_cents(info.total_cents)}"
            + (f" WITH {format_cents(info.fee_cents)} FEE" if info.fee_cents else ""),
        ),
        AnswerKind.CHOICE,
        w(
            "Pay now to have your service turned back on, or set up a plan.",
            "Pay now, or make a plan.",
        ),
        numbered(choices),
        sensitive=True,
        big_value=format_cents(info.total_cents),
    )


@handles(StepId.RECONNECT_QUOTE)
def reconnect_quote_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice == "pay":
        ctx.values.update(pay_cents=ctx.values["reconnect_total"], pay_reconnect=True)
        return Go(StepId.PAY_METHOD)
    if answer.choice == "plan":
        return Go(StepId.PLAN_OFFERS)
    return Go(StepId.MENU, clear_history=True)


# --------------------------------------------------------------- assistance
@step(StepId.ASSISTANCE_INFO, "Help paying", 1)
def assistance_info(ctx: Context) -> Prompt:
    program = ctx.services.assistance.lifeline()
    return prompt(
        w(
            f"{program.name}. {program.benefit.standard} {program.who_qualifies.standard}",
            f"{program.name}. {program.benefit.simple} {program.who_qualifies.simple}",
            spoken_text=f"{program.name}. {program.benefit.spoken} {program.who_qualifies.spoken}",
            tty_text=f"{program.benefit.tty} {program.who_qualifies.tty}",
        ),
        AnswerKind.CHOICE,
        w(program.decides, program.decides),
        [
            choice("apply", "1", "Tell me how to apply", "How to apply", icon="♥"),
            choice("menu", "2", "Main menu", "Menu", icon="☰"),
        ],
    )


@handles(StepId.ASSISTANCE_INFO)
def assistance_info_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice != "apply":
        return Go(StepId.MENU, clear_history=True)
    program = ctx.services.assistance.lifeline()
    ctx.services.assistance.record_inquiry(
        ctx.customer.account_number if ctx.customer else None, program.key
    )
    return Go(
        StepId.ANYTHING_ELSE,
        clear_history=True,
        notice=w(
            program.how_to_apply.standard,
            program.how_to_apply.simple,
            spoken_text=program.how_to_apply.spoken,
            tty_text=program.how_to_apply.tty,
        ),
    )
