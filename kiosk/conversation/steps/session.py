"""Welcome, sign-in, the main menu, a person, and the end of the session."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.accessibility.modes import Mode
from kiosk.conversation.context import Context
from kiosk.conversation.facts import account_notice, number_wording
from kiosk.conversation.prompt import Answer, AnswerKind, Prompt, Register, Wording
from kiosk.conversation.signals import DisplayMode
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
from kiosk.conversation.steps.service_state import balance_caveat, forget_card
from kiosk.conversation.wording import join, w
from kiosk.errors import AccountLocked, InvalidInput, KioskError, VerificationFailed

if TYPE_CHECKING:
    pass

SIGN_IN = "Sign in"


# ------------------------------------------------------------------ welcome
@step(StepId.WELCOME, public=True, timed=False)
def welcome(ctx: Context) -> Prompt:
    choices = [
        choice(
            "start", "1", "Start", "Start", synonyms=("begin", "pay my bill", "english"), icon="▶"
        ),
        choice("large", "2", "Large text", "Big letters", synonyms=("bigger", "large"), icon="🔍"),
        choice("contrast", "3", "High contrast", "Dark screen", synonyms=("contrast",), icon="◐"),
    ]
    if ctx.register == Register.TTY:
        choices = choices[:1]  # display modes mean nothing on a TTY line
    elif ctx.register != Register.SIMPLE:
        choices.append(
            choice(
                "simple", "4", "Simple mode", "Easy words", synonyms=("easy", "simple"), icon="☺"
            )
        )
    return prompt(
        w(
            "Welcome. Here you can pay your bill and get help with your account. "
            "Choose how you want to use the kiosk.",
            "Hello. You can pay your bill here. Pick one.",
            tty_text="BILL PAY. TYPE 1 TO START",
        ),
        AnswerKind.CHOICE,
        w(
            "Press 1 to start. Press 2 for large text, 3 for high contrast, or 4 for "
            "simple mode with easy words. Press 0 at any time to ask for a person.",
            "Press 1 to start. Press 0 for a person.",
            tty_text="TYPE 1 TO START. TYPE 0 FOR A PERSON",
        ),
        choices,
    )


@handles(StepId.WELCOME)
def welcome_answer(ctx: Context, answer: Answer) -> Outcome:
    if answer.choice in ("large", "contrast", "simple"):
        ctx.signals.append(DisplayMode(Mode(answer.choice)))
    if answer.choice == "simple":
        ctx.register = Register.SIMPLE
    if not ctx.services.usable():  # say so now, not after account, ZIP and PIN
        return Go(StepId.OUT_OF_SERVICE, clear_history=True)
    return Go(StepId.VERIFY_ID)


# ------------------------------------------------------------------ sign in
@step(StepId.VERIFY_ID, SIGN_IN, 1, public=True)
def verify_id(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Enter your account number or the phone number on your account. "
            "You can also scan the barcode on your bill.",
            "Type your account number. It is at the top of your bill.",
            tty_text="ACCOUNT OR PHONE NUMBER Q",
        ),
        AnswerKind.DIGITS,
        w(
            "Your account number has 8 numbers. It is at the top of your bill. "
            "You can use the phone number on the account instead. "
            "Or hold the barcode on your bill under the scanner.",
            "Your account number is at the top of your bill. It has 8 numbers.",
            tty_text="ACCOUNT NUMBER HAS 8 NUMBERS, ON TOP OF YOUR BILL",
        ),
    )


@handles(StepId.VERIFY_ID)
def verify_id_answer(ctx: Context, answer: Answer) -> Outcome:
    from kiosk.services.verification import normalise_identifier

    try:
        ctx.values["verify_id"] = normalise_identifier(answer.digits or "")
    except InvalidInput as error:
        return invalid(error.message, "Please type the 8 numbers at the top of your bill.")
    return Go(StepId.VERIFY_ZIP)


@step(StepId.VERIFY_ZIP, SIGN_IN, 2, public=True)
def verify_zip(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Enter the ZIP code of the address where you have service.",
            "Type your ZIP code. It has 5 numbers.",
            tty_text="ZIP Q",
        ),
        AnswerKind.DIGITS,
        w(
            "The ZIP code has 5 numbers. Use the ZIP code of the home or office with the service.",
            "Type the 5 numbers of your ZIP code.",
            tty_text="ZIP CODE OF YOUR SERVICE ADDRESS, 5 NUMBERS",
        ),
        digits_length=5,
        wrong_length=w(
            "A ZIP code has 5 numbers.",
            "Your ZIP code has 5 numbers.",
            tty_text="ZIP CODE HAS 5 NUMBERS",
        ),
    )


@handles(StepId.VERIFY_ZIP)
def verify_zip_answer(ctx: Context, answer: Answer) -> Outcome:
    ctx.values["verify_zip"] = answer.digits
    return Go(StepId.VERIFY_PIN)


@step(StepId.VERIFY_PIN, SIGN_IN, 3, public=True)
def verify_pin(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Enter your 4-number account PIN. It will not be shown or spoken.",
            "Type your PIN. It has 4 numbers. We hide it.",
            tty_text="PIN Q",
        ),
        AnswerKind.DIGITS,
        w(
            "This is the 4-number PIN you chose for your account. It is not your card PIN. "
            "If you do not know it, press 0 and then Enter to ask for a person.",
            "Your PIN has 4 numbers. Press 0, then Enter, for a person.",
            tty_text="THE 4 NUMBER ACCOUNT PIN, NOT YOUR CARD PIN. TYPE 0 FOR A PERSON",
        ),
        digits_length=4,
        wrong_length=w(
            "Your account PIN has 4 numbers.",
            "Your PIN has 4 numbers.",
            tty_text="YOUR ACCOUNT PIN HAS 4 NUMBERS",
        ),
        private=True,
    )


@handles(StepId.VERIFY_PIN)
def verify_pin_answer(ctx: Context, answer: Answer) -> Outcome:
    try:
        ctx.customer = ctx.services.verification.verify(
            ctx.values.get("verify_id", ""), ctx.values.get("verify_zip", ""), answer.digits or ""
        )
    except VerificationFailed as error:
        return Go(
            StepId.VERIFY_ID,
            error=w(
                error.message,
                "That did not match. Please try again.",
                tty_text="THAT DID NOT MATCH. PLS TRY AGAIN",
            ),
        )
    except AccountLocked as error:
        ctx.values["locked_message"] = error.message
        return Go(StepId.LOCKED, clear_history=True)
    except KioskError as error:
        return invalid(error.message)
    ctx.values.pop("verify_zip", None)
    return Go(StepId.MENU, clear_history=True)


@step(StepId.LOCKED, public=True)
def locked(ctx: Context) -> Prompt:
    message = ctx.values.get("locked_message", "This account is locked.")
    return prompt(
        w(message, "Your account is locked for now. A person can help you.", tty_text=message),
        AnswerKind.CHOICE,
        w("Press 1 to ask for a person, or 2 to finish.", "Press 1 for a person."),
        [
            choice("person", "1", "Talk to a person", "Get a person", icon="☎"),
            choice("finish", "2", "Finish", "Done", icon="✔"),
        ],
    )


@handles(StepId.LOCKED)
def locked_answer(ctx: Context, answer: Answer) -> Outcome:
    return Go(StepId.PERSON_CONTACT if answer.choice == "person" else StepId.END)


# --------------------------------------------------------------------- menu
@step(StepId.MENU)
def menu(ctx: Context) -> Prompt:
    forget_card(ctx)  # a card keyed for a payment left unfinished (cancel) is dropped
    customer = ctx.customer
    explanation = ctx.services.bills.explain(ctx.account_number)
    suspended = explanation.status.value == "suspended"
    if ctx.simple:
        choices = [
            choice("pay", "1", "Pay my bill", "Pay", icon="$"),
            choice("bill", "2", "Hear or read my bill", "My bill", icon="📄"),
            choice("more", "3", "Other help", "Other help", icon="…"),
            choice("finish", "4", "I am done", "Done", synonyms=("finish", "goodbye"), icon="✔"),
        ]
    else:
        choices = [
            choice(
                "bill",
                "1",
                "Hear or read my bill",
                "My bill",
                synonyms=("bill", "balance", "hear my bill", "my bill"),
                tty_text="BILL",
                icon="📄",
            ),
            choice(
                "pay",
                "2",
                "Pay my bill",
                "Pay",
                synonyms=("pay", "payment", "make a payment"),
                icon="$",
            ),
            choice(
                "plan",
                "3",
                "Set up a payment plan",
                "Payment plan",
                synonyms=("plan", "extension", "more time to pay"),
                tty_text="PLAN",
                icon="📅",
            ),
            choice(
                "dispute",
                "4",
                "Question a charge",
                "Wrong charge",
                synonyms=("dispute", "wrong charge", "dispute a charge"),
                icon="?",
                tty_text="DISPUTE",
            ),
            choice(
                "assistance",
                "5",
                "Help paying my bill",
                "Help to pay",
                synonyms=("lifeline", "assistance"),
                icon="♥",
            ),
            choice(
                "person",
                "6",
                "Talk to a person",
                "Get a person",
                synonyms=("person",),
                icon="☎",
                tty_text="PERSON",
            ),
            choice(
                "finish",
                "7",
                "I am done",
                "Done",
                synonyms=("finish", "goodbye", "exit", "i'm done"),
                icon="✔",
            ),
        ]
        if suspended:
            choices.insert(
                2,
                choice(
                    "reconnect",
                    "8",
                    "Turn my service back on",
                    "Service back on",
                    synonyms=("reconnect",),
                    icon="⚡",
                    tty_text="RECONNECT",
                ),
            )
    name = customer.first_name if customer else ""
    # Greet first, then the facts (the service's state, what is owed), then the question.
    greeting = w(f"Hello, {name}.", f"Hi {name}.", tty_text=f"HI {name}", go_ahead=False)
    return prompt(
        w("What would you like to do?", "What do you want to do?", tty_text=""),
        AnswerKind.CHOICE,
        w(
            "Choose one by its number. Press 0 at any time for a person, "
            "or say help, back or repeat.",
            "Press the number of what you want. Press 0 for a person.",
            tty_text="TYPE THE NUMBER. 0 FOR A PERSON",
        ),
        choices,
        notice=_with_caveat(account_notice(explanation, greeting), balance_caveat(ctx)),
        sensitive=True,
    )


def _with_caveat(notice: Wording | None, caveat: Wording | None) -> Wording | None:
    return join(notice, caveat) if notice is not None and caveat is not None else notice or caveat


@handles(StepId.MENU)
def menu_answer(ctx: Context, answer: Answer) -> Outcome:
    targets = {
        "bill": StepId.BILL,
        "pay": StepId.PAY_AMOUNT,
        "plan": StepId.PLAN_OFFERS,
        "dispute": StepId.DISPUTE_PICK,
        "reconnect": StepId.RECONNECT_QUOTE,
        "assistance": StepId.ASSISTANCE_INFO,
        "person": StepId.PERSON_CONTACT,
        "finish": StepId.END,
        "more": StepId.MENU_MORE,
    }
    return Go(targets[answer.choice or "finish"])


@step(StepId.MENU_MORE)
def menu_more(ctx: Context) -> Prompt:
    explanation = ctx.services.bills.explain(ctx.account_number)
    choices = [
        choice("plan", "1", "Set up a payment plan", "More time to pay", icon="📅"),
        choice("dispute", "2", "Question a charge", "A charge is wrong", icon="?"),
        choice("assistance", "3", "Help paying my bill", "Help to pay", icon="♥"),
    ]
    if explanation.status.value == "suspended":
        choices.append(
            choice("reconnect", "4", "Turn my service back on", "Turn service on", icon="⚡")
        )
    return prompt(
        w("What do you need help with?", "What do you need?", tty_text="WHAT DO YOU NEED Q"),
        AnswerKind.CHOICE,
        w(
            "Choose one by its number. Press 0 for a person.",
            "Press a number. Press 0 for a person.",
        ),
        choices,
    )


@handles(StepId.MENU_MORE)
def menu_more_answer(ctx: Context, answer: Answer) -> Outcome:
    return menu_answer(ctx, answer)


# ------------------------------------------------------------------- person
@step(StepId.PERSON_CONTACT, "Talk to a person", 1, public=True)
def person_contact(ctx: Context) -> Prompt:
    choices = [
        choice(
            "associate_now",
            "1",
            "A store worker, now",
            "A worker now",
            synonyms=("now", "associate"),
            icon="🙋",
        ),
        choice("voice", "2", "Call me back", "Call me", synonyms=("call",), icon="☎"),
        choice("tty", "3", "Call me back on my TTY", "TTY call", synonyms=("tty", "tdd"), icon="⌨"),
        choice(
            "text", "4", "Send me a text message", "Text me", synonyms=("text", "sms"), icon="✉"
        ),
    ]
    helped = w(
        "A store worker can come to the kiosk now, or we can call or text you later. "
        "We can also call you back on a TTY.",
        "Pick a store worker now, or a call later.",
    )
    if ctx.services.on_a_call:  # no store worker can come to a phone
        choices = numbered(choices[1:])
        helped = w(
            "We can call you back, on a phone or a TTY, or text you.",
            "Pick a call back, or a text.",
        )
    return prompt(
        w(
            "We can get a person to help you. How do you want us to reach you?",
            "A person can help. How should they reach you?",
            tty_text="A PERSON CAN HELP. HOW SHOULD WE REACH YOU Q",
        ),
        AnswerKind.CHOICE,
        helped,
        choices,
    )


@handles(StepId.PERSON_CONTACT)
def person_contact_answer(ctx: Context, answer: Answer) -> Outcome:
    ctx.values["person_contact"] = answer.choice
    if answer.choice == "associate_now":
        return _request_person(ctx, None)
    return Go(StepId.PERSON_PHONE)


PHONE_LENGTH = w(
    "A phone number has 10 numbers, with the area code, for example 501 555 0101.",
    "A phone number has 10 numbers, with the area code.",
    tty_text="PHONE NUMBER HAS 10 NUMBERS WITH AREA CODE",
)
"""What a phone number of the wrong length is told (a callback, a text receipt)."""


@step(StepId.PERSON_PHONE, "Talk to a person", 2, public=True)
def person_phone(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Enter the phone number we should use, with the area code.",
            "Type your phone number. Use 10 numbers.",
            tty_text="TYPE YOUR PHONE NUMBER WITH AREA CODE",
        ),
        AnswerKind.DIGITS,
        w("A phone number has 10 numbers, for example 501 555 0101.", "Type 10 numbers."),
        digits_length=10,
        wrong_length=PHONE_LENGTH,
    )


@handles(StepId.PERSON_PHONE)
def person_phone_answer(ctx: Context, answer: Answer) -> Outcome:
    ctx.values["person_phone"] = answer.digits or ""
    return Go(StepId.PERSON_REVIEW)


HOW_WE_REACH = {
    "voice": ("call you back", "call you", "CALL YOU BACK"),
    "tty": ("call you back on your TTY", "call your TTY", "CALL YOUR TTY"),
    "text": ("send you a text message", "text you", "TEXT YOU"),
}


def _phone_words(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


@step(StepId.PERSON_REVIEW, "Talk to a person", 3, public=True)
def person_review(ctx: Context) -> Prompt:
    how = ctx.values.get("person_contact", "voice")
    standard, simple, tty = HOW_WE_REACH.get(how, HOW_WE_REACH["voice"])
    phone = _phone_words(ctx.values.get("person_phone", ""))
    return prompt(
        w(
            f"A person will {standard} at {phone}, as soon as one is free. Is that right?",
            f"A person will {simple} at {phone}. Is that right?",
            spoken_text=f"A person will {standard} at {_spoken_phone(phone)}, as soon as "
            "one is free. Is that right?",
            tty_text=f"A PERSON WILL {tty} AT {phone}. RIGHT Q",
        ),
        AnswerKind.YES_NO,
        w(
            "Press 1 if the number is right. Press 2 to type it again.",
            "Press 1 for yes. Press 2 to change it.",
        ),
        details=(("Phone", phone),),
        sensitive=True,
    )


def _spoken_phone(phone: str) -> str:
    from kiosk.speech.numbers import digits_to_words

    return ", ".join(digits_to_words(part, group=len(part)) for part in phone.split())


@handles(StepId.PERSON_REVIEW)
def person_review_answer(ctx: Context, answer: Answer) -> Outcome:
    if not answer.yes:
        return Go(StepId.PERSON_PHONE)
    return _request_person(ctx, ctx.values.get("person_phone"))


def _request_person(ctx: Context, phone: str | None) -> Outcome:
    account = ctx.customer.account_number if ctx.customer else None
    try:
        request = ctx.services.representative.request(
            account,
            ctx.values.get("person_contact", "associate_now"),
            "asked at the kiosk",
            phone=phone,
        )
    except KioskError as error:
        return invalid(error.message)
    ctx.values["person_reference"] = request.reference
    return Go(StepId.PERSON_DONE, clear_history=True)


@step(StepId.PERSON_DONE, "Talk to a person", public=True)
def person_done(ctx: Context) -> Prompt:
    how = ctx.values.get("person_contact", "associate_now")
    phone = _phone_words(ctx.values.get("person_phone", ""))
    if how == "associate_now":
        told = w(
            "A store worker is on the way. Please stay at the kiosk.",
            "A worker is coming. Please wait here.",
            go_ahead=False,
        )
    else:
        standard, simple, tty = HOW_WE_REACH.get(how, HOW_WE_REACH["voice"])
        told = w(
            f"A person will {standard} at {phone}, as soon as one is free.",
            f"A person will {simple} at {phone} soon.",
            spoken_text=f"A person will {standard} at {_spoken_phone(phone)}, as soon as one "
            "is free.",
            tty_text=f"A PERSON WILL {tty} AT {phone}",
            go_ahead=False,
        )
    reference = ctx.values.get("person_reference", "")
    return prompt(
        join(
            told,
            number_wording("Your request number is", reference) if reference else None,
            w("What next?", "What next?", tty_text="WHAT NEXT Q"),
        ),
        AnswerKind.CHOICE,
        w(
            "Press 1 to hear this again, 2 to go on using the kiosk, or 3 to finish.",
            "Press 1 to hear it again. Press 2 to go on. Press 3 to finish.",
        ),
        [
            choice("again", "1", "Repeat it", "Again", synonyms=("again",), icon="↻"),
            choice("continue", "2", "Keep using the kiosk", "Go on", icon="▶"),
            choice("finish", "3", "Finish", "Done", icon="✔"),
        ],
        sensitive=True,
    )


@handles(StepId.PERSON_DONE)
def person_done_answer(ctx: Context, answer: Answer) -> Outcome:
    return after_telling(ctx, answer, StepId.PERSON_DONE)


def after_telling(ctx: Context, answer: Answer, again: StepId) -> Outcome:
    """After a confirmation: hear it again, go on (menu, or welcome without a customer),
    or finish."""
    if answer.choice == "again":
        return Go(again)
    if answer.choice in ("menu", "continue"):
        return Go(StepId.MENU if ctx.customer else StepId.WELCOME, clear_history=True)
    return Go(StepId.END)


# ------------------------------------------------------------ confirmation
@step(StepId.CONFIRMED)
def confirmed(ctx: Context) -> Prompt:
    """What was just agreed (a plan, a dispute, a call back) with its reference number,
    and a way to hear it again before moving on."""
    told = ctx.values.get("confirmed") or w("Done.", "Done.", go_ahead=False)
    return prompt(
        join(told, w("What next?", "What next?", tty_text="WHAT NEXT Q")),
        AnswerKind.CHOICE,
        w(
            "Press 1 to hear or read this again. Write the reference number down: "
            "a person can find your request with it.",
            "Press 1 to hear it again. Keep the number.",
        ),
        [
            choice(
                "again", "1", "Repeat it", "Again", synonyms=("again", "say it again"), icon="↻"
            ),
            choice("menu", "2", "Main menu", "Menu", icon="☰"),
            choice("finish", "3", "I am done", "Done", synonyms=("finish", "goodbye"), icon="✔"),
        ],
        sensitive=True,
    )


@handles(StepId.CONFIRMED)
def confirmed_answer(ctx: Context, answer: Answer) -> Outcome:
    return after_telling(ctx, answer, StepId.CONFIRMED)


# ---------------------------------------------------------------------- end
@step(StepId.ANYTHING_ELSE)
def anything_else(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Is there anything else you want to do today?",
            "Do you want to do more?",
            tty_text="ANYTHING ELSE Q",
        ),
        AnswerKind.YES_NO,
        w("Press 1 for yes, or 2 for no and finish.", "Press 1 for yes. Press 2 for no."),
    )


@handles(StepId.ANYTHING_ELSE)
def anything_else_answer(ctx: Context, answer: Answer) -> Outcome:
    return Go(StepId.MENU if answer.yes else StepId.END, clear_history=True)


@step(StepId.END, public=True)
def end(ctx: Context) -> Prompt:
    return prompt(
        w(
            "Thank you. Your session has ended and your details have been cleared. Goodbye.",
            "Thank you. Goodbye.",
            tty_text="THX BYE SK SK",
            go_ahead=False,
        ),
        AnswerKind.NONE,
        w("The next customer can start now.", "Goodbye."),
        end_of_session=True,
    )


@handles(StepId.END)
def end_answer(ctx: Context, answer: Answer) -> Outcome:
    return Go(StepId.WELCOME, clear_history=True)
