"""Simple mode with speech on: the screen's speech uses the simple wording too.

A customer who chose simple mode for its short words and then turned speech on (F4,
or a headset) heard the standard spoken wording; what is heard must be what is shown,
with amounts read as words.
"""

from __future__ import annotations

from kiosk.accessibility.announcer import Announcer, CaptionLog
from kiosk.accessibility.modes import Mode, Profile
from kiosk.conversation.prompt import Register
from kiosk.conversation.wording import spoken


def _heard(prompt, mode: Mode) -> str:  # type: ignore[no-untyped-def]
    return Announcer(Profile(start_mode=mode), CaptionLog()).spoken_text(prompt)


def test_simple_mode_speaks_the_simple_wording_with_amounts_in_words(driver) -> None:  # type: ignore[no-untyped-def]
    d = driver(Register.SIMPLE)
    d.sign_in("carmen")
    d.choose("pay")
    d.say("1")
    d.choose("card")
    review = d.prompt
    assert review.id == "pay_review"
    simple, standard = review.text.simple, review.text.spoken
    assert simple != standard  # the two wordings differ, or this test proves nothing

    heard = _heard(review, Mode.SIMPLE)
    assert spoken(simple) in heard
    assert standard not in heard
    # The facts before the yes, as a listener hears them: the amount, the fee, when
    # service comes back; the detail rows too; never a figure read as "$345.00".
    for fact in ("three hundred and forty-five dollars", "thirty-five dollars", "24 hours"):
        assert fact in heard, (fact, heard)
    assert "$" not in heard
    # Choice labels too: the menu's options in simple words.
    d2 = driver(Register.SIMPLE)
    menu = d2.sign_in("carmen")
    heard_menu = _heard(menu, Mode.SIMPLE)
    for choice in menu.choices:
        assert f"For {spoken(choice.label.simple)}, press {choice.key}." in heard_menu

    # Other modes keep the spoken register.
    assert standard in _heard(review, Mode.LARGE)
