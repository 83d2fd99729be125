#!/usr/bin/env bash
# Start the kiosk screen on kiosk hardware: a large terminal font and slow key
# repeat first (docs/kiosk-hardware.md), then `kiosk run` with our arguments.
# Anything that cannot be set here is reported and skipped; the kiosk still starts.
set -u

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kiosk_bin="${KIOSK_BIN:-$here/.venv/bin/kiosk}"
# Terminus 16x32 bold: upstream name first, then Debian console-setup's name.
console_fonts=("${KIOSK_FONT:-ter-v32b}" Uni2-Terminus32x16)

note() { printf 'kiosk-launcher: %s\n' "$*" >&2; }

on_linux_console() {
    local tty_name
    tty_name="$(tty 2>/dev/null || true)"
    [[ "$tty_name" == /dev/tty[0-9]* ]]
}

if on_linux_console; then
    if command -v setfont >/dev/null 2>&1; then
        loaded=""
        for font in "${console_fonts[@]}"; do
            if setfont "$font" 2>/dev/null; then loaded="$font"; break; fi
        done
        [[ -n "$loaded" ]] || note "could not load a 32-pixel Terminus font (install console-setup)"
    else
        note "setfont not found (install kbd): the console font stays as it is"
    fi
    if command -v kbdrate >/dev/null 2>&1; then
        kbdrate -s -d 1000 -r 2 || note "kbdrate needs root: key repeat unchanged"
    fi
elif [[ -n "${DISPLAY:-}" ]] && command -v xset >/dev/null 2>&1; then
    xset r rate 2000 1 || note "xset could not set the key-repeat delay"
else
    note "not a Linux console or X11 display: set the terminal's font size and key repeat by hand"
fi

export TEXTUAL_ANIMATIONS="${TEXTUAL_ANIMATIONS:-none}"
exec "$kiosk_bin" run "$@"
