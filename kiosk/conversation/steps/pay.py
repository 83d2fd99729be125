"""Paying: amount, method, review (nothing is charged before it), result, receipt.

Other flows (plans, reconnection) set ``pay_preset`` and join at the method
step, so there is one way money is taken.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from kiosk.conversation.answers import Invalid
from kiosk.conversation.context import Context
from kiosk.conversation.facts import (
    after_payment_wording,
    grouped,
    numbers_said,
    shortfall_wording,
    spoken_number,
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
from kiosk.conversation.steps.service_state import (
    KEYED_CARD,
    forget_card,
    payment_not_sent,
    payment_started,
    return_bills,
)
from kiosk.conversation.steps.session import PHONE_LENGTH
from kiosk.conversation.wording import join, w
from kiosk.errors import (
    BillPastLimit,
    InvalidAmount,
    InvalidInput,
    KioskError,
    PaymentDeclined,
    PaymentInProgress,
    PaymentOutcomeUnknown,
    StoreUnavailable,
)
from kiosk.money import format_cents

if TYPE_CHECKING:
    from kiosk.payments.keyed_card import CardEntry

log = logging.getLogger(__name__)
PAY = "Pay your bill"
ON_FILE_KEY = "1"
"""Typed on the email receipt step: send it to the address on the account."""


TTY_AMOUNT_WORDS = {
    "full": "ALL",
    "undisputed": "ALL BUT DISPUTED",
    "past_due": "PAST DUE",
    "plan_part": "PLAN PART",
    "reconnect": "RECONNECT",
}
"""Amount choices in as few characters as a TTY line allows ("1 ALL $84.99")."""


def _amount(ctx: Context) -> int:
    return int(ctx.values.get("pay_cents", 0))


# ------------------------------------------------------------------- amount
@step(StepId.PAY_AMOUNT, PAY, 1)
def pay_amount(ctx: Context) -> Prompt:
    forget_card(ctx)  # a card keyed for another amount is keyed again
    options = ctx.services.bills.payment_options(ctx.account_number)
    ctx.values["pay_options"] = {str(i): (o.cents, o.reconnect) for i, o in enumerate(options, 1)}
    choices = [
        choice(
            str(i),
            str(i),
            o.label,
            o.label,
            icon="$",
            tty_text=f"{TTY_AMOUNT_WORDS.get(o.kind, '')} {format_cents(o.cents)}".strip(),
        )
        for i, o in enumerate(options, 1)
    ]
    if not ctx.simple or len(choices) < 4:
        choices.append(
            choice(
                "other",
                "",
                "Another amount",
                "Other amount",
                tty_text="OTHER AMT",
                synonyms=("other", "different amount"),
                icon="✎",
            )
        )
    choices = numbered(choices[:4] if ctx.simple else choices)
    return prompt(
        w(
            "How much do you want to pay?",
            "How much do you want to pay?",
            tty_text="AMT Q",
        ),
        AnswerKind.CHOICE,
        w(
            "Choose an amount by its number, or choose another amount to type your own.",
            "Press the number next to the amount.",
            tty_text="TYPE THE NUMBER OF AN AMOUNT",
        ),
        choices,
        sensitive=True,
    )


@handles(StepId.PAY_AMOUNT)
def pay_amount_answer(ctx: Context, answer: Answer) -> Outcome:
    ctx.values.pop("pay_preset", None)
    ctx.values.pop("pay_plan_offer", None)
    ctx.values.pop("plan_started", None)
    if answer.choice == "other":
        return Go(StepId.PAY_OTHER)
    cents, reconnect = ctx.values["pay_options"][answer.choice]
    ctx.values.update(pay_cents=cents, pay_reconnect=reconnect)
    return Go(StepId.PAY_METHOD, notice=_shortfall(ctx))


def _shortfall(ctx: Context, *, again: bool = False) -> Wording | None:
    """What the amount chosen does not do (stop a disconnection, turn service on, clear
    the past due), told before the method and again in the review (``again``: shortly on
    a TTY line); None if nothing."""
    standing = ctx.services.bills.standing(ctx.account_number)
    ctx.values["pay_was_at_risk"] = standing.at_risk
    ctx.values["pay_cutoff_on"] = standing.cutoff_on
    if ctx.values.get("pay_plan_offer") is not None:
        return None  # a plan's first payment: the plan keeps the service on
    if standing.reconnected_by(_amount(ctx)):
        ctx.values["pay_reconnect"] = True  # enough to turn service on: it does, fee and all
    return shortfall_wording(
        _amount(ctx),
        standing,
        standing.past_due_cents,
        reconnect=bool(ctx.values.get("pay_reconnect")),
        again=again,
    )


@step(StepId.PAY_OTHER, PAY, 1)
def pay_other(ctx: Context) -> Prompt:
    entered = ctx.values.get("pay_other_text", "")
    return prompt(
        w(
            "Type the amount you want to pay, in dollars and cents.",
            "Type how much you will pay. For example 20.00.",
            tty_text="TYPE AMOUNT LIKE 20.00",
        ),
        AnswerKind.AMOUNT,
        w(
            "Type dollars and cents, like 42.50. You can also say it, like forty two fifty.",
            "Type the dollars, a dot, then the cents. For example 20.00.",
        ),
        entered=entered,
    )


@handles(StepId.PAY_OTHER)
def pay_other_answer(ctx: Context, answer: Answer) -> Outcome:
    ctx.values["pay_other_text"] = answer.raw.strip()
    cents = answer.cents or 0
    try:
        ctx.services.payments.check_amount(ctx.account_number, cents)
    except InvalidAmount as error:
        return invalid(error.message, f"That amount will not work. {error.how_to_fix}")
    ctx.values.update(pay_cents=cents, pay_reconnect=False)
    return Go(StepId.PAY_METHOD, notice=_shortfall(ctx))


# ------------------------------------------------------------------- method
@step(StepId.PAY_METHOD, PAY, 2)
def pay_method(ctx: Context) -> Prompt:
    fee = ctx.services.settings.card_fee_cents
    fee_note = f" Card payments have a {format_cents(fee)} fee." if fee else ""
    methods = [
        choice("card", "1", "Card", "Card", synonyms=("credit", "debit", "credit card"), icon="💳"),
        choice("cash", "2", "Cash", "Cash", synonyms=("money", "bills"), icon="💵"),
        choice("bank", "3", "Bank account", "Bank", synonyms=("check", "checking"), icon="🏦"),
    ]
    how = w(
        "A card goes in the card reader below the screen. Cash goes in the bill slot. "
        "For a bank account you need the numbers from a check.",
        "Pick card, cash or bank.",
    )
    if not ctx.services.takes_cash:  # a phone call: no bill slot
        methods = numbered([methods[0], methods[2]])
        how = w(
            "Pay by card, or from a bank account: you need the numbers from a check.",
            "Pick card or bank.",
        )
    if ctx.services.keyed_card:  # no card reader: the card's numbers are keyed in
        how = w(
            "For a card, you type its number, expiry date and security code on the keypad. "
            "For a bank account you need the numbers from a check.",
            "For a card, you type its numbers. Pick card or bank.",
        )
    return prompt(
        w(
            f"You are paying {format_cents(_amount(ctx))}. How do you want to pay?{fee_note}",
            f"You will pay {format_cents(_amount(ctx))}. How will you pay?",
            tty_text="PAY BY Q",
        ),
        AnswerKind.CHOICE,
        how,
        methods,
        sensitive=True,
        big_value=format_cents(_amount(ctx)),
    )


@handles(StepId.PAY_METHOD)
def pay_method_answer(ctx: Context, answer: Answer) -> Outcome:
    ctx.values["pay_method"] = answer.choice
    ctx.values.pop("payment_key", None)
    forget_card(ctx)
    if answer.choice == "cash":
        ctx.values["cash_inserted"] = ctx.services.cash_acceptor().escrow_cents
        return Go(StepId.CASH_INSERT)
    back = return_bills(ctx)  # bills put in before, and now another way: they come back
    if answer.choice == "bank":
        return Go(StepId.BANK_ROUTING, notice=back)
    if ctx.services.keyed_card:
        _entry(ctx)
        return Go(StepId.CARD_NUMBER, notice=back)
    return Go(StepId.PAY_REVIEW, notice=back)


# ------------------------------------------------------------ keyed card
def _entry(ctx: Context) -> CardEntry:
    from kiosk.payments.keyed_card import CardEntry

    entry = ctx.values.get(KEYED_CARD)
    if not isinstance(entry, CardEntry):
        entry = ctx.values[KEYED_CARD] = CardEntry()
    return entry


def _refused(error: InvalidInput) -> Invalid:
    """A keyed entry refused: what is wrong and what to do; the entry is not kept."""
    return invalid(error.message, error.message)


@step(StepId.CARD_NUMBER, PAY, 2)
def card_number(ctx: Context) -> Prompt:
    from kiosk.payments.keyed_card import (
        ACCEPTED_NAMES,
        LONGEST_NUMBER,
        NUMBER_RULE,
        SHORTEST_NUMBER,
    )

    return prompt(
        w(
            "Type the card number, the long number on the front of the card, then press Enter.",
            "Type the long number on the front of your card, then press Enter.",
            tty_text="TYPE THE CARD NUMBER",
        ),
        AnswerKind.DIGITS,
        w(
            f"{NUMBER_RULE} We take {ACCEPTED_NAMES}. We keep only the last 4.",
            "It is on the front of the card. "
            f"It has {SHORTEST_NUMBER} to {LONGEST_NUMBER} numbers. We keep only the last 4.",
        ),
        private=True,
        min_digits=SHORTEST_NUMBER,  # a caller's pause while keying does not cut it off
    )


@handles(StepId.CARD_NUMBER)
def card_number_answer(ctx: Context, answer: Answer) -> Outcome:
    from kiosk.payments.keyed_card import read_card_number

    try:
        number = read_card_number(answer.digits or "")
    except InvalidInput as error:
        return _refused(error)
    entry = _entry(ctx)
    entry.number, entry.exp_month, entry.exp_year, entry.security_code = number, 0, 0, ""
    return Go(StepId.CARD_EXPIRY)


@step(StepId.CARD_EXPIRY, PAY, 2)
def card_expiry(ctx: Context) -> Prompt:
    from kiosk.payments.keyed_card import EXPIRY_EXAMPLE, EXPIRY_RULE

    return prompt(
        w(
            "Type the card's expiry date: 2 numbers for the month, then 2 for the year.",
            "Type the month and year the card ends, as 4 numbers.",
            tty_text="TYPE EXPIRY DATE AS MMYY",
        ),
        AnswerKind.DIGITS,
        w(
            f"It is on the front of the card. {EXPIRY_EXAMPLE}",
            f"Look on the front of the card. {EXPIRY_EXAMPLE}",
        ),
        digits_length=4,
        wrong_length=w(
            EXPIRY_RULE,
            "Type the month, then the year: 4 numbers, like 0 8 2 7.",
            tty_text="EXPIRY IS 4 NUMBERS, MONTH THEN YEAR, LIKE 0827",
        ),
        private=True,
    )


@handles(StepId.CARD_EXPIRY)
def card_expiry_answer(ctx: Context, answer: Answer) -> Outcome:
    from kiosk.payments.keyed_card import read_expiry

    zone = ZoneInfo(ctx.services.settings.timezone)
    today = ctx.services.store.clock.now().astimezone(zone).date()
    try:
        month, year = read_expiry(answer.digits or "", today)
    except InvalidInput as error:
        return _refused(error)
    entry = _entry(ctx)
    if entry.number is None:  # pragma: no cover - the number step comes first
        return Go(StepId.CARD_NUMBER)
    entry.exp_month, entry.exp_year = month, year
    return Go(StepId.CARD_CODE)


@step(StepId.CARD_CODE, PAY, 2)
def card_code(ctx: Context) -> Prompt:
    from kiosk.payments.keyed_card import security_code_rule

    number = _entry(ctx).number
    amex = number is not None and number.code_length == 4
    need = 4 if amex else 3
    rule, at = security_code_rule(number) if number is not None else (f"It has {need}.", "")
    where = (
        "the 4 numbers on the front of the card, above the card number"
        if amex
        else "the 3 numbers on the back of the card, by the signature"
    )
    return prompt(
        w(
            f"Type the card's security code: {where}.",
            f"Type the {4 if amex else 3} numbers on the {'front' if amex else 'back'} "
            "of the card.",
            tty_text=f"TYPE THE {4 if amex else 3} NUMBER SECURITY CODE",
        ),
        AnswerKind.DIGITS,
        w(
            "We use it for this payment only and never keep it.",
            "We never keep it.",
        ),
        digits_length=need,
        wrong_length=w(
            f"{rule} {at}",
            f"The security code has {need} numbers. It is on the "
            f"{'front' if amex else 'back'} of the card.",
            tty_text=f"SECURITY CODE HAS {need} NUMBERS",
        ),
        private=True,
    )


@handles(StepId.CARD_CODE)
def card_code_answer(ctx: Context, answer: Answer) -> Outcome:
    from kiosk.payments.keyed_card import read_security_code

    entry = _entry(ctx)
    if entry.number is None:  # pragma: no cover - the number step comes first
        return Go(StepId.CARD_NUMBER)
    try:
        entry.security_code = read_security_code(answer.digits or "", entry.number)
    except InvalidInput as error:
        return _refused(error)
    return Go(StepId.PAY_REVIEW)


@step(StepId.BANK_ROUTING, PAY, 2)
def bank_routing(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Enter the 9-number routing number from the bottom left of a check.",
            "Type the 9 numbers at the bottom left of a check.",
            tty_text="TYPE 9 NUMBER ROUTING NUMBER FROM A CHECK",
        ),
        AnswerKind.DIGITS,
        w(
            "The routing number is the first 9 numbers at the bottom of a check.",
            "Look at the bottom of a check.",
        ),
        digits_length=9,
        wrong_length=w(
            "A routing number has 9 numbers: the first 9 at the bottom left of a check.",
            "A routing number has 9 numbers. It is at the bottom of a check.",
            tty_text="ROUTING NUMBER HAS 9 NUMBERS, BOTTOM LEFT OF A CHECK",
        ),
        entered=ctx.values.get("bank_routing", ""),
    )


@handles(StepId.BANK_ROUTING)
def bank_routing_answer(ctx: Context, answer: Answer) -> Outcome:
    from kiosk.payments.bank import validate_routing_number

    try:
        ctx.values["bank_routing"] = validate_routing_number(answer.digits or "")
    except InvalidInput as error:
        return invalid(error.message, "That number is not right. Please check it.")
    return Go(StepId.BANK_ACCOUNT)


@step(StepId.BANK_ACCOUNT, PAY, 2)
def bank_account(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Enter your bank account number. It comes after the routing number on a check.",
            "Type your bank account number from the check.",
            tty_text="TYPE YOUR BANK ACCOUNT NUMBER",
        ),
        AnswerKind.DIGITS,
        w(
            "It has 4 to 17 numbers. We keep only the last 4.",
            "Type the numbers after the first 9.",
        ),
        private=True,
    )


@handles(StepId.BANK_ACCOUNT)
def bank_account_answer(ctx: Context, answer: Answer) -> Outcome:
    from kiosk.payments.bank import validate_bank_account_number

    try:
        number = validate_bank_account_number(answer.digits or "")
    except InvalidInput as error:
        return invalid(error.message)
    ctx.values["bank_account"] = number  # in memory only until the charge; wiped after
    return Go(StepId.PAY_REVIEW)


@step(StepId.CASH_INSERT, PAY, 2)
def cash_insert(ctx: Context) -> Prompt:
    inserted = int(ctx.values.get("cash_inserted", 0))
    left = max(0, _amount(ctx) - inserted)
    # The most that may still go in (the credit limit): a bill past it is handed back.
    most = ctx.services.payments.most_payable(
        ctx.account_number, reconnect=bool(ctx.values.get("pay_reconnect"))
    )
    room = format_cents(max(0, most - inserted))
    return prompt(
        w(
            f"Put your bills in the bill slot. You have put in {format_cents(inserted)}. "
            f"{format_cents(left)} to go. Type the value of each bill, or done when you finish.",
            f"Put in your bills. {format_cents(left)} to go. Type done at the end.",
            tty_text=f"PUT BILLS IN SLOT. {format_cents(left)} TO GO. TYPE DONE WHEN FINISHED",
        ),
        AnswerKind.TEXT,
        w(
            "The machine takes 1, 5, 10, 20, 50 and 100 dollar bills. It does not give change: "
            f"any extra becomes credit on your account. You can put in at most {room} more.",
            "Use 1, 5, 10, 20, 50 or 100 dollar bills. No change is given. "
            f"Put in at most {room} more.",
            tty_text=f"BILLS 1 5 10 20 50 100. NO CHANGE, EXTRA IS CREDIT. MOST {room} MORE",
        ),
        big_value=format_cents(inserted),
        # "Inserted" last: the large screen's big figure (the same amount) comes right
        # under it, so it is never read as the amount still to go.
        details=(
            ("Still to put in", format_cents(left)),
            ("Most you can put in", room),
            ("Inserted", format_cents(inserted)),
        ),
    )


@handles(StepId.CASH_INSERT)
def cash_insert_answer(ctx: Context, answer: Answer) -> Outcome:
    from kiosk.conversation.answers import normalise
    from kiosk.money import parse_amount
    from kiosk.payments.cash import ACCEPTED_BILLS_CENTS

    text = normalise(answer.text or "")
    if text in ("done", "finish", "finished", "that is all"):
        return cash_done(ctx)
    try:
        cents = parse_amount(answer.text or "", ctx.services.settings.locale)
    except InvalidAmount:
        cents = 0
    if cents not in ACCEPTED_BILLS_CENTS:
        return invalid(
            "The machine takes 1, 5, 10, 20, 50 and 100 dollar bills.",
            "Use 1, 5, 10, 20, 50 or 100 dollar bills.",
        )
    try:  # into escrow, unless it would pass what the account may be paid
        ctx.values["cash_inserted"] = ctx.services.payments.accept_bill(
            ctx.account_number,
            ctx.services.cash_acceptor(),
            cents,
            reconnect=bool(ctx.values.get("pay_reconnect")),
        )
    except BillPastLimit as error:  # the bill was handed back at the slot
        room = error.room_cents
        return invalid(
            error.message,
            f"We gave back your bill of {format_cents(cents)}. It is too much for this account. "
            + (error.how_to_fix if room else "No more bills can go in. Type done to pay."),
            f"{format_cents(cents)} BILL GIVEN BACK, TOO MUCH FOR THIS ACCT. "
            + (f"MOST YOU CAN PUT IN IS {format_cents(room)} MORE" if room else "TYPE DONE"),
        )
    return Go(
        StepId.PAY_REVIEW if ctx.values["cash_inserted"] >= _amount(ctx) else StepId.CASH_INSERT
    )


def cash_done(ctx: Context) -> Outcome:
    inserted = int(ctx.values.get("cash_inserted", 0))
    if inserted <= 0:
        back = ctx.services.back_how  # the channel's own back (star is Repeat on the screen)
        return invalid(
            f"No bills are in yet. Put in a bill, or {back} to go back.",
            f"No bills are in yet. Put in a bill, or {back} to go back.",
            "NO BILLS IN YET. PUT IN A BILL, OR TYPE BACK TO GO BACK",
        )
    if ctx.values.get("pay_plan_offer") is not None and inserted < _amount(ctx):
        short = format_cents(_amount(ctx) - inserted)
        return invalid(
            f"The plan starts with {format_cents(_amount(ctx))}: put in {short} more.",
            f"Put in {short} more to start the plan.",
        )
    ctx.values["pay_cents"] = min(inserted, _amount(ctx))
    return Go(StepId.PAY_REVIEW)


# ------------------------------------------------------------------- review
def _method_words(ctx: Context) -> str:
    method = ctx.values.get("pay_method", "card")
    if method == "bank":
        return f"bank account ending {str(ctx.values.get('bank_account', ''))[-4:]}"
    if method == "cash":
        return "cash"
    entry = ctx.values.get(KEYED_CARD)
    number = getattr(entry, "number", None)  # a CardEntry's, once keyed
    if number is not None:
        return str(number.description)  # "Visa ending 4242": never more of the card
    return "card"


@step(StepId.PAY_REVIEW, PAY, 3, confirms_money=True)
def pay_review(ctx: Context) -> Prompt:
    cents = _amount(ctx)
    method = ctx.values.get("pay_method", "card")
    fee = ctx.services.payments.fee_for_kind(method)
    extra = simple_extra = tty_extra = ""
    if method == "cash":
        inserted = int(ctx.values.get("cash_inserted", 0))
        if inserted > cents:  # bills past the amount chosen are all paid in: no change
            cents = inserted
            ctx.values["pay_cents"] = inserted
    standing = ctx.services.bills.standing(ctx.account_number)
    if ctx.values.get("pay_plan_offer") is None and standing.reconnected_by(cents):
        ctx.values["pay_reconnect"] = True  # bills past the amount chosen can cover it
    credit = ctx.services.bills.credit_after(
        ctx.account_number,
        cents,
        fee_cents=standing.fee_cents if ctx.values.get("pay_reconnect") else 0,
    )
    if credit:  # a fact of this payment, by any method: said before the yes in every register
        put_in = method == "cash" and int(ctx.values.get("cash_inserted", 0)) >= cents
        extra = (
            f" You put in {format_cents(cents)}; {format_cents(credit)} of it becomes "
            "credit on your account."
            if put_in
            else f" That is {format_cents(credit)} more than you owe; it becomes credit "
            "on your account."
        )
        simple_extra = f" {format_cents(credit)} of it is extra. It becomes credit on your account."
        tty_extra = f" {format_cents(credit)} BECOMES CREDIT."
    how = {"card": "card", "bank": "bank", "cash": "cash"}.get(method, method)
    # Names the fee as its detail row does ("Card fee"), so speech does not read it twice.
    fee_text = f"The {how} fee is {format_cents(fee)}." if fee else f"There is no {how} fee."
    reconnect = tty_reconnect = ""
    reconnect_fee = 0
    if ctx.values.get("pay_reconnect"):
        reconnect_fee = standing.fee_cents
        included = (
            f" This includes the {format_cents(reconnect_fee)} reconnection fee."
            if reconnect_fee
            else ""
        )
        reconnect = (
            f"{included} Your service will be turned back on within {standing.back_on_hours} hours."
        )
        tty_reconnect = (
            f" WITH {format_cents(reconnect_fee)} RECONNECT FEE" if reconnect_fee else ""
        )
        tty_extra += f" BACK ON WITHIN {standing.back_on_hours} HOURS."
    account = ctx.account_number[-4:]
    # A card reader only when the card is present (the phone line keys it instead).
    card_step = (
        " Then use the card reader." if method == "card" and not ctx.services.keyed_card else ""
    )
    before = join(_shortfall(ctx, again=True), _plan_terms(ctx), _debit_authorization(ctx, cents))
    review = w(
        f"Please check. You will pay {format_cents(cents)} by {_method_words(ctx)} "
        f"for account ending {account}. {fee_text}{extra}{reconnect} "
        f"Is this right?{card_step}",
        f"You will pay {format_cents(cents)} by {_method_words(ctx)} for account ending "
        f"{account}.{simple_extra}{reconnect} Is this right?",
        tty_text=f"PAY {format_cents(cents)}{tty_reconnect} BY "
        f"{_method_words(ctx).upper()}, ACCT ENDING {account}.{tty_extra} Q Y OR N",
    )
    details = [
        ("Amount", format_cents(cents)),
        ("Pay by", _method_words(ctx)),
        (f"{how.title()} fee", format_cents(fee) if fee else "none"),
        ("Account", f"ending {account}"),
    ]
    if reconnect_fee:
        details.insert(1, ("Reconnection fee", f"{format_cents(reconnect_fee)}, included"))
    return prompt(
        join(before, review) if before.standard else review,
        AnswerKind.YES_NO,
        w(
            "Press 1 to pay now. Press 2 to change the amount or the way you pay. "
            "Nothing is charged until you press 1.",
            "Press 1 to pay. Press 2 to change it. We take no money before you press 1.",
            tty_text="TYPE Y TO PAY, N TO CHANGE. NO MONEY TAKEN BEFORE Y",
        ),
        sensitive=True,
        big_value=format_cents(cents),
        details=tuple(details),
    )


def _plan_terms(ctx: Context) -> Wording | None:
    """A plan's first payment: the plan it starts, said again before the yes."""
    offer = ctx.values.get("pay_plan_offer")
    if offer is None:
        return None
    from kiosk.conversation.steps.account import plan_terms

    return plan_terms(offer, starts_with_payment=True)


