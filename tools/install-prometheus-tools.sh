#!/usr/bin/env bash
# Installs the Prometheus text parsers the metrics tests check scrapes with: promtool (Debian's
# `prometheus` package, unpacked into a cache directory, never installed: installing it would start
# a Prometheus server) and Debian's python3-prometheus-client (for /usr/bin/python3). Does nothing
# when both are there, so the build may call it every time (web and queue-server run it before
# their tests). The cache is $SPINDLE_TOOLS_CACHE, else ~/.cache/spindle; promtool ends up at
# CACHE/prometheus/usr/bin/promtool.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

skip_requested "$@" && exit 0

cache=${SPINDLE_TOOLS_CACHE:-$HOME/.cache/spindle}
promtool=$cache/prometheus/usr/bin/promtool
if [[ -x $promtool ]]; then
  echo "install-prometheus-tools: $promtool is there"
else
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/prometheus-download.XXXXXX")
  chmod 755 "$work" # apt-get download writes as the _apt user when it can
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && apt-get download -q prometheus); then
    # A fresh machine may have no package lists yet.
    apt_update install-prometheus-tools
    (cd "$work" && apt-get download -q prometheus)
  fi
  dpkg-deb -x "$work"/prometheus_*.deb "$work/unpacked"
  rm -rf "$cache/prometheus"
  mv "$work/unpacked" "$cache/prometheus"
  if [[ ! -x $promtool ]]; then
    echo "install-prometheus-tools: unpacked the prometheus package but $promtool is missing" >&2
    exit 1
  fi
  echo "install-prometheus-tools: $("$promtool" --version 2>&1 | head -1)"
fi

if /usr/bin/python3 -c 'import prometheus_client.parser' 2>/dev/null; then
  echo "install-prometheus-tools: python3-prometheus-client is installed"
else
  apt_install install-prometheus-tools python3-prometheus-client
  if ! /usr/bin/python3 -c 'import prometheus_client.parser'; then
    echo "install-prometheus-tools: apt-get finished but /usr/bin/python3 cannot import" \
      "prometheus_client; check the apt output above" >&2
    exit 1
  fi
fi
