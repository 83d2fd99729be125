"""Every step, in every register: the four wordings exist and read plainly, and
the global commands work on each of them."""

from __future__ import annotations

import datetime as dt
import re
import tempfile

import pytest
from sqlalchemy import select

from kiosk.accessibility.plain_language import check
from kiosk.conversation.prompt import Command, Prompt, Register
from kiosk.conversation.services import Services
from kiosk.conversation.steps import STEPS
from kiosk.store.models import Account, AttemptState, PaymentAttempt, PaymentMethodKind
from kiosk.store.store import open_store

SIMPLE_ONLY = {"menu_more"}  # the simplified menu splits its choices in two
TTY_SAFE = re.compile(r"^[A-Z0-9 \n\-?:$!'()\",./;]*$")


def _block_account(services, number: str) -> None:
    """Another kiosk has an open payment on the account (so a new one must wait)."""
    with services.store.sessions() as session, session.begin():
        account = session.scalar(select(Account).where(Account.number == number))
        session.add(
            PaymentAttempt(
                idempotency_key="other-kiosk-open",
                account_id=account.id,
                open_account_id=account.id,
                cents=100,
                method=PaymentMethodKind.CARD,
                state=AttemptState.SENT,
                kiosk_id="OTHER-KIOSK",
                created_at=services.store.clock.now(),
                updated_at=services.store.clock.now() + dt.timedelta(hours=1),
            )
        )


def walk_every_step(driver, services, register: Register) -> list[Prompt]:
    """Scripted visits that together reach every registered step."""
    seen: list[Prompt] = []

    def run(d) -> None:  # type: ignore[no-untyped-def]
        seen.extend(d.seen)

    d = driver(register)
    d.sign_in("ben")
    d.say("help", "repeat")
    if register == Register.SIMPLE:
        d.choose("more")
    d.choose("plan")
    d.choose("installment")
    d.choose("3")
    d.say("no")
    if register == Register.SIMPLE:
        d.choose("more")
    d.choose("dispute")
    d.say("1")
    d.say("1")
    d.say("yes")
    assert d.prompt.id == "confirmed", d.prompt.id
    d.choose("again")
    d.choose("menu")
    if register == Register.SIMPLE:
        d.choose("more")
    d.choose("assistance")
    d.choose("apply")
    d.say("no")
    run(d)

    d = driver(register)
    d.sign_in("ben")
    d.choose("bill")
    d.choose("pay")
    d.choose("other")
    d.say("10.51")  # declined by the sandbox terminal
    d.choose("bank")
    d.say("021000021", "12345678")
    d.say("no")
    d.choose("amount")
    d.say("1")
    d.choose("cash")
    d.say("done")
    d.say("100")
    d.say("yes")
    d.choose("email")
    d.say("ben@example.org")
    d.say("yes")
    d.choose("pay")
    d.choose("other")
    d.say("10.51")
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_failed", d.prompt.id
    d.choose("method")
    assert d.prompt.id == "pay_method"
    d.say("cancel")
    d.choose("pay")
    d.say("1")  # the first offered amount
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.id
    d.choose("sms")
    d.say("2055550102")
    run(d)

    d = driver(register)
    d.sign_in("carmen")
    if register == Register.SIMPLE:
        d.choose("more")
    d.choose("reconnect")
    d.choose("menu")
    d.say("person")
    d.choose("voice")
    d.say("9195550103")
    assert d.prompt.id == "person_review", d.prompt.id
    d.say("yes")
    d.choose("again")
    d.choose("finish")
    run(d)

    services.keyed_card = True  # the phone line's card: keyed, not present
    services.has_printer = False  # and no printer: the result offers no paper
    try:
        d = driver(register)
        d.sign_in("dev")  # paid here: Ava's balance stays for the rest of the walk
        d.choose("pay")
        d.say("1")
        d.choose("card")
        d.say("4242424242424241")  # fails the check digit
        d.say("4242424242424242", "1026", "1228", "12", "737")  # expired; code too short
        assert d.prompt.id == "pay_review", d.prompt.id
        d.say("yes")
        assert d.prompt.id == "pay_result", d.prompt.id
        run(d)
    finally:
        services.keyed_card, services.has_printer = False, True

    _block_account(services, "40152270")
    d = driver(register)
    d.sign_in("ava")
    d.choose("pay")
    d.say("1")
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_unknown", d.prompt.id
    run(d)

    d = driver(register)
    if d.prompt.id == "welcome":  # a TTY starts at the account question
        d.choose("start")
    for _ in range(3):
        d.say("40152273", "50309", "0000")
    assert d.prompt.id == "locked"
    run(d)

    d = type(d)(_broken_services(services), register)
    if d.prompt.id == "welcome":  # (a TTY is told before its first question)
        d.choose("start")  # told at once, not after account, ZIP and PIN
    assert d.prompt.id == "out_of_service", d.prompt.id
    d.say("1")  # try again: still out of service
    assert d.prompt.id == "out_of_service"
    run(d)
    return seen


def _broken_services(services) -> Services:  # type: ignore[no-untyped-def]
    """Services whose database cannot be opened: its path is a directory."""
    broken = tempfile.mkdtemp(prefix="kiosk-broken-store-")
    settings = services.settings.model_copy(update={"database_url": f"sqlite:///{broken}"})
    return Services.deferred(lambda: open_store(settings), settings)


@pytest.mark.parametrize("register", [Register.STANDARD, Register.SIMPLE, Register.TTY])
def test_every_step_is_reached_and_reads_plainly(driver, services, register):
    seen = walk_every_step(driver, services, register)
    expected = set(STEPS) - (set() if register == Register.SIMPLE else SIMPLE_ONLY)
    if register == Register.TTY:
        expected -= {"welcome"}  # a TTY has no screen to set up: it starts at sign-in
    assert {p.id for p in seen} >= expected, expected - {p.id for p in seen}
    problems = []
    for prompt in seen:
        for wording in (prompt.text, prompt.help, prompt.error, prompt.notice):
            if wording is None:
                continue
            for reg in Register:
                assert wording.in_register(reg).strip(), f"{prompt.id}: empty {reg} text"
            assert TTY_SAFE.match(wording.tty), (
                f"{prompt.id}: TTY text not Baudot-safe: {wording.tty!r}"
            )
            assert "$" not in wording.spoken, f"{prompt.id}: amount in figures when spoken"
            for reg in (Register.STANDARD, Register.SIMPLE):
                names = {"Ben", "Carmen", "Ava", "Lifeline", "Verifier"}
                for problem in check(wording.in_register(reg), reg, allowed=frozenset(names)):
                    if problem.kind.value == "grade":
                        problems.append(
                            (prompt.id, reg.value, problem.message, wording.in_register(reg))
                        )
        if register == Register.SIMPLE:
            assert len(prompt.choices) <= 4, f"{prompt.id} offers {len(prompt.choices)} choices"
        for choice in prompt.choices:
            assert TTY_SAFE.match(choice.label.tty), choice.label.tty
    assert not problems, "\n".join(map(str, problems))


GLOBAL = ["help", "repeat", "more time", "louder", "slower"]


def test_global_commands_on_every_step(driver, services):
    """Help, repeat, more time and audio commands keep the step; back, person,
    cancel and start over move as promised; from every step reached."""
    reached: dict[str, list[str]] = {}
    # For each step, a fresh conversation driven to it, then each command.
    scripts = _scripts_to_steps(driver, services, set(STEPS))
    for step_id, make in scripts.items():
        d = make()
        assert d.prompt.id == step_id
        before = d.prompt.text.standard
        for word in GLOBAL:
            d.say(word)
            assert d.prompt.id == step_id, (step_id, word)
            assert d.prompt.text.standard == before
            if word == "help":
                assert d.prompt.notice is not None
                assert d.prompt.help.standard in d.prompt.notice.standard
        assert d.conversation.take_signals() == ["volume_up", "rate_down"]
        if not step_id.startswith("person"):
            d.say("person")
            assert d.prompt.id == "person_contact"
            d.say("back")
            assert d.prompt.id == step_id
        d.say("cancel")
        assert d.prompt.id in ("menu", "welcome")
        assert "Nothing was charged" in d.prompt.notice.standard
        d = make()
        d.say("start over")
        assert d.prompt.id == "welcome" and d.conversation.ctx.customer is None
        reached[step_id] = GLOBAL
    assert len(reached) >= 20


