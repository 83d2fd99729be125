#!/usr/bin/env bash
# Install the Debian packages the kiosk and its tests need, only when missing.
# Idempotent and quiet when everything is already there.
set -euo pipefail

PACKAGES=(
  espeak-ng            # speech synthesis (pyttsx3 drives it)
  sox libsox-fmt-all   # audio conversion in tests and benchmarks
  libportaudio2        # sounddevice's PortAudio
  minimodem            # the TTY modem's interoperability peer
  pulseaudio pulseaudio-utils libasound2-plugins   # null sinks for real-time audio tests
  postgresql           # fleet database; tests start a private server on loopback
  tmux                 # the UI test drives the kiosk in a real terminal
)

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
