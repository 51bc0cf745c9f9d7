#!/usr/bin/env bash
# The browser of the dashboard's test and screenshot: Debian's headless-capable Chromium and its
# WebDriver. Idempotent: nothing to do when /usr/bin/chromium is there. Needs root (CI runs as root).
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  exit 0
fi
echo "setup: installing chromium and chromium-driver with apt (first time: a minute or two) ..."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
