#!/usr/bin/env bash
# Installs Debian's docker-compose (1.29), with which the system tests validate docker-compose.yml
# (docker-compose config -q needs no container engine). Does nothing when it is there, so the
# build may call it every time (system-tests/pom.xml runs it before the tests).
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

skip_requested "$@" && exit 0
if command -v docker-compose >/dev/null; then
  echo "install-compose: docker-compose is installed"
  exit 0
fi
apt_install install-compose docker-compose
if ! command -v docker-compose >/dev/null; then
  echo "install-compose: apt-get finished but docker-compose is still missing; check the apt output above" >&2
  exit 1
fi
