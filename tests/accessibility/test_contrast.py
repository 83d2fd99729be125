from __future__ import annotations

import pytest
from textual.color import Color

from kiosk.accessibility.contrast import contrast_ratio, flatten, relative_luminance


def test_extremes() -> None:
    assert contrast_ratio("#FFFFFF", "#000000") == pytest.approx(21.0)
    assert contrast_ratio("#000", "#fff") == pytest.approx(21.0)  # symmetric
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    assert relative_luminance("white") == pytest.approx(1.0)
    assert relative_luminance((0, 0, 0)) == 0.0


@pytest.mark.parametrize(
    ("fg", "bg", "ratio"),
    [
        # Published reference values (WebAIM contrast checker).
        ("#767676", "#FFFFFF", 4.54),  # the lightest grey passing AA on white
        ("#777777", "#FFFFFF", 4.48),
        ("#595959", "#FFFFFF", 7.00),  # the lightest grey passing AAA on white
        ("#0000FF", "#FFFFFF", 8.59),
        ("#FF0000", "#FFFFFF", 4.00),
        ("#FFFF00", "#000000", 19.56),
    ],
)
def test_reference_values(fg: str, bg: str, ratio: float) -> None:
    assert contrast_ratio(fg, bg) == pytest.approx(ratio, abs=0.01)


def test_colour_forms_agree() -> None:
    forms = ["#0178D4", "rgb(1,120,212)", (1, 120, 212), Color(1, 120, 212)]
    ratios = {round(contrast_ratio(form, "#121212"), 6) for form in forms}
    assert len(ratios) == 1


def test_translucent_foreground_is_blended_over_the_background() -> None:
    half_white = (255, 255, 255, 0.5)
    assert flatten(half_white, "#000000").rgb in {(127, 127, 127), (128, 128, 128)}
    assert contrast_ratio(half_white, "#000000") == pytest.approx(
        contrast_ratio("#808080", "#000000"), abs=0.05
    )
    assert contrast_ratio(half_white, "#000000") < contrast_ratio("#FFFFFF", "#000000")


def test_translucent_background_needs_what_is_under_it() -> None:
    with pytest.raises(ValueError, match="alpha"):
        contrast_ratio("#FFFFFF", (0, 0, 0, 0.5))
    over_white = contrast_ratio("#FFFFFF", (0, 0, 0, 0.5), under="#FFFFFF")
    assert over_white == pytest.approx(contrast_ratio("#FFFFFF", "#808080"), abs=0.05)
