#!/usr/bin/env bash
# Install the Debian packages the kiosk needs, only when missing; idempotent and quiet
# when everything is already there.
#   scripts/install-system-deps.sh run    what a kiosk needs to run (make run)
#   scripts/install-system-deps.sh test   that plus the tests' tools (make test, make setup)
set -euo pipefail

RUNTIME=(
  espeak-ng            # speech synthesis (pyttsx3 drives it; the fallback voice)
  libportaudio2        # sounddevice's PortAudio: the speaker, headset and microphone
  pulseaudio           # the sound server whose named sinks tell headset from speaker
  libasound2-plugins   # ALSA's "pulse" device, through which PortAudio reaches that server
  pulseaudio-utils     # pactl: the screen kiosk follows headset plug-in through it (speech/headset.py)
)
TEST=(
  minimodem            # the TTY modem's interoperability peer
  postgresql           # fleet database; tests start a private server on loopback
  tmux                 # the UI test drives the kiosk in a real terminal
  sip-tester           # SIPp: the test caller of `kiosk line` (another SIP stack than PJSIP)
)

case "${1:-test}" in
  run) PACKAGES=("${RUNTIME[@]}") ;;
  test) PACKAGES=("${RUNTIME[@]}" "${TEST[@]}") ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
