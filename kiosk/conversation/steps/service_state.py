"""Out of service, and what the customer is told about their money when anything goes wrong.

The kiosk never says "nothing was charged" unless it knows: only when no
payment reached a terminal in this session. A payment whose outcome could
not be recorded is "being checked", with its reference.
"""

from __future__ import annotations

from kiosk.conversation.context import Context
from kiosk.conversation.facts import grouped, numbers_said
from kiosk.conversation.prompt import Answer, AnswerKind, Prompt, Wording
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.steps.base import Go, Outcome, choice, handles, prompt, step
from kiosk.conversation.wording import join, w

OUT_OF_SERVICE = StepId.OUT_OF_SERVICE


KEYED_CARD = "keyed_card"
"""The card being keyed (card-not-present): a ``CardEntry``, in memory only until the
charge. Its number, expiry and code are never shown, said back, logged or stored."""


def forget_card(ctx: Context) -> None:
    """Drop a keyed card: charged, or the customer left the payment (menu, new amount)."""
    ctx.values.pop(KEYED_CARD, None)


def payment_started(ctx: Context) -> None:
    """Call just before a payment is handed to the payment core: from now on the
    kiosk may not say "nothing was charged" in this session unless the payment
    core proves it (:func:`payment_not_sent`)."""
    ctx.values["payment_pending"] = True


def payment_not_sent(ctx: Context) -> None:
    """The payment core proved no money moved (refused before sending, or declined)."""
    ctx.values.pop("payment_pending", None)


def money_status(ctx: Context) -> Wording:
    """The one true sentence about this session's money, in every register."""
    reference = ctx.values.get("pay_reference")
    if reference:
        standard = (
            f"Your payment is being checked. Your payment reference is {reference}. "
            "Please do not pay again now."
        )
        return w(
            standard,
            f"Your payment is being checked. Your number is {reference}. Do not pay again.",
            spoken_text=numbers_said(standard, reference),
            tty_text=f"YOUR PAYMENT IS BEING CHECKED. REFERENCE {reference}. DO NOT PAY AGAIN",
        )
    result = ctx.values.get("pay_result")
    if ctx.values.get("payment_pending"):
        return w(
            "A payment you started may have gone through. Please do not pay again now: "
            "a store associate can check it for you.",
            "Your payment may have gone through. Do not pay again. Ask a worker.",
            tty_text="YOUR PAYMENT MAY HAVE GONE THROUGH. DO NOT PAY AGAIN. ASK STAFF",
        )
    if result is not None:
        number = grouped(result.confirmation_number or "")
        standard = f"Your payment was received. Your confirmation number is {number}."
        return w(
            standard,
            f"Your payment went through. Your number is {number}.",
            spoken_text=numbers_said(standard, number),
            tty_text=f"YOUR PAYMENT WAS RECEIVED. CONFIRMATION {number}",
        )
    nothing = w("Nothing was charged.", "We took no money.", tty_text="NOTHING CHARGED")
    bills = return_bills(ctx)  # bills in, no payment made: they come back out
    return join(nothing, bills) if bills is not None else nothing


def return_bills(ctx: Context) -> Wording | None:
    """Hand back the bills put in for a payment that is not being made, and say what
    really happened to them: how much came back out of the slot, or that they are stuck
    and a store worker was called (the jam is logged and recorded for staff). None when
    no bills are in."""
    from kiosk.money import format_cents
    from kiosk.payments.cash import CashNotReturned

    if not int(ctx.values.pop("cash_inserted", 0) or 0):
        return None
    try:
        returned = ctx.services.cash_acceptor().eject()
    except CashNotReturned as jam:
        _call_worker_for_jam(ctx, jam.cents)
        amount = format_cents(jam.cents)
        return w(
            f"Your {amount} in bills is stuck in the bill slot and could not come back out. "
            "It is not lost: a store worker has been called to give it back to you. "
            "Please wait here.",
            f"Your {amount} is stuck in the machine. A worker is coming to give it back. "
            "Please wait here.",
            tty_text=f"YOUR {amount} IN BILLS IS STUCK IN THE SLOT. A WORKER IS COMING TO "
            "GIVE IT BACK. PLS WAIT HERE",
            go_ahead=False,
        )
    if not returned:
        return None
    amount = format_cents(returned)
    return w(
        f"Your {amount} in bills is coming back out of the bill slot. Please take it.",
        f"Take your {amount} from the bill slot.",
        tty_text=f"TAKE YOUR {amount} IN BILLS FROM THE SLOT",
        go_ahead=False,
    )


