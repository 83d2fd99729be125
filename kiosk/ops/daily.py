"""The daily job: check payment plans, expire plan offers nobody answered, forget
spent sign-in locks of unknown identifiers, report yesterday.

Idempotent, so a timer that fires twice, or ``kiosk serve`` and the timer both, change
nothing the second time. Run by ``kiosk admin daily`` (deploy/kiosk-daily.timer) or by
``kiosk serve`` at ``daily_job_time``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from kiosk.ops.report import DailyReport, build_report
from kiosk.services.arrangements import ArrangementService, PlanCheckReport
from kiosk.services.audit import record
from kiosk.store.models import Arrangement, ArrangementState, IdentifierLock

if TYPE_CHECKING:
    from kiosk.store.store import Store


@dataclass(frozen=True)
class DailyRun:
    day: dt.date  # the store's local date the job ran for
    plans: PlanCheckReport
    offers_expired: tuple[int, ...]  # arrangement ids: OFFERED too long -> DECLINED
    locks_forgotten: int  # identifier locks whose lockout ran out (see forget_spent_locks)
    report: DailyReport  # of the day before

    def summary(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "plans_broken": list(self.plans.broken),
            "plans_kept": list(self.plans.kept),
            "disconnection_stopped": list(self.plans.disconnection_stopped),
            "notices_sent": list(self.plans.notices_sent),
            "offers_expired": list(self.offers_expired),
            "locks_forgotten": self.locks_forgotten,
            "report": self.report.as_dict(),
        }


def local_today(store: Store) -> dt.date:
    return store.clock.now().astimezone(ZoneInfo(store.settings.timezone)).date()


def expire_offers(store: Store) -> tuple[int, ...]:
    """Plan offers left unanswered for ``offer_expiry_hours`` (the customer walked away)
    are closed as declined, so they no longer count as open; each is audited."""
    cutoff = store.clock.now() - dt.timedelta(hours=store.settings.offer_expiry_hours)
    expired: list[int] = []
    with store.sessions() as session, session.begin():
        offers = session.scalars(
            select(Arrangement)
            .where(Arrangement.state == ArrangementState.OFFERED, Arrangement.created_at < cutoff)
            .order_by(Arrangement.id)
            .with_for_update()
        ).all()
        for offer in offers:
            offer.state = ArrangementState.DECLINED
            offer.ended_at = store.clock.now()
            expired.append(offer.id)
            record(
                session,
                settings=store.settings,
                actor="system",
                action="arrangement.offer_expired",
                outcome="success",
                resource=f"arrangement:{offer.id}",
                detail={"kind": offer.kind.value},
            )
    return tuple(expired)


def forget_spent_locks(store: Store) -> int:
    """Delete identifier locks whose lockout has run out. Such a row (no failures
    counted, a past ``locked_until``) acts exactly as no row, so sign-in is unchanged;
    without this, every number ever guessed at a kiosk kept a row for good."""
    now = store.clock.now()
    with store.sessions() as session, session.begin():
        spent = delete(IdentifierLock).where(
            IdentifierLock.failed_pin_attempts == 0, IdentifierLock.locked_until <= now
        )
        return int(session.execute(spent).rowcount or 0)  # type: ignore[attr-defined]


def run_daily(store: Store, day: dt.date | None = None) -> DailyRun:
    """The whole job for ``day`` (default: the store's today); audited as ``ops.daily``."""
    day = day or local_today(store)
    plans = ArrangementService(store).check_plans(on=day)
    offers = expire_offers(store)
    locks = forget_spent_locks(store)
    report = build_report(store, day - dt.timedelta(days=1))
    run = DailyRun(day, plans, offers, locks, report)
    with store.sessions() as session, session.begin():
        record(
            session,
            settings=store.settings,
            actor="system",
            action="ops.daily",
            outcome="success",
            detail={
                "day": day.isoformat(),
                "plans_broken": len(plans.broken),
                "plans_kept": len(plans.kept),
                "offers_expired": len(offers),
                "locks_forgotten": locks,
            },
        )
    return run