def _debit_authorization(ctx: Context, cents: int) -> Wording | None:
    """A bank debit's authorization, shown and said before the yes (and kept with it)."""
    if ctx.values.get("pay_method") != "bank":
        return None
    text = debit_authorization_text(ctx, cents)
    return w(text, text, tty_text=text, go_ahead=False)


def debit_authorization_text(ctx: Context, cents: int) -> str:
    """The words a customer agrees to for one bank debit: amount, date, account, revoking."""
    from kiosk.services.common import short_date

    today = ctx.services.store.clock.now().astimezone(ZoneInfo(ctx.services.settings.timezone))
    last4 = str(ctx.values.get("bank_account", ""))[-4:]
    return (
        f"By saying yes, you allow us to take {format_cents(cents)} once from your bank "
        f"account ending {last4} on {short_date(today.date())}. You can cancel this debit "
        f"until the end of that day by calling {ctx.services.settings.customer_service_phone}."
    )


@handles(StepId.PAY_REVIEW)
def pay_review_answer(ctx: Context, answer: Answer) -> Outcome:
    if not answer.yes:
        return Go(StepId.PAY_CHANGE)
    key = ctx.values.setdefault(
        "payment_key", f"{ctx.services.settings.kiosk_id}-{uuid.uuid4().hex}"
    )
    method_name = ctx.values.get("pay_method", "card")
    plan = ctx.values.get("pay_plan_offer")
    if plan is not None and ctx.values.get("plan_started") is None:
        try:  # the plan starts with this payment, and is taken back if it fails
            ctx.values["plan_started"] = ctx.services.arrangements.accept(
                ctx.account_number, plan.arrangement_id
            )
        except KioskError as error:
            return invalid(error.message)
    try:
        if method_name == "bank":
            ctx.services.debit_authorizations.record(
                key,
                ctx.account_number,
                _amount(ctx),
                str(ctx.values["bank_account"])[-4:],
                debit_authorization_text(ctx, _amount(ctx)),
            )
            method = ctx.services.bank_debit(ctx.values["bank_routing"], ctx.values["bank_account"])
        elif method_name == "cash":
            method = ctx.services.cash_acceptor()  # the bills in its escrow
        elif ctx.services.keyed_card:
            entry = ctx.values.pop(KEYED_CARD, None)  # held no longer than this charge
            card = entry.card() if entry is not None else None
            if card is None:  # keyed again after a decline, or never whole
                ctx.values.pop("payment_key", None)
                return Go(StepId.CARD_NUMBER)
            method = ctx.services.keyed_card_method(card)
        else:
            method = ctx.services.card_terminal()
        payment_started(ctx)
        result = ctx.services.payments.pay(
            ctx.account_number,
            _amount(ctx),
            method,
            key,
            reconnect=bool(ctx.values.get("pay_reconnect")),
        )
    except PaymentDeclined as error:
        if method_name == "cash":  # what is still in escrow (an over-amount went back)
            ctx.values["cash_inserted"] = ctx.services.cash_acceptor().escrow_cents
        payment_not_sent(ctx)
        _take_back_plan(ctx)
        ctx.values.pop("payment_key", None)
        ctx.values["pay_error"] = error.message
        ctx.values["pay_decline_code"] = error.decline_code
        return Go(StepId.PAY_FAILED)
    except PaymentOutcomeUnknown as error:
        ctx.values.pop("pay_not_made", None)
        ctx.values["pay_error"] = error.message
        ctx.values["pay_reference"] = error.reference
        return Go(StepId.PAY_UNKNOWN, clear_history=True)
    except PaymentInProgress as error:
        payment_not_sent(ctx)  # this key was refused; an earlier payment is still open
        _take_back_plan(ctx)
        ctx.values["pay_error"] = _not_made_words(ctx, error)
        ctx.values["pay_not_made"] = True
        return Go(StepId.PAY_UNKNOWN, clear_history=True)
    except InvalidAmount as error:
        payment_not_sent(ctx)
        _take_back_plan(ctx)
        ctx.values.pop("payment_key", None)
        return Go(StepId.PAY_AMOUNT, error=w(error.message))
    except StoreUnavailable:
        payment_not_sent(ctx)  # raised only before anything reached the terminal
        raise  # the engine takes the kiosk out of service
    except KioskError as error:
        payment_not_sent(ctx)
        _take_back_plan(ctx)
        return invalid(error.message)
    payment_not_sent(ctx)  # the outcome is known: pay_result says it
    ctx.values.pop("bank_account", None)
    ctx.values.pop("payment_key", None)
    ctx.values["pay_result"] = result
    if ctx.services.has_printer:  # on a call nothing was queued to print
        ctx.values["receipt_printed"] = _print_receipt(ctx, result.attempt_id)
    return Go(StepId.PAY_RESULT, clear_history=True)