def _scripts_to_steps(driver, services, wanted: set[str]):  # type: ignore[no-untyped-def]
    """A way to reach each of many steps with a fresh conversation."""

    def to(*actions):  # type: ignore[no-untyped-def]
        def make():  # type: ignore[no-untyped-def]
            d = driver()
            for action in actions:
                if action.startswith("@"):
                    d.sign_in(action[1:])
                elif action.startswith("="):
                    d.choose(action[1:])
                else:
                    d.say(action)
            return d

        return make

    scripts = {
        "welcome": to(),
        "verify_id": to("=start"),
        "verify_zip": to("=start", "40152270"),
        "verify_pin": to("=start", "40152270", "72201"),
        "menu": to("@ava"),
        "bill": to("@ava", "=bill"),
        "pay_amount": to("@ava", "=pay"),
        "pay_other": to("@ava", "=pay", "=other"),
        "pay_method": to("@ava", "=pay", "1"),
        "bank_routing": to("@ava", "=pay", "1", "=bank"),
        "bank_account": to("@ava", "=pay", "1", "=bank", "021000021"),
        "cash_insert": to("@ava", "=pay", "1", "=cash"),
        "pay_review": to("@ava", "=pay", "1", "=card"),
        "pay_change": to("@ava", "=pay", "1", "=card", "no"),
        "plan_offers": to("@ben", "=plan"),
        "plan_parts": to("@ben", "=plan", "=installment"),
        "plan_review": to("@ben", "=plan", "=extension"),
        "dispute_pick": to("@emma", "=dispute"),
        "dispute_reason": to("@emma", "=dispute", "1"),
        "dispute_review": to("@emma", "=dispute", "1", "1"),
        "reconnect_quote": to("@carmen", "=reconnect"),
        "assistance_info": to("@ava", "=assistance"),
        "person_contact": to("@ava", "=person"),
        "person_phone": to("@ava", "=person", "=voice"),
        "anything_else": to("@ava", "=assistance", "=apply"),
    }
    assert set(scripts) <= wanted
    return scripts


