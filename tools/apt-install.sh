#!/usr/bin/env bash
# Shared by the tools/install-*.sh scripts: apt_install NAME PACKAGE... installs Debian packages
# as root (or with passwordless sudo), updating the package lists once if a fresh machine has none.
# NAME prefixes the messages. Exits 1 with what to do when this user cannot install.

apt_install() {
  local name=$1
  shift
  local as_root
  if [[ $(id -u) -eq 0 ]]; then
    as_root=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
  else
    echo "$name: $* missing and this user cannot install them; run 'apt-get install -y $*' as" \
      "root, then build again" >&2
    exit 1
  fi
  echo "$name: installing $*"
  export DEBIAN_FRONTEND=noninteractive
  # Another build on this machine may be installing too: wait for its lock rather than fail.
  if ! "${as_root[@]}" apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@"; then
    "${as_root[@]}" apt-get update -q
    "${as_root[@]}" apt-get install -y -q -o DPkg::Lock::Timeout=300 "$@"
  fi
}

# apt_update NAME: updates the package lists as root (or with passwordless sudo).
apt_update() {
  local name=$1
  if [[ $(id -u) -eq 0 ]]; then
    apt-get update -q
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo -n apt-get update -q
  else
    echo "$name: the package lists are missing and this user cannot update them; run" \
      "'apt-get update' as root, then build again" >&2
    exit 1
  fi
}

# --skip=true among the arguments (the build passes -DskipTests / -DskipITs this way): nothing to do.
skip_requested() {
  local arg
  for arg in "$@"; do
    [[ $arg == --skip=true ]] && return 0
  done
  return 1
}

# ensure_command NAME COMMAND PACKAGE: installs PACKAGE unless COMMAND is on the PATH, then checks
# that it is. NAME prefixes the messages.
ensure_command() {
  local name=$1 command=$2 package=$3
  if command -v "$command" >/dev/null; then
    echo "$name: $command is installed"
    return 0
  fi
  apt_install "$name" "$package"
  if ! command -v "$command" >/dev/null; then
    echo "$name: apt-get finished but $command is still missing; check the apt output above" >&2
    exit 1
  fi
}
