#!/bin/sh
# One-shot start-up of the Citus cluster: waits until the coordinator and every worker accept
# TCP connections, then registers the coordinator's own address and the workers. Every call is
# idempotent, so re-running the stack (or this service) is harmless.
#
# Environment: CITUS_COORDINATOR and CITUS_WORKERS (space-separated), each `host` or
# `host:port` (default port 5432) as the nodes reach each other; PGDATABASE, PGUSER and
# optionally PGPASSWORD as libpq reads them.
set -eu

coordinator="${CITUS_COORDINATOR:?set CITUS_COORDINATOR}"
workers="${CITUS_WORKERS:?set CITUS_WORKERS}"

host_of() { echo "${1%%:*}"; }
port_of() { case "$1" in *:*) echo "${1##*:}" ;; *) echo 5432 ;; esac; }

# Runs one statement on node $1 and stops the script on any error.
sql() { psql -v ON_ERROR_STOP=1 -qAt -h "$(host_of "$1")" -p "$(port_of "$1")" -c "$2"; }

wait_for() {
  tries=0
  until pg_isready -q -h "$(host_of "$1")" -p "$(port_of "$1")"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 120 ]; then
      echo "citus-init: $1 did not accept connections within 120 s" >&2
      exit 1
    fi
    sleep 1
  done
}

for node in "$coordinator" $workers; do
  wait_for "$node"
  # The image creates the extension during initdb; this covers a database made differently.
  sql "$node" "CREATE EXTENSION IF NOT EXISTS citus" >/dev/null
done

# Workers connect back to the coordinator by this name (needed for reference tables).
sql "$coordinator" \
  "SELECT citus_set_coordinator_host('$(host_of "$coordinator")', $(port_of "$coordinator"))" >/dev/null
for node in $workers; do
  sql "$coordinator" "SELECT citus_add_node('$(host_of "$node")', $(port_of "$node"))" >/dev/null
done
sql "$coordinator" \
  "SELECT nodename || ':' || nodeport || ' ' || noderole FROM pg_dist_node ORDER BY nodeid"
echo "citus-init: the cluster has its coordinator and $(echo $workers | wc -w) workers"