def test_back_keeps_what_was_entered(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.choose("other")
    d.say("12.50")
    assert d.prompt.id == "pay_method"
    d.say("back")
    assert d.prompt.id == "pay_other"
    assert d.prompt.entered == "12.50"


def test_three_invalid_answers_offer_help_or_a_person(driver, services):
    d = driver()
    d.choose("start")
    d.say("abc", "x", "no")
    assert d.prompt.error is not None
    assert d.prompt.notice is not None and "person" in d.prompt.notice.standard


def test_timeout_ends_safely_and_wipes(driver, services):
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.say("1")
    d.choose("card")
    prompt = d.conversation.expire()
    assert prompt.end_of_session and "time ran out" in prompt.notice.standard.lower()
    assert d.conversation.ctx.customer is None and not d.conversation.ctx.values
    with services.store.sessions() as session:
        assert session.scalar(select(PaymentAttempt.id)) is not None  # the seeded one only
        assert len(list(session.scalars(select(PaymentAttempt)))) == 1


def test_response_time_doubles_for_simple_and_tty(driver, services):
    standard = driver(Register.STANDARD).prompt.timeout_seconds
    assert driver(Register.SIMPLE).prompt.timeout_seconds == 2 * standard
    assert driver(Register.TTY).prompt.timeout_seconds == 2 * standard


def test_more_time_is_limited_and_says_so(driver, services):
    d = driver()
    for _ in range(services.store.settings.max_extensions):
        d.say("more time")
        assert "more time" in d.prompt.notice.standard.lower()
    d.say("more time")
    assert "person" in d.prompt.notice.standard.lower()
    assert Command.MORE_TIME.value == "more_time"


# ------------------------------------------------------------------ the facts
# Every register is checked for the facts a customer needs, not only for
# reaching the step: amounts, dates, references and the service's state.

REGISTERS = (Register.STANDARD, Register.SIMPLE, Register.SPOKEN, Register.TTY)


def missing_facts(
    prompt: Prompt,
    register: Register,
    cents: tuple[int, ...] = (),
    days: tuple[dt.date, ...] = (),
    numbers: tuple[str, ...] = (),
    words: tuple[str, ...] = (),
) -> list[str]:
    """The facts not in the prompt's text (error, notice, question) as ``register`` says
    them: amounts in words when spoken, numbers group by group; [] when all are there."""
    from kiosk.conversation.facts import grouped, spoken_number
    from kiosk.money import format_cents
    from kiosk.speech.numbers import amount_to_words

    text = prompt.render(register).lower()
    spoken = register == Register.SPOKEN
    wanted = [amount_to_words(c) if spoken else format_cents(c) for c in cents]
    month = "%b" if register == Register.TTY else "%B"  # a TTY line says "DEC 9"
    wanted += [f"{day:{month}} {day.day}" for day in days]
    wanted += [spoken_number(n) if spoken else grouped(n) for n in numbers]
    wanted += list(words)
    return [fact for fact in wanted if fact.lower() not in text]


def _account(services, number: str) -> Account:
    with services.store.sessions() as session:
        return session.scalar(select(Account).where(Account.number == number))


def test_a_bills_rows_add_up_to_what_it_says_is_owed_and_each_change_is_said_once(driver):
    """Carmen's TTY bill left out the late fee row because its CHANGES text named "$5.00"
    (a row whose value the text repeats is left out on a TTY): her rows added up to
    $305.00 against "YOU OWE $310.00". Speech said each change twice: in the charge's own
    sentence and again after "Why your bill changed"."""
    from kiosk.channels.tty_format import render_tty

    d = driver(Register.TTY)
    d.sign_in("carmen")
    d.choose("bill")
    tty = render_tty(d.prompt)
    rows = [line for line in tty.splitlines() if re.search(r"\(.+\) \$[\d,.]+$", line)]
    total = sum(int(re.sub(r"\D", "", line.rsplit("$", 1)[1])) for line in rows)
    assert total == 31000 and "YOU OWE $310.00" in tty, tty
    for who, change in (("carmen", "service outage credit"), ("ben", "moved to a faster plan")):
        d = driver(Register.SPOKEN)
        d.sign_in(who)
        said = d.choose("bill").render(Register.SPOKEN).lower()
        assert said.count(change) == 1, said


def test_a_payment_reference_is_read_group_by_group_wherever_speech_says_it(driver):
    """Speech read a payment being checked's reference "1234 5678" as ordinary numbers
    ("twelve thirty-four ...") in the menu's caveat and after cancel; a confirmation
    number in the money status was not grouped at all. Issue 16: references are read
    digit group by digit group wherever speech is produced."""
    from kiosk.conversation.facts import spoken_number

    d = driver(Register.SPOKEN)
    d.sign_in("ava")
    d.conversation.ctx.values["pay_reference"] = "1234 5678"
    d.choose("bill")
    menu = d.choose("menu").render(Register.SPOKEN)
    canceled = d.choose("pay") and d.say("cancel").render(Register.SPOKEN)
    for said in (menu, canceled):
        assert spoken_number("1234 5678") in said and "1234" not in said, said
    assert "1234 5678" in d.prompt.render(Register.STANDARD)  # shown as written


@pytest.mark.parametrize("register", REGISTERS)
def test_disconnection_facts_in_every_register(driver, services, register):
    """Ben has a notice: the greeting, the bill, the review of a partial payment and its
    result say the cut-off date, what keeps service on, and what is still needed."""
    cutoff = _account(services, "40152271").disconnection_on
    assert cutoff is not None
    d = driver(register)
    d.sign_in("ben")
    assert not missing_facts(d.prompt, register, (9500,), (cutoff,)), d.prompt.render(register)
    d.choose("more" if register == Register.SIMPLE else "bill")
    if register == Register.SIMPLE:
        d.say("back")
        d.choose("bill")
    assert d.prompt.id == "bill"
    assert not missing_facts(d.prompt, register, (9500,), (cutoff,)), d.prompt.render(register)
    # why the bill changed, in every register (Internet 500 went up $10.00)
    assert not missing_facts(d.prompt, register, (1000,), words=("faster plan",))
    d.choose("pay")
    d.choose("other")
    d.say("50.00")
    assert d.prompt.id == "pay_method"
    assert not missing_facts(d.prompt, register, (4500,), (cutoff,)), d.prompt.render(register)
    d.choose("card")
    assert d.prompt.id == "pay_review"
    assert not missing_facts(d.prompt, register, (5000, 4500), (cutoff,)), d.prompt.render(register)
    d.say("yes")
    assert d.prompt.id == "pay_result"
    assert not missing_facts(d.prompt, register, (5000, 4500), (cutoff,)), d.prompt.render(register)
    d.choose("none")
    d.say("yes")
    d.choose("pay")
    d.say("1")  # the past-due amount left: $45.00
    assert d.prompt.id == "pay_method" and d.prompt.notice is None
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result"
    # what is left ($120.40) and the day it is due (Ben's TTY result had no date)
    [(due_on, _cents)] = services.bills.explain("40152271").due_dates
    facts = missing_facts(d.prompt, register, (12040,), (due_on,), words=("stays on",))
    assert not facts, (facts, d.prompt.render(register))


@pytest.mark.parametrize("register", REGISTERS)
def test_reconnection_facts_in_every_register(driver, services, register):
    """Carmen is cut off: every register says so and what turns service back on; the
    review names the reconnection fee it includes (no "no fee" beside it) and when
    service comes back, and so does the result."""
    d = driver(register)
    d.sign_in("carmen")
    facts = missing_facts(d.prompt, register, (34500, 3500), words=("24 hours",))
    assert not facts, (facts, d.prompt.render(register))  # the fee: simple and TTY too
    if register == Register.SIMPLE:
        d.choose("more")
    d.choose("reconnect")
    assert not missing_facts(d.prompt, register, (34500, 3500)), d.prompt.render(register)
    d.choose("pay")
    d.choose("card")
    assert d.prompt.id == "pay_review"
    facts = missing_facts(d.prompt, register, (34500, 3500), words=("24 hours",))
    assert not facts, (facts, d.prompt.render(register))
    assert "with no fee" not in d.prompt.render(register).lower()
    assert dict(d.prompt.details)["Reconnection fee"] == "$35.00, included"
    d.say("yes")
    _assert_paid_facts(d, services, register, 34500, words=("24 hours",))


def test_spoken_amount_starting_a_sentence_has_a_capital():
    from kiosk.conversation.wording import spoken

    assert spoken("$45.00 is due. Pay $5.00 now.") == (
        "Forty-five dollars is due. Pay five dollars now."
    )


def _menu(d, register: Register, value: str) -> None:  # type: ignore[no-untyped-def]
    """Choose from the main menu; the simple menu keeps plans, disputes and
    reconnection under "Other help"."""
    if register == Register.SIMPLE and value not in ("pay", "bill", "finish"):
        d.choose("more")
    d.choose(value)


def _ben_at_a_plans_first_payment_review(driver, register: Register):  # type: ignore[no-untyped-def]
    """Ben agrees to the 3-month installment plan and is at its first payment's review,
    by card."""
    d = driver(register)
    d.sign_in("ben")
    _menu(d, register, "plan")
    d.choose("installment")
    d.choose("3")
    d.say("yes")
    d.choose("card")
    return d


def _today(services) -> dt.date:
    return services.store.clock.now().date()


def _newest(services, model):  # type: ignore[no-untyped-def]
    with services.store.sessions() as session:
        return session.scalar(select(model).order_by(model.id.desc()).limit(1))


def _assert_paid_facts(d, services, register: Register, cents: int, words=()):  # type: ignore[no-untyped-def]
    """The payment result says the amount, today's date and the newest attempt's
    confirmation number (and ``words``); returns that attempt."""
    assert d.prompt.id == "pay_result", d.prompt.render(register)
    attempt = _newest(services, PaymentAttempt)
    assert attempt.state == AttemptState.SUCCEEDED and attempt.cents == cents
    facts = missing_facts(
        d.prompt,
        register,
        (cents,),
        (_today(services),),
        (attempt.confirmation_number,),
        words=tuple(words),
    )
    assert not facts, (facts, d.prompt.render(register))
    return attempt


@pytest.mark.parametrize("register", REGISTERS)
def test_payment_facts_before_the_yes_and_after(driver, services, register):
    """Ava pays $84.99 by card: the review says the amount and account; the result the
    amount, the date and the confirmation number (digit group by digit group when spoken)."""
    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    full = next(c for c in d.prompt.choices if "84.99" in c.label.standard)
    d.say(full.key)
    d.choose("card")
    assert d.prompt.id == "pay_review"
    assert not missing_facts(d.prompt, register, (8499,), words=("2270",)), d.prompt.render(
        register
    )
    d.say("yes")
    _assert_paid_facts(d, services, register, 8499)


@pytest.mark.parametrize("register", REGISTERS)
def test_cash_payment_facts_before_the_yes_and_after(driver, services, register):
    """Ava pays $40.00 in two $20 bills: the review says the amount, cash and the
    account; the result the amount, the date and the confirmation number."""
    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    d.choose("other")
    d.say("40.00")
    d.choose("cash")
    d.say("20")
    assert not missing_facts(d.prompt, register, (2000,)), d.prompt.render(register)
    d.say("20")
    assert d.prompt.id == "pay_review"
    facts = missing_facts(d.prompt, register, (4000,), words=("cash", "2270"))
    assert not facts, (facts, d.prompt.render(register))
    d.say("yes")
    attempt = _assert_paid_facts(d, services, register, 4000)
    assert attempt.method == PaymentMethodKind.CASH
    acceptor = services.cash_acceptor()  # the bills went into the cash box with the charge
    assert acceptor.journal.escrow_history(acceptor.acceptor) == [(2000, "stacked")] * 2


@pytest.mark.parametrize("register", REGISTERS)
def test_cash_overpayment_credit_is_said_before_the_yes(driver, services, register):
    """Ava owes $84.99 and puts in $90.00: the review says $90.00 and the $5.01 that
    becomes credit in every register (the simple and TTY texts left the credit out)."""
    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    full = next(c for c in d.prompt.choices if "84.99" in c.label.standard)
    d.say(full.key)
    d.choose("cash")
    d.say("50", "20", "20")
    assert d.prompt.id == "pay_review"
    facts = missing_facts(d.prompt, register, (9000, 501), words=("cash", "2270"))
    assert not facts, (facts, d.prompt.render(register))
    assert "credit" in d.prompt.render(register).lower()
    d.say("yes")
    _assert_paid_facts(d, services, register, 9000)


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("method", ["card", "bank"])
def test_a_card_or_bank_overpayment_says_the_credit_before_the_yes(
    driver, services, register, method
):
    """Ava owes $84.99 and types $100.00: the review said only "You will pay $100.00"
    and the result "You have a credit of $15.01" (cash already said its credit before
    the yes); a mistyped 100 for 10.00 went through with no word that it was more than
    she owes."""
    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    d.choose("other")
    d.say("100")
    d.choose(method)
    if method == "bank":
        d.say("021000021", "123456789")
    assert d.prompt.id == "pay_review", d.prompt.render(register)
    facts = missing_facts(d.prompt, register, (10000, 1501))
    assert not facts, (facts, d.prompt.render(register))
    assert "credit" in d.prompt.render(register).lower()


@pytest.mark.parametrize("register", REGISTERS)
def test_done_with_no_bills_says_how_this_channel_goes_back(driver, register):
    """Typed channels go back by typing back (star is the phone's, which takes no cash)."""
    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    d.say(next(c for c in d.prompt.choices if "84.99" in c.label.standard).key)
    d.choose("cash")
    d.say("done")
    said = d.prompt.render(register)
    assert d.prompt.id == "cash_insert" and "type back" in said.lower(), said
    assert "star" not in said.lower()
    d.say("back")
    assert d.prompt.id == "pay_method"


@pytest.mark.parametrize("register", REGISTERS)
def test_bank_debit_authorization_is_shown_and_kept(driver, services, register):
    """The debit authorization (amount, date, account ending, how to cancel) comes
    before the yes in every register, and the same words are kept with the payment. The
    result names the bank account as the review did (the kiosk said 'paid by Bank
    ending 6789', a capital in mid-sentence, and simple 'You paid $84.99 by Bank ...')."""
    from kiosk.store.models import DebitAuthorization

    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    d.say("1")
    d.choose("bank")
    d.say("021000021", "000123456789")
    assert d.prompt.id == "pay_review"
    phone = services.settings.customer_service_phone
    assert not missing_facts(
        d.prompt, register, (8499,), (_today(services),), words=("6789", phone)
    ), d.prompt.render(register)
    d.say("yes")
    # paid by "bank account ending 6789", as the review said it (not "paid by Bank ending")
    bank = "bank acct" if register == Register.TTY else "bank account"  # TTY's short word
    attempt = _assert_paid_facts(d, services, register, 8499, words=(bank, "6789"))
    assert "Bank ending" not in d.prompt.render(register)
    kept = _newest(services, DebitAuthorization)
    assert kept.idempotency_key == attempt.idempotency_key
    assert kept.cents == attempt.cents == 8499 and kept.account_last4 == "6789"
    assert "$84.99" in kept.text and phone in kept.text and "6789" in kept.text
    assert "000123456789" not in kept.text


@pytest.mark.parametrize("kind", ["installment", "deferred"])
@pytest.mark.parametrize("register", REGISTERS)
def test_payment_plan_facts_before_the_yes_and_after(driver, services, register, kind):
    """Ben's installment plan (3 months) or deferred payment (part now, the rest later):
    every part's amount and date before the yes (plan review and the first payment's
    review); after it the same with the plan's reference and the payment's confirmation.
    The plan is only an offer until its first payment is made."""
    from kiosk.services.confirmation import reference_number
    from kiosk.store.models import Arrangement, ArrangementState

    [(bill_due, _cents)] = services.bills.explain("40152271").due_dates
    d = driver(register)
    d.sign_in("ben")
    _menu(d, register, "plan")
    d.choose(kind)
    if d.prompt.id == "plan_parts":
        d.choose("3") if kind == "installment" else d.say(d.prompt.choices[0].key)
    assert d.prompt.id == "plan_review", d.prompt.id
    offer = d.conversation.ctx.values["plan_offer"]
    cents = tuple(p.cents for p in offer.parts)
    days = tuple(p.due_on for p in offer.parts[1:])
    assert len(cents) == (4 if kind == "installment" else 2) and days
    assert not missing_facts(d.prompt, register, cents, days), d.prompt.render(register)
    d.say("yes")
    assert d.prompt.id == "pay_method"
    assert _newest(services, Arrangement).state == ArrangementState.OFFERED
    d.choose("card")
    assert d.prompt.id == "pay_review"
    assert not missing_facts(d.prompt, register, cents, days), d.prompt.render(register)
    d.say("yes")
    assert d.prompt.id == "pay_result"
    plan = _newest(services, Arrangement)
    assert plan.state == ArrangementState.ACTIVE
    attempt = _newest(services, PaymentAttempt)
    assert attempt.cents == cents[0]
    numbers = (reference_number("plan", plan.id), attempt.confirmation_number)
    facts = missing_facts(d.prompt, register, cents, days, numbers)
    assert not facts, (facts, d.prompt.render(register))
    # What is left is due by the plan: the bill's own due date said beside the plan
    # ("balance $143.60, due December 17") contradicted it.
    assert missing_facts(d.prompt, register, days=(bill_due,)), d.prompt.render(register)
    if kind == "installment":  # only the next part is due next, not the whole balance
        assert not missing_facts(d.prompt, register, (cents[1],), (days[0],))


@pytest.mark.parametrize("register", REGISTERS)
def test_a_declined_card_says_why_and_offers_another_way(driver, services, register):
    """Issue 16: the simple register said only "it did not work", and "try again" paid the
    same amount again. Every register says why; a decline that retrying cannot fix
    (not enough money) offers another way or amount, not the same card again; a wrong
    card PIN may be tried again, and a different amount is asked for afresh."""
    for cents, why, retry in (("10.51", "not enough money", False), ("10.55", "pin", True)):
        d = driver(register)
        d.sign_in("ava")
        _menu(d, register, "pay")
        d.choose("other")
        d.say(cents)
        d.choose("card")
        d.say("yes")
        assert d.prompt.id == "pay_failed"
        said = d.prompt.render(register).lower()
        assert why in said and ("no money taken" in said or "no money" in said), said
        offered = {c.value for c in d.prompt.choices}
        assert {"method", "amount"} <= offered, offered
        assert ("retry" in offered) == retry, offered
        d.choose("amount")
        assert d.prompt.id == "pay_other"
        d.say("20.00")
        d.choose("card")
        assert d.prompt.id == "pay_review"
        assert not missing_facts(d.prompt, register, (2000,)), d.prompt.render(register)


@pytest.mark.parametrize("register", REGISTERS)
def test_extension_facts_before_the_yes_and_after(driver, services, register):
    from kiosk.services.confirmation import reference_number
    from kiosk.store.models import Arrangement

    d = driver(register)
    d.sign_in("ben")
    _menu(d, register, "plan")
    d.choose("extension")
    assert d.prompt.id == "plan_review"
    offer = d.conversation.ctx.values["plan_offer"]
    facts = ((offer.total_cents,), (offer.new_due_on,))
    assert not missing_facts(d.prompt, register, *facts), d.prompt.render(register)
    d.say("yes")
    assert d.prompt.id == "confirmed"
    reference = reference_number("plan", _newest(services, Arrangement).id)
    assert not missing_facts(d.prompt, register, *facts, (reference,)), d.prompt.render(register)
    d.choose("again")  # the customer can have it all again
    assert d.prompt.id == "confirmed"
    assert not missing_facts(d.prompt, register, *facts, (reference,))


@pytest.mark.parametrize("register", REGISTERS)
def test_plan_is_not_set_up_when_its_first_payment_fails(driver, services, register):
    """A plan starts only with its payment: a first payment that cannot be made leaves
    the plan an offer, and stopping there says no plan was set up."""
    from kiosk.store.models import Arrangement, ArrangementState

    d = _ben_at_a_plans_first_payment_review(driver, register)
    _block_account(services, "40152271")  # another kiosk's payment is still open
    d.say("yes")
    assert d.prompt.id == "pay_unknown"
    assert _newest(services, Arrangement).state == ArrangementState.OFFERED
    d2 = driver(register)
    d2.sign_in("ben")
    _menu(d2, register, "plan")
    d2.choose("installment")
    d2.choose("3")
    d2.say("yes")
    d2.choose("card")
    d2.say("no")
    d2.choose("cancel")
    assert d2.prompt.id == "menu"
    assert not missing_facts(d2.prompt, register, words=("no plan",)), d2.prompt.render(register)
    assert _newest(services, Arrangement).state == ArrangementState.OFFERED


@pytest.mark.parametrize("register", REGISTERS)
def test_dispute_facts_before_the_yes_and_after(driver, services, register):
    """Emma questions a charge: its amount and the date we answer by come before the
    yes; after it, the same with the dispute's reference number."""
    from kiosk.services.confirmation import reference_number
    from kiosk.store.models import Dispute

    d = driver(register)
    d.sign_in("emma")
    _menu(d, register, "dispute")
    internet = next(c for c in d.prompt.choices if "Internet" in c.label.standard)
    d.say(internet.key)
    d.choose("wrong_amount")
    assert d.prompt.id == "dispute_review"
    line = d.conversation.ctx.values["dispute_lines"][
        str(d.conversation.ctx.values["dispute_line"])
    ]
    due = _today(services) + dt.timedelta(days=services.settings.dispute_decision_days)
    assert not missing_facts(d.prompt, register, (line[1],), (due,)), d.prompt.render(register)
    d.say("yes")
    assert d.prompt.id == "confirmed"
    dispute = _newest(services, Dispute)
    assert dispute.cents == line[1]
    reference = reference_number("dispute", dispute.id)
    facts = missing_facts(d.prompt, register, (line[1],), (due,), (reference,))
    assert not facts, (facts, d.prompt.render(register))


@pytest.mark.parametrize("register", REGISTERS)
def test_a_paid_charge_is_not_offered_for_dispute_as_nothing(driver, services, register):
    """Emma has paid her whole bill: the list shows Internet's real $55.00 as paid, and
    picking it says so (and what to do instead) before any review; nothing is opened.
    The review used to say "charge of $0.00" and only the yes said it was paid."""
    from kiosk.store.models import Dispute

    payer = driver()
    payer.sign_in("emma")
    payer.choose("pay")
    payer.say(next(c for c in payer.prompt.choices if "129.98" in c.label.standard).key)
    payer.choose("card")
    payer.say("yes")
    assert payer.prompt.id == "pay_result", payer.prompt.render(Register.STANDARD)

    d = driver(register)
    d.sign_in("emma")
    _menu(d, register, "dispute")
    internet = next(c for c in d.prompt.choices if "Internet" in c.label.standard)
    assert (
        "$55.00" in internet.label.standard
        and "paid" in internet.label.in_register(register).lower()
    )
    d.say(internet.key)
    assert d.prompt.id == "dispute_pick", d.prompt.render(register)
    said = d.prompt.render(register)
    assert not missing_facts(d.prompt, register, (5500,), words=("paid",)), said
    assert "$0.00" not in said and "person" in said.lower()
    with services.store.sessions() as session:
        held = select(Dispute).where(Dispute.line_item_id == int(internet.value))
        assert session.scalars(held).all() == []


@pytest.mark.parametrize("register", REGISTERS)
def test_call_back_facts_before_the_yes_and_after(driver, services, register):
    from kiosk.services.confirmation import reference_number
    from kiosk.store.models import ServiceRequest

    d = driver(register)
    d.sign_in("carmen")
    d.say("person")
    d.choose("voice")
    d.say("9195550103")
    assert d.prompt.id == "person_review"
    assert not missing_facts(d.prompt, register, numbers=("9195550103",)), d.prompt.render(register)
    d.say("yes")
    assert d.prompt.id == "person_done"
    request = _newest(services, ServiceRequest)
    assert request.contact_preference.endswith("9195550103")
    reference = reference_number("callback", request.id)
    facts = missing_facts(d.prompt, register, numbers=("9195550103", reference))
    assert not facts, (facts, d.prompt.render(register))


def test_reference_numbers_carry_a_check_digit_and_their_kind():
    from kiosk.services.confirmation import (
        confirmation_number,
        is_valid_confirmation,
        parse_reference,
        reference_number,
    )

    numbers = {kind: reference_number(kind, 53) for kind in ("plan", "dispute", "callback")}
    assert len(set(numbers.values())) == 3
    for kind, number in numbers.items():
        assert len(number) == 10 and is_valid_confirmation(number)
        assert parse_reference(number) == (kind, 53)
        for i in range(10):  # every single-digit typo is caught
            typo = number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]
            assert parse_reference(typo) is None
    assert parse_reference(confirmation_number(53)) is None  # a payment's is not a reference


