"""Out of service, and what the customer is told about their money when anything goes wrong.

The kiosk never says "nothing was charged" unless it knows: only when no
payment reached a terminal in this session. A payment whose outcome could
not be recorded is "being checked", with its reference.
"""

from __future__ import annotations

from kiosk.conversation.context import Context
from kiosk.conversation.prompt import Answer, AnswerKind, Prompt, Wording
from kiosk.conversation.step_ids import StepId
from kiosk.conversation.steps.base import Go, Outcome, choice, handles, prompt, step
from kiosk.conversation.wording import join, w

OUT_OF_SERVICE = StepId.OUT_OF_SERVICE


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
        return w(
            f"Your payment is being checked. Your payment reference is {reference}. "
            "Please do not pay again now.",
            f"Your payment is being checked. Your number is {reference}. Do not pay again.",
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
        number = result.confirmation_number or ""
        return w(
            f"Your payment was received. Your confirmation number is {number}.",
            f"Your payment went through. Your number is {number}.",
            tty_text=f"YOUR PAYMENT WAS RECEIVED. CONFIRMATION {number}",
        )
    nothing = w("Nothing was charged.", "We took no money.", tty_text="NOTHING CHARGED")
    inserted = int(ctx.values.get("cash_inserted", 0) or 0)
    if ctx.values.get("pay_method") == "cash" and inserted > 0:  # bills in, no payment made
        from kiosk.money import format_cents

        amount = format_cents(inserted)
        return join(
            nothing,
            w(
                f"Your {amount} in bills is coming back out of the bill slot. Please take it.",
                f"Take your {amount} from the bill slot.",
                tty_text=f"TAKE YOUR {amount} IN BILLS FROM THE SLOT",
            ),
        )
    return nothing


def balance_caveat(ctx: Context) -> Wording | None:
    """Said with the balance while a payment of this session is being checked: the
    balance read from the records does not show it yet, so it may be too high."""
    reference = ctx.values.get("pay_reference")
    if not reference:
        return None
    return w(
        f"Your payment with reference {reference} is still being checked, so the amount "
        "you owe may not show it yet. Please do not pay it again.",
        f"Your payment {reference} is being checked. Do not pay again.",
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
