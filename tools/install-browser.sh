#!/usr/bin/env bash
# Installs the browser the web module's page test drives: Debian's chromium and chromium-driver
# (/usr/bin/chromium, /usr/bin/chromedriver). Does nothing when both are there, so the build may
# call it every time (web/pom.xml runs it before the integration tests).
set -euo pipefail

# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

skip_requested "$@" && exit 0

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "install-browser: chromium and chromedriver are installed"
  exit 0
fi

apt_install install-browser chromium chromium-driver

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  echo "install-browser: apt-get finished but /usr/bin/chromium or /usr/bin/chromedriver is" \
    "still missing; check the apt output above" >&2
  exit 1
fi
echo "install-browser: $(/usr/bin/chromedriver --version)"