NOT_MADE = "Your payment was not made, and nothing was charged for it."
NOT_MADE_ON_CALL = "Please wait a few minutes, then check your balance before you pay again."


def _not_made_words(ctx: Context, error: PaymentInProgress) -> str:
    """What a customer hears whose payment was refused because another payment for the
    account is still open (another call, or another kiosk, paying it at the same moment):
    theirs was never sent, which they are told first. A caller has no store associate."""
    how = NOT_MADE_ON_CALL if ctx.services.on_a_call else error.how_to_fix
    return " ".join(part for part in (NOT_MADE, error.what, error.why, how) if part)


def _print_receipt(ctx: Context, attempt_id: int) -> bool:
    """Print the receipt now, while its customer is here; False when it did not print
    (it is then cancelled: never printed later, for the next customer)."""
    try:
        return ctx.services.print_receipt(attempt_id)
    except Exception:  # the payment stands whatever the printer does
        log.exception("printing the receipt of attempt %s failed", attempt_id)
        return False


def _take_back_plan(ctx: Context) -> None:
    """The plan's first payment did not go through: the plan is an offer again."""
    started = ctx.values.pop("plan_started", None)
    if started is not None:
        ctx.services.arrangements.withdraw(ctx.account_number, started.arrangement_id)


@step(StepId.PAY_CHANGE, PAY, 3)
def pay_change(ctx: Context) -> Prompt:
    inserted = int(ctx.values.get("cash_inserted", 0) or 0)
    bills = (  # said before the choice: any of them hands the bills back
        w(
            f"Your {format_cents(inserted)} in bills will come back out of the bill slot.",
            f"You get your {format_cents(inserted)} back.",
            tty_text=f"YOUR {format_cents(inserted)} IN BILLS WILL COME BACK.",
            go_ahead=False,
        )
        if ctx.values.get("pay_method") == "cash" and inserted
        else None
    )
    choices = [
        choice("amount", "1", "The amount", "Amount", icon="$"),
        choice("method", "2", "The way I pay", "How I pay", icon="💳"),
        choice("cancel", "3", "Do not pay now", "Stop", synonyms=("cancel",), icon="✖"),
    ]
    help_text = w("Nothing has been charged.", "We took no money.")
    if ctx.values.get("pay_plan_offer") is not None:
        # A plan's first payment has the plan's amount: another amount started no plan
        # and said nothing of it (the customer who said yes to the plan paid $95.00 and
        # heard only the payment's result).
        choices = numbered(choices[1:])
        today = format_cents(_amount(ctx))
        help_text = w(
            f"Nothing has been charged. The plan's first payment is {today}: to pay "
            "another amount, choose Do not pay now; no plan is set up then.",
            f"We took no money. The plan needs {today} now.",
            tty_text=f"NOTHING CHARGED. PLAN NEEDS {today} NOW",
        )
    return prompt(
        join(
            bills,
            w(
                "What do you want to change?",
                "What do you want to change?",
                tty_text="WHAT TO CHANGE Q",
            ),
        ),
        AnswerKind.CHOICE,
        help_text,
        choices,
    )


