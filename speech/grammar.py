"""Per-step grammars: the phrases a dialogue step accepts, and reading what was heard.

A recognizer listening for four choices is far more accurate than one listening for all
of English, so each step builds its own small grammar from its answer kind (a menu with
synonyms, yes/no, a fixed number of digits, an amount in words) plus the global commands
that work everywhere. What comes back is corrected to the nearest allowed phrase, or
rejected so the channel can say "Sorry, I did not catch that".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from kiosk.speech.numbers import SpokenNumberError, parse_amount, parse_digits

__all__ = [
    "ANSWER_KINDS",
    "COMMANDS",
    "NO_WORDS",
    "YES_WORDS",
    "SpokenAnswer",
    "StepGrammar",
    "build_grammar",
    "build_phrases",
    "correct",
    "normalise",
]

ANSWER_KINDS = ("yesno", "choice", "digits", "amount", "commands")

#: Global commands (answer value -> spoken forms); they work on every step.
COMMANDS: dict[str, list[str]] = {
    "help": ["help"],
    "repeat": ["repeat", "say that again"],
    "back": ["go back"],
    "start_over": ["start over"],
    "cancel": ["cancel"],
    "more_time": ["more time"],
    "person": ["person", "agent", "representative", "operator"],
    "louder": ["louder"],
    "softer": ["softer"],
    "faster": ["faster"],
    "slower": ["slower"],
}
YES_WORDS = ["yes", "yeah", "correct", "that's right", "right"]
YES_WORDS += ["yes please", "yes it is", "yes that's right", "yes that's correct", "yep"]
NO_WORDS = ["no", "nope", "wrong", "that's wrong"]
NO_WORDS += ["no thank you", "no thanks", "no it isn't", "no it's not", "no that's wrong"]

#: Sounds people make before answering; one may open any answer ("oh" not where it is
#: a digit).
FILLERS = ("um", "uh", "oh")

#: Carrier phrases people wrap an answer in, by answer kind: "I want to dispute a charge",
#: "it's seven two two oh one", "I'd like to pay forty dollars". Each is optional in the
#: step's grammar (at most one filler, then one lead, before the answer; one tail after)
#: and stripped again when the answer is read, so it never changes what was answered.
LEADS: dict[str, tuple[str, ...]] = {
    "choice": (
        "i want to",
        "i'd like to",
        "i would like to",
        "i need to",
        "can i",
        "could i",
        "let me",
        "i want",
        "i'd like",
        "i need",
        "please",
    ),
    "yesno": (),
    "digits": ("it's", "it is", "that's", "the number is"),
    "amount": (
        "it's",
        "i want to pay",
        "i'd like to pay",
        "i'll pay",
        "i will pay",
        "i can pay",
        "let me pay",
        "pay",
    ),
    "commands": ("i want to", "i'd like to", "can i", "please"),
}
TAILS: dict[str, tuple[str, ...]] = {
    "choice": ("please", "thank you", "thanks"),
    "yesno": (),  # "yes please", "no thank you" are phrases; tails let sentences in
    "digits": ("please", "thank you", "thanks"),
    "amount": ("please", "today", "now", "thank you", "thanks"),
    "commands": ("please", "thank you", "thanks"),
}

DIGIT_VOCABULARY = ["zero", "oh", "one", "two", "three", "four", "five", "six", "seven"]
DIGIT_VOCABULARY += ["eight", "nine"]
_UNITS = "one | two | three | four | five | six | seven | eight | nine"
_TEENS = "ten | eleven | twelve | thirteen | fourteen | fifteen | sixteen | seventeen"
_TEENS += " | eighteen | nineteen"
_TENS = "twenty | thirty | forty | fifty | sixty | seventy | eighty | ninety"
AMOUNT_VOCABULARY = sorted(
    {w.strip() for w in f"{_UNITS}|{_TEENS}|{_TENS}".split("|")}
    | {"hundred", "thousand", "dollars", "dollar", "cents", "cent", "and", "point", "oh"}
    | {"zero", "a"}
)

#: Common words outside every step's grammar: a loop of them soaks up out-of-grammar
#: speech, so "I want a pizza" is heard as garbage and rejected instead of forced onto
#: the nearest allowed phrase.
GARBAGE_WORDS = [
    "the",
    "a",
    "i",
    "you",
    "we",
    "it",
    "is",
    "was",
    "what",
    "how",
    "why",
    "when",
    "where",
    "which",
    "this",
    "with",
    "for",
    "from",
    "to",
    "in",
    "on",
    "at",
    "of",
    "but",
    "or",
    "not",
    "do",
    "does",
    "did",
    "have",
    "has",
    "had",
    "be",
    "been",
    "are",
    "am",
    "can",
    "will",
    "would",
    "should",
    "could",
    "like",
    "want",
    "need",
    "know",
    "think",
    "get",
    "make",
    "take",
    "see",
    "come",
    "look",
    "tell",
    "give",
    "find",
    "work",
    "call",
    "try",
    "ask",
    "feel",
    "leave",
    "put",
    "mean",
    "keep",
    "let",
    "seem",
    "show",
    "play",
    "run",
    "move",
    "live",
    "believe",
    "hold",
    "bring",
    "happen",
    "write",
    "sit",
    "stand",
    "lose",
    "meet",
    "set",
    "learn",
    "change",
    "lead",
    "watch",
    "follow",
    "stop",
    "speak",
    "read",
    "spend",
    "grow",
    "open",
    "walk",
    "win",
    "teach",
    "offer",
    "buy",
    "serve",
    "die",
    "send",
    "build",
    "stay",
    "fall",
    "cut",
    "reach",
    "weather",
    "today",
    "pizza",
    "cheese",
    "water",
    "house",
    "car",
    "dog",
    "street",
    "morning",
    "night",
    "music",
    "food",
]

#: Default fuzzy-match cut-off (0-100): below it a phrase is rejected, not guessed.
DEFAULT_THRESHOLD = 80.0


def normalise(text: str) -> str:
    """Lower-case words only, the form grammars and dictionaries use."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^\w' ]+|_", " ", text)  # letters of any script
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class SpokenAnswer:
    """What a step receives: a value of its kind, or a global command."""

    kind: str  # "choice", "yesno", "digits", "amount" or "command"
    value: str | int | bool
    heard: str


