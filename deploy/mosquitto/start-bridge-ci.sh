#!/usr/bin/env bash
# Starts two Mosquitto brokers with dynamic security on free loopback ports, the second bridged to
# the first as deploy/mosquitto/bridge.conf describes (ADR 0035), for the bridge tests.
#
# Usage:  eval "$(deploy/mosquitto/start-bridge-ci.sh [WORKDIR])"
#   prints export lines for the first broker (MOSQUITTO_URL, MOSQUITTO_ADMIN_USER,
#   MOSQUITTO_ADMIN_PASSWORD, MOSQUITTO_PID) and the second (the same with MOSQUITTO_B_).
#   Stop them with: kill "$MOSQUITTO_B_PID" "$MOSQUITTO_PID"
set -euo pipefail

dir="${1:-$(mktemp -d -t isac-bridge-XXXXXX)}"
mkdir -p "$dir/a" "$dir/b"
# Started as root, mosquitto drops to the "mosquitto" user: it must reach both brokers' directories.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then chown mosquitto "$dir"; fi
here="$(cd "$(dirname "$0")" && pwd)"

# the first broker: where the dispatcher publishes
eval "$("$here/start-ci.sh" "$dir/a")"
a_url="$MOSQUITTO_URL" a_user="$MOSQUITTO_ADMIN_USER" a_password="$MOSQUITTO_ADMIN_PASSWORD" a_pid="$MOSQUITTO_PID"
a_port="${a_url##*:}"
fail() { kill "$a_pid" 2>/dev/null || true; echo "$1" >&2; exit 1; }

# the bridge's client on the first broker: read the organisations' topics, carry acks back
bridge_password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)"
ctrl() { mosquitto_ctrl -h 127.0.0.1 -p "$a_port" -u "$a_user" -P "$a_password" dynsec "$@" >>"$dir/a/ctrl.log" 2>&1; }
ctrl createRole isac-bridge || fail "cannot create the bridge role; see $dir/a/ctrl.log"
ctrl addRoleACL isac-bridge subscribePattern 'isac/v1/orgs/#' allow || fail "bridge ACL; see $dir/a/ctrl.log"
ctrl addRoleACL isac-bridge publishClientSend 'isac/v1/orgs/+/acks' allow || fail "bridge ACL; see $dir/a/ctrl.log"
ctrl createClient isac-bridge -p "$bridge_password" || fail "cannot create the bridge client; see $dir/a/ctrl.log"
ctrl addClientRole isac-bridge isac-bridge || fail "bridge role; see $dir/a/ctrl.log"

# the second broker: the same setup, plus the bridge (bridge.conf with this run's address and password)
plugin="$(sed -n 's/^plugin //p' "$dir/a/mosquitto.conf")"
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
b_user="isac-dynsec-admin"
b_password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)"
mosquitto_ctrl dynsec init "$dir/b/dynamic-security.json" "$b_user" "$b_password" >"$dir/b/init.log" 2>&1
chmod 600 "$dir/b/dynamic-security.json"
{
  cat <<CONF
per_listener_settings false
listener $port 127.0.0.1
allow_anonymous false
persistence false
log_dest file $dir/b/mosquitto.log
plugin $plugin
plugin_opt_config_file $dir/b/dynamic-security.json
CONF
  sed -e '/^#/d' -e '/^$/d' \
    -e "s|^address .*|address 127.0.0.1:$a_port|" \
    -e "s|^remote_password .*|remote_password $bridge_password|" \
    -e "s|^restart_timeout .*|restart_timeout 1 2|" \
    "$here/bridge.conf"
} >"$dir/b/mosquitto.conf"
chmod 600 "$dir/b/mosquitto.conf"
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then chown -R mosquitto "$dir/b"; fi

mosquitto -c "$dir/b/mosquitto.conf" >"$dir/b/stdout.log" 2>&1 &
b_pid=$!

# ready once the second broker listens and its bridge is connected to the first
for _ in $(seq 1 100); do
  if grep -q "as isac-bridge-broker-b" "$dir/a/mosquitto.log" 2>/dev/null \
    && node -e "require('net').connect($port,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" 2>/dev/null; then
    echo "export MOSQUITTO_URL=$a_url"
    echo "export MOSQUITTO_ADMIN_USER=$a_user"
    echo "export MOSQUITTO_ADMIN_PASSWORD=$a_password"
    echo "export MOSQUITTO_PID=$a_pid"
    echo "export MOSQUITTO_B_URL=mqtt://127.0.0.1:$port"
    echo "export MOSQUITTO_B_ADMIN_USER=$b_user"
    echo "export MOSQUITTO_B_ADMIN_PASSWORD=$b_password"
    echo "export MOSQUITTO_B_PID=$b_pid"
    echo "export MOSQUITTO_BRIDGE_DIR=$dir"
    exit 0
  fi
  kill -0 "$b_pid" 2>/dev/null || break
  sleep 0.1
done
kill "$b_pid" 2>/dev/null || true
cat "$dir/b/mosquitto.log" "$dir/b/stdout.log" >&2 2>/dev/null || true
fail "the second mosquitto did not start; see $dir/b/mosquitto.log"
