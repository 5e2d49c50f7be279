#!/usr/bin/env bash
# Installs nftables (the nft command), with which the fault suite cuts links between the network
# namespaces it creates (rules only ever inside those namespaces). Does nothing when nft is there,
# so the build may call it every time (system-tests/pom.xml runs it before the tests).
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

skip_requested "$@" && exit 0
ensure_command install-nftables nft nftables
