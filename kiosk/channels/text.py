"""``kiosk text``: the conversation as plain lines on stdin/stdout.

For scripting, for tests, and for people using a terminal screen reader:
one answer a line, prompts in the chosen register, commands by word.
A whole payment can be scripted: ``printf '1\\n40152270\\n...' | kiosk text``.
"""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TextIO

from kiosk.channels.secret_input import MaskedKeys, echo_off, quiet_between_prompts
from kiosk.conversation.prompt import AnswerKind, Prompt, Register
from kiosk.conversation.session import Session, SessionEvent

EXIT_OK = 0
EXIT_INPUT_CLOSED = 3
EXIT_INTERRUPTED = 130  # Ctrl-C, as a shell reports SIGINT
POLL_SECONDS = 0.25  # the longest read between looks at the session's clock
#: The longest line kept, in bytes: every answer is far shorter (free text stops at 500
#: letters), and a pasted or piped megabyte line is cut here instead of being gathered
#: and parsed whole (a 5 MB line took 9 s and 450 MB before this limit).
MAX_LINE_BYTES = 4096


class LineReader:
    """Lines from a file descriptor with a timeout (select + our own buffer, so
    lines that arrive together are never stuck in a hidden buffer)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""
        self.closed = False
        self.keys: MaskedKeys | None = None  # set while a private answer is typed
        self.overflow = False  # the line being read is too long: the rest of it is dropped

    @contextmanager
    def masked(self, out: TextIO) -> Iterator[None]:
        """On a terminal: no echo while the block runs, a ``*`` per key instead."""
        if not os.isatty(self.fd):
            yield
            return
        self.keys = MaskedKeys(out)
        try:
            with echo_off(self.fd):
                yield
        finally:
            self.keys = None

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
            self._take(self.keys.feed(chunk) if self.keys is not None else chunk)
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8", "replace").rstrip("\r")

    def _take(self, chunk: bytes) -> None:
        """Add ``chunk``, keeping at most MAX_LINE_BYTES of a line without its newline: a
        too-long line keeps its first bytes (so it is refused as too long, not cut to
        something that looks valid) and the rest, up to its newline, is dropped."""
        if self.overflow:
            end = chunk.find(b"\n")
            if end < 0:
                return
            self.overflow = False
            chunk = chunk[end:]
        self.buffer += chunk
        start = self.buffer.rfind(b"\n") + 1
        if len(self.buffer) - start > MAX_LINE_BYTES:
            self.buffer = self.buffer[: start + MAX_LINE_BYTES + 1]
            self.overflow = True


def format_prompt(prompt: Prompt, register: Register) -> str:
    """The prompt as plain text lines, in reading order."""
    lines: list[str] = []
    if prompt.step_label:
        heading = f"{prompt.step_label}: {prompt.task}"
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
    if text:
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
    session: Session,
    reader: LineReader,
    out: TextIO,
    register: Register,
    *,
    after_greeting: Callable[[], None] | None = None,
) -> int:
    """Run one session until its end. Returns the exit code.

    The session's clock decides when to warn and when to end; ``after_greeting``
    runs once the first prompt is out (the runtime starts its background work
    then, so the greeting does not wait for the database).
    """
    try:
        if not os.isatty(reader.fd):
            return _converse(session, reader, out, register, lambda: nullcontext(), after_greeting)
        with quiet_between_prompts(reader.fd) as echoing:  # keys typed ahead are not shown
            return _converse(session, reader, out, register, echoing, after_greeting)
    except KeyboardInterrupt:  # Ctrl-C: the session ends, the truth about its money is said
        from kiosk.conversation.steps.service_state import money_status

        status = money_status(session.conversation.ctx).in_register(
            register if register == Register.TTY else session.register
        )
        session.expire()
        out.write(f"\nStopped. {status} Your details were cleared.\n")
        out.flush()
        return EXIT_INTERRUPTED


def _converse(
    session: Session,
    reader: LineReader,
    out: TextIO,
    register: Register,
    echoing: Callable[[], AbstractContextManager[object]],
    after_greeting: Callable[[], None] | None,
) -> int:
    prompt = session.prompt
    shown = register if register == Register.TTY else None
    while True:
        # The terminal's mode is set before the prompt shows: an answer typed as soon as
        # it appears is echoed (or masked, for a PIN) from its first key.
        waiting = reader.masked(out) if prompt.private else echoing()
        try:
            with waiting:
                out.write(format_prompt(prompt, shown or session.register) + "\n> ")
                out.flush()
                if after_greeting is not None:
                    after_greeting()
                    after_greeting = None
                if session.finished:
                    out.write("\n")
                    return EXIT_OK
                line = _next_line(session, reader, out, shown or session.register)
        except EOFError:
            session.expire()
            out.write("\nInput ended before the session was finished. Your details were cleared.\n")
            return EXIT_INPUT_CLOSED
        prompt = session.prompt if line is None else session.answer(line)
        session.take_signals()  # a text channel has no audio or display modes


def _next_line(session: Session, reader: LineReader, out: TextIO, register: Register) -> str | None:
    """The next line typed; None when the step's time ran out (the warning shown first)."""
    while True:
        wait = session.seconds_to_next_event()
        line = reader.readline(None if wait is None else min(wait, POLL_SECONDS))
        if line is not None:
            return line
        tick = session.tick()
        if tick.event is SessionEvent.WARNING:
            out.write(f"\n{session.warning(tick.seconds_left).in_register(register)}\n> ")
            out.flush()
        elif tick.event is SessionEvent.EXPIRED:
            return None


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
        code = converse(
            Session(runtime.services, chosen),
            LineReader(sys.stdin.fileno()),
            sys.stdout,
            chosen,
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
