"""Assistance programs: the kiosk informs and refers, records the question, never decides."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import InvalidInput, NotFound
from kiosk.receipts.render import spoken_money
from kiosk.services.common import find_account, money, record
from kiosk.settings import AssistanceProgram
from kiosk.store.models import ServiceRequest
from kiosk.store.store import Store

NOT_DECIDED_HERE = "This kiosk cannot decide if you qualify. The program decides."


@dataclass(frozen=True)
class Registers:
    """The same message for each way the kiosk speaks."""

    standard: str
    simple: str
    spoken: str
    tty: str  # short, upper case


@dataclass(frozen=True)
class ProgramInfo:
    key: str  # "lifeline", or a configured program's key
    name: str
    benefit: Registers
    who_qualifies: Registers
    how_to_apply: Registers
    decides: str  # who decides eligibility (never the kiosk)


def _tty(text: str) -> str:
    """TTY register: upper case, short, characters a Baudot TTY can show."""
    swaps = {"%": " PERCENT", "&": " AND ", "+": " AND ", "@": " AT ", "\u2019": "'"}
    for old, new in swaps.items():
        text = text.replace(old, new)
    return " ".join(text.upper().split())


class AssistanceService:
    """Tells customers about assistance programs and refers them; never decides."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.settings = store.settings

    def _money(self, cents: int) -> str:
        return money(cents, self.store)

    def lifeline(self) -> ProgramInfo:
        """FCC Lifeline, with every figure from the settings."""
        s = self.settings
        monthly, tribal = s.lifeline_monthly_credit_cents, s.lifeline_tribal_credit_cents
        pct = s.lifeline_income_percent_of_poverty
        phone, url = s.lifeline_support_phone, s.lifeline_apply_url
        benefit = Registers(
            standard=(
                f"Lifeline is a federal program. It takes up to {self._money(monthly)} a month "
                f"off a phone or internet bill. On Tribal lands it can be up to "
                f"{self._money(tribal)} a month. Each home can get only one Lifeline benefit."
            ),
            simple=(
                f"Lifeline can take up to {self._money(monthly)} off your bill a month. "
                f"On Tribal lands, up to {self._money(tribal)}. One per home."
            ),
            spoken=(
                f"Lifeline is a federal program. It can lower your phone or internet bill by up "
                f"to {spoken_money(monthly)} a month, or up to {spoken_money(tribal)} a month "
                "on Tribal lands. Only one Lifeline benefit is allowed per household."
            ),
            tty=_tty(
                f"LIFELINE: UP TO {self._money(monthly)} A MONTH OFF PHONE OR INTERNET, "
                f"{self._money(tribal)} ON TRIBAL LANDS. ONE PER HOUSEHOLD."
            ),
        )
        programs = (
            "SNAP, Medicaid, Supplemental Security Income (SSI), Federal Public Housing "
            "Assistance, the Veterans Pension or Survivors Benefit, or certain Tribal programs"
        )
        who = Registers(
            standard=(
                f"You may qualify if your home's income is at or below {pct}% of the federal "
                "poverty level. You may also qualify if someone in your home gets SNAP, "
                "Medicaid, SSI, public housing help, a veterans pension, or help from a Tribal "
                f"program. {NOT_DECIDED_HERE}"
            ),
            simple=(
                "You may get Lifeline if your income is low. You may get it if someone at home "
                "gets SNAP, Medicaid or SSI. Housing help, a veterans pension or Tribal help "
                "count too. The kiosk cannot decide. The program decides."
            ),
            spoken=(
                f"You may qualify if your household income is at or below {pct} percent of "
                f"the federal poverty guidelines, or if someone in your household gets "
                f"{programs}. {NOT_DECIDED_HERE}"
            ),
            tty=_tty(
                f"YOU MAY QUALIFY WITH INCOME AT OR BELOW {pct}% OF POVERTY GUIDELINES OR WITH "
                "SNAP, MEDICAID, SSI, PUBLIC HOUSING, VETERANS PENSION OR TRIBAL PROGRAMS. "
                "KIOSK CANNOT DECIDE."
            ),
        )
        apply = Registers(
            standard=(
                "To apply, use the National Verifier. It checks who can get Lifeline for the "
                f"FCC. Apply online at {url}, or by mail with a paper form. For help, call the "
                f"Lifeline Support Center at {phone}. When you are approved, tell us. We will "
                "add the benefit to your bill."
            ),
            simple=(
                f"To apply, go to {url} or call {phone}. They check if you qualify. "
                "Then tell us, and we add it to your bill."
            ),
            spoken=(
                f"To apply, use the National Verifier online at {url}, or apply by mail. For "
                f"help, call the Lifeline Support Center at {phone}. Once you are approved, "
                "tell us and we will add the benefit to your bill."
            ),
            tty=_tty(f"APPLY AT {url} OR BY MAIL. HELP: {phone}. THEN TELL US."),
        )
        return ProgramInfo(
            key="lifeline",
            name="Lifeline",
            benefit=benefit,
            who_qualifies=who,
            how_to_apply=apply,
            decides="The program decides who can get Lifeline. This kiosk does not decide.",
        )

    def _configured(self, program: AssistanceProgram) -> ProgramInfo:
        def registers(text: str) -> Registers:
            return Registers(standard=text, simple=text, spoken=text, tty=_tty(text))

        return ProgramInfo(
            key=program.key,
            name=program.name,
            benefit=registers(program.benefit),
            who_qualifies=registers(f"{program.who_qualifies} {NOT_DECIDED_HERE}"),
            how_to_apply=registers(program.how_to_apply),
            decides=program.decides,
        )

    def programs(self) -> list[ProgramInfo]:
        """Lifeline first, then the configured programs."""
        return [self.lifeline()] + [self._configured(p) for p in self.settings.assistance_programs]

    def program(self, key: str) -> ProgramInfo:
        """One program by key.

        Raises:
            NotFound: no program with that key.
        """
        for info in self.programs():
            if info.key == key:
                return info
        raise NotFound(
            "We do not have information about that program.",
            "",
            "Choose one of the programs listed, or ask a store associate.",
        )

    def record_inquiry(self, account_number: str | None, program: str) -> int:
        """Record that the customer asked (a ServiceRequest); returns its id.

        Raises:
            NotFound: unknown program or account. InvalidInput: empty program.
        """
        if not program.strip():
            raise InvalidInput("No program was chosen.", "", "Choose a program from the list.")
        info = self.program(program.strip())
        with self.store.sessions() as session, session.begin():
            account = find_account(session, account_number) if account_number else None
            request = ServiceRequest(
                account_id=account.id if account else None,
                kind="assistance_inquiry",
                reason=f"asked about {info.name}",
                kiosk_id=self.settings.kiosk_id,
                created_at=self.store.clock.now(),
            )
            session.add(request)
            session.flush()
            record(self.store, session, "assistance.inquiry", "success", account, program=info.key)
            return request.id