@handles(StepId.PAY_CHANGE)
def pay_change_answer(ctx: Context, answer: Answer) -> Outcome:
    forget_card(ctx)  # changing anything means keying the card again
    if answer.choice == "amount":
        return Go(StepId.PAY_AMOUNT, notice=return_bills(ctx))
    if answer.choice == "method":
        return Go(StepId.PAY_METHOD, notice=return_bills(ctx))
    return Go(StepId.MENU, clear_history=True, notice=_nothing_paid(ctx))


def _nothing_paid(ctx: Context) -> Wording:
    """No payment was made: and so no plan started, and any bills put in come back."""
    parts = [w("No payment was made.", "We took no money.", go_ahead=False), return_bills(ctx)]
    if ctx.values.pop("pay_plan_offer", None) is not None:
        ctx.values.pop("plan_started", None)
        parts.append(
            w(
                "No plan was set up, because a plan starts with its first payment.",
                "No plan was made. A plan starts when you pay.",
                tty_text="NO PLAN SET UP. A PLAN STARTS WITH ITS FIRST PAYMENT",
                go_ahead=False,
            )
        )
    return join(*parts)


# ------------------------------------------------------------------- result
@step(StepId.PAY_RESULT, PAY, 4)
def pay_result(ctx: Context) -> Prompt:
    result = ctx.values["pay_result"]
    number = result.confirmation_number or ""
    paid_by = (  # a bank account as the review names it: "bank account ending 6789"
        f"{_brand_words(result.brand)} ending {result.last4}"
        if result.last4
        else _method_words(ctx)
    )
    local = result.at.astimezone(ZoneInfo(ctx.services.settings.timezone))
    when = f"{local:%B} {local.day}, {local.year}"
    balance = format_cents(max(result.new_balance_cents, 0))
    credit = format_cents(-result.new_balance_cents) if result.new_balance_cents < 0 else ""
    now = ctx.services.bills.standing(ctx.account_number)
    standing = after_payment_wording(
        result.cents,
        now,
        was_at_risk=bool(ctx.values.get("pay_was_at_risk")),
        cutoff_on=ctx.values.get("pay_cutoff_on"),
    )
    due = tty_due = ""  # the balance left, when none of it is late yet, and when it is due
    if result.new_balance_cents > 0 and not now.past_due_cents and now.next_due_on:
        day = f"{now.next_due_on:%B} {now.next_due_on.day}"
        due = tty_due = f", due {day}"
        if 0 < now.next_due_cents < result.new_balance_cents:  # a plan's next part, say
            due = f", with {format_cents(now.next_due_cents)} due {day}"
            tty_due = f", {format_cents(now.next_due_cents)} DUE {day}"
    # With no printer (the phone line) the card or account is said "with your Visa
    # ending 4242", even in brief speech, which leaves "paid by ..." to the printed receipt.
    by = f"by {paid_by}"
    if not ctx.services.has_printer:
        by = f"with your {paid_by}"
    paid = w(
        f"Thank you. We received {format_cents(result.cents)} paid {by} on {when}.",
        f"Thank you. You paid {format_cents(result.cents)} {by} on {when}.",
        tty_text=f"PAID {format_cents(result.cents)} BY {paid_by.upper().replace(' ENDING', '')} "
        f"{local:%B} {local.day}.",
        go_ahead=False,
    )
    # A listener cannot glance back at the number: speech offers it again (the line's
    # first choice does that where there is no printer; at the kiosk, repeat or star).
    again = " Say repeat or press star to hear it again." if ctx.services.has_printer else ""
    number_text = w(
        f"Your confirmation number is {grouped(number)}.",
        f"Your number is {grouped(number)}.",
        spoken_text=f"Your confirmation number is {spoken_number(number)}.{again}",
        tty_text=f"CONFIRMATION {grouped(number)}.",
        go_ahead=False,
    )
    printed = ctx.services.has_printer and bool(ctx.values.get("receipt_printed", True))
    has_credit = f" You have a credit of {credit}." if credit else ""
    rest = w(
        f"Your balance is now {balance}{due}.{has_credit}",
        f"You now owe {balance}{due}." + (f" You have {credit} extra." if credit else ""),
        tty_text=f"BALANCE {balance}{tty_due}."
        + (f" CREDIT {credit}." if credit else "")
        + (" RECEIPT 1 PRINT 2 EMAIL 3 TEXT 4 NONE Q" if printed else ""),
    )
    by_email = _email_offered(ctx)
    first, receipt, receipt_help = _receipt_offer(ctx, printed, by_email)
    choices = (
        [
            first,
            choice("email", "2", "Also by email", "Email", synonyms=("email",), icon="✉"),
            choice("sms", "3", "Also by text message", "Text", synonyms=("text", "sms"), icon="📱"),
            choice(
                "none",
                "4",
                "No more receipts",
                "No thanks",
                synonyms=("no", "none"),
                icon="✔",
            ),
        ]
        if ctx.services.has_printer
        else [
            first,
            choice("email", "2", "Receipt by email", "Email", synonyms=("email",), icon="✉"),
            choice(
                "sms", "3", "Receipt by text message", "Text", synonyms=("text", "sms"), icon="📱"
            ),
            choice("none", "4", "No receipt", "No thanks", synonyms=("no", "none"), icon="✔"),
        ]
    )
    if not by_email:  # the keys are counted again: 1, 2, 3 with no gap
        choices = numbered([c for c in choices if c.value != "email"])
    return prompt(
        join(paid, number_text, _plan_started(ctx), standing, rest, receipt),
        AnswerKind.CHOICE,
        receipt_help,
        choices,
        sensitive=True,
        big_value=grouped(number),
        details=(
            ("Amount paid", format_cents(result.cents)),
            ("Paid by", paid_by),
            ("Date", when),
            ("Confirmation", grouped(number)),
            ("Credit balance", credit) if credit else ("New balance", balance),
        ),
    )


