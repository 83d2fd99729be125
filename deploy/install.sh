#!/usr/bin/env bash
# Install the kiosk's systemd units from deploy/systemd/, filled in for this machine.
#   deploy/install.sh [--user NAME] [--target DIR] [--enable] [--line]
#     --user    the user the kiosk runs as (default: kiosk; it must exist)
#     --target  where the units go (default: /etc/systemd/system)
#     --enable  enable and start the screen, the upkeep service and the daily timer
#     --line    also the pay-by-phone line (kiosk-line.service)
# The checkout this script lives in (with its .venv from `make run`) is the kiosk's home.
set -euo pipefail

kiosk_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user="kiosk"
target="/etc/systemd/system"
enable=0
line=0
while [ $# -gt 0 ]; do
  case "$1" in
    --user) user="$2"; shift 2 ;;
    --target) target="$2"; shift 2 ;;
    --enable) enable=1; shift ;;
    --line) line=1; shift ;;
    *) echo "install.sh: error: unknown option $1 (see the top of this file)" >&2; exit 2 ;;
  esac
done

units=(kiosk-screen.service kiosk-serve.service kiosk-daily.service kiosk-daily.timer)
[ "$line" -eq 1 ] && units+=(kiosk-line.service)
mkdir -p "$target"
for unit in "${units[@]}"; do
  sed -e "s|@KIOSK_DIR@|$kiosk_dir|g" -e "s|@KIOSK_USER@|$user|g" \
    "$kiosk_dir/deploy/systemd/$unit" > "$target/$unit"
  echo "installed $target/$unit"
done

if [ "$enable" -eq 1 ]; then
  systemctl daemon-reload
  enabled=(kiosk-screen.service kiosk-serve.service kiosk-daily.timer)
  [ "$line" -eq 1 ] && enabled+=(kiosk-line.service)
  systemctl enable --now "${enabled[@]}"
fi