def _counters(d) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    return [(p.task, p.step, p.total_steps) for p in d.seen if p.step]


@pytest.mark.parametrize(
    "who, script",
    [
        ("ava", ["=pay", "1", "=card", "yes"]),
        ("ben", ["=plan", "=extension", "yes"]),
        ("ben", ["=plan", "=installment", "=3", "yes", "=card", "yes"]),
        ("carmen", ["=reconnect", "=pay", "=card", "yes"]),
        ("carmen", ["=reconnect", "=plan", "=installment", "=3", "yes", "=card", "yes"]),
        ("emma", ["=dispute", "1", "1", "yes"]),
        ("ava", ["=person", "=voice", "5015550101", "yes"]),
    ],
)
def test_step_counters_do_not_jump(driver, services, who, script):
    """Issue 16: "Step 1 of 1 Turn service back on" was followed by "Step 1 of 3 Pay",
    and an extension went "1 of 3" -> "2 of 2". Along the way taken the number goes up
    one at a time through the whole flow (a plan's payment carries on the plan's
    numbers), the total never changes within a flow, and a flow with a total ends on it;
    a flow whose length depends on a choice (a plan, a reconnection) shows none."""
    d = driver()
    d.sign_in(who)
    for action in script:
        d.choose(action[1:]) if action.startswith("=") else d.say(action)
    counters = _counters(d)
    assert counters, [p.id for p in d.seen]
    flow = [c for c in counters if c[0] != "Sign in"]
    assert flow, counters
    assert [number for _, number, _ in flow] == list(range(1, len(flow) + 1)), flow
    totals = {total for _, _, total in flow}
    assert len(totals) == 1, flow
    total = totals.pop()
    assert total is None or total == len(flow), flow
    open_ended = flow[0][0] in ("Payment plan", "Turn service back on")
    assert (total is None) == open_ended, flow


