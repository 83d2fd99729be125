"""The kiosk's Textual themes, and every colour pair their CSS puts text on.

Contrast is checked on the colours Textual will really paint: each theme is
expanded with Textual's own ``ColorSystem.generate()`` (the ``$variables`` the
CSS uses), translucent colours are blended over what lies under them, and
:func:`colour_pairs` lists each foreground on each background the kiosk's
screens and Textual's built-in widgets use. Tests hold every pair to 4.5:1
(WCAG 1.4.3) and, in the high-contrast theme, 7:1 (WCAG 1.4.6).

The kiosk's own CSS should colour text only with the variables named in
:data:`TEXT_PAIRS` (``$text``, ``$text-muted``, ``$text-error``, ``$error``...)
on the backgrounds named there, so this check covers it.

``NO_COLOR``: Textual honours the ``NO_COLOR`` environment variable by
rendering in monochrome; nothing here forces colour, so it keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Protocol

from textual.color import Color
from textual.theme import Theme

from kiosk.accessibility.contrast import flatten
from kiosk.accessibility.modes import Mode

# Standard: a dark navy ground with light text; coloured controls are light
# tints carrying near-black text, so the same button text works on all of them.
STANDARD_VARIABLES: dict[str, str] = {
    "text": "#F4F6F8",
    "text-muted": "#BAC4CE",
    "text-disabled": "#A3AFBB",  # input placeholders show examples: keep readable
    "foreground-muted": "#BAC4CE",
    "button-foreground": "#F4F6F8",
    "button-color-foreground": "#0A0F14",
    "block-cursor-foreground": "#0A0F14",
    "block-cursor-blurred-foreground": "#F4F6F8",
    "block-cursor-blurred-background": "#3A5A80",
    "input-selection-background": "#3A5A80",
    "footer-key-foreground": "#FFC857",
    "link-color": "#9FD2FF",
    "link-color-hover": "#0A0F14",
    "border-blurred": "#5B6B7C",
}

STANDARD = Theme(
    name="kiosk-standard",
    primary="#8CC8FF",
    secondary="#C9B8FF",
    accent="#FFC857",
    success="#7FE0A0",
    warning="#FFB454",
    error="#FF9A9A",
    foreground="#F4F6F8",
    background="#101820",
    surface="#1A2634",
    panel="#22354A",
    dark=True,
    variables=STANDARD_VARIABLES,
)

# Large text: the standard palette, with muted text as bright as body text,
# because a low-vision reader gains more from contrast than from hierarchy.
LARGE = Theme(
    name="kiosk-large",
    primary=STANDARD.primary,
    secondary=STANDARD.secondary,
    accent=STANDARD.accent,
    success=STANDARD.success,
    warning=STANDARD.warning,
    error=STANDARD.error,
    foreground=STANDARD.foreground,
    background=STANDARD.background,
    surface=STANDARD.surface,
    panel=STANDARD.panel,
    dark=True,
    variables={
        **STANDARD_VARIABLES,
        "text-muted": "#F4F6F8",
        "foreground-muted": "#F4F6F8",
        "text-disabled": "#CBD3DB",  # the entry's example text: 7:1 for low vision too
    },
)

# High contrast: pure black ground, white text, yellow focus and actions, the
# scheme of hardware kiosks and OS high-contrast modes. Every pair >= 7:1.
CONTRAST = Theme(
    name="kiosk-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#FFFF00",
    success="#00FF66",
    warning="#FFC000",
    error="#FF8C8C",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#000000",
    boost="#00000000",
    dark=True,
    luminosity_spread=0.0,  # no lighter/darker shades: hover keeps full contrast
    variables={
        "text": "#FFFFFF",
        "text-muted": "#FFFFFF",
        "text-disabled": "#D0D0D0",
        "foreground-muted": "#FFFFFF",
        "text-primary": "#FFFF00",
        "text-secondary": "#00FFFF",
        "text-accent": "#FFFF00",
        "text-success": "#00FF66",
        "text-warning": "#FFC000",
        "text-error": "#FF8C8C",
        "primary-muted": "#000000",
        "secondary-muted": "#000000",
        "accent-muted": "#000000",
        "success-muted": "#000000",
        "warning-muted": "#000000",
        "error-muted": "#000000",
        "button-foreground": "#FFFFFF",
        "button-color-foreground": "#000000",
        "block-cursor-foreground": "#000000",
        "block-cursor-background": "#FFFF00",
        "block-cursor-blurred-foreground": "#000000",
        "block-cursor-blurred-background": "#FFFFFF",
        "block-hover-background": "#000000",
        "input-cursor-foreground": "#000000",
        "input-cursor-background": "#FFFF00",
        "input-selection-foreground": "#000000",
        "input-selection-background": "#FFFFFF",
        "footer-key-foreground": "#FFFF00",
        "footer-background": "#000000",
        "link-color": "#FFFF00",
        "link-color-hover": "#000000",
        "border": "#FFFF00",
        "border-blurred": "#FFFFFF",
        "markdown-h1-color": "#FFFF00",
        "markdown-h2-color": "#FFFF00",
        "markdown-h3-color": "#FFFF00",
    },
)

THEMES: dict[Mode, Theme] = {
    Mode.STANDARD: STANDARD,
    Mode.LARGE: LARGE,
    Mode.CONTRAST: CONTRAST,
    Mode.SIMPLE: STANDARD,  # calm and familiar: the standard palette
}


def theme_for(mode: Mode) -> Theme:
    """The theme a mode uses."""
    return THEMES[mode]


class _ThemeRegistry(Protocol):
    def register_theme(self, theme: Theme) -> None: ...


def register_themes(app: _ThemeRegistry) -> None:
    """Register every kiosk theme on a Textual ``App`` (then ``app.theme = name``)."""
    seen: set[str] = set()
    for theme in THEMES.values():
        if theme.name not in seen:
            app.register_theme(theme)
            seen.add(theme.name)


@dataclass(frozen=True)
class PairSpec:
    """Text coloured ``fg`` on background ``bg``, as the CSS writes them.

    ``fg`` and ``bg`` are theme variable names (without ``$``). ``under`` is
    what shows through a translucent ``bg``; ``tint`` is a ``background-tint``
    (variable, strength) such as a focused control's ``$foreground 5%``.
    """

    name: str
    fg: str
    bg: str
    under: str = "background"
    tint: tuple[str, float] | None = None


def _pairs() -> tuple[PairSpec, ...]:
    grounds = ("background", "surface", "panel")
    specs: list[PairSpec] = []
    for ground in grounds:
        for fg in ("foreground", "text", "text-muted", "foreground-muted"):
            specs.append(PairSpec(f"{fg} on {ground}", fg, ground))
        for tone in ("primary", "secondary", "accent", "success", "warning", "error"):
            specs.append(PairSpec(f"text-{tone} on {ground}", f"text-{tone}", ground))
    # Status colours used directly as text (error messages, headings, links).
    for tone in ("primary", "accent", "success", "warning", "error"):
        for ground in ("background", "surface"):
            specs.append(PairSpec(f"{tone} text on {ground}", tone, ground))
    # Labels with a status variant (Label.-error etc.).
    for tone in ("primary", "secondary", "accent", "success", "warning", "error"):
        specs.append(PairSpec(f"label -{tone}", f"text-{tone}", f"{tone}-muted"))
    # Buttons: default, focused (tinted), hovered; coloured variants and hover.
    specs += [
        PairSpec("button", "button-foreground", "surface"),
        PairSpec("button focused", "button-foreground", "surface", tint=("foreground", 0.05)),
        PairSpec("button hover", "button-foreground", "surface-darken-1"),
    ]
    for tone, hover in (
        ("primary", "primary-darken-2"),
        ("secondary", "secondary-darken-2"),
        ("success", "success-darken-2"),
        ("warning", "warning-darken-2"),
        ("error", "error-darken-1"),
    ):
        specs.append(PairSpec(f"button -{tone}", "button-color-foreground", tone))
        specs.append(PairSpec(f"button -{tone} hover", "button-color-foreground", hover))
        specs.append(
            PairSpec(
                f"button -{tone} focused",
                "button-color-foreground",
                tone,
                tint=("foreground", 0.05),
            )
        )
    # Inputs: text, focused, placeholder/example, cursor, selection.
    specs += [
        PairSpec("input text", "foreground", "surface"),
        PairSpec("input focused", "foreground", "surface", tint=("foreground", 0.05)),
        PairSpec("input placeholder", "text-disabled", "surface"),
        PairSpec("input cursor", "input-cursor-foreground", "input-cursor-background"),
        PairSpec(
            "input selection",
            "input-selection-foreground",
            "input-selection-background",
            under="surface",
        ),
    ]
    # Lists (OptionList, ListView): highlighted row focused and blurred.
    specs += [
        PairSpec("list text", "foreground", "surface"),
        PairSpec("list highlight", "block-cursor-foreground", "block-cursor-background"),
        PairSpec(
            "list highlight blurred",
            "block-cursor-blurred-foreground",
            "block-cursor-blurred-background",
            under="surface",
        ),
    ]
    # Header, footer, toasts, links, markdown (the help panel).
    specs += [
        PairSpec("header", "foreground", "panel"),
        PairSpec("footer", "footer-foreground", "footer-background"),
        PairSpec("footer key", "footer-key-foreground", "footer-background"),
        PairSpec("footer description", "footer-description-foreground", "footer-background"),
        PairSpec("toast", "foreground", "panel-lighten-1"),
        PairSpec("toast error title", "text-error", "panel-lighten-1"),
        PairSpec("toast warning title", "text-warning", "panel-lighten-1"),
        PairSpec("toast success title", "text-success", "panel-lighten-1"),
        PairSpec("link", "link-color", "background"),
        PairSpec("link hover", "link-color-hover", "link-background-hover"),
    ]
    for level in (1, 2, 3, 4, 5, 6):
        specs.append(PairSpec(f"markdown h{level}", f"markdown-h{level}-color", "background"))
    return tuple(specs)


TEXT_PAIRS: tuple[PairSpec, ...] = _pairs()

FOCUS_PAIRS: tuple[PairSpec, ...] = (
    PairSpec("focus border on background", "border", "background"),
    PairSpec("focus border on surface", "border", "surface"),
    PairSpec("list highlight on surface", "block-cursor-background", "surface"),
)
"""Non-text indicators (WCAG 1.4.11, 2.4.7): held to 3:1 against what surrounds them."""


class ColourPair(NamedTuple):
    """A resolved pair: opaque hex colours ready for ``contrast_ratio``."""

    name: str
    fg: str
    bg: str


def theme_variables(theme: Theme) -> dict[str, str]:
    """The ``$variables`` a Textual app derives from a theme.

    Same steps as ``App.get_css_variables``: Textual's own generator, then the
    theme's explicit variables on top.
    """
    return {**theme.to_color_system().generate(), **theme.variables}


def _parse(value: str, over: Color) -> Color:
    """A CSS colour value as Textual writes it: ``#hex``, ``auto 87%``, ``#hex 50%``."""
    text = value.strip()
    alpha = 1.0
    if text.endswith("%") and " " in text:
        text, percent = text.rsplit(" ", 1)
        alpha = float(percent.rstrip("%")) / 100
    if text == "auto":
        colour = over.get_contrast_text(alpha)
    else:
        colour = Color.parse(text)
        colour = colour.with_alpha(colour.a * alpha)
    return colour


def _ground(variables: dict[str, str], name: str, under: str) -> Color:
    base = Color.parse(variables["background"])
    below = flatten(_parse(variables[under], base), base) if under != name else base
    return flatten(_parse(variables[name], below), below)


def resolve(spec: PairSpec, variables: dict[str, str]) -> ColourPair:
    """The opaque colours a pair paints, with translucency and tints applied."""
    bg = _ground(variables, spec.bg, spec.under)
    if spec.tint is not None:
        tint_name, strength = spec.tint
        bg = bg.tint(Color.parse(variables[tint_name]).with_alpha(strength))
    fg = flatten(_parse(variables[spec.fg], bg), bg)
    return ColourPair(spec.name, fg.hex6, bg.hex6)


def colour_pairs(theme: Theme) -> list[ColourPair]:
    """Every text foreground/background pair the kiosk paints in ``theme``."""
    variables = theme_variables(theme)
    return [resolve(spec, variables) for spec in TEXT_PAIRS]


def focus_pairs(theme: Theme) -> list[ColourPair]:
    """Focus indicators against their surroundings (a 3:1 bar, not 4.5:1)."""
    variables = theme_variables(theme)
    return [resolve(spec, variables) for spec in FOCUS_PAIRS]
