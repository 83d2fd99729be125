"""A conversation over a real store (SQLite file), driven answer by answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import Register
from kiosk.conversation.services import Services
from kiosk.store.store import Store

ACCOUNTS = {
    "ava": ("40152270", "72201", "2468"),
    "ben": ("40152271", "35203", "1357"),
    "carmen": ("40152272", "27601", "8642"),
    "dev": ("40152273", "50309", "9753"),
    "emma": ("40152274", "73301", "1111"),
}


class Driver:
    """Answers prompts and keeps every prompt seen, for assertions."""

    def __init__(self, services: Services, register: Register = Register.STANDARD) -> None:
        self.conversation = Conversation(services, register)
        self.seen = [self.conversation.prompt]

    @property
    def prompt(self):  # type: ignore[no-untyped-def]
        return self.conversation.prompt

    def say(self, *answers: str):  # type: ignore[no-untyped-def]
        for answer in answers:
            self.seen.append(self.conversation.answer(answer))
        return self.conversation.prompt

    def speak(self, heard: str):  # type: ignore[no-untyped-def]
        """Answer as the voice channel does: the step's speech grammar reads what was
        heard and the engine gets figures (spoken numbers are read only here)."""
        from kiosk.channels.voice_grammar import engine_text, grammar_for

        answer = grammar_for(self.prompt).interpret(heard)
        assert answer is not None, f"{heard!r} is not an answer to {self.prompt.id}"
        return self.say(engine_text(self.prompt, answer))

    def choose(self, value: str):  # type: ignore[no-untyped-def]
        """Pick a choice by its value, using the key a keypad user would press."""
        keys = {c.value: c.key for c in self.prompt.choices}
        assert value in keys, f"{value!r} not offered on {self.prompt.id}: {list(keys)}"
        return self.say(keys[value])

    def sign_in(self, who: str):  # type: ignore[no-untyped-def]
        number, zip_code, pin = ACCOUNTS[who]
        if self.prompt.id == "welcome":  # a TTY starts at the account question
            self.choose("start")
        self.say(number, zip_code, pin)
        assert self.prompt.id == "menu", self.prompt.render(Register.STANDARD)
        return self.prompt


@pytest.fixture
def services(sqlite_store: Store) -> Services:
    return Services(sqlite_store)


@pytest.fixture
def driver(services: Services) -> Callable[..., Driver]:
    def make(register: Register = Register.STANDARD) -> Driver:
        return Driver(services, register)

    return make
