#!/usr/bin/env bash
# Installs the browser the web module's page test drives: Debian's chromium and chromium-driver
# (/usr/bin/chromium, /usr/bin/chromedriver). Does nothing when both are there, so the build may
# call it every time (web/pom.xml runs it before the integration tests).
set -euo pipefail

# --skip=true (the build passes -DskipTests / -DskipITs this way): no test will run, nothing to do.
for arg in "$@"; do
  if [[ $arg == --skip=true ]]; then
    exit 0
  fi
done

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
  echo "install-browser: chromium and chromedriver are installed"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-browser: chromium and chromium-driver are missing and this user cannot install" \
    "them; run 'apt-get install -y chromium chromium-driver' as root, then build again" >&2
  exit 1
fi

echo "install-browser: installing chromium and chromium-driver (takes about half a minute)"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update them once, then install.
if ! "${as_root[@]}" apt-get install -y -q chromium chromium-driver; then
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q chromium chromium-driver
fi

if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
  echo "install-browser: apt-get finished but /usr/bin/chromium or /usr/bin/chromedriver is" \
    "still missing; check the apt output above" >&2
  exit 1
fi
echo "install-browser: $(/usr/bin/chromedriver --version)"