def _brand_words(brand: str) -> str:
    """A card's brand as written ("Visa", "American Express"); a bank debit is a "bank
    account", said in lower case inside a sentence as the review says it."""
    return "bank account" if brand.lower() == "bank" else brand.title()


def _email_offered(ctx: Context) -> bool:
    """Whether the result offers a receipt by email: where an address can be typed, or,
    by speech alone (a call, the kiosk's voice channel: number keys only), when the
    account has one on file, which it then goes to at once."""
    return ctx.types_text or bool(ctx.services.bills.email_on_file(ctx.account_number))


def _receipt_offer(
    ctx: Context, printed: bool, by_email: bool = True
) -> tuple[Choice, Wording | None, Wording]:
    """The result step's first choice, what it says of the receipt, and its help: the
    printed receipt where there is a printer; on a call (no printer) paper is never
    offered or claimed, and the first choice says the confirmation number again.
    ``by_email``: email is offered too (else only a text message)."""
    ways, simple_ways = (
        ("email or text message", "email or text") if by_email else ("text message", "text")
    )
    if not ctx.services.has_printer:
        return (
            choice(
                "again",
                "1",
                "Hear the confirmation number again",
                "Hear it again",
                synonyms=("hear it again",),
                icon="↻",
                tty_text="NUMBER AGAIN",
            ),
            w(
                f"You can get a receipt by {ways}.",
                f"You can get a receipt by {simple_ways}.",
                tty_text="RECEIPT BY 2 EMAIL 3 TEXT 4 NONE, 1 NUMBER AGAIN Q",
            ),
            w(
                f"You can get a receipt by {ways}, or hear the confirmation number again.",
                f"Pick {simple_ways}, or none. Or hear the number again.",
            ),
        )
    if printed:
        return (
            choice("print", "1", "Printed receipt only", "Paper only", icon="🖶"),
            None,
            w(
                f"A receipt is printing now. You can also get it by {ways}. "
                "Say repeat to hear the confirmation number again.",
                "Your receipt is printing. Pick one more way, or none. "
                "Say repeat to hear it again.",
            ),
        )
    return (
        choice("print", "1", "No receipt", "No receipt", icon="✔"),
        w(
            "Your receipt could not be printed: the printer is not working. It has been "
            f"canceled and will not print later. You can get it by {ways}.",
            f"The printer is not working. No paper receipt. You can get it by {simple_ways}.",
            tty_text="RECEIPT DID NOT PRINT AND WILL NOT PRINT LATER. "
            "RECEIPT BY 2 EMAIL 3 TEXT 4 NONE Q",
        ),
        w(
            "The printer is not working, so there is no paper receipt. You can get it by "
            f"{ways}. Say repeat to hear the confirmation number again.",
            f"No paper receipt. Pick {simple_ways}, or none. Say repeat to hear it again.",
        ),
    )