ENTRY_STEPS = [
    "verify_id",
    "verify_zip",
    "verify_pin",
    "bank_routing",
    "bank_account",
    "pay_other",
    "cash_insert",
]


@pytest.mark.parametrize("step", ENTRY_STEPS)
def test_zero_asks_for_a_person_on_number_steps(driver, services, step):
    """Issue 16: "press 0 for a person" typed a 0 into number fields. A lone 0, sent
    (no account number, ZIP, PIN, routing number, amount or bill is one), asks for a
    person on every step that types into a field, Back returns to the field, and the
    step's help says how in every register ("press 0, then Enter")."""
    make = _scripts_to_steps(driver, services, set(STEPS))[step]
    d = make()
    assert d.prompt.id == step
    for register in REGISTERS:
        said = d.prompt.help.in_register(register).lower()
        assert ("type 0 for a person" if register == Register.TTY else "press 0") in said, said
        if register != Register.TTY:  # a TTY line is always sent: "type 0" is the whole of it
            assert "enter" in said.split("press 0", 1)[1], said
    from kiosk.line.keys import phone_words

    # on a call (no Enter key) the same help names the key that sends: #
    assert "then the pound key" in phone_words(d.prompt.help.spoken).lower()
    d.say("0")
    assert d.prompt.id == "person_contact"
    d.say("back")
    assert d.prompt.id == step
    d.say("x", "x", "x")  # after three wrong answers: help, or the person key as it works here
    assert "press 0, then enter" in d.prompt.notice.standard.lower(), d.prompt.notice.standard


def test_the_person_key_on_the_phone_line_is_0_then_pound():
    """The phone shares the keypad map: on a number step 0 then # sends the 0 (a person),
    as Enter does on the kiosk; on a menu 0 goes at once. Spoken on a call, "Enter" that
    sends a number is "the pound key"; "press Enter" for next stays (# is more time)."""
    from kiosk.conversation.prompt import AnswerKind
    from kiosk.conversation.wording import w
    from kiosk.line.keys import DtmfKeys, phone_words

    assert phone_words("Or type it and press Enter. Say next, or press Enter.") == (
        "Or type it and press the pound key. Say next, or press Enter."
    )

    step = Prompt(id="pay_other", text=w("Amount?"), kind=AnswerKind.AMOUNT, help=w("Help."))
    keys = DtmfKeys(lambda: step)
    keys.poll(0.0)  # the step is on the line (a key typed before it is no answer on a menu)
    keys.press("0")
    keys.press("#")
    assert keys.poll(1.0) == "0"
    menu = Prompt(id="menu", text=w("Pick."), kind=AnswerKind.CHOICE, help=w("Help."))
    keys = DtmfKeys(lambda: menu)
    keys.poll(0.0)
    keys.press("0")
    assert keys.poll(1.0) == "0"