@dataclass(frozen=True)
class StepGrammar:
    """The answers one dialogue step accepts, as phrases and as structure.

    ``phrases`` are the fixed phrases (choice synonyms, yes/no words, commands) mapped to
    their answer value; digits and amounts are open sets described by ``kind`` and
    ``length`` (exact number of digits, None for any) or ``lengths`` (the numbers of
    digits allowed when there are several: an 8-digit account number or a phone number).
    """

    kind: str
    phrases: Mapping[str, str] = field(default_factory=dict)  # spoken phrase -> value
    length: int | None = None
    lengths: tuple[int, ...] = ()
    commands: bool = True
    #: Weight of an out-of-grammar ("garbage") word loop; 0 (default) leaves it out:
    #: measured with pocketsphinx it rejects all out-of-grammar sentences but also a
    #: third of in-grammar answers, whatever the weight.
    garbage_weight: float = 0.0
    #: Prior of a global command ("help", "louder", ...) against the step's own answers:
    #: people answer the question far more often than they give a command. Pocketsphinx's
    #: acoustic scores dwarf grammar weights, so the prior must be tiny to count: at
    #: 1e-20 a method menu's "card" stopped being heard as "louder" (menu clean 96.9 % ->
    #: 100 %, 10 dB 95.3 -> 96.9 %; bench_speech, 4 voices x 2 rates) and digits, amounts,
    #: yes/no and the commands on the bench's plain menu did not move. It has a cost: on
    #: a menu whose keys can be said ("two"), "person" fell from 16 to 13 of 16 clips and
    #: "go back" from 12 to 10; kept because without it two voices' scripted payments
    #: fail and out-of-grammar speech is taken as a command. 1.0 treats commands as answers.
    command_weight: float = 1e-20
    #: Optional words around an answer (see :data:`LEADS`): fillers, then a lead before
    #: it, a tail after it. Stripped by :meth:`core` before the answer is read.
    fillers: tuple[str, ...] = ()
    leads: tuple[str, ...] = ()
    tails: tuple[str, ...] = ()

    def core(self, heard: str) -> str:
        """``heard`` without the carrier phrases around the answer ("i want to pay my
        bill please" -> "pay my bill"); an exact phrase is kept whole."""
        text = normalise(heard)
        if text in self.phrases:
            return text
        for words, at_start in ((self.fillers, True), (self.leads, True), (self.tails, False)):
            for carrier in sorted(words, key=len, reverse=True):
                if at_start and text.startswith(carrier + " "):
                    text = text[len(carrier) + 1 :]
                    break
                if not at_start and text.endswith(" " + carrier):
                    text = text[: -len(carrier) - 1]
                    break
        return text

    def whole(self, heard: str) -> bool:
        """Whether ``heard``, carriers aside, is exactly one of this step's answers (not
        garbage, not a near miss that fuzzy matching would correct)."""
        text = self.core(heard)
        if text in self.phrases:
            return True
        if self.kind in ("digits", "amount") and not self.outside_vocabulary(text):
            answer = self.interpret(text)
            return answer is not None and answer.kind == self.kind
        return False

    @property
    def has_carriers(self) -> bool:
        return bool(self.fillers or self.leads or self.tails)

    def bare(self) -> StepGrammar:
        """This grammar without carriers: the answers alone."""
        if not self.has_carriers:
            return self
        return dataclasses.replace(self, fillers=(), leads=(), tails=())

    @property
    def digit_lengths(self) -> tuple[int, ...]:
        """The numbers of digits this step accepts, shortest first; () for any."""
        if self.length is not None:
            return (self.length,)
        return tuple(sorted(set(self.lengths)))

    def could_grow(self, answer: SpokenAnswer | None) -> bool:
        """Whether a complete digit answer may still be the start of a longer one (8
        digits where 10 are allowed too): then a short pause does not prove it over.
        No answer (nothing heard) cannot grow."""
        if answer is None or answer.kind != "digits":
            return False
        return any(count > len(str(answer.value)) for count in self.digit_lengths)

    @property
    def vocabulary(self) -> list[str]:
        """Every phrase or word the recognizer may hear on this step."""
        words = list(self.phrases) + [*self.fillers, *self.leads, *self.tails]
        if self.kind == "digits":
            words += DIGIT_VOCABULARY
        elif self.kind == "amount":
            words += AMOUNT_VOCABULARY
        return list(dict.fromkeys(words))

    def outside_vocabulary(self, heard: str) -> bool:
        """Whether ``heard`` has a word this step cannot contain (garbage, "[unk]")."""
        words = {word for phrase in self.vocabulary for word in phrase.split()}
        return any(word not in words for word in heard.lower().split())

    def command_phrases(self) -> dict[str, str]:
        return {p: v for p, v in self.phrases.items() if v.startswith("command:")}

    def to_jsgf(self, name: str = "step") -> str:
        """A JSGF grammar for pocketsphinx: exactly this step's answers."""
        rules = [f"#JSGF V1.0;\ngrammar {name};"]
        alternatives: list[str] = []
        commands = [p for p, value in self.phrases.items() if p and value.startswith("command:")]
        answers = [p for p, value in self.phrases.items() if p and p not in commands]
        if answers:
            rules.append("<phrase> = " + " | ".join(answers) + ";")
            alternatives.append("<phrase>")
        if self.kind == "digits":
            rules.append("<digit> = " + " | ".join(DIGIT_VOCABULARY) + ";")
            counts = self.digit_lengths
            body = " | ".join(" ".join(["<digit>"] * n) for n in counts) or "<digit>+"
            rules.append(f"<digits> = {body};")
            alternatives.append("<digits>")
        elif self.kind == "amount":
            rules += _AMOUNT_RULES
            alternatives.append("<amount>")
        before, after = "", ""
        for rule, words, at_start in (
            ("<filler>", self.fillers, True),
            ("<lead>", self.leads, True),
            ("<tail>", self.tails, False),
        ):
            if words:
                rules.append(f"{rule} = {' | '.join(words)};")
                before, after = (
                    (before + f"[{rule}] ", after) if at_start else (before, f" [{rule}]")
                )
        if alternatives and (before or after):
            # Carriers go around the step's own answers only: around the whole body
            # (commands too) they changed how the command prior weighs, and "help" on
            # a method menu was heard as "cancel" or "louder" (8/8 -> 4/8 clips). A
            # key word takes no lead: "can i two" is no way to talk, and sentences
            # ("can you tell me what the weather is like") were heard as just that.
            keys = [p for p in answers if _is_key_phrase(p)]
            if keys and len(keys) < len(answers):
                rules[rules.index("<phrase> = " + " | ".join(answers) + ";")] = (
                    "<phrase> = " + " | ".join(p for p in answers if p not in keys) + ";"
                )
                rules.append("<key> = " + " | ".join(keys) + ";")
                bare_filler = "[<filler>] " if self.fillers else ""
                said = f"{before}({' | '.join(alternatives)}){after}"
                rules.append(f"<said> = {said} | {bare_filler}<key>{after};")
            else:
                rules.append(f"<said> = {before}({' | '.join(alternatives)}){after};")
            alternatives = ["<said>"]
        weights = {answer: 1.0 for answer in alternatives}
        if commands:
            rules.append("<command> = " + " | ".join(commands) + ";")
            weights["<command>"] = self.command_weight if alternatives else 1.0
        if self.garbage_weight > 0:
            own = {word for phrase in self.bare().vocabulary for word in phrase.split()}
            fillers = [w for w in GARBAGE_WORDS if w not in own]
            rules.append("<junk> = " + " | ".join(fillers) + ";")
            rules.append("<garbage> = <junk> <junk> <junk>+;")  # sentences, not answers
            weights["<garbage>"] = self.garbage_weight
        if len(set(weights.values())) > 1:
            alternatives = [f"/{weight:g}/ {rule}" for rule, weight in weights.items()]
        else:
            alternatives = list(weights)
        body = " | ".join(alternatives)
        rules.append(f"public <answer> = {body};")
        return "\n".join(rules) + "\n"

    def interpret(self, heard: str, threshold: float = DEFAULT_THRESHOLD) -> SpokenAnswer | None:
        """Turn recognised text into this step's answer, or None when it is not one."""
        if normalise(heard) in (*self.fillers, *self.leads, *self.tails):
            return None  # a carrier alone ("i want to") answers nothing
        text = self.core(heard)
        if not text:
            return None
        if self.kind == "digits":
            answer = self._digits(text, heard)
            if answer:
                return answer
        elif self.kind == "amount":
            try:
                return SpokenAnswer("amount", parse_amount(text), heard)
            except SpokenNumberError:
                pass
        phrase = correct(text, list(self.phrases), threshold)
        if phrase is None:
            return None
        value = self.phrases[phrase]
        if value.startswith("command:"):
            return SpokenAnswer("command", value.removeprefix("command:"), heard)
        if self.kind == "yesno":
            return SpokenAnswer("yesno", value == "yes", heard)
        return SpokenAnswer(self.kind, value, heard)

    def _digits(self, text: str, heard: str) -> SpokenAnswer | None:
        try:
            digits = parse_digits(text)
        except SpokenNumberError:
            return None
        if self.digit_lengths and len(digits) not in self.digit_lengths:
            return None
        return SpokenAnswer("digits", digits, heard)


