#!/usr/bin/env bash
# Installs tcpdump, which the system tests use to show that a file's bytes cannot be found in a
# capture of the Raft and queue traffic (loopback only). Does nothing when it is there, so the
# build may call it every time (system-tests/pom.xml runs it before the tests).
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

skip_requested "$@" && exit 0
ensure_command install-capture tcpdump tcpdump
