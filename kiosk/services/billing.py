"""The bill in plain words: what is owed, why each charge is what it is, and what to pay.

Everything here is derived from bills, settlements, payments, arrangements and
disputes at the moment it is asked, so the explanation and the statement
reflect a payment, a plan or a dispute as soon as it is recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.services import account_state, ledger
from kiosk.services.arrangements import ArrangementSummary, summarize_arrangement
from kiosk.services.common import find_account, money, record, short_date
from kiosk.services.disputes import DisputeSummary, summarize_dispute
from kiosk.store.models import (
    Account,
    ArrangementKind,
    AttemptState,
    Bill,
    Dispute,
    DisputeState,
    LineCategory,
    LineItem,
    PaymentAttempt,
    PaymentMethodKind,
    ServiceStatus,
)
from kiosk.store.store import Store

WHAT_IT_IS = {
    LineCategory.BASIC: "your home phone service",
    LineCategory.INTERNET: "your internet service",
    LineCategory.EQUIPMENT: "rent for equipment we lend you",
    LineCategory.TAXES: "taxes and government fees",
    LineCategory.LATE_FEE: "a fee because an earlier bill was not paid on time",
    LineCategory.RECONNECTION_FEE: "the fee for turning service back on",
}
METHOD_WORDS = {
    PaymentMethodKind.CARD: "card",
    PaymentMethodKind.BANK: "bank account",
    PaymentMethodKind.CASH: "cash",
}
LAST_PAYMENTS = 5


@dataclass(frozen=True)
class LineExplanation:
    """One charge on a bill, explained."""

    line_item_id: int
    bill_period: str
    bill_due_on: dt.date
    category: LineCategory
    description: str
    cents: int
    open_cents: int  # not yet paid or credited
    previous_cents: int | None  # the same charge on the bill before, if any
    what_it_is: str  # "your internet service"
    why_changed: str  # "" when unchanged; else in plain words
    disputed: bool
    text: str  # one plain sentence for screen or speech
    change_cents: int | None = None  # against the bill before; None for a new charge
    reason: str = ""  # the bill's own reason for the change, without a final stop


@dataclass(frozen=True)
class Standing:
    """The service's state and what keeps it on (or turns it back on), as figures.

    The conversation words it in every register; ``text`` is the standard sentence.
    """

    status: ServiceStatus
    cutoff_on: dt.date | None  # NOTICE: the day service is turned off unless paid
    needed_cents: int  # NOTICE: due now to stop it; SUSPENDED: due now plus the fee
    fee_cents: int  # SUSPENDED: the reconnection fee inside needed_cents (0 if in a plan)
    back_on_hours: int  # how soon service is back once a reconnection is ordered
    text: str
    past_due_cents: int = 0  # overdue, not held by a dispute or covered by a plan
    next_due_on: dt.date | None = None  # the first day something owed, not yet late, is due
    next_due_cents: int = 0  # how much is due that day (on a plan: its next part)

    @property
    def at_risk(self) -> bool:
        """Service is off, or will be turned off, unless something is paid."""
        return self.needed_cents > 0 and self.status in (
            ServiceStatus.NOTICE,
            ServiceStatus.SUSPENDED,
        )

    def reconnected_by(self, cents: int) -> bool:
        """Whether paying ``cents`` turns service back on: on a suspended account, any
        payment that covers the past due and the fee does, however the amount was
        chosen (another amount, bills past the amount), never only the reconnection
        option."""
        return (
            self.status == ServiceStatus.SUSPENDED and self.at_risk and cents >= self.needed_cents
        )


@dataclass(frozen=True)
class PaymentSummary:
    attempt_id: int
    at: dt.datetime
    cents: int
    method: PaymentMethodKind
    brand: str
    last4: str  # card or bank account, last 4 only ("" for cash)
    confirmation_number: str | None
    text: str


@dataclass(frozen=True)
class PaidRow:
    """A row of the itemised bill that takes money off: a payment, or what was paid or
    credited on the lines shown, or a credit on the account. With the lines' full
    amounts the rows add up to the balance (the bill listed $180.40 of charges over
    "You owe $143.60" after a partial payment, the payment nowhere)."""

    label: str  # "Paid December 5", "Paid or credited", "Credit on account"
    cents: int  # taken off the charges above it; negative adds to them
    on: dt.date | None = None  # the payment's day, when the row is one payment

    def said(self, amount: str) -> str:
        """The row as a sentence, with ``amount`` (this row's amount, shown without a
        sign): on screen the row is "-$71.80" so the column adds up, but speech said
        that "-seventy-one dollars"; a payment is said as paid, a credit as a credit."""
        if self.on is not None:
            return f"Paid {amount} on {short_date(self.on)}."
        if self.cents < 0:
            return f"{self.label}: {amount} more."
        if self.label == CREDIT_ROW:
            return f"A credit of {amount} on your account."
        return f"{amount} {self.label.lower()}."


CREDIT_ROW = "Credit on account"


@dataclass(frozen=True)
class BillExplanation:
    account_last4: str
    name: str
    status: ServiceStatus
    status_text: str  # the service state in plain words
    standing: Standing
    balance_cents: int  # everything owed; negative is a credit
    past_due_cents: int  # overdue, not held by a dispute or covered by a plan
    due_now_cents: int  # past due plus plan parts due now
    held_by_dispute_cents: int
    covered_by_plan_cents: int
    current_due_cents: int  # not yet overdue
    due_on: dt.date | None  # next due date (honours an extension)
    due_dates: tuple[tuple[dt.date, int], ...]  # (date, cents) still to pay, not yet late
    disconnection_on: dt.date | None
    days_until_disconnection: int | None  # only while a notice is running
    lines: tuple[LineExplanation, ...]  # the latest bill, then older unpaid lines
    payments: tuple[PaymentSummary, ...]  # newest first
    arrangement: ArrangementSummary | None
    disputes: tuple[DisputeSummary, ...]
    summary: str  # a short paragraph: what is owed, what is late, when it is due
    first_name: str = ""  # the customer's, for a greeting before the facts
    paid_rows: tuple[PaidRow, ...] = ()  # lines' cents minus these = balance_cents

    @property
    def owed_text(self) -> str:
        """The summary without the name in front ("You owe $84.99 in total..."): said
        after a greeting that already named the customer."""
        lead = f"{self.first_name}, "
        if not self.first_name or not self.summary.startswith(lead):
            return self.summary
        rest = self.summary.removeprefix(lead)
        return rest[:1].upper() + rest[1:]


@dataclass(frozen=True)
class StatementEntry:
    on: dt.date
    description: str
    charge_cents: int
    credit_cents: int
    balance_after_cents: int


@dataclass(frozen=True)
class Statement:
    """The account's history and current position; rebuilt on every call, so never stale."""

    account_last4: str
    name: str
    as_of: dt.date
    entries: tuple[StatementEntry, ...]  # oldest first
    balance_cents: int
    past_due_cents: int
    due_now_cents: int
    next_due_on: dt.date | None
    arrangement: ArrangementSummary | None
    disputes: tuple[DisputeSummary, ...]
    text_lines: tuple[str, ...]  # ready to show or read, one line each


