"""Every text colour pair of every theme, computed from the theme's colours."""

from __future__ import annotations

import asyncio

import pytest
from textual.app import App, ComposeResult
from textual.theme import Theme
from textual.widgets import Button, Input, Label, OptionList

from kiosk.accessibility.contrast import AA_TEXT, AAA_TEXT, NON_TEXT, contrast_ratio
from kiosk.accessibility.modes import Mode
from kiosk.accessibility.themes import (
    CONTRAST,
    TEXT_PAIRS,
    THEMES,
    colour_pairs,
    focus_pairs,
    register_themes,
    theme_for,
)

ALL_THEMES = sorted({theme.name: theme for theme in THEMES.values()}.items())


def bar(theme: Theme) -> float:
    return AAA_TEXT if theme is CONTRAST else AA_TEXT


def test_every_mode_has_a_theme_and_contrast_mode_uses_the_high_contrast_one() -> None:
    assert set(THEMES) == set(Mode)
    assert theme_for(Mode.CONTRAST).name == "kiosk-contrast"
    assert theme_for(Mode.STANDARD).name == "kiosk-standard"


@pytest.mark.parametrize(("name", "theme"), ALL_THEMES)
def test_every_text_pair_meets_the_bar(name: str, theme: Theme) -> None:
    pairs = colour_pairs(theme)
    assert len(pairs) == len(TEXT_PAIRS) > 60
    failures = [
        f"{pair.name}: {pair.fg} on {pair.bg} = {contrast_ratio(pair.fg, pair.bg):.2f}"
        for pair in pairs
        if contrast_ratio(pair.fg, pair.bg) < bar(theme)
    ]
    assert not failures, f"{name} below {bar(theme)}:1: {failures}"


@pytest.mark.parametrize(("name", "theme"), ALL_THEMES)
def test_focus_indicators_stand_out(name: str, theme: Theme) -> None:
    for pair in focus_pairs(theme):
        assert contrast_ratio(pair.fg, pair.bg) >= NON_TEXT, pair


def test_pairs_cover_the_widgets_the_kiosk_uses() -> None:
    names = {spec.name for spec in TEXT_PAIRS}
    for needed in (
        "text on background",
        "text on surface",
        "text on panel",
        "text-muted on background",
        "text-error on background",
        "error text on background",
        "button -primary",
        "button -success",
        "button -warning",
        "button -error",
        "input text",
        "input placeholder",
        "list highlight",
        "footer key",
    ):
        assert needed in names


class Probe(App[None]):
    """The widgets the kiosk screens are made of, in each theme."""

    def compose(self) -> ComposeResult:
        yield Label("Your bill", id="body")
        yield Label("Amount too high", id="error", classes="-error")
        yield Button("Pay", variant="primary", id="pay")
        yield Button("Help", id="help")
        yield Button("Yes", variant="success", id="yes")
        yield Button("Cancel", variant="error", id="cancel")
        yield Button("More time", variant="warning", id="more")
        yield Input(placeholder="e.g. 42.50", id="amount")
        yield OptionList("Pay my bill", "Hear my bill", id="menu")

    def on_mount(self) -> None:
        register_themes(self)


async def painted(theme_name: str) -> dict[str, tuple[str, str]]:
    """The colours Textual really paints for each widget, focused and not."""
    app = Probe()
    result: dict[str, tuple[str, str]] = {}
    async with app.run_test() as pilot:
        app.theme = theme_name
        await pilot.pause()
        for widget_id in ("body", "error", "pay", "help", "yes", "cancel", "more", "amount"):
            for focused in (False, True):
                widget = app.query_one(f"#{widget_id}")
                if focused:
                    widget.focus()
                else:
                    app.set_focus(None)
                await pilot.pause()
                _, _, background, colour = widget.colors
                result[f"{widget_id}{' focused' if focused else ''}"] = (
                    colour.hex6,
                    background.hex6,
                )
    return result


@pytest.mark.parametrize(("name", "theme"), ALL_THEMES)
def test_painted_widgets_meet_the_bar_and_are_among_the_listed_pairs(
    name: str, theme: Theme
) -> None:
    listed = {(pair.fg, pair.bg) for pair in colour_pairs(theme)}
    for widget, (fg, bg) in asyncio.run(painted(name)).items():
        assert contrast_ratio(fg, bg) >= bar(theme), (widget, fg, bg)
        assert (fg, bg) in listed, f"{widget} paints {fg} on {bg}, not in colour_pairs"


def test_no_color_is_left_to_textual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")

    async def run() -> bool:
        app = Probe()
        async with app.run_test() as pilot:
            app.theme = "kiosk-contrast"
            await pilot.pause()
            return app.no_color

    assert asyncio.run(run())


@pytest.mark.parametrize("mode", [Mode.LARGE, Mode.CONTRAST])
def test_entry_placeholder_is_7_to_1_in_the_low_vision_modes(mode: Mode) -> None:
    """Issue 16: the entry field's example text was 6:1 (grey on dark blue) in a large
    layout; the low-vision modes keep every text cell at 7:1, placeholders included."""
    theme = THEMES[mode]
    (pair,) = [p for p in colour_pairs(theme) if p.name == "input placeholder"]
    assert contrast_ratio(pair.fg, pair.bg) >= AAA_TEXT, (pair.fg, pair.bg)
