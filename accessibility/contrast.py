"""WCAG 2.x relative luminance and contrast ratio.

Written here (a dozen lines) rather than taken from a package: the formula is
fixed by WCAG 2.2 ("relative luminance", "contrast ratio"), the PyPI packages
for it are unmaintained, and colour parsing comes from Textual, which already
understands every form the themes use (``#rgb``, ``#rrggbb``, ``#rrggbbaa``,
``rgb()``, names).
"""

from __future__ import annotations

from textual.color import Color

ColourLike = str | Color | tuple[int, int, int] | tuple[int, int, int, float]

AA_TEXT = 4.5  # WCAG 1.4.3, normal text
AAA_TEXT = 7.0  # WCAG 1.4.6, enhanced (the high-contrast theme)
NON_TEXT = 3.0  # WCAG 1.4.11, focus indicators and control boundaries


def to_colour(value: ColourLike) -> Color:
    """A Textual ``Color`` from a CSS string, a ``Color`` or an RGB(A) tuple."""
    if isinstance(value, Color):
        return value
    if isinstance(value, tuple):
        if len(value) == 3:
            red, green, blue = value
            return Color(int(red), int(green), int(blue))
        if len(value) == 4:
            red, green, blue, alpha = value
            return Color(int(red), int(green), int(blue), float(alpha))
        raise ValueError(f"expected an (r, g, b) or (r, g, b, a) tuple, got {value!r}")
    return Color.parse(value)


def flatten(colour: ColourLike, under: ColourLike | None = None) -> Color:
    """The opaque colour seen when ``colour`` (maybe translucent) is drawn on ``under``.

    Simple source-over alpha compositing in sRGB, which is what a terminal shows.
    A translucent colour with nothing under it has no defined contrast.
    """
    top = to_colour(colour)
    if top.a >= 1.0:
        return top
    if under is None:
        raise ValueError(f"colour {top.hex} has alpha {top.a:.2f}: give the colour under it")
    base = flatten(under)
    alpha = max(0.0, top.a)
    return Color(
        round(top.r * alpha + base.r * (1 - alpha)),
        round(top.g * alpha + base.g * (1 - alpha)),
        round(top.b * alpha + base.b * (1 - alpha)),
    )


def _linear(channel: int) -> float:
    """sRGB channel (0..255) to linear light, per WCAG's relative luminance."""
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: ColourLike) -> float:
    """WCAG relative luminance of an opaque colour: 0 for black, 1 for white."""
    c = to_colour(colour)
    if c.a < 1.0:
        raise ValueError(f"colour {c.hex} is translucent: flatten it over its background first")
    return 0.2126 * _linear(c.r) + 0.7152 * _linear(c.g) + 0.0722 * _linear(c.b)


def contrast_ratio(fg: ColourLike, bg: ColourLike, under: ColourLike | None = None) -> float:
    """Contrast ratio (1..21) of text ``fg`` on ``bg``.

    A translucent ``fg`` is blended over ``bg``; a translucent ``bg`` is blended
    over ``under`` (the colour behind it) first.
    """
    background = flatten(bg, under)
    foreground = flatten(fg, background)
    light, dark = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (light + 0.05) / (dark + 0.05)
