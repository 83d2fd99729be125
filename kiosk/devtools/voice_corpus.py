"""How people really answer the kiosk's questions: a corpus of natural phrasings per step.

Each phrasing is said to a real prompt of Ava's session (walked through the real
conversation engine on a seeded store), heard with that prompt's speech grammar, and
must give the answer a keypad user would have typed. The tests speak a few of them with
espeak-ng; ``bench/bench_speech.py`` speaks them all with several voices and noise.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import AnswerKind, Prompt, Register
from kiosk.conversation.services import Services

__all__ = ["NATURAL", "SENTENCES", "Phrasing", "expected_line", "session_prompts"]

AVA = ("40152270", "72201", "2468")


@dataclass(frozen=True)
class Phrasing:
    """``text`` said on step ``step``; ``want`` is the choice value (or the start of its
    label), the digits, the amount in cents, or "yes"/"no"."""

    step: str
    kind: str  # report group: menu, yesno, digits, amount, command
    text: str
    want: str


def _p(step: str, kind: str, *pairs: tuple[str, str]) -> list[Phrasing]:
    return [Phrasing(step, kind, text, want) for text, want in pairs]


NATURAL: tuple[Phrasing, ...] = tuple(
    _p(
        "menu",
        "menu",
        ("I want to pay my bill", "pay"),
        ("I'd like to make a payment", "pay"),
        ("can I pay my bill please", "pay"),
        ("um pay my bill", "pay"),
        ("I want to dispute a charge", "dispute"),
        ("I'd like to set up a payment plan", "plan"),
        ("I want to hear my bill", "bill"),
        ("number two please", "pay"),
        ("I want to talk to a person", "person"),
        ("I'm done thanks", "finish"),
    )
    + _p(
        "pay_method",
        "menu",
        ("I'll pay by card", "card"),
        ("credit card please", "card"),
        ("um cash", "cash"),
        ("with my bank account", "bank"),
    )
    + _p(
        "dispute_pick",
        "menu",
        ("the Internet charge", "Internet"),
        ("taxes and fees please", "Taxes"),
        ("um the home phone line", "Home phone"),
    )
    + _p(
        "pay_review",
        "yesno",
        ("yes please", "yes"),
        ("yes that's right", "yes"),
        ("um yes", "yes"),
        ("no thank you", "no"),
        ("no it's not", "no"),
        ("uh no", "no"),
    )
    + _p(
        "verify_id",
        "digits",
        ("my account number is four oh one five two two seven oh", "40152270"),
        ("it's four zero one five two two seven zero", "40152270"),
        ("um five oh one five five five oh one oh one", "5015550101"),
    )
    + _p(
        "verify_zip",
        "digits",
        ("my zip code is seven two two oh one", "72201"),
        ("it's seven two two zero one", "72201"),
        ("uh seven two two oh one please", "72201"),
    )
    + _p(
        "pay_other",
        "amount",
        ("I want to pay forty dollars", "4000"),
        ("it's twenty five dollars please", "2500"),
        ("um sixty dollars and fifty cents", "6050"),
        ("I'll pay thirty dollars", "3000"),
    )
)


#: Out-of-grammar sentences said where the grammar is loosest (the welcome and the main
#: menu, with carriers around their answers): none may be taken as an answer.
SENTENCES: tuple[tuple[str, str], ...] = tuple(
    (step, text)
    for step in ("welcome", "menu")
    for text in (
        "can you tell me what the weather is like",
        "I would like a pizza with extra cheese",
        "where is the bathroom in this store",
        "hang on I need to find my glasses",
        "my daughter usually does this for me",
    )
)


def session_prompts(services: Services) -> dict[str, Prompt]:
    """The real prompts of the steps in :data:`NATURAL`, from Ava's spoken session."""
    prompts: dict[str, Prompt] = {}
    talk = Conversation(services, Register.SPOKEN)

    def keep(prompt: Prompt) -> Prompt:
        prompts[prompt.id] = prompt
        return prompt

    def pick(value: str) -> None:
        keys = {c.value: c.key for c in talk.prompt.choices}
        keep(talk.answer(keys[value]))

    keep(talk.prompt)  # the welcome
    keep(talk.answer("1"))  # start -> verify_id
    keep(talk.answer(AVA[0]))
    keep(talk.answer(AVA[1]))
    keep(talk.answer(AVA[2]))  # the menu
    pick("dispute")
    keep(talk.answer("cancel"))
    pick("pay")
    pick("other")
    keep(talk.answer("40.00"))  # pay_method
    pick("card")  # pay_review
    missing = {p.step for p in NATURAL} - set(prompts)
    if missing:
        raise RuntimeError(f"the walk did not reach {sorted(missing)}")
    return prompts


def expected_line(prompt: Prompt, want: str) -> str:
    """What the engine must receive for ``want`` on ``prompt`` (a key, digits, yes/no,
    or an amount as dollars.cents)."""
    if prompt.kind is AnswerKind.AMOUNT:
        cents = int(want)
        return f"{cents // 100}.{cents % 100:02d}"
    if prompt.kind is not AnswerKind.CHOICE:
        return want
    for choice in prompt.choices:
        if choice.value == want or choice.label.standard.startswith(want):
            return choice.key
    raise KeyError(f"{want!r} is not a choice of {prompt.id}")
