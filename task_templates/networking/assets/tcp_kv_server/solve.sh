#!/bin/bash
# Reference solution: write a threaded socket server for the protocol, start it the way the
# checker will (as nobody), and talk to it with nc before leaving it in place.
set -euo pipefail
mkdir -p @BASE@
ls -la @BASE@
python3 -c 'import socket, threading, json; print("stdlib ok")'
id nobody
# pick a free port for a local smoke test
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "testing on port $port"
cat > @SERVER@ <<'PYEOF'
@KVSERVER@
PYEOF
chmod 755 @SERVER@
python3 -m py_compile @SERVER@
wc -l @SERVER@
rm -rf /tmp/kv-smoke && mkdir -p /tmp/kv-smoke && chown nobody /tmp/kv-smoke
runuser -u nobody -- python3 @SERVER@ --port "$port" @DATA_ARG@ &
server=$!
for _ in $(seq 50); do
    if ss -ltn | grep -q ":$port "; then break; fi
    sleep 0.1
done
pgrep -u nobody -a python3
@PROBE@
od -c /tmp/kv-got.txt | head -n 5
diff /tmp/kv-want.txt /tmp/kv-got.txt
printf 'NOPE\n' | timeout 5 nc -q 1 127.0.0.1 "$port"
if [ -f /tmp/kv-smoke/store.json ]; then python3 -m json.tool /tmp/kv-smoke/store.json; fi
kill "$server"
wait "$server" || true
rm -rf /tmp/kv-smoke