@pytest.mark.parametrize("register", REGISTERS)
def test_bills_put_in_come_back_when_nothing_is_paid(driver, services, register):
    """Issue 16: "Do not pay now" (or cancel) after bills went in said only that nothing
    was charged; it says to take the bills, and how much, in every register."""
    for leave in (("no", "=cancel"), ("cancel",)):
        d = driver(register)
        d.sign_in("ava")
        _menu(d, register, "pay")
        d.say("1")
        d.choose("cash")
        assert ("Inserted", "$0.00") in d.prompt.details
        d.say("20")
        assert ("Inserted", "$20.00") in d.prompt.details
        d.say("done")
        assert d.prompt.id == "pay_review"
        if leave[0] == "no":  # before "Do not pay now", the change step says so too
            d.say("no")
            assert d.prompt.id == "pay_change"
            assert not missing_facts(d.prompt, register, (2000,), words=("back",))
            leave = leave[1:]
        for action in leave:
            d.choose(action[1:]) if action.startswith("=") else d.say(action)
        assert d.prompt.id == "menu"
        assert not missing_facts(d.prompt, register, (2000,), words=("take",)), d.prompt.render(
            register
        )
        # and they really came back out: the acceptor's escrow record says returned
        acceptor = services.cash_acceptor()
        assert acceptor.escrow_cents == 0
        assert acceptor.journal.escrow_history(acceptor.acceptor)[-1] == (2000, "returned")


@pytest.mark.parametrize("register", REGISTERS)
def test_bills_that_will_not_come_back_are_said_and_a_worker_called(driver, services, register):
    """Issue 16: a jam when the bills should come back out is told as it is (how much,
    stuck, a worker is coming), never as "take your bills"; staff get a request with the
    amount, and the acceptor's record says stuck."""
    from kiosk.devtools import faults
    from kiosk.payments.cash import CashNotReturned
    from kiosk.store.models import ServiceRequest

    def jam() -> None:
        raise CashNotReturned(0, "a bill jammed in the slot")

    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    d.say("1")
    d.choose("cash")
    d.say("20", "10")
    assert ("Inserted", "$30.00") in d.prompt.details
    d.say("done")
    d.say("no")
    faults.inject("cash.eject", jam)
    try:
        d.choose("cancel")
    finally:
        faults.clear_injections()
    assert d.prompt.id == "menu"
    said = d.prompt.render(register)
    assert not missing_facts(d.prompt, register, (3000,), words=("stuck", "worker")), said
    assert "take your" not in said.lower()
    request = _newest(services, ServiceRequest)
    assert request.contact_preference == "associate_now" and "$30.00" in request.reason
    acceptor = services.cash_acceptor()
    assert acceptor.journal.escrow_stuck() == {acceptor.acceptor: 3000}


@pytest.mark.parametrize("leave", ["start over", "timeout", "person then finish"])
def test_no_session_ends_with_bills_in_escrow(driver, services, leave):
    """However the session ends (start over, the time running out, a detour to a person
    and then finishing), the bills put in come back out and that is said."""
    d = driver()
    d.sign_in("ava")
    d.choose("pay")
    d.say("1")
    d.choose("cash")
    d.say("50")
    if leave == "start over":
        d.say("start over")
    elif leave == "timeout":
        d.conversation.expire()
    else:
        d.say("person")
        d.choose("associate_now")
        d.choose("finish")
    assert "$50.00" in d.prompt.render(Register.STANDARD), d.prompt.render(Register.STANDARD)
    assert services.cash_acceptor().escrow_cents == 0


def _emails(services) -> list[str]:  # type: ignore[no-untyped-def]
    from kiosk.store.models import OutboxMessage

    with services.store.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "receipt.email"))
        return [str(m.payload.get("destination", "")) for m in rows]


@pytest.mark.parametrize("register", REGISTERS)
def test_an_email_receipt_goes_only_where_asked(driver, services, register):
    """Issue 16: a receipt was emailed to the address on file after every payment, even
    after "No more receipts". Now nothing is emailed unasked, and the email step offers
    the address on file (masked) by one key."""
    d = driver(register)
    d.sign_in("ava")
    _menu(d, register, "pay")
    d.say("1")
    d.choose("card")
    assert "email" not in d.prompt.render(register).lower(), d.prompt.render(register)
    d.say("yes")
    assert d.prompt.id == "pay_result" and _emails(services) == []
    d.choose("none")
    assert d.prompt.id == "anything_else" and _emails(services) == []
    d = driver(register)
    d.sign_in("ben")
    _menu(d, register, "pay")
    d.say("1")
    d.choose("card")
    d.say("yes")
    d.choose("email")
    # Issue 16: Baudot has no * or @, so a TTY read "B AT EXAMPLE.COM", as if that were
    # the address; speech read the stars away too. Each register now says what is hidden.
    on_file = {
        Register.TTY: "b(hidden) at example.com",
        Register.SPOKEN: "starting with b, the rest hidden, at example.com",
    }.get(register, "b***@example.com")
    if register is not Register.SPOKEN:  # by keys alone it goes to the address on file
        assert d.prompt.id == "receipt_email"
        assert not missing_facts(d.prompt, register, words=(on_file, "1")), d.prompt.render(
            register
        )
        d.say("1")
    assert d.prompt.id == "anything_else", d.prompt.render(register)
    assert not missing_facts(d.prompt, register, words=(on_file,)), d.prompt.render(register)
    assert " b at " not in d.prompt.render(register).lower()
    assert _emails(services) == ["ben@example.com"]


def test_a_masked_phone_number_reads_right_on_a_tty_and_in_speech():
    """ "***-***-0102" lost its stars on a TTY ("--0102"); it says what it is instead."""
    from kiosk.conversation.facts import with_contact

    said = with_contact("Text message to ***-***-0102: on its way.", "***-***-0102")
    assert said.tty == "TEXT MSG TO PHONE ENDING 0102: ON ITS WAY. GA"
    assert said.spoken == "Text message to the phone number ending zero one zero two: on its way."
    assert said.standard == "Text message to ***-***-0102: on its way."


@pytest.mark.parametrize("register", REGISTERS)
@pytest.mark.parametrize("who, name", [("carmen", "Carmen"), ("ben", "Ben"), ("ava", "Ava")])
def test_the_greeting_comes_before_the_facts(driver, services, register, who, name):
    """Issue 16: "Hello, Carmen" came after "Your service is turned off... you owe".
    Every register greets first, then gives the facts, then asks, and names the
    customer once."""
    d = driver(register)
    d.sign_in(who)
    said = d.prompt.render(register)
    greeting = {Register.SIMPLE: f"Hi {name}.", Register.TTY: f"HI {name.upper()}."}
    hello = greeting.get(register, f"Hello, {name}.")
    assert said.startswith(hello), said
    amount = re.search(r"\$|DOLLARS", said.upper())  # the first amount
    assert amount is not None and amount.start() > len(hello), said
    owed = amount.start()
    if who != "ava":  # a notice or a suspension: said after the greeting, before the debt
        state = said.upper().index("SERVICE")
        assert len(hello) < state < owed, said
    assert said.upper().count(name.upper()) == 1, said


def test_the_phone_line_offers_no_cash(sqlite_store):
    """The line's calls share one set of services and no caller can put a bill in: cash
    is not offered there (so no call's escrow is another's), and card and bank renumber."""
    from kiosk.conversation.engine import Conversation

    conversation = Conversation(Services(sqlite_store, takes_cash=False))
    for answer in ("1", "40152270", "72201", "2468", "2", "1"):
        conversation.answer(answer)
    assert conversation.prompt.id == "pay_method"
    assert [(c.key, c.value) for c in conversation.prompt.choices] == [("1", "card"), ("2", "bank")]
    assert "cash" not in conversation.prompt.help.standard.lower()
    assert conversation.answer("2").id == "bank_routing"


