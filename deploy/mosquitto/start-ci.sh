#!/usr/bin/env bash
# Starts Mosquitto with the dynamic-security plugin on a free loopback port, for the ACL tests.
#
# Usage:  eval "$(deploy/mosquitto/start-ci.sh [WORKDIR])"
#   prints export lines for MOSQUITTO_URL, MOSQUITTO_ADMIN_USER, MOSQUITTO_ADMIN_PASSWORD and
#   MOSQUITTO_PID; everything else (logs, config, dynsec JSON) goes to WORKDIR (default: a temp dir).
#   Stop it with: kill "$MOSQUITTO_PID"
# Needs: mosquitto (2.x, with mosquitto_ctrl and the dynamic-security plugin), e.g.
#   apt-get install -y mosquitto
set -euo pipefail

dir="${1:-$(mktemp -d -t isac-mosquitto-XXXXXX)}"
mkdir -p "$dir"

command -v mosquitto >/dev/null || { echo "mosquitto is not installed (apt-get install -y mosquitto)" >&2; exit 1; }
command -v mosquitto_ctrl >/dev/null || { echo "mosquitto_ctrl is not installed (apt-get install -y mosquitto)" >&2; exit 1; }

plugin=""
for p in /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so /usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so \
         /usr/lib/mosquitto_dynamic_security.so /usr/local/lib/mosquitto_dynamic_security.so; do
  [ -f "$p" ] && { plugin="$p"; break; }
done
[ -n "$plugin" ] || plugin="$(find / -name 'mosquitto_dynamic_security.so' -print -quit 2>/dev/null || true)"
[ -n "$plugin" ] || { echo "mosquitto_dynamic_security.so not found" >&2; exit 1; }

port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
admin_user="isac-dynsec-admin"
admin_password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)"

rm -f "$dir/dynamic-security.json"
mosquitto_ctrl dynsec init "$dir/dynamic-security.json" "$admin_user" "$admin_password" >"$dir/init.log" 2>&1
chmod 600 "$dir/dynamic-security.json"

cat >"$dir/mosquitto.conf" <<CONF
per_listener_settings false
listener $port 127.0.0.1
allow_anonymous false
persistence false
log_dest file $dir/mosquitto.log
plugin $plugin
plugin_opt_config_file $dir/dynamic-security.json
CONF

# Started as root, mosquitto drops to the "mosquitto" user: it must be able to read and write its files.
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then chown -R mosquitto "$dir"; fi

mosquitto -c "$dir/mosquitto.conf" >"$dir/stdout.log" 2>&1 &
pid=$!

for _ in $(seq 1 50); do
  if node -e "require('net').connect($port,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" 2>/dev/null; then
    echo "export MOSQUITTO_URL=mqtt://127.0.0.1:$port"
    echo "export MOSQUITTO_ADMIN_USER=$admin_user"
    echo "export MOSQUITTO_ADMIN_PASSWORD=$admin_password"
    echo "export MOSQUITTO_PID=$pid"
    echo "export MOSQUITTO_DIR=$dir"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "mosquitto did not start; see $dir/mosquitto.log" >&2
cat "$dir/mosquitto.log" "$dir/stdout.log" >&2 2>/dev/null || true
exit 1