@dataclass(frozen=True)
class PaymentOption:
    """One amount the pay flow can offer."""

    kind: str  # "full", "undisputed", "past_due", "plan_part", "reconnect"
    label: str  # "Full balance, $215.40"
    cents: int
    reconnect: bool = False  # pay with reconnect=True (ReconnectionService.pay)


class BillService:
    """Explains bills and statements, and offers amounts to pay."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def _today(self) -> dt.date:
        return self.store.today()

    def _money(self, cents: int) -> str:
        return money(cents, self.store)

    # --------------------------------------------------------------- explain
    def explain(self, account_number: str) -> BillExplanation:
        """The whole bill in plain words.

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number)
            today = self._today()
            owed = account_state.owed(session, account, today)
            plan = account_state.active_plan(session, account.id) or (
                account_state.active_extension(session, account.id)
            )
            arrangement = summarize_arrangement(plan, self.store) if plan else None
            disputes = self._disputes(session, account)
            due_dates = self._due_dates(session, account, today)
            days_left = (
                (account.disconnection_on - today).days
                if account.status == ServiceStatus.NOTICE and account.disconnection_on
                else None
            )
            standing = self._standing(session, account, owed, today)
            lines = tuple(self._lines(session, account))
            payments = tuple(self._payments(session, account))
            explanation = BillExplanation(
                account_last4=account.number[-4:],
                name=account.customer.name,
                status=account.status,
                status_text=standing.text,
                standing=standing,
                balance_cents=owed.balance_cents,
                past_due_cents=owed.past_due_cents,
                due_now_cents=owed.due_now_cents,
                held_by_dispute_cents=owed.held_by_dispute_cents,
                covered_by_plan_cents=owed.covered_by_plan_cents,
                current_due_cents=owed.current_due_cents,
                due_on=due_dates[0][0] if due_dates else None,
                due_dates=due_dates,
                disconnection_on=account.disconnection_on,
                days_until_disconnection=days_left,
                lines=lines,
                payments=payments,
                arrangement=arrangement,
                disputes=disputes,
                summary=self._summary(account, owed, arrangement, due_dates),
                first_name=account.customer.name.split()[0],
                paid_rows=self._paid_rows(lines, payments, owed.balance_cents),
            )
            record(self.store, session, "bill.explained", "success", account)
        return explanation

    def standing(self, account_number: str) -> Standing:
        """The service's state and what keeps it on, without the whole bill (no audit entry:
        it is read after a payment to tell the customer where they stand).

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session:
            account = find_account(session, account_number)
            today = self._today()
            standing = self._standing(
                session, account, account_state.owed(session, account, today), today
            )
            plan = account_state.active_plan(session, account.id)
            if plan is not None:  # the plan says what is due when, not the bills' dates
                parts = sorted(plan.installments, key=lambda part: part.sequence)
                upcoming = next((p for p in parts if p.paid_cents < p.cents), None)
                if upcoming is None:
                    return replace(standing, next_due_on=None, next_due_cents=0)
                return replace(
                    standing,
                    next_due_on=upcoming.due_on,
                    next_due_cents=upcoming.cents - upcoming.paid_cents,
                )
            due = self._due_dates(session, account, today)
            return replace(
                standing,
                next_due_on=due[0][0] if due else None,
                next_due_cents=due[0][1] if due else 0,
            )

    def credit_after(self, account_number: str, cents: int, *, fee_cents: int = 0) -> int:
        """The credit a payment of ``cents`` (with ``fee_cents`` charged first) would leave
        on the account: 0 when all of it pays what is owed. Told before the yes when bills
        past the amount chosen are kept.

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session:
            account = find_account(session, account_number)
            owed = ledger.balance_cents(session, account.id) + fee_cents
        return max(0, cents - max(0, owed))

    def email_on_file(self, account_number: str) -> str:
        """The account's email address, masked (a receipt goes there when asked for),
        or "" when there is none.

        Raises:
            NotFound: no such account.
        """
        from kiosk.services.outbox import mask_destination

        with self.store.sessions() as session:
            return mask_destination("email", find_account(session, account_number).email)

    def _standing(
        self, session: Session, account: Account, owed: account_state.Owed, today: dt.date
    ) -> Standing:
        hours = self.settings.reconnection_hours
        if account.status == ServiceStatus.SUSPENDED:
            plan = account_state.active_plan(session, account.id)
            fee = (
                0
                if plan is not None and plan.includes_reconnection_fee
                else self.settings.reconnection_fee_cents
            )
            needed = owed.due_now_cents + fee
            text = (
                "Your service is turned off because the bill was not paid. To turn it back on, "
                f"pay {self._money(needed)}: the past-due {self._money(owed.due_now_cents)}"
                + (f" plus the {self._money(fee)} reconnection fee" if fee else "")
                + f". Service is back on within {hours} hours. A payment plan is also possible."
            )
            return Standing(account.status, None, needed, fee, hours, text, owed.past_due_cents)
        if account.status == ServiceStatus.RECONNECT_PENDING:
            text = (
                "We received your payment and are turning your service back on; "
                f"it is back on within {hours} hours."
            )
            return Standing(account.status, None, 0, 0, hours, text, owed.past_due_cents)
        if (
            account.status == ServiceStatus.NOTICE
            and account.disconnection_on
            and owed.due_now_cents > 0
        ):
            days = (account.disconnection_on - today).days
            when = "today" if days <= 0 else f"in {days} day{'s' if days != 1 else ''}"
            text = (
                f"A disconnection notice was sent. Service will be turned off {when}, on "
                f"{short_date(account.disconnection_on)}, unless the past-due "
                f"{self._money(owed.due_now_cents)} is paid or a payment plan is set up."
            )
            return Standing(
                account.status,
                account.disconnection_on,
                owed.due_now_cents,
                0,
                hours,
                text,
                owed.past_due_cents,
            )
        return Standing(
            account.status, None, 0, 0, hours, "Your service is on.", owed.past_due_cents
        )

    def _due_dates(
        self, session: Session, account: Account, today: dt.date
    ) -> tuple[tuple[dt.date, int], ...]:
        """Undisputed open amounts not yet late, by the date they are due (extension honoured)."""
        extension = account_state.active_extension(session, account.id)
        by_date: dict[dt.date, int] = {}
        for line in account_state.open_lines(session, account.id):
            if line.disputed:
                continue
            due = account_state.effective_due_on(line, extension)
            if due >= today:
                by_date[due] = by_date.get(due, 0) + line.open_cents
        return tuple(sorted(by_date.items()))

    def _summary(
        self,
        account: Account,
        owed: account_state.Owed,
        arrangement: ArrangementSummary | None,
        due_dates: tuple[tuple[dt.date, int], ...] = (),
    ) -> str:
        first = account.customer.name.split()[0]
        if owed.balance_cents <= 0:
            text = f"{first}, you owe nothing."
            if owed.balance_cents < 0:
                text += f" You have a credit of {self._money(-owed.balance_cents)}."
            return text
        parts = [f"{first}, you owe {self._money(owed.balance_cents)} in total."]
        if owed.past_due_cents:
            parts.append(f"{self._money(owed.past_due_cents)} of it is past due.")
        if owed.plan_due_now_cents:
            parts.append(f"A plan payment of {self._money(owed.plan_due_now_cents)} is due now.")
        if owed.held_by_dispute_cents:
            parts.append(
                f"{self._money(owed.held_by_dispute_cents)} is on hold while we look at "
                "your dispute; you do not have to pay it for now."
            )
        if arrangement is not None:
            parts.append(arrangement.text)
        on_plan = arrangement is not None and arrangement.kind != ArrangementKind.EXTENSION
        for day, cents in () if on_plan else due_dates:
            parts.append(f"{self._money(cents)} is due on {short_date(day)}.")
        return " ".join(parts)

    def _lines(self, session: Session, account: Account) -> list[LineExplanation]:
        open_by_item = {
            line.item.id: line for line in account_state.open_lines(session, account.id)
        }
        bills = session.scalars(
            select(Bill)
            .where(Bill.account_id == account.id)
            .options(selectinload(Bill.items))
            .order_by(Bill.issued_on.desc(), Bill.id.desc())
        ).all()
        disputed = self._disputed_items(session, account)
        result: list[LineExplanation] = []
        for index, bill in enumerate(bills):
            if index > 0 and not any(item.id in open_by_item for item in bill.items):
                continue  # older bills: only those with something still unpaid, whole,
                # so a payment row beside them adds up (a paid line vanished, not its payment)
            for item in bill.items:
                line = open_by_item.get(item.id)
                result.append(
                    self._line(
                        item, bill, line.open_cents if line else 0, item.id in disputed, index > 0
                    )
                )
        return result

    def _paid_rows(
        self,
        lines: tuple[LineExplanation, ...],
        payments: tuple[PaymentSummary, ...],
        balance: int,
    ) -> tuple[PaidRow, ...]:
        """What takes the lines' full amounts down to the balance: the newest payments
        when they account for it exactly, else what was paid or credited on these lines
        and any credit (or other charge) on the account."""
        taken = sum(line.cents for line in lines) - balance
        if taken == 0:
            return ()
        total = 0
        for count, payment in enumerate(payments, 1):
            total += payment.cents
            if total == taken:
                days = [self.store.day_of(p.at) for p in payments[:count]]
                return tuple(
                    PaidRow(f"Paid {short_date(day)}", p.cents, day)
                    for p, day in zip(payments[:count], days, strict=True)
                )
            if total > taken:
                break
        settled = sum(line.cents - line.open_cents for line in lines)
        rows = [PaidRow("Paid or credited", settled)] if settled else []
        rest = taken - settled  # what the ledger holds beyond the lines shown
        if rest:
            rows.append(PaidRow(CREDIT_ROW if rest > 0 else "Other charges", rest))
        return tuple(rows)

    def _line(
        self, item: LineItem, bill: Bill, open_cents: int, disputed: bool, older: bool = False
    ) -> LineExplanation:
        what = WHAT_IT_IS.get(item.category, item.description.lower())
        reason = item.change_reason.rstrip(".")
        if item.previous_cents is None:
            why = "This charge is new on this bill." + (f" {reason}." if reason else "")
        elif item.previous_cents == item.cents:
            why = ""
        else:
            change = item.cents - item.previous_cents
            direction = "up" if change > 0 else "down"
            why = (
                f"It went {direction} {self._money(abs(change))} from "
                f"{self._money(item.previous_cents)} on the bill before"
                + (f". {reason}." if reason else ".")
            )
        text = f"{item.description}, {self._money(item.cents)}: {what}."
        if bill.due_on < self._today() and open_cents:
            text = f"From the bill for {bill.period_label}, unpaid: " + text
        elif older:  # a paid line of an older bill shown beside its unpaid ones
            text = f"From the bill for {bill.period_label}: " + text
        if why:
            text += f" {why}"
        if disputed:
            text += " You disputed this charge; it is on hold."
        elif open_cents == 0:
            text += " Paid."
        elif open_cents < item.cents:
            text += f" {self._money(open_cents)} of it is still to pay."
        return LineExplanation(
            line_item_id=item.id,
            bill_period=bill.period_label,
            bill_due_on=bill.due_on,
            category=item.category,
            description=item.description,
            cents=item.cents,
            open_cents=open_cents,
            previous_cents=item.previous_cents,
            what_it_is=what,
            why_changed=why,
            disputed=disputed,
            text=text,
            change_cents=None if item.previous_cents is None else item.cents - item.previous_cents,
            reason=reason,
        )

    def _payments(self, session: Session, account: Account) -> list[PaymentSummary]:
        attempts = session.scalars(
            select(PaymentAttempt)
            .where(
                PaymentAttempt.account_id == account.id,
                PaymentAttempt.state == AttemptState.SUCCEEDED,
            )
            .order_by(PaymentAttempt.updated_at.desc(), PaymentAttempt.id.desc())
            .limit(LAST_PAYMENTS)
        ).all()
        return [self._payment(attempt) for attempt in attempts]

    def _payment(self, attempt: PaymentAttempt) -> PaymentSummary:
        how = METHOD_WORDS[attempt.method]
        if attempt.last4:
            how += f" ending {attempt.last4}"
        text = f"{self._money(attempt.cents)} by {how} on {short_date(self.store.day_of(attempt.updated_at))}"
        if attempt.confirmation_number:
            text += f", confirmation {attempt.confirmation_number}"
        return PaymentSummary(
            attempt_id=attempt.id,
            at=attempt.updated_at,
            cents=attempt.cents,
            method=attempt.method,
            brand=attempt.brand,
            last4=attempt.last4,
            confirmation_number=attempt.confirmation_number,
            text=text + ".",
        )

    def _disputed_items(self, session: Session, account: Account) -> set[int]:
        return set(
            session.scalars(
                select(Dispute.line_item_id).where(
                    Dispute.account_id == account.id, Dispute.state == DisputeState.OPEN
                )
            )
        )

    def _disputes(self, session: Session, account: Account) -> tuple[DisputeSummary, ...]:
        disputes = session.scalars(
            select(Dispute).where(Dispute.account_id == account.id).order_by(Dispute.id.desc())
        ).all()
        return tuple(summarize_dispute(session, dispute, self.store) for dispute in disputes)

    # ------------------------------------------------------------- statement
    def statement(self, account_number: str) -> Statement:
        """Charges, payments and credits with a running balance, and today's position.

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number)
            today = self._today()
            owed = account_state.owed(session, account, today)
            entries = self._entries(session, account, owed.balance_cents)
            due_dates = self._due_dates(session, account, today)
            plan = account_state.active_plan(session, account.id) or (
                account_state.active_extension(session, account.id)
            )
            arrangement = summarize_arrangement(plan, self.store) if plan else None
            disputes = self._disputes(session, account)
            lines = [f"Statement for account ending {account.number[-4:]}, {short_date(today)}"]
            for entry in entries:
                amount = (
                    f"+{self._money(entry.charge_cents)}"
                    if entry.charge_cents
                    else f"-{self._money(entry.credit_cents)}"
                )
                lines.append(
                    f"{entry.on.isoformat()}  {entry.description}  {amount}  "
                    f"balance {self._money(entry.balance_after_cents)}"
                )
            lines.append(f"Balance now: {self._money(owed.balance_cents)}")
            if owed.due_now_cents:
                lines.append(f"Due now: {self._money(owed.due_now_cents)}")
            if arrangement is not None:
                lines.append(arrangement.text)
            lines += [d.text for d in disputes if d.state == DisputeState.OPEN]
            result = Statement(
                account_last4=account.number[-4:],
                name=account.customer.name,
                as_of=today,
                entries=tuple(entries),
                balance_cents=owed.balance_cents,
                past_due_cents=owed.past_due_cents,
                due_now_cents=owed.due_now_cents,
                next_due_on=(
                    arrangement.next_part_due_on  # the plan says when, not the bills' dates
                    if arrangement is not None and arrangement.kind != ArrangementKind.EXTENSION
                    else due_dates[0][0]
                    if due_dates
                    else None
                ),
                arrangement=arrangement,
                disputes=disputes,
                text_lines=tuple(lines),
            )
            record(self.store, session, "statement.viewed", "success", account)
        return result

    def _entries(self, session: Session, account: Account, balance: int) -> list[StatementEntry]:
        """Bills, payments and dispute credits, oldest first, with a running balance."""
        raw: list[tuple[dt.date, int, int, str, int]] = []  # (day, order, id, text, signed)
        for bill in session.scalars(
            select(Bill).where(Bill.account_id == account.id).options(selectinload(Bill.items))
        ):
            total = sum(item.cents for item in bill.items)
            raw.append((bill.issued_on, 0, bill.id, f"Bill for {bill.period_label}", total))
        for attempt in session.scalars(
            select(PaymentAttempt).where(
                PaymentAttempt.account_id == account.id,
                PaymentAttempt.state == AttemptState.SUCCEEDED,
            )
        ):
            label = f"Payment by {METHOD_WORDS[attempt.method]}"
            if attempt.confirmation_number:
                label += f", confirmation {attempt.confirmation_number}"
            raw.append(
                (self.store.day_of(attempt.updated_at), 1, attempt.id, label, -attempt.cents)
            )
        for dispute in session.scalars(
            select(Dispute).where(
                Dispute.account_id == account.id, Dispute.state == DisputeState.CREDITED
            )
        ):
            item = session.get(LineItem, dispute.line_item_id)
            what = item.description if item else "a charge"
            day = self.store.day_of(dispute.resolved_at or dispute.created_at)
            raw.append((day, 2, dispute.id, f"Credit for disputed {what}", -dispute.cents))
        raw.sort()
        entries: list[StatementEntry] = []
        running = 0
        for day, _, _, text, signed in raw:
            running += signed
            entries.append(StatementEntry(day, text, max(signed, 0), max(-signed, 0), running))
        if running != balance:  # never hide a ledger movement the history above does not show
            difference = balance - running
            entries.append(
                StatementEntry(
                    self._today(),
                    "Other adjustments",
                    max(difference, 0),
                    max(-difference, 0),
                    balance,
                )
            )
        return entries

    # --------------------------------------------------------------- options
    def payment_options(self, account_number: str) -> list[PaymentOption]:
        """Amounts worth offering in the pay flow, most useful first, no duplicates.

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session:
            account = find_account(session, account_number)
            today = self._today()
            owed = account_state.owed(session, account, today)
            plan = account_state.active_plan(session, account.id)
            options: list[PaymentOption] = []
            if account.status == ServiceStatus.SUSPENDED:
                fee = (
                    0
                    if plan is not None and plan.includes_reconnection_fee
                    else self.settings.reconnection_fee_cents
                )
                total = owed.due_now_cents + fee
                what = "Plan payment due now" if plan is not None else "Past-due amount"
                fee_words = f" plus the {self._money(fee)} reconnection fee" if fee else ""
                if plan is None and not owed.due_now_cents and fee:  # all past due paid
                    what, fee_words = "The reconnection fee", ""
                options.append(
                    PaymentOption(
                        "reconnect",
                        f"{what}{fee_words}, {self._money(total)}, turns service back on",
                        total,
                        reconnect=True,
                    )
                )
            if plan is not None:
                if owed.plan_due_now_cents:
                    options.append(
                        PaymentOption(
                            "plan_part",
                            f"Plan payment due now, {self._money(owed.plan_due_now_cents)}",
                            owed.plan_due_now_cents,
                        )
                    )
                else:
                    upcoming = next((p for p in plan.installments if p.paid_cents < p.cents), None)
                    if upcoming is not None:
                        cents = upcoming.cents - upcoming.paid_cents
                        options.append(
                            PaymentOption(
                                "plan_part",
                                f"Next plan payment, due {short_date(upcoming.due_on)}, "
                                f"{self._money(cents)}",
                                cents,
                            )
                        )
            if owed.past_due_cents:
                options.append(
                    PaymentOption(
                        "past_due",
                        f"Past-due amount, {self._money(owed.past_due_cents)}",
                        owed.past_due_cents,
                    )
                )
            undisputed = owed.balance_cents - owed.held_by_dispute_cents
            if owed.held_by_dispute_cents and undisputed > 0:
                options.append(
                    PaymentOption(
                        "undisputed",
                        f"Balance without the disputed charge, {self._money(undisputed)}",
                        undisputed,
                    )
                )
            if owed.balance_cents > 0:
                options.append(
                    PaymentOption(
                        "full",
                        f"Full balance, {self._money(owed.balance_cents)}",
                        owed.balance_cents,
                    )
                )
        seen: set[int] = set()
        unique: list[PaymentOption] = []
        for option in options:
            if option.cents > 0 and (option.cents not in seen or option.reconnect):
                seen.add(option.cents)
                unique.append(option)
        return unique
