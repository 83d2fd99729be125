"""Baudot codec: character set, shift handling and shift recovery."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.tty import baudot
from kiosk.tty.baudot import FIGS, LTRS, SPACE


def usos_sender(text: str) -> list[int]:
    """Codes as an unshift-on-space sender (minimodem) would send them.

    It assumes the receiver fell back to letters after every space, so it never sends
    LTRS after a space and always sends FIGS before figures after a space.
    """
    codes: list[int] = [LTRS]
    shift = LTRS
    for ch in baudot.normalise(text):
        if ch == " ":
            codes.append(SPACE)
            shift = LTRS
            continue
        one = baudot.encode(ch)
        wanted, code = one[0], one[-1]
        if wanted != shift:
            codes.append(wanted)
            shift = wanted
        codes.append(code)
    return codes


def test_round_trip_of_a_kiosk_message() -> None:
    text = 'PAY $123.45 NOW? CALL 1-800-555-0199 (OPT 2); "OK" IT\'S 10:42! A/B GA'
    assert baudot.decode(baudot.encode(text)) == text


def test_lower_case_is_folded_and_symbols_are_spelled_out() -> None:
    assert baudot.normalise("a&b 50% #3 x+y=z @home") == (
        "A AND B 50 PERCENT NUMBER 3 X PLUS Y EQUALS Z AT HOME"
    )
    assert baudot.normalise("café™ tab\there") == "CAFETM TAB HERE"


def test_unsendable_characters_never_reach_the_line() -> None:
    codes = baudot.encode("ÀÉ €[x]_y{z}|\x00\x07")
    assert all(0 <= c < 32 for c in codes)
    assert baudot.decode(codes) == "AE (X)-Y(Z)/"


def test_every_transmission_starts_with_its_shift() -> None:
    assert baudot.encode("HI")[0] == LTRS
    assert baudot.encode("12")[0] == FIGS
    assert baudot.encode(" 1")[:2] == [LTRS, SPACE]


def test_figures_re_sent_after_every_space() -> None:
    codes = baudot.encode("555 1212 99")
    assert codes.count(FIGS) == 3
    # A receiver that unshifts on space still reads the numbers.
    assert baudot.decode(codes, unshift_on_space=True) == "555 1212 99"


def test_shift_re_sent_every_72_characters() -> None:
    codes = baudot.encode("A" * 200)
    assert codes.count(LTRS) == 3


def test_newline_is_cr_lf() -> None:
    codes = baudot.encode("A\nB")
    assert codes[2:4] == [baudot.CR, baudot.LF]
    assert baudot.decode(codes) == "A\nB"


def test_no_unshift_on_space_by_default() -> None:
    # A V.18 sender: FIGS once, shift kept across spaces.
    codes = [LTRS, *baudot.encode("CALL")[1:], SPACE, FIGS]
    codes += [c for c in baudot.encode("555 1212") if c not in (LTRS, FIGS)]
    assert baudot.decode(codes) == "CALL 555 1212"
    assert baudot.decode(codes, unshift_on_space=True, recover_shift=False) == "CALL 555 QWQW"


def test_unshift_on_space_sender_is_read_right() -> None:
    text = "PAID $5 THANK YOU. BALANCE $0.00 GA OR SK"
    codes = usos_sender(text)
    assert baudot.decode(codes, recover_shift=False) != text  # the naive reading is wrong
    assert baudot.decode(codes) == text


def test_lost_shift_at_start_is_recovered() -> None:
    codes = [c for c in baudot.encode("1212 GA") if c != FIGS]
    assert baudot.decode(codes) == "1212 GA"


def test_lost_figures_shift_inside_a_message_is_recovered() -> None:
    codes = baudot.encode("ACCOUNT 4821 7730 GA")
    first_figs = codes.index(FIGS)
    del codes[first_figs]
    assert baudot.decode(codes) == "ACCOUNT 4821 7730 GA"


def test_unreadable_frames_are_marked() -> None:
    codes = baudot.encode("AB")
    codes.insert(2, baudot.UNREADABLE)
    assert baudot.decode(codes) == "A" + baudot.REPLACEMENT + "B"


def test_streaming_decoder_holds_words_until_they_end() -> None:
    decoder = baudot.BaudotDecoder()
    out = [decoder.push(c) for c in baudot.encode("HELLO GA")]
    assert "".join(out) == "HELLO "
    assert decoder.flush() == "GA"


SENDABLE = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -?:$!'()\",./;\n", max_size=120)


@settings(max_examples=150, deadline=None)
@given(SENDABLE)
def test_property_codes_round_trip_exactly(text: str) -> None:
    expected = baudot.normalise(text).replace("\r\n", "\n")
    assert baudot.decode(baudot.encode(text), recover_shift=False) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_property_any_text_encodes_to_valid_codes(text: str) -> None:
    codes = baudot.encode(text)
    assert all(0 <= c < 32 for c in codes)
    decoded = baudot.decode(codes)
    assert decoded == decoded.upper()


WORDS = ["PAY", "GA", "SK", "THANK", "YOU", "ACCOUNT", "CARD", "TOTAL", "DUE", "OK", "HELLO"]
NUMBERS = st.integers(0, 99999).map(str) | st.integers(0, 99999).map(lambda n: f"${n / 100:.2f}")
MESSAGE = st.lists(st.sampled_from(WORDS) | NUMBERS, min_size=1, max_size=12).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(MESSAGE)
def test_property_messages_round_trip_with_recovery_on(text: str) -> None:
    assert baudot.decode(baudot.encode(text)) == text
    # ... and from a sender that unshifts on space, read by our default decoder.
    assert baudot.decode(usos_sender(text)) == text


def _letter_codes(word: str) -> list[int]:
    return [c for c in baudot.encode(word) if c != baudot.LTRS]


def test_a_doubtful_bit_is_flipped_only_when_it_makes_a_word() -> None:
    number = _letter_codes("NUMBER")
    garbled = list(number)
    garbled[2] = number[2] ^ 0b00010  # M (11100) read as V (11110): NUVBER
    alternates: list[int | None] = [None] * len(garbled)
    alternates[2] = number[2]
    assert baudot.repair_word(garbled, alternates) == number
    # A word that already reads as a word is left alone, whatever the doubts.
    cash = _letter_codes("CASH")
    doubts: list[int | None] = [c ^ 1 for c in cash]
    assert baudot.repair_word(cash, doubts) == cash
    # No doubt offered, or a single letter: nothing changes.
    assert baudot.repair_word(garbled, [None] * len(garbled)) == garbled
    assert baudot.repair_word(_letter_codes("C"), [_letter_codes("N")[0]]) == _letter_codes("C")


def test_the_decoder_takes_an_alternate_for_a_nonsense_word() -> None:
    decoder = baudot.BaudotDecoder()
    pay = _letter_codes("PAY")
    out = decoder.push(baudot.LTRS) + decoder.push(pay[0])
    out += decoder.push(pay[1] ^ 0b10000, alternate=pay[1])  # A read as W: PWY
    out += decoder.push(pay[2]) + decoder.flush()
    assert out == "PAY"


def test_a_word_cut_by_a_typing_pause_keeps_its_shift() -> None:
    decoder = baudot.BaudotDecoder()
    codes = baudot.encode("ELECTRIC BILL")
    out = "".join(decoder.push(c) for c in codes[:3]) + decoder.flush()  # "EL", pause
    out += "".join(decoder.push(c) for c in codes[3:]) + decoder.flush()
    assert out == "ELECTRIC BILL"


def test_a_doubtful_space_joins_two_nonsense_halves_into_a_word() -> None:
    letter = baudot._LETTER_CODE

    def typed(text: str, doubtful_space_for: str) -> str:
        decoder = baudot.BaudotDecoder()
        out = decoder.push(baudot.LTRS)
        for ch in text:
            if ch == "_":  # a space the receiver doubts: one bit from a letter
                out += decoder.push(baudot.SPACE, alternate=letter[doubtful_space_for])
            else:
                out += decoder.push(baudot.SPACE if ch == " " else letter[ch])
        return out + decoder.flush()

    assert typed("PLS C_ECKING GA", "H") == "PLS CHECKING GA"
    assert typed("PAY_NOW GA", "H") == "PAY NOW GA"  # two words already: the space stays


def test_a_shift_code_misread_as_a_letter_is_recovered() -> None:
    letter, figure = baudot._LETTER_CODE, baudot._FIGURE_CODE
    decoder = baudot.BaudotDecoder()
    out = decoder.push(baudot.LTRS)
    for ch in "BILL":
        out += decoder.push(letter[ch])
    out += decoder.push(letter["W"], alternate=baudot.FIGS)  # FIGS 11011 read as W 10011
    out += decoder.push(figure[":"]) + decoder.push(baudot.SPACE)
    for ch in "$31.08":
        out += decoder.push(figure[ch])
    assert out + decoder.flush() == "BILL: $31.08"
    # A word that reads fine keeps the letter, doubt or not.
    decoder = baudot.BaudotDecoder()
    out = decoder.push(baudot.LTRS) + decoder.push(letter["W"], alternate=baudot.FIGS)
    out += "".join(decoder.push(letter[ch]) for ch in "ATER")
    assert out + decoder.flush() == "WATER"