def _is_key_phrase(phrase: str) -> bool:
    """A choice said by its key: "two", "number two", "option two"."""
    words = phrase.split()
    if words and words[0] in ("number", "option"):
        words = words[1:]
    return bool(words) and all(word in DIGIT_VOCABULARY for word in words)


#: How people say amounts, and no more: a looser grammar lets noise turn "dollars and
#: ninety nine cents" into "thousand and ninety nine ten". Thousands only with "dollars";
#: the spoken-pair form ("forty two fifty") only below a thousand with two-digit cents;
#: after "point" the cents digit by digit ("forty two point five oh"). A digit string
#: ("one five zero") has a path of its own, which reads as no amount: without it the
#: decoder forced "one five zero" onto "one point zero two" ($1.02; 8 of 8 clips,
#: espeak-ng 4 voices x 140/180 wpm) or "two one five point four oh" onto "two hundred
#: five point four oh" ($205.40).
_AMOUNT_RULES = [
    f"<unit> = {_UNITS};",
    f"<teen> = {_TEENS};",
    f"<tens> = {_TENS};",
    "<cent_digit> = oh | zero | <unit>;",
    "<under100> = <unit> | <teen> | <tens> [<unit>];",
    "<under1000> = (a | <unit> | <teen>) hundred [and] [<under100>] | <under100>;",
    "<number> = <under1000> | (a | <under100>) thousand [[and] <under1000>];",
    "<pair> = <teen> | <tens> [<unit>] | oh <unit>;",
    "<amount> = <number> (dollars | dollar) [[and] <under100> (cents | cent)]"
    " | <under100> (cents | cent) | <number> | <under1000> <pair>"
    " | <number> point <cent_digit> <cent_digit> [dollars | dollar] | <spelled>;",
    "<spelled> = <cent_digit> <cent_digit>+ [point <cent_digit>+] [dollars | dollar];",
]


