"""Payment arrangements: extension, deferred payment and installment plan, with reasons.

The eligibility engine answers every kind with a yes or a no in plain words,
and for a no it says what is possible instead. Figures come from settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kiosk.errors import InvalidInput, NotEligible, NotFound
from kiosk.money import split_cents
from kiosk.services import account_state
from kiosk.services.common import add_months, find_account, money, record, short_date
from kiosk.services.confirmation import reference_number
from kiosk.store.models import (
    Account,
    Arrangement,
    ArrangementKind,
    ArrangementState,
    Installment,
    ServiceStatus,
)
from kiosk.store.store import Store

TITLES = {
    ArrangementKind.EXTENSION: "Extension",
    ArrangementKind.DEFERRED: "Deferred payment",
    ArrangementKind.INSTALLMENT: "Installment plan",
}
PLAN_KINDS = (ArrangementKind.INSTALLMENT, ArrangementKind.DEFERRED)
USED_STATES = (ArrangementState.ACTIVE, ArrangementState.KEPT, ArrangementState.BROKEN)


@dataclass(frozen=True)
class PlannedPart:
    sequence: int  # 1 is the down payment (or the part paid now)
    due_on: dt.date
    cents: int
    paid_cents: int = 0


@dataclass(frozen=True)
class Offer:
    """One kind of arrangement for one account: possible or not, and why, in plain words."""

    kind: ArrangementKind
    eligible: bool
    title: str  # "Extension", "Deferred payment", "Installment plan"
    explanation: str  # what it is and what it means for this account, or why not
    instead: str  # when not eligible: what is possible instead ("" otherwise)
    total_cents: int  # what the arrangement covers
    today_cents: int  # what to pay today to start it (0 for an extension)
    parts: tuple[PlannedPart, ...]
    new_due_on: dt.date | None  # extension: the new due date; others: last part's date
    includes_reconnection_fee: bool
    arrangement_id: int | None = None  # set once recorded by ArrangementService.offer
    fee_cents: int = 0  # the reconnection fee inside total_cents, when included


@dataclass(frozen=True)
class ArrangementSummary:
    arrangement_id: int
    kind: ArrangementKind
    state: ArrangementState
    total_cents: int
    paid_cents: int
    remaining_cents: int
    parts: tuple[PlannedPart, ...]
    next_part_cents: int  # 0 when nothing is left
    next_part_due_on: dt.date | None
    new_due_on: dt.date | None  # extension only
    text: str  # one or two plain sentences

    @property
    def reference(self) -> str:
        """The number the customer keeps for this arrangement (check digit included)."""
        return reference_number("plan", self.arrangement_id)


@dataclass(frozen=True)
class PlanCheckReport:
    """What ``check_plans`` changed."""

    broken: tuple[int, ...]  # arrangement ids marked BROKEN
    kept: tuple[int, ...]  # arrangement ids marked KEPT
    disconnection_stopped: tuple[int, ...]  # account ids moved NOTICE -> ACTIVE
    notices_sent: tuple[int, ...]  # account ids moved to NOTICE after a broken plan


def summarize_arrangement(plan: Arrangement, store: Store) -> ArrangementSummary:
    """A plan or extension in plain words (needs its installments loaded)."""
    parts = tuple(
        PlannedPart(p.sequence, p.due_on, p.cents, p.paid_cents) for p in plan.installments
    )
    paid = sum(p.paid_cents for p in parts)
    upcoming = next((p for p in parts if p.paid_cents < p.cents), None)
    next_cents = upcoming.cents - upcoming.paid_cents if upcoming else 0
    if plan.kind == ArrangementKind.EXTENSION:
        text = (
            f"You have an extension: the amount due may be paid by {short_date(plan.new_due_on)}."
            if plan.new_due_on
            else "You have an extension."
        )
    else:
        name = (
            "installment plan" if plan.kind == ArrangementKind.INSTALLMENT else "deferred payment"
        )
        text = (
            f"You are on an {name}" if name[0] in "aeiou" else f"You are on a {name}"
        ) + f" of {money(plan.total_cents, store)}; {money(paid, store)} is paid."
        if upcoming is not None:
            text += f" Next payment: {money(next_cents, store)} by {short_date(upcoming.due_on)}."
    return ArrangementSummary(
        arrangement_id=plan.id,
        kind=plan.kind,
        state=plan.state,
        total_cents=plan.total_cents,
        paid_cents=paid,
        remaining_cents=max(plan.total_cents - paid, 0),
        parts=parts,
        next_part_cents=next_cents,
        next_part_due_on=upcoming.due_on if upcoming else None,
        new_due_on=plan.new_due_on,
        text=text,
    )


def installment_schedule(
    total_cents: int, parts: int, divisor: int, start: dt.date
) -> tuple[PlannedPart, ...]:
    """Down payment (total / divisor, rounded up) today, the rest in ``parts`` monthly parts.

    Leftover cents go to the first monthly parts (``split_cents``); the parts
    always sum to the total, and no part is zero.
    """
    if total_cents <= 0:
        raise ValueError("nothing to plan")
    down = -(-total_cents // divisor)
    rest = total_cents - down
    schedule = [PlannedPart(1, start, down)]
    if rest:
        for index, cents in enumerate(split_cents(rest, min(parts, rest)), start=1):
            schedule.append(PlannedPart(index + 1, add_months(start, index), cents))
    assert sum(part.cents for part in schedule) == total_cents
    return tuple(schedule)


@dataclass(frozen=True)
class _Situation:
    """Everything the rules look at for one account on one day."""

    account: Account
    today: dt.date
    owed: account_state.Owed
    plan: Arrangement | None
    extension: Arrangement | None
    last_extension: Arrangement | None  # used within the once-per period
    last_broken: Arrangement | None  # broken plan within the lookback
    overdue_due_on: dt.date | None  # latest due date among overdue lines

    @property
    def suspended(self) -> bool:
        return self.account.status == ServiceStatus.SUSPENDED

    @property
    def undisputed_cents(self) -> int:
        return max(0, self.owed.balance_cents - self.owed.held_by_dispute_cents)


class ArrangementService:
    """Offers, records and follows payment arrangements."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def _money(self, cents: int) -> str:
        return money(cents, self.store)

    # ------------------------------------------------------------ situation
    def _situation(self, session: Session, account: Account) -> _Situation:
        today = self.store.today()
        owed = account_state.owed(session, account, today)
        since_ext = add_months(today, -self.settings.extension_once_per_months)
        since_broken = add_months(today, -self.settings.broken_plan_lookback_months)
        last_extension = session.scalar(
            select(Arrangement)
            .where(
                Arrangement.account_id == account.id,
                Arrangement.kind == ArrangementKind.EXTENSION,
                Arrangement.state.in_(USED_STATES),
            )
            .order_by(Arrangement.created_at.desc())
            .limit(1)
        )
        if last_extension is not None and self.store.day_of(last_extension.created_at) < since_ext:
            last_extension = None
        last_broken = session.scalar(
            select(Arrangement)
            .where(
                Arrangement.account_id == account.id,
                Arrangement.kind.in_(PLAN_KINDS),
                Arrangement.state == ArrangementState.BROKEN,
            )
            .order_by(Arrangement.ended_at.desc())
            .limit(1)
        )
        if last_broken is not None and _ended_on(last_broken, self.store) < since_broken:
            last_broken = None
        overdue = [
            line.bill.due_on
            for line in account_state.open_lines(session, account.id)
            if not line.disputed and line.bill.due_on < today
        ]
        return _Situation(
            account=account,
            today=today,
            owed=owed,
            plan=account_state.active_plan(session, account.id),
            extension=account_state.active_extension(session, account.id),
            last_extension=last_extension,
            last_broken=last_broken,
            overdue_due_on=max(overdue, default=None),
        )

    # ------------------------------------------------------------ the rules
    def _why_not(self, kind: ArrangementKind, sit: _Situation) -> str:
        """The reason this kind is not possible, or "" if it is."""
        if sit.undisputed_cents <= 0:
            return "There is nothing to arrange: nothing is owed apart from disputed charges."
        if sit.plan is not None:
            upcoming = next((p for p in sit.plan.installments if p.paid_cents < p.cents), None)
            text = "You are already on a payment plan"
            if upcoming is not None:
                text += (
                    f"; the next payment is {self._money(upcoming.cents - upcoming.paid_cents)}"
                    f" by {short_date(upcoming.due_on)}"
                )
            return text + "."
        if kind == ArrangementKind.EXTENSION:
            if sit.suspended:
                return "An extension is not possible while service is turned off."
            if sit.extension is not None and sit.extension.new_due_on:
                return f"You already have an extension to {short_date(sit.extension.new_due_on)}."
            if sit.last_extension is not None:
                used = self.store.day_of(sit.last_extension.created_at)
                return (
                    f"An extension was already used on {short_date(used)}, and one is possible "
                    f"once every {self.settings.extension_once_per_months} months."
                )
            return ""
        if sit.extension is not None and sit.extension.new_due_on:
            return (
                f"You have an extension to {short_date(sit.extension.new_due_on)}; "
                "a plan is possible once it ends."
            )
        if sit.last_broken is not None:
            broken_on = _ended_on(sit.last_broken, self.store)
            again = add_months(broken_on, self.settings.broken_plan_lookback_months)
            return (
                f"A payment plan was not kept on {short_date(broken_on)}, so a new plan is "
                f"possible from {short_date(again)}."
            )
        return ""

    def _terms(
        self,
        kind: ArrangementKind,
        sit: _Situation,
        *,
        parts: int | None = None,
        days: int | None = None,
        pay_now_cents: int | None = None,
        pay_rest_by: dt.date | None = None,
        include_reconnection_fee: bool | None = None,
    ) -> Offer:
        """The offer with these terms (eligible or not), terms checked."""
        s = self.settings
        why_not = self._why_not(kind, sit)
        include_fee = sit.suspended and include_reconnection_fee is not False
        fee = s.reconnection_fee_cents if include_fee else 0
        total = sit.undisputed_cents + fee
        parts_tuple: tuple[PlannedPart, ...] = ()
        new_due_on: dt.date | None = None
        today_cents = 0
        if kind == ArrangementKind.EXTENSION:
            days = s.extension_max_days if days is None else days
            if not 1 <= days <= s.extension_max_days:
                raise InvalidInput(
                    f"An extension of {days} days is not possible.",
                    f"An extension can be 1 to {s.extension_max_days} days.",
                    f"Choose {s.extension_max_days} days or fewer.",
                )
            original = sit.overdue_due_on or sit.owed.next_due_on or sit.today
            new_due_on = max(original, sit.today) + dt.timedelta(days=days)
            total = sit.owed.due_now_cents or sit.owed.current_due_cents
            explanation = (
                f"You can have {days} more days: pay the {self._money(total)} by "
                f"{short_date(new_due_on)} instead. An extension can be used once every "
                f"{s.extension_once_per_months} months."
            )
            include_fee = False
        elif kind == ArrangementKind.DEFERRED:
            minimum = -(-total // s.installment_down_payment_divisor) if total else 0
            today_cents = minimum if pay_now_cents is None else pay_now_cents
            last_day = sit.today + dt.timedelta(days=s.deferred_max_days)
            by = pay_rest_by or last_day
            if total and not minimum <= today_cents < total:
                raise InvalidInput(
                    f"{self._money(today_cents)} cannot be the part paid now.",
                    f"It must be at least {self._money(minimum)} and less than the "
                    f"{self._money(total)} owed.",
                    f"Choose an amount from {self._money(minimum)} to {self._money(total - 1)}.",
                )
            if not sit.today < by <= last_day:
                raise InvalidInput(
                    f"{short_date(by)} cannot be the date for the rest.",
                    f"The rest can wait up to {s.deferred_max_days} days.",
                    f"Choose a date up to {short_date(last_day)}.",
                )
            if total:
                parts_tuple = (
                    PlannedPart(1, sit.today, today_cents),
                    PlannedPart(2, by, total - today_cents),
                )
            new_due_on = by
            explanation = (
                f"Pay {self._money(today_cents)} today and the other "
                f"{self._money(total - today_cents)} by {short_date(by)}."
            )
        else:
            parts = s.installment_default_parts if parts is None else parts
            if not 1 <= parts <= s.installment_max_parts:
                raise InvalidInput(
                    f"A plan of {parts} monthly payments is not possible.",
                    f"A plan can have 1 to {s.installment_max_parts} monthly payments.",
                    f"Choose {s.installment_max_parts} or fewer.",
                )
            if total:
                parts_tuple = installment_schedule(
                    total, parts, s.installment_down_payment_divisor, sit.today
                )
                today_cents = parts_tuple[0].cents
                new_due_on = parts_tuple[-1].due_on
            monthly = parts_tuple[1:]
            explanation = f"Pay {self._money(today_cents)} today"
            if monthly:
                listed = ", ".join(
                    f"{self._money(p.cents)} on {short_date(p.due_on)}" for p in monthly[:-1]
                )
                last = f"{self._money(monthly[-1].cents)} on {short_date(monthly[-1].due_on)}"
                explanation += f", then {listed} and {last}" if listed else f", then {last}"
            explanation += ". Late fees may still be added while the plan runs."
        if include_fee and kind != ArrangementKind.EXTENSION:
            explanation += (
                f" This includes the {self._money(fee)} reconnection fee; paying today's part "
                "turns your service back on."
            )
        offer = Offer(
            kind=kind,
            eligible=not why_not,
            title=TITLES[kind],
            explanation=why_not or explanation,
            instead="",
            total_cents=total,
            today_cents=today_cents,
            parts=parts_tuple,
            new_due_on=new_due_on,
            includes_reconnection_fee=include_fee,
            fee_cents=fee if include_fee else 0,
        )
        return offer

    def _instead(self, offers: list[Offer]) -> list[Offer]:
        """Fill in, for each offer that is not possible, what is possible instead."""
        possible = [o for o in offers if o.eligible]
        result = []
        for offer in offers:
            if offer.eligible:
                result.append(offer)
                continue
            others = [self._short(o) for o in possible if o.kind != offer.kind]
            if others:
                instead = _sentence(" or ".join(others)) + "."
            elif offer.total_cents <= 0 and offer.kind != ArrangementKind.EXTENSION:
                instead = ""
            else:
                instead = "You can pay part of the bill now, or ask for a person to talk it over."
            result.append(replace(offer, instead=instead))
        return result

    def _short(self, offer: Offer) -> str:
        if offer.kind == ArrangementKind.EXTENSION and offer.new_due_on:
            return f"an extension to {short_date(offer.new_due_on)} is possible"
        if offer.kind == ArrangementKind.DEFERRED:
            return f"a deferred payment is possible with {self._money(offer.today_cents)} today"
        return f"an installment plan is possible with {self._money(offer.today_cents)} today"

    # ---------------------------------------------------------------- public
    def eligibility(self, account_number: str) -> list[Offer]:
        """One Offer per kind (extension, deferred, installment), each explained.

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number)
            sit = self._situation(session, account)
            offers = self._instead([self._terms(kind, sit) for kind in ArrangementKind])
            record(
                self.store,
                session,
                "arrangement.eligibility",
                "success",
                account,
                eligible=[o.kind.value for o in offers if o.eligible],
            )
        return offers

    def offer(
        self,
        account_number: str,
        kind: ArrangementKind,
        *,
        parts: int | None = None,
        days: int | None = None,
        pay_now_cents: int | None = None,
        pay_rest_by: dt.date | None = None,
        include_reconnection_fee: bool | None = None,
    ) -> Offer:
        """Record an OFFERED arrangement with these terms; returns it with ``arrangement_id``.

        ``parts``: installment monthly parts after the down payment (default setting, max 12).
        ``days``: extension length (default and max ``extension_max_days``).
        ``pay_now_cents`` / ``pay_rest_by``: deferred payment terms.
        ``include_reconnection_fee``: for a suspended account (default yes).

        Raises:
            NotEligible: with why and what is possible instead; nothing recorded but the audit.
            InvalidInput: terms out of range.
            NotFound: no such account.
        """
        kind = ArrangementKind(kind)
        rejection: NotEligible | InvalidInput | None = None
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number, for_update=True)
            sit = self._situation(session, account)
            try:
                terms = self._terms(
                    kind,
                    sit,
                    parts=parts,
                    days=days,
                    pay_now_cents=pay_now_cents,
                    pay_rest_by=pay_rest_by,
                    include_reconnection_fee=include_reconnection_fee,
                )
            except InvalidInput as error:
                rejection = error
            else:
                if not terms.eligible:
                    all_offers = self._instead(
                        [terms if k == kind else self._terms(k, sit) for k in ArrangementKind]
                    )
                    terms = next(o for o in all_offers if o.kind == kind)
                    rejection = NotEligible(
                        f"{terms.title} is not possible.", terms.explanation, terms.instead
                    )
            if rejection is not None:
                record(
                    self.store,
                    session,
                    "arrangement.offer",
                    "rejected",
                    account,
                    kind=kind.value,
                    reason=rejection.why or rejection.what,
                )
            else:
                plan = Arrangement(
                    account_id=account.id,
                    kind=kind,
                    state=ArrangementState.OFFERED,
                    total_cents=terms.total_cents,
                    down_payment_cents=terms.today_cents,
                    includes_reconnection_fee=terms.includes_reconnection_fee,
                    created_at=self.store.clock.now(),
                )
                if kind == ArrangementKind.EXTENSION:
                    plan.original_due_on = sit.overdue_due_on or sit.owed.next_due_on or sit.today
                    plan.new_due_on = terms.new_due_on
                else:
                    plan.installments = [
                        Installment(sequence=p.sequence, due_on=p.due_on, cents=p.cents)
                        for p in terms.parts
                    ]
                session.add(plan)
                session.flush()
                terms = replace(terms, arrangement_id=plan.id)
                record(
                    self.store,
                    session,
                    "arrangement.offered",
                    "success",
                    account,
                    arrangement=plan.id,
                    kind=kind.value,
                    total=terms.total_cents,
                    today=terms.today_cents,
                )
        if rejection is not None:
            raise rejection
        return terms

    def _locked(
        self, session: Session, account: Account, arrangement_id: int
    ) -> Arrangement | None:
        """The account's arrangement with this id, its parts loaded, locked for update."""
        return session.scalar(
            select(Arrangement)
            .where(Arrangement.id == arrangement_id, Arrangement.account_id == account.id)
            .options(selectinload(Arrangement.installments))
            .with_for_update()
        )

    def _offered(self, session: Session, account: Account, arrangement_id: int) -> Arrangement:
        plan = self._locked(session, account, arrangement_id)
        if plan is None:
            raise NotFound(
                "We could not find that offer on this account.", "", "Ask for the offer again."
            )
        if plan.state != ArrangementState.OFFERED:
            raise NotEligible(
                "That offer cannot be changed any more.",
                f"It is already {plan.state.value}.",
                "Ask for a new offer if you need one.",
            )
        return plan

    def accept(self, account_number: str, arrangement_id: int) -> ArrangementSummary:
        """Make an offered arrangement ACTIVE (installments, or the moved due date).

        The customer then pays ``Offer.today_cents`` through PaymentService (or
        ReconnectionService.pay for a suspended account); it counts as part 1.

        Raises:
            NotEligible: the offer is no longer open, is from an earlier day, or the
                account's situation changed (e.g. another plan started).
            NotFound: no such account or offer.
        """
        rejection: NotEligible | None = None
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number, for_update=True)
            try:
                plan = self._offered(session, account, arrangement_id)
                sit = self._situation(session, account)
                why_not = self._why_not(plan.kind, sit)
                if self.store.day_of(plan.created_at) != sit.today:
                    why_not = "The offer was made on an earlier day and its dates have passed."
                if why_not:
                    raise NotEligible(
                        f"{TITLES[plan.kind]} cannot start.", why_not, "Ask for a new offer."
                    )
            except (NotEligible, NotFound) as error:
                if isinstance(error, NotFound):
                    raise
                rejection = error
                record(
                    self.store,
                    session,
                    "arrangement.accept",
                    "rejected",
                    account,
                    arrangement=arrangement_id,
                    reason=error.why or error.what,
                )
            else:
                plan.state = ArrangementState.ACTIVE
                session.flush()
                if plan.kind == ArrangementKind.EXTENSION:
                    self._stop_disconnection_if_current(session, account, sit.today)
                record(
                    self.store,
                    session,
                    "arrangement.accepted",
                    "success",
                    account,
                    arrangement=plan.id,
                    kind=plan.kind.value,
                )
                summary = summarize_arrangement(plan, self.store)
        if rejection is not None:
            raise rejection
        return summary

    def withdraw(self, account_number: str, arrangement_id: int) -> None:
        """An accepted plan whose first payment did not go through is an offer again:
        a plan starts only with its payment (the customer may try the payment again).

        Raises:
            NotEligible: the plan is not active, or something of it is already paid.
            NotFound: no such account or plan.
        """
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number, for_update=True)
            plan = self._locked(session, account, arrangement_id)
            if plan is None:
                raise NotFound("We could not find that plan on this account.", "", "")
            if plan.state != ArrangementState.ACTIVE or any(
                part.paid_cents for part in plan.installments
            ):
                raise NotEligible(
                    "That plan cannot be taken back.",
                    "It is not active, or part of it is already paid.",
                    "Ask for a person.",
                )
            plan.state = ArrangementState.OFFERED
            record(
                self.store,
                session,
                "arrangement.withdrawn",
                "success",
                account,
                arrangement=plan.id,
                kind=plan.kind.value,
            )

    def decline(self, account_number: str, arrangement_id: int) -> None:
        """The customer said no to an offer; recorded.

        Raises:
            NotEligible: the offer is no longer open. NotFound: no such account or offer.
        """
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number)
            plan = self._offered(session, account, arrangement_id)
            plan.state = ArrangementState.DECLINED
            plan.ended_at = self.store.clock.now()
            record(
                self.store,
                session,
                "arrangement.declined",
                "success",
                account,
                arrangement=plan.id,
                kind=plan.kind.value,
            )

    def current(self, account_number: str) -> ArrangementSummary | None:
        """The active plan or extension, if any.

        Raises:
            NotFound: no such account.
        """
        with self.store.sessions() as session:
            account = find_account(session, account_number)
            plan = account_state.active_plan(session, account.id) or (
                account_state.active_extension(session, account.id)
            )
            return summarize_arrangement(plan, self.store) if plan else None

    # ------------------------------------------------------------ daily job
    def _stop_disconnection_if_current(
        self, session: Session, account: Account, on: dt.date
    ) -> bool:
        """A kept arrangement stops a disconnection once nothing is due now."""
        if account.status != ServiceStatus.NOTICE:
            return False
        if account_state.owed(session, account, on).due_now_cents > 0:
            return False
        account.status = ServiceStatus.ACTIVE
        account.disconnection_on = None
        record(self.store, session, "disconnection.stopped", "success", account, actor="system")
        return True

    def _send_notice(self, session: Session, account: Account, on: dt.date) -> bool:
        """After a broken arrangement, anything past due restarts the notice period."""
        if account.status != ServiceStatus.ACTIVE:
            return False
        if account_state.owed(session, account, on).past_due_cents <= 0:
            return False
        account.status = ServiceStatus.NOTICE
        account.disconnection_notice_on = on
        account.disconnection_on = on + dt.timedelta(days=self.settings.disconnection_notice_days)
        record(
            self.store,
            session,
            "disconnection.notice",
            "success",
            account,
            actor="system",
            disconnection_on=account.disconnection_on.isoformat(),
        )
        return True

    def check_plans(self, on: dt.date | None = None) -> PlanCheckReport:
        """Daily job: a missed part breaks a plan; an extension ends kept or broken; a plan
        being kept stops a running disconnection notice. Every change is audited."""
        on = on or self.store.today()
        broken: list[int] = []
        kept: list[int] = []
        stopped: list[int] = []
        notices: list[int] = []
        with self.store.sessions() as session, session.begin():
            plans = session.scalars(
                select(Arrangement)
                .where(
                    (Arrangement.state == ArrangementState.ACTIVE)
                    | (
                        (Arrangement.state == ArrangementState.KEPT)
                        & Arrangement.ended_at.is_(None)
                    )
                )
                .options(selectinload(Arrangement.installments))
                .order_by(Arrangement.id)
                .with_for_update()
            ).all()
            for plan in plans:
                account = session.get(Account, plan.account_id)
                assert account is not None
                outcome = self._check_one(session, plan, account, on)
                if outcome == "broken":
                    broken.append(plan.id)
                    if self._send_notice(session, account, on):
                        notices.append(account.id)
                elif outcome == "kept":
                    kept.append(plan.id)
                if outcome != "broken" and self._stop_disconnection_if_current(
                    session, account, on
                ):
                    stopped.append(account.id)
        return PlanCheckReport(tuple(broken), tuple(kept), tuple(stopped), tuple(notices))

    def _check_one(self, session: Session, plan: Arrangement, account: Account, on: dt.date) -> str:
        if plan.kind == ArrangementKind.EXTENSION:
            if plan.new_due_on is None or plan.new_due_on >= on:
                return "running"
            still_owed = account_state.owed(session, account, on).past_due_cents
            outcome = "broken" if still_owed > 0 else "kept"
        elif all(part.paid_cents >= part.cents for part in plan.installments):
            outcome = "kept"
        elif any(p.due_on < on and p.paid_cents < p.cents for p in plan.installments):
            outcome = "broken"
        else:
            return "running"
        plan.state = ArrangementState.BROKEN if outcome == "broken" else ArrangementState.KEPT
        plan.ended_at = self.store.clock.now()
        session.flush()
        record(
            self.store,
            session,
            f"arrangement.{outcome}",
            "success",
            account,
            actor="system",
            arrangement=plan.id,
            kind=plan.kind.value,
        )
        return outcome


def _ended_on(plan: Arrangement, store: Store) -> dt.date:
    return store.day_of(plan.ended_at or plan.created_at)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
