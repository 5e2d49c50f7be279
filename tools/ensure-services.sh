#!/usr/bin/env bash
# Makes sure the services the tests talk to run on this machine: MariaDB on 127.0.0.1:3306 (root,
# no password) and Redis on 127.0.0.1:6379 (keeping nothing on disk), and that redis-server is
# installed (the global-ping tests start private ones). Starts what does not answer, installs what
# is missing (apt); does nothing when all is there, so the build may call it every time.
set -euo pipefail
# shellcheck source=apt-install.sh
source "$(dirname "$0")/apt-install.sh"

skip_requested "$@" && exit 0

answers() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

await_port() {
  local port=$1 what=$2
  for _ in $(seq 100); do
    answers "$port" && return 0
    sleep 0.2
  done
  echo "ensure-services: $what did not start listening on 127.0.0.1:$port; see its log" >&2
  exit 1
}

if ! command -v redis-server >/dev/null; then
  apt_install ensure-services redis-server
fi
if answers 6379; then
  echo "ensure-services: Redis answers on 127.0.0.1:6379"
else
  echo "ensure-services: starting Redis on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  await_port 6379 Redis
fi
if answers 3306; then
  echo "ensure-services: MariaDB answers on 127.0.0.1:3306"
elif [[ -x /usr/sbin/mariadbd ]]; then
  echo "ensure-services: starting MariaDB on 127.0.0.1:3306"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  await_port 3306 MariaDB
else
  echo "ensure-services: MariaDB is not installed; install mariadb-server and start it (root, no password, 127.0.0.1:3306)" >&2
  exit 1
fi