def _plan_started(ctx: Context) -> Wording | None:
    """The plan this payment started, with its reference number."""
    started = ctx.values.get("plan_started")
    offer = ctx.values.get("pay_plan_offer")
    if started is None or offer is None:
        return None
    from kiosk.conversation.facts import number_wording
    from kiosk.conversation.steps.account import plan_terms

    return join(
        w("Your plan is set up.", "Your plan is set up.", go_ahead=False),
        plan_terms(offer),
        number_wording("Your plan reference number is", started.reference, "Your plan number is"),
    )


@handles(StepId.PAY_RESULT)
def pay_result_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice == "again":  # the same result, said again (plan wording and all)
        return Go(StepId.PAY_RESULT)
    ctx.values.pop("plan_started", None)
    ctx.values.pop("pay_plan_offer", None)
    if answer.choice == "email" and not ctx.types_text:  # offered only with one on file
        return _request_receipt(ctx, "email", "")
    if answer.choice == "email":
        return Go(StepId.RECEIPT_EMAIL)
    if answer.choice == "sms":
        return Go(StepId.RECEIPT_PHONE)
    return Go(StepId.ANYTHING_ELSE, clear_history=True)


@step(StepId.RECEIPT_EMAIL, PAY, 4)
def receipt_email(ctx: Context) -> Prompt:
    on_file = ctx.services.bills.email_on_file(ctx.account_number)
    if on_file:  # asked for, so sent; the address is shown masked
        from kiosk.conversation.facts import masked_contact

        said = masked_contact(on_file)
        text = w(
            f"Type the email address for your receipt, or type 1 to send it to {on_file}, "
            "the address on file.",
            f"Type your email. Or type 1 to use {on_file}.",
            spoken_text="Type the email address for your receipt, or type 1 to send it to "
            f"{said.spoken}, the address on file.",
            tty_text=f"TYPE EMAIL ADDRESS, OR 1 FOR {said.tty}",
        )
    else:
        text = w(
            "Type the email address for your receipt.",
            "Type your email.",
            tty_text="TYPE EMAIL ADDRESS",
        )
    return prompt(
        text,
        AnswerKind.TEXT,
        w("For example name@example.com.", "Like this: name@example.com."),
        entered=ctx.values.get("receipt_email", ""),
    )