def test_captions_are_cased_as_sentences(driver, services):
    """Issue 16: voice captions began sentences in lower case. What the voice channel
    says (and captions), brief and full, and what the screen's announcer says, starts
    every sentence with a capital (or a figure, or a quote) on every step."""
    from kiosk.accessibility.announcer import Announcer, CaptionLog
    from kiosk.accessibility.modes import Profile
    from kiosk.channels.voice_wording import prompt_speech

    announcer = Announcer(Profile(), CaptionLog())
    scripts = _scripts_to_steps(driver, services, set(STEPS))
    prompts = [make().prompt for make in scripts.values()]
    paid = driver(Register.SPOKEN)
    paid.sign_in("ben")
    paid.choose("pay")
    paid.say("1")
    paid.choose("card")
    paid.say("yes")
    prompts.append(paid.prompt)
    assert paid.prompt.id == "pay_result"
    lower = []
    for prompt in prompts:
        texts = [announcer.spoken_text(prompt)]
        for verbosity in ("brief", "full"):
            said = prompt_speech(prompt, verbosity)
            texts += [said.private, said.public, said.question]
        for text in texts:
            for sentence in re.split(r"(?<=[.?!])\s+", " ".join(text.split())):
                if sentence and not re.match(r"[A-Z0-9\"“\[(]", sentence):
                    lower.append((prompt.id, sentence))
    assert not lower, lower


def test_a_key_picks_its_own_choice_even_when_another_choice_is_named_by_it(driver, services):
    """The plan lengths are "1 3 months, 2 6 months, 3 12 months": pressing 3 chose the
    3-month plan (its value is "3"), not the 12-month one the key shows."""
    d = driver()
    d.sign_in("ben")
    d.choose("plan")
    d.choose("installment")
    assert [(c.key, c.value) for c in d.prompt.choices][:3] == [("1", "3"), ("2", "6"), ("3", "12")]
    d.say("3")
    assert d.prompt.id == "plan_review"
    assert len(d.conversation.ctx.values["plan_offer"].parts) == 13  # today and 12 months


def test_a_key_in_another_scripts_digits_picks_its_choice(driver, services):
    """The account, ZIP, PIN and amount fields read "٤٠١٥٢٢٧٠" and "٥٠" as digits;
    a menu said '"٢" is not one of the choices' right after them."""
    d = driver()
    d.sign_in("ben")
    d.say("٢")  # 2: pay my bill
    assert d.prompt.id == "pay_amount", d.prompt.render(Register.STANDARD)
    d.say("３")  # full-width 3: another amount
    assert d.prompt.id == "pay_other", d.prompt.render(Register.STANDARD)


# ------------------------------------------------- plans and bills (billfix, issue 16)


@pytest.mark.parametrize("register", REGISTERS)
def test_greeting_says_the_next_plan_payment_in_every_register(driver, services, register):
    """Dev is on an installment plan: the greeting says the balance and the plan's next
    payment (amount and date) in every register. The simple greeting said only
    "You owe $120.00", as if all of it were due."""
    plan = services.bills.explain("40152273").arrangement
    assert plan is not None and plan.next_part_due_on is not None
    d = driver(register)
    d.sign_in("dev")
    facts = missing_facts(
        d.prompt, register, (12000, plan.next_part_cents), (plan.next_part_due_on,)
    )
    assert not facts, (facts, d.prompt.render(register))


@pytest.mark.parametrize("register", REGISTERS)
def test_after_a_plan_starts_the_plan_says_what_is_due_next(driver, services, register):
    """Ben (disconnection notice) sets up an installment plan and pays its first part:
    the result says once that the cut-off day no longer applies; from then on the
    menu and the bill say the plan's next part and its date, never the bill's own due
    date the plan overrides (the simple bill said "Pay by December 17")."""
    cutoff = _account(services, "40152271").disconnection_on
    [(bill_due, _cents)] = services.bills.explain("40152271").due_dates
    assert cutoff is not None
    d = _ben_at_a_plans_first_payment_review(driver, register)
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.render(register)
    facts = missing_facts(d.prompt, register, days=(cutoff,), words=("stays on",))
    assert not facts, (facts, d.prompt.render(register))
    plan = services.bills.explain("40152271").arrangement
    assert plan is not None and plan.next_part_due_on is not None
    next_part = (plan.next_part_cents,)
    d.choose("none")
    d.say("yes")
    assert d.prompt.id == "menu"
    for step in ("menu", "bill"):
        if step == "bill":
            d.choose("bill")
        assert d.prompt.id == step
        said = d.prompt.render(register)
        assert not missing_facts(d.prompt, register, next_part, (plan.next_part_due_on,)), said
        stale = [
            day for day in (bill_due, cutoff) if not missing_facts(d.prompt, register, days=(day,))
        ]
        assert not stale, (stale, said)


def _row_cents(value: str) -> int:
    """A bill row's value ("$35.00", "-$71.80", "$5.00 (held)") in signed cents."""
    match = re.fullmatch(r"(-?)\$([\d,]+)\.(\d\d)( \(held\))?", value)
    assert match, value
    cents = int(match.group(2).replace(",", "")) * 100 + int(match.group(3))
    return -cents if match.group(1) else cents


@pytest.mark.parametrize("register", REGISTERS)
def test_bill_rows_add_up_to_what_is_owed_after_a_partial_payment(driver, services, register):
    """Ben pays $71.80 of his $215.40: the bill's rows add up to the $143.60 he owes,
    with a row for the payment, and every register says the payment and its day. The
    rows summed to $180.40 (a paid line of last month's bill gone, the payment nowhere)
    and only the standard text named the payment."""
    d = driver(register)
    d.sign_in("ben")
    before = services.bills.explain("40152271").balance_cents
    _menu(d, register, "pay")
    d.choose("other")
    d.say("71.80")
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.render(register)
    d.choose("none")
    d.say("yes")
    _menu(d, register, "bill")
    assert d.prompt.id == "bill"
    owed = services.bills.explain("40152271").balance_cents
    assert owed == before - 7180
    rows = dict(d.prompt.details)
    assert sum(_row_cents(value) for value in rows.values()) == owed, d.prompt.details
    paid_on = _today(services)
    assert rows[f"Paid {paid_on:%B} {paid_on.day}"] == "-$71.80", d.prompt.details
    facts = missing_facts(d.prompt, register, (owed, 7180), (paid_on,))
    assert not facts, (facts, d.prompt.render(register))


@pytest.mark.parametrize("who", ["ava", "ben", "carmen", "dev", "emma"])
def test_bill_rows_add_up_for_every_demo_account(driver, services, who):
    """Each demo account's bill rows add up to what it owes (plans, credits and
    disputes included)."""
    d = driver()
    d.sign_in(who)
    _menu(d, Register.STANDARD, "bill")
    owed = services.bills.explain(d.conversation.ctx.account_number).balance_cents
    assert sum(_row_cents(value) for _label, value in d.prompt.details) == owed, d.prompt.details


@pytest.mark.parametrize("register", REGISTERS)
def test_greeting_says_when_the_bill_is_due_in_every_register(driver, services, register):
    """Ava (no plan): the greeting says what she owes and by when in every register; the
    simple greeting said only "You owe $84.99"."""
    [(due_on, cents)] = services.bills.explain("40152270").due_dates
    d = driver(register)
    d.sign_in("ava")
    facts = missing_facts(d.prompt, register, (cents,), (due_on,))
    assert not facts, (facts, d.prompt.render(register))


def test_the_simple_bill_says_what_is_due_when_as_the_greeting_does(driver) -> None:  # type: ignore[no-untyped-def]
    """Ben's simple bill said "You owe $215.40. $95.00 of it is late. Pay by December 17."
    (as if all of it were due then) while his greeting said "Pay $120.40 by December 17"."""
    d = driver(Register.SIMPLE)
    menu = d.sign_in("ben")
    bill = d.choose("bill")
    due = re.search(r"Pay \$120\.40 by (\w+ \d+)\.", menu.render(Register.SIMPLE))
    assert due, menu.render(Register.SIMPLE)
    assert f"Pay $120.40 by {due.group(1)}." in bill.render(Register.SIMPLE)
    assert f"late. Pay by {due.group(1)}" not in bill.render(Register.SIMPLE)