def build_grammar(
    kind: str,
    choices: Mapping[str, Sequence[str]] | None = None,
    length: int | None = None,
    commands: bool = True,
    lengths: Sequence[int] = (),
    leads: Sequence[str] = (),
    tails: Sequence[str] = (),
    carriers: bool = True,
) -> StepGrammar:
    """Build the grammar of one step.

    Args:
        kind: one of ``ANSWER_KINDS``.
        choices: for "choice", answer value -> spoken synonyms (the value itself is not
            spoken unless listed).
        length: for "digits", the exact number of digits (PIN 4, ZIP 5), or None.
        commands: include the global commands (help, repeat, go back, ...).
        lengths: for "digits" without ``length``, the numbers of digits allowed when
            there are several (an account number 8, a phone number 10).
        leads: carrier phrases of this step on top of its kind's (:data:`LEADS`): "my
            zip code is" on the ZIP step.
        tails: the same after the answer ("the Internet charge").
        carriers: allow fillers, leads and tails around the answer (False: the answer
            alone, as grammars were before people's phrasing was measured).

    Raises:
        ValueError: for an unknown kind, a choice step without choices, or both
            ``length`` and ``lengths``.
    """
    if kind not in ANSWER_KINDS:
        raise ValueError(f"unknown answer kind {kind!r}; expected one of {ANSWER_KINDS}")
    if length is not None and lengths:
        raise ValueError("give length (one) or lengths (several), not both")
    phrases: dict[str, str] = {}
    if kind == "choice":
        if not choices:
            raise ValueError("a choice step needs choices")
        for value, synonyms in choices.items():
            _add(phrases, synonyms or [value], value)
    elif kind == "yesno":
        _add(phrases, YES_WORDS, "yes")
        _add(phrases, NO_WORDS, "no")
    if commands or kind == "commands":
        for value, spoken in COMMANDS.items():
            _add(phrases, spoken, f"command:{value}")
    spoken_leads = tuple(dict.fromkeys(normalise(p) for p in (*LEADS[kind], *leads)))
    spoken_tails = tuple(dict.fromkeys(normalise(p) for p in (*TAILS[kind], *tails)))
    return StepGrammar(
        kind=kind,
        phrases=phrases,
        length=length,
        lengths=tuple(lengths),
        commands=commands,
        fillers=tuple(f for f in FILLERS if f not in DIGIT_VOCABULARY) if carriers else (),
        leads=spoken_leads if carriers else (),
        tails=spoken_tails if carriers else (),
    )


def _add(phrases: dict[str, str], spoken: Iterable[str], value: str) -> None:
    for phrase in spoken:
        key = normalise(phrase)
        if key and key not in phrases:
            phrases[key] = value


def build_phrases(
    kind: str, choices: Mapping[str, Sequence[str]] | None = None, length: int | None = None
) -> list[str]:
    """The flat phrase/word list of a step (what a Vosk grammar takes)."""
    return build_grammar(kind, choices, length).vocabulary


def correct(text: str, phrases: Sequence[str], threshold: float = DEFAULT_THRESHOLD) -> str | None:
    """The allowed phrase nearest to ``text``, or None when none is near enough.

    Exact matches win; otherwise rapidfuzz's weighted ratio picks the nearest phrase and a
    score below ``threshold`` rejects it, so out-of-grammar speech is never guessed.
    """
    clean = normalise(text)
    if not clean or not phrases:
        return None
    if clean in phrases:
        return clean
    best = process.extractOne(
        clean, phrases, scorer=fuzz.WRatio, processor=normalise, score_cutoff=threshold
    )
    return None if best is None else str(best[0])