@handles(StepId.RECEIPT_EMAIL)
def receipt_email_answer(ctx: Context, answer: Answer) -> Outcome:
    typed = (answer.text or "").strip()
    if typed == ON_FILE_KEY:
        return _request_receipt(ctx, "email", "")
    return _request_receipt(ctx, "email", typed)


@step(StepId.RECEIPT_PHONE, PAY, 4)
def receipt_phone(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Enter the mobile phone number for a text message receipt, with the area code.",
            "Type your cell phone number.",
            tty_text="TYPE MOBILE NUMBER FOR TEXT RECEIPT",
        ),
        AnswerKind.DIGITS,
        w("A phone number has 10 numbers.", "Type 10 numbers."),
        digits_length=10,
        wrong_length=PHONE_LENGTH,
    )


@handles(StepId.RECEIPT_PHONE)
def receipt_phone_answer(ctx: Context, answer: Answer) -> Outcome:
    return _request_receipt(ctx, "sms", answer.digits or "")


def _request_receipt(ctx: Context, channel: str, destination: str) -> Outcome:
    result = ctx.values.get("pay_result")
    if result is None or not result.confirmation_number:
        return Go(StepId.MENU, clear_history=True)
    if channel == "email" and destination:
        ctx.values["receipt_email"] = destination
    try:
        if channel == "email" and not destination:
            status = ctx.services.receipts.request_receipt_on_file(result.confirmation_number)
        else:
            status = ctx.services.receipts.request_receipt(
                result.confirmation_number, channel, destination
            )
    except KioskError as error:
        return invalid(error.message)
    from kiosk.conversation.facts import with_contact

    return Go(
        StepId.ANYTHING_ELSE,
        clear_history=True,
        notice=with_contact(status.text, status.destination),
    )