@pytest.mark.parametrize("register", [Register.STANDARD, Register.SPOKEN])
def test_a_payment_on_the_bill_reads_its_confirmation_group_by_group(driver, services, register):
    """After Ben pays, his bill lists the payment with its confirmation number: shown in
    its digit groups and spoken group by group, as the payment's result said it. The bill
    said "confirmation 000000021": one run of digits on screen, and to a speech engine
    a number ("twenty-one"), not the digits to quote."""
    d = driver(register)
    d.sign_in("ben")
    _menu(d, register, "pay")
    d.choose("1")  # the past-due $95.00
    d.choose("card")
    d.say("yes")
    attempt = _assert_paid_facts(d, services, register, 9500)
    d.choose("none")
    d.say("yes")
    _menu(d, register, "bill")
    assert d.prompt.id == "bill"
    number = attempt.confirmation_number
    facts = missing_facts(d.prompt, register, numbers=(number,))
    assert not facts, (facts, d.prompt.render(register))
    assert number not in d.prompt.render(register)


def test_speech_offers_the_confirmation_number_again(driver, services):
    """At the kiosk, speech offers to say the payment's confirmation number again (only
    the help said how: a listener heard the number once, then the receipt choices), and
    star says it again, group by group; a plan, a dispute or a call back offer 'Repeat
    it' as their first choice, and the phone line's result its 'Hear it again'."""
    from kiosk.channels.voice_wording import prompt_speech

    d = driver(Register.SPOKEN)
    d.sign_in("ava")
    _menu(d, Register.SPOKEN, "pay")
    d.choose("1")
    d.choose("card")
    d.say("yes")
    attempt = _assert_paid_facts(d, services, Register.SPOKEN, 8499)
    said = prompt_speech(d.prompt).private  # brief speech, as the kiosk says it
    assert "Say repeat or press star to hear it again." in said, said
    d.say("*")
    assert d.prompt.id == "pay_result"
    assert not missing_facts(d.prompt, Register.SPOKEN, numbers=(attempt.confirmation_number,))


def test_captions_keep_a_choices_case_and_end_rows_with_one_stop(driver):
    """What speech says (and its captions show) for Emma's dispute and Ben's plans: a
    choice named in a not-a-choice reply keeps its 'I' ('for example 1 for i did not
    order this'), and a detail row that is a sentence ends with one full stop, not
    'months..' (the plan offers read 'once every 12 months.. Deferred payment: ...')."""
    from kiosk.channels.voice_wording import prompt_speech

    emma = driver(Register.SPOKEN)
    emma.sign_in("emma")
    emma.choose("dispute")
    emma.say("1")
    assert emma.prompt.id == "dispute_reason"
    emma.say("maybe")
    for register in (Register.STANDARD, Register.SPOKEN):
        assert "for example 1 for I did not order this." in emma.prompt.render(register)
    ben = driver(Register.SPOKEN)
    ben.sign_in("ben")
    ben.choose("plan")
    assert ben.prompt.id == "plan_offers"
    said = prompt_speech(ben.prompt).private
    assert "12 months. Deferred payment:" in said and ".." not in said, said


@pytest.mark.parametrize("register", REGISTERS)
def test_a_plans_first_payment_keeps_the_plans_amount(driver, services, register):
    """Ben says yes to an installment plan, then no at its first payment's review: the
    change step offered 'The amount', which led to the ordinary amounts; he paid the
    past-due $95.00 and heard only that payment's result, no word that the plan he had
    agreed to was not set up. Now the amount is not offered there (the help says the
    plan's first payment is $71.80); 'Do not pay now' says no plan was set up."""
    d = _ben_at_a_plans_first_payment_review(driver, register)
    d.say("no")
    assert d.prompt.id == "pay_change"
    assert [c.value for c in d.prompt.choices] == ["method", "cancel"]
    assert [c.key for c in d.prompt.choices] == ["1", "2"]
    d.say("help")
    assert not missing_facts(d.prompt, register, (7180,)), d.prompt.render(register)
    d.choose("method")
    assert d.prompt.id == "pay_method"
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result"
    assert not missing_facts(d.prompt, register, (7180,), words=("plan",))


@pytest.mark.parametrize("register", REGISTERS)
def test_the_days_said_are_the_stores_days_in_the_evening(driver, services, clock, register):
    """At 8 pm in the store (Chicago) on the day Ava's bill is due, the UTC date is the
    next day: she was told '$84.99 of it is past due' on its due day, and a dispute
    opened then was 'disputed on' tomorrow's date. Every day said is the store's."""
    from zoneinfo import ZoneInfo

    [(due_on, cents)] = services.bills.explain("40152270").due_dates
    zone = ZoneInfo(services.settings.timezone)
    evening = dt.datetime(due_on.year, due_on.month, due_on.day, 20, 0, tzinfo=zone)
    clock.advance(evening.astimezone(dt.UTC) - clock.now())
    assert clock.now().date() > due_on  # the UTC date has moved on; the store's has not
    d = driver(register)
    d.sign_in("ava")
    facts = missing_facts(d.prompt, register, (cents,), (due_on,))
    assert not facts, (facts, d.prompt.render(register))
    assert "past due" not in d.prompt.render(register).lower()
    _menu(d, register, "dispute")
    d.say("1")
    d.say("1")
    assert d.prompt.id == "dispute_review"
    d.say("yes")
    again = driver(register)  # the dispute Ava opened, as her next visit tells it
    again.sign_in("ava")
    _menu(again, register, "dispute")
    assert not missing_facts(again.prompt, register, days=(due_on,)), again.prompt.render(register)


@pytest.mark.parametrize("register", REGISTERS)
def test_a_dispute_already_made_is_told_shortly_in_every_register(driver, services, register):
    """Emma's open dispute, before she picks a charge: its charge, the amount held, the
    day she made it and the day we answer by, in every register, and in TTY's short
    words (the simple and TTY registers got the standard sentence: 170 characters,
    28 s of TTY line time)."""
    [dispute] = services.bills.explain("40152274").disputes
    d = driver(register)
    d.sign_in("emma")
    _menu(d, register, "dispute")
    assert d.prompt.id == "dispute_pick"
    days = (dispute.opened_on, dispute.decision_due_on)
    facts = missing_facts(d.prompt, register, (2999,), days, words=("Wi-Fi extender",))
    assert not facts, (facts, d.prompt.render(register))
    if register == Register.TTY:
        assert len(d.prompt.notice.tty) <= 80, d.prompt.notice.tty
    if register == Register.SIMPLE:
        assert "disconnection" not in d.prompt.render(register)  # not the standard sentence


@pytest.mark.parametrize("register", REGISTERS)
def test_greeting_says_what_a_dispute_holds_in_every_register(driver, services, register):
    """Emma's $29.99 disputed charge is on hold: the greeting says so in every register.
    The simple greeting said only "You owe $129.98. Pay $99.99 by December 16.", so the
    $29.99 she need not pay went unexplained."""
    explanation = services.bills.explain("40152274")
    [(due_on, cents)] = explanation.due_dates
    d = driver(register)
    d.sign_in("emma")
    facts = missing_facts(
        d.prompt, register, (explanation.balance_cents, cents, explanation.held_by_dispute_cents)
    )
    assert not facts, (facts, d.prompt.render(register))
    assert not missing_facts(d.prompt, register, days=(due_on,)), d.prompt.render(register)


def test_a_reconnection_with_nothing_past_due_is_not_called_the_past_due_amount(driver):
    """Carmen paid $340.00 of the $345.00 (all $310.00 past due, $30.00 credit). Her next
    payment choice read "Past-due amount plus the $35.00 reconnection fee, $35.00",
    though nothing is past due any more."""
    d = driver(Register.STANDARD)
    d.sign_in("carmen")
    d.choose("pay")
    d.choose("other")
    d.say("340")
    d.choose("card")
    d.say("yes")
    assert d.prompt.id == "pay_result", d.prompt.render(Register.STANDARD)
    again = driver(Register.STANDARD)
    again.sign_in("carmen")
    again.choose("pay")
    [reconnect] = [c for c in again.prompt.choices if "reconnection fee" in c.label.standard]
    label = reconnect.label.standard
    assert "$35.00" in label and "past-due" not in label.lower(), label
