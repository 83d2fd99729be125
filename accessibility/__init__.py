"""Accessibility: modes, themes with checked contrast, plain language, timing, keypad, announcer."""