# ------------------------------------------------------------------ failure
SIMPLE_DECLINES = {
    "do_not_honor": ("The card's bank said no.", "BANK SAID NO"),
    "insufficient_funds": ("There is not enough money on the card.", "NOT ENOUGH MONEY ON CARD"),
    "expired_card": ("The card is too old. It has expired.", "CARD EXPIRED"),
    "incorrect_pin": ("The card PIN was wrong.", "CARD PIN WRONG"),
    "incorrect_cvc": ("The card's security code was wrong.", "SECURITY CODE WRONG"),
    "invalid_card": ("The card details were not right.", "CARD DETAILS WRONG"),
    "issuer_unavailable": ("The card's bank did not answer.", "BANK DID NOT ANSWER"),
    "not_enough_cash": ("Not enough bills were put in.", "NOT ENOUGH BILLS"),
    "cash_over_amount": ("You put in more than the amount.", "MORE CASH THAN AMOUNT"),
    "cash_gone": (
        "Your bills are no longer held for this payment. We took no money.",
        "BILLS NOT HELD",
    ),
}
RETRY_HELPS = frozenset({"incorrect_pin", "incorrect_cvc", "invalid_card", "issuer_unavailable"})
"""Declines where trying the same card and amount again can work; for the others
(no money, expired, bank said no) the way forward is another way or another amount."""


@step(StepId.PAY_FAILED, PAY, 3)
def pay_failed(ctx: Context) -> Prompt:
    message = ctx.values.get("pay_error", "The payment did not go through.")
    code = ctx.values.get("pay_decline_code", "")
    simple, tty_why = SIMPLE_DECLINES.get(code, ("The payment did not work.", "PAYMENT FAILED"))
    choices = [
        choice("method", "", "Pay another way", "Other way", icon="💳"),
    ]
    if ctx.values.get("pay_plan_offer") is None:  # a plan's first part has a set amount
        choices.append(choice("amount", "", "Pay a different amount", "Other amount", icon="$"))
    if code in RETRY_HELPS and ctx.services.keyed_card:  # the card was not kept
        choices.insert(0, choice("retry", "", "Type the card again", "Type it again", icon="↻"))
    elif code in RETRY_HELPS:
        choices.insert(0, choice("retry", "", "Try the same card again", "Try again", icon="↻"))
    choices += [
        choice("person", "", "Talk to a person", "Get a person", icon="☎"),
        choice("menu", "", "Main menu", "Menu", icon="☰"),
    ]
    if ctx.simple:
        choices = choices[:4]
    return prompt(
        w(
            message,
            f"The payment did not work. {simple} We took no money.",
            tty_text=f"PAYMENT DID NOT GO THROUGH: {tty_why}. NO MONEY TAKEN",
        ),
        AnswerKind.CHOICE,
        w(
            "You can pay another way, pay a different amount, or ask for a person.",
            "Pick another way to pay, or get a person.",
        ),
        numbered(choices),
    )


@handles(StepId.PAY_FAILED)
def pay_failed_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice == "menu":
        return Go(StepId.MENU, clear_history=True, notice=_nothing_paid(ctx))
    keyed = ctx.services.keyed_card and ctx.values.get("pay_method") == "card"
    targets = {
        "retry": StepId.CARD_NUMBER if keyed else StepId.PAY_REVIEW,
        "method": StepId.PAY_METHOD,
        "amount": StepId.PAY_OTHER,
        "person": StepId.PERSON_CONTACT,
    }
    return Go(targets[answer.choice or "method"], notice=return_bills(ctx))


@step(StepId.PAY_UNKNOWN, PAY, 4)
def pay_unknown(ctx: Context) -> Prompt:
    message = ctx.values.get("pay_error", "We do not know yet if the payment went through.")
    reference = ctx.values.get("pay_reference")
    simple = "We are not sure the payment worked. Please do not pay again now."
    if ctx.values.get("pay_not_made"):  # refused: another payment is open, not this one
        simple = "Your payment was not made. Another payment is still going through. Wait a bit."
    elif reference:
        simple = f"Your payment is being checked. Your number is {reference}. Do not pay again now."
    # The payment core's words name the reference ("Your payment reference is 1234 5678"):
    # speech reads it group by group, digit by digit.
    said = w(
        message,
        simple,
        spoken_text=numbers_said(message, reference) if reference else None,
        tty_text=message,
    )
    helped = w("A store worker can check the payment for you.", "A worker can check it.")
    if ctx.services.on_a_call:  # no card terminal, no store worker
        helped = w("A person can check the payment with you.", "A person can check it.")
        if reference and not ctx.values.get("pay_not_made"):
            said = _being_checked_on_call(reference)
    return prompt(
        said,
        AnswerKind.CHOICE,
        helped,
        [
            choice("person", "1", "Talk to a person", "Get a person", icon="☎"),
            choice("menu", "2", "Main menu", "Menu", icon="☰"),
        ],
    )


def _being_checked_on_call(reference: str) -> Wording:
    """A keyed charge whose outcome is not known yet, told to a caller: the payment
    core's words are a kiosk's ("the card terminal did not answer", "ask a store
    associate"); a caller has neither. What is true on a phone: it is being checked with
    the card's bank, never charged twice, the reference (read group by group, as shown)
    to quote, and how to find out: call back later, or check the balance."""
    said = spoken_number(reference)
    what = "Your payment is being checked: we do not know yet if it went through."
    why = "We are checking it with the card's bank, and you will not be charged twice."
    how = "Please call again later, or check your balance, before you pay again."
    return w(
        f"{what} {why} Please do not pay again now. Your payment reference is {reference}. {how}",
        f"Your payment is being checked. Your number is {reference}. Do not pay again now. "
        "Call again later to check it.",
        spoken_text=f"{what} {why} Please do not pay again now. "
        f"Your payment reference is {said}. {how}",
        tty_text=f"YOUR PAYMENT IS BEING CHECKED, NOT CHARGED TWICE. DO NOT PAY AGAIN NOW. "
        f"REFERENCE {reference}. CALL AGAIN LATER OR CHECK YOUR BALANCE",
    )


@handles(StepId.PAY_UNKNOWN)
def pay_unknown_answer(ctx: Context, answer: Answer) -> Outcome:
    return Go(StepId.PERSON_CONTACT if answer.choice == "person" else StepId.MENU)
