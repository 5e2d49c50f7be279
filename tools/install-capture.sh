#!/usr/bin/env bash
# Installs tcpdump, which the system tests use to show that a file's bytes cannot be found in a
# capture of the Raft and queue traffic (loopback only). Does nothing when it is there, so the
# build may call it every time (system-tests/pom.xml runs it before the tests).
set -euo pipefail

# --skip=true (the build passes -DskipTests this way): no test will run, nothing to do.
for arg in "$@"; do
  if [[ $arg == --skip=true ]]; then
    exit 0
  fi
done

if command -v tcpdump >/dev/null; then
  echo "install-capture: tcpdump is installed"
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "install-capture: tcpdump is missing and this user cannot install it; run" \
    "'apt-get install -y tcpdump' as root, then build again" >&2
  exit 1
fi

echo "install-capture: installing tcpdump"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update them once, then install.
if ! "${as_root[@]}" apt-get install -y -q tcpdump; then
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q tcpdump
fi

if ! command -v tcpdump >/dev/null; then
  echo "install-capture: apt-get finished but tcpdump is still missing; check the apt output above" >&2
  exit 1
fi
