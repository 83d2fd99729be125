"""``kiosk text``: the conversation as plain lines on stdin/stdout.

For scripting, for tests, and for people using a terminal screen reader:
one answer a line, prompts in the chosen register, commands by word.
A whole payment can be scripted: ``printf '1\\n40152270\\n...' | kiosk text``.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Callable
from typing import TextIO

from kiosk.conversation.engine import Conversation
from kiosk.conversation.prompt import AnswerKind, Prompt, Register

EXIT_OK = 0
EXIT_INPUT_CLOSED = 3


class LineReader:
    """Lines from a file descriptor with a timeout (select + our own buffer, so
    lines that arrive together are never stuck in a hidden buffer)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.closed = False

    def readline(self, timeout: float | None) -> str | None:
        """A line without its newline; None on timeout. Raises EOFError at end of input."""
        while b"\n" not in self.buffer:
            if self.closed:
                if self.buffer:
                    line, self.buffer = self.buffer, b""
                    return line.decode("utf-8", "replace")
                raise EOFError
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return None
            chunk = os.read(self.fd, 4096)
            if not chunk:
                self.closed = True
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")


def format_prompt(prompt: Prompt, register: Register) -> str:
    """The prompt as plain text lines, in reading order."""
    lines: list[str] = []
    if prompt.step and prompt.total_steps:
        heading = f"Step {prompt.step} of {prompt.total_steps}: {prompt.task}"
        lines.append(heading.upper() if register == Register.TTY else heading)
    if prompt.error is not None:
        lines.append(
            ("ERROR: " if register != Register.TTY else "") + prompt.error.in_register(register)
        )
    if prompt.notice is not None:
        lines.append(prompt.notice.in_register(register))
    for label, value in prompt.details:
        row = f"  {label}: {value}"
        lines.append(row.upper() if register == Register.TTY else row)
    text = prompt.text.in_register(register)
    if register == Register.TTY and prompt.choices:
        text = text.removesuffix(" GA")
    lines.append(text)
    for choice in prompt.choices:
        words = choice.label.in_register(register)
        lines.append(
            f"  {choice.key} {words}" if register == Register.TTY else f"  {choice.key}. {words}"
        )
    if register == Register.TTY and prompt.choices:
        lines.append("GA")
    elif register != Register.TTY and not prompt.end_of_session:
        hint = _HINTS[prompt.kind]
        lines.append(f"[{hint} Type help, back, repeat, or person at any time.]")
    return "\n".join(lines)


_HINTS = {
    AnswerKind.CHOICE: "Type a number or a word.",
    AnswerKind.DIGITS: "Type the numbers.",
    AnswerKind.AMOUNT: "Type an amount like 42.50.",
    AnswerKind.YES_NO: "Type yes or no.",
    AnswerKind.TEXT: "Type your answer.",
    AnswerKind.NONE: "Press Enter to go on.",
}


def converse(
    conversation: Conversation,
    reader: LineReader,
    out: TextIO,
    register: Register,
    *,
    warning_seconds: float,
    patience: Callable[[Prompt], tuple[float, float]] | None = None,
    after_greeting: Callable[[], None] | None = None,
) -> int:
    """Run one session until its end. Returns the exit code.

    ``patience(prompt)`` gives (seconds until the "are you still there" warning,
    seconds from the warning to the end); by default the prompt's response time
    less ``warning_seconds``, then ``warning_seconds``. ``after_greeting`` runs
    once the first prompt is out (the runtime starts its background work then,
    so the greeting does not wait for the database).
    """

    def default_patience(prompt: Prompt) -> tuple[float, float]:
        limit = prompt.timeout_seconds or 60.0
        return max(limit - warning_seconds, 0.1), warning_seconds

    patience = patience or default_patience
    prompt = conversation.prompt
    while True:
        out.write(
            format_prompt(prompt, conversation.register if register != Register.TTY else register)
            + "\n> "
        )
        out.flush()
        if after_greeting is not None:
            after_greeting()
            after_greeting = None
        if prompt.end_of_session:
            out.write("\n")
            return EXIT_OK
        before_warning, after_warning = patience(prompt)
        try:
            line = reader.readline(before_warning)
            if line is None:
                out.write(f"\n{_warning(register, after_warning)}\n> ")
                out.flush()
                line = reader.readline(after_warning)
                if line is None:
                    prompt = conversation.expire()
                    continue
        except EOFError:
            conversation.expire()
            out.write("\nInput ended before the session was finished. Your details were cleared.\n")
            return EXIT_INPUT_CLOSED
        prompt = conversation.answer(line)
        conversation.take_signals()  # a text channel has no audio or display modes


def _warning(register: Register, seconds: float) -> str:
    text = f"Are you still there? The session ends in {seconds:.0f} seconds. Type more time to get more time."
    return text.upper().replace("?", " Q") + " GA" if register == Register.TTY else text


def run_text_channel(register: str = "standard") -> int:
    from kiosk.runtime import KioskRuntime

    chosen = Register(register)
    runtime = KioskRuntime.start(upkeep_now=False)

    def after_greeting() -> None:
        # Logging (structlog imports in ~0.17 s) is set up once the greeting is out:
        # nothing logs before the upkeep starts.
        from kiosk.logging import log_to_data_dir

        log_to_data_dir()
        runtime.begin_upkeep()

    try:
        conversation = Conversation(runtime.services, chosen)
        code = converse(
            conversation,
            LineReader(sys.stdin.fileno()),
            sys.stdout,
            chosen,
            warning_seconds=runtime.services.settings.timeout_warning_seconds,
            after_greeting=after_greeting,
        )
        runtime.deliver_pending()
        return code
    except BrokenPipeError:
        # Whoever read our output went away (e.g. piped into ``head``): end quietly.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter closes it at exit
        return EXIT_INPUT_CLOSED
    finally:
        runtime.stop()