def cash_from_earlier(ctx: Context) -> Wording | None:
    """Once, on the first prompt after a start-up that handed back bills a crashed
    session left in escrow: say they came out, and whose they may be."""
    from kiosk.money import format_cents

    cents = ctx.services.take_cash_from_earlier()
    if not cents:
        return None
    amount = format_cents(cents)
    return w(
        f"{amount} in bills from an earlier session came out of the bill slot. "
        "If it is not yours, please give it to a store worker.",
        f"{amount} from before came out of the bill slot. "
        "If it is not yours, give it to a store worker.",
        tty_text=f"{amount} IN BILLS FROM AN EARLIER SESSION CAME OUT OF THE SLOT. "
        "IF NOT YOURS PLS GIVE IT TO A STORE WORKER",
        go_ahead=False,
    )


def _call_worker_for_jam(ctx: Context, cents: int) -> None:
    """Ask a store worker to the kiosk for bills stuck in the acceptor (recorded with the
    amount, so staff know what to give back); the acceptor has logged the jam already."""
    import logging

    from kiosk.money import format_cents

    account = ctx.customer.account_number if ctx.customer else None
    try:
        ctx.services.representative.request(
            account, "associate_now", f"cash jam: {format_cents(cents)} stuck in the bill slot"
        )
    except Exception:  # the store may be what failed: the acceptor's log still has it
        logging.getLogger(__name__).exception("calling a worker for a cash jam failed")


def balance_caveat(ctx: Context) -> Wording | None:
    """Said with the balance while a payment of this session is being checked: the
    balance read from the records does not show it yet, so it may be too high."""
    reference = ctx.values.get("pay_reference")
    if not reference:
        return None
    standard = (
        f"Your payment with reference {reference} is still being checked, so the amount "
        "you owe may not show it yet. Please do not pay it again."
    )
    return w(
        standard,
        f"Your payment {reference} is being checked. Do not pay again.",
        spoken_text=numbers_said(standard, reference),
        tty_text=f"PAYMENT {reference} STILL BEING CHECKED. BALANCE MAY NOT SHOW IT. DO NOT PAY AGAIN",
    )


@step(OUT_OF_SERVICE, public=True)
def out_of_service(ctx: Context) -> Prompt:
    phone = ctx.services.settings.support_phone
    return prompt(
        join(
            w(
                "Sorry, this kiosk is out of service right now.",
                "Sorry, this kiosk is not working now.",
                tty_text="SORRY, THIS KIOSK IS OUT OF SERVICE",
            ),
            money_status(ctx),
            w(
                f"Please use another kiosk, or call us at {phone}.",
                f"Use another kiosk, or call {phone}.",
                tty_text=f"USE ANOTHER KIOSK OR CALL {phone}. TYPE 1 TO TRY AGAIN, 2 TO END",
            ),
        ),
        AnswerKind.CHOICE,
        w(
            "Press 1 to try again. Press 2 to end.",
            "Press 1 to try again. Press 2 to stop.",
            tty_text="TYPE 1 TO TRY AGAIN, 2 TO END",
        ),
        [
            choice("retry", "1", "Try again", "Try again", synonyms=("again",), icon="↻"),
            choice("end", "2", "End", "Stop", synonyms=("done", "goodbye"), icon="✖"),
        ],
    )


@handles(OUT_OF_SERVICE)
def out_of_service_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice == "end":
        return Go(StepId.END, clear_history=True)
    if not ctx.services.usable():
        return Go(
            OUT_OF_SERVICE,
            clear_history=True,
            notice=w("It is still out of service.", "Still not working.", tty_text="STILL DOWN"),
        )
    return Go(StepId.MENU if ctx.customer else StepId.WELCOME, clear_history=True)
