#!/usr/bin/env bash
# The node container's entry point (deploy/node/Dockerfile).
#   spindle-node.sh          claim a member slot and run the node in Payara Micro
#   spindle-node.sh health   exit 0 when this container's node is ready (the compose health check)
#
# Identity: every replica of the compose service 'node' mounts the same data volume. A replica
# takes the lowest member slot nK whose lock no running replica holds (flock on
# /var/lib/spindle/slots/nK.lock, held by the node's process for its life), and is member nK:
# its id, its data in /var/lib/spindle/nK, its schema spindle_nK ('{node}' in SPINDLE_DB_URL is
# replaced with the id). So restarting or recreating the service brings back the same members
# with their data, whichever container gets which slot.
#
# Founding: slot n1 bootstraps the cluster when no slot holds Raft state yet; every other member
# joins by discovery (SPINDLE_DISCOVERY_MODE=lan on the compose network), and the leader adds it.
set -euo pipefail

# The data volume (VOLUME_ROOT only for this script's own test, which runs it outside a container).
ROOT=${VOLUME_ROOT:-/var/lib/spindle}
WEB_PORT=3000
RAFT_PORT=7000
MAX_SLOTS=64

if [[ ${1:-} == health ]]; then
  exec 3<>"/dev/tcp/127.0.0.1/$WEB_PORT"
  printf 'GET /health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  IFS= read -r -t 5 status <&3
  [[ $status == "HTTP/"*" 200 "* ]]
  exit
fi

mkdir -p "$ROOT/slots"
id=""
for ((i = 1; i <= MAX_SLOTS; i++)); do
  exec 9>>"$ROOT/slots/n$i.lock"
  if flock -n 9; then
    id=n$i
    break
  fi
  exec 9>&-
done
if [[ -z $id ]]; then
  echo "spindle-node: all $MAX_SLOTS member slots in $ROOT/slots are held by running nodes" >&2
  exit 1
fi

# Whether any member slot holds Raft state: then the cluster exists and nobody founds another.
cluster_has_state() {
  local d
  for d in "$ROOT"/n*/; do
    [[ -e $d/bootstrapped ]] && return 0
    [[ -n "$(find "$d/raft" -type f -size +0 -print -quit 2>/dev/null)" ]] && return 0
  done
  return 1
}

address=$(hostname -i | awk '{print $1}')
if [[ -z $address ]]; then
  echo "spindle-node: this container has no address (hostname -i printed nothing)" >&2
  exit 1
fi
export SPINDLE_NODE_ID=$id
export SPINDLE_DATA_DIR=$ROOT/$id
export SPINDLE_RAFT_LISTEN=$address:$RAFT_PORT
export SPINDLE_HTTP_URL=http://$address:$WEB_PORT
if [[ -n ${SPINDLE_DB_URL:-} ]]; then
  export SPINDLE_DB_URL=${SPINDLE_DB_URL//\{node\}/$id}
fi
if [[ $id == n1 ]] && { [[ -e $ROOT/n1/bootstrapped ]] || ! cluster_has_state; }; then
  export SPINDLE_BOOTSTRAP=true
fi
mkdir -p "$SPINDLE_DATA_DIR"
echo "spindle-node: member $id at $address (Raft $RAFT_PORT, web $WEB_PORT)${SPINDLE_BOOTSTRAP:+, founding the cluster}" >&2

# fd 9 (the slot's lock) stays open in Payara Micro for as long as the node runs.
exec java -XX:MaxRAMPercentage="${MEM_MAX_RAM_PERCENTAGE:-70}" -XX:+UseParallelGC -jar /opt/payara/payara-micro.jar \
  --deploy /opt/payara/deployments/web.war --contextroot / --port "$WEB_PORT" \
  --prebootcommandfile /opt/payara/preboot.asadmin \
  --nohazelcast --disablephonehome --rootdir /tmp/payara
