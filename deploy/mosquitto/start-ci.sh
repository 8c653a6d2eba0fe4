#!/usr/bin/env bash
# Starts Mosquitto with the dynamic-security plugin on a free loopback port, for the ACL tests.
#
# Usage:  eval "$(deploy/mosquitto/start-ci.sh [WORKDIR])"
#   prints export lines for MOSQUITTO_URL, MOSQUITTO_ADMIN_USER, MOSQUITTO_ADMIN_PASSWORD and
#   MOSQUITTO_PID; everything else (logs, config, dynsec JSON) goes to WORKDIR (default: a temp dir).
#   With openssl installed it also makes a throwaway CA and a certificate for 127.0.0.1/localhost
#   in WORKDIR/tls and opens a second, TLS listener: MOSQUITTO_TLS_URL (mqtts://localhost:PORT)
#   and MOSQUITTO_CA_FILE (the CA to verify it with) are exported too (ADR 0037).
#   Stop it with: kill "$MOSQUITTO_PID"
# Needs: mosquitto (2.x, with mosquitto_ctrl and the dynamic-security plugin), e.g.
#   apt-get install -y mosquitto (and openssl for the TLS listener)
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

free_port() { node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
port="$(free_port)"
tls_port=""
if command -v openssl >/dev/null; then
  tls_port="$(free_port)"
  while [ "$tls_port" = "$port" ]; do tls_port="$(free_port)"; done
  t="$dir/tls"
  mkdir -p "$t"
  {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=ISAC CI Mosquitto CA" \
      -addext basicConstraints=critical,CA:TRUE -keyout "$t/ca.key" -out "$t/ca.crt"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout "$t/server.key" -out "$t/server.csr"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$t/server.ext"
    openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -days 30 \
      -extfile "$t/server.ext" -out "$t/server.crt"
  } >"$dir/openssl.log" 2>&1
fi
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
if [ -n "$tls_port" ]; then
  cat >>"$dir/mosquitto.conf" <<CONF
listener $tls_port 127.0.0.1
certfile $dir/tls/server.crt
keyfile $dir/tls/server.key
CONF
fi

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
    if [ -n "$tls_port" ]; then
      echo "export MOSQUITTO_TLS_URL=mqtts://localhost:$tls_port"
      echo "export MOSQUITTO_CA_FILE=$dir/tls/ca.crt"
    fi
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
echo "mosquitto did not start; see $dir/mosquitto.log" >&2
cat "$dir/mosquitto.log" "$dir/stdout.log" >&2 2>/dev/null || true
exit 1
