#!/bin/bash
# Reference solution: read the README and the broken script, rebuild the script from what the
# host says (binary, config, user, environment variable), then drive every action and check.
set -euo pipefail
SCRIPT=/etc/init.d/@SVC@
README=/opt/@SVC@/README
cat "$README"
cat -n "$SCRIPT"
bash -n "$SCRIPT"

# Facts from the README and the host.
daemon=$(awk '/^Binary:/ {print $2}' "$README")
config=$(awk '/^Config:/ {print $2}' "$README")
user=$(sed -n 's/^User:.*`\(.*\)`.*/\1/p' "$README")
envvar=$(grep -o 'environment variable [A-Z_]*' "$README" | awk '{print $3}')
port=$(awk -F' *= *' '$1 == "listen_port" {print $2}' "$config")
logfile=$(awk -F' *= *' '$1 == "log_file" {print $2}' "$config")
echo "daemon=$daemon config=$config user=$user env=$envvar port=$port"
ls -l "$daemon" "$config"
id "$user"

# What goes wrong right now?
timeout 20 "$SCRIPT" start </dev/null >/tmp/start.out 2>&1 || echo "start exited $?"
sleep 3
cat /tmp/start.out
tail -n 5 "$(dirname "$logfile")/console.log" 2>/dev/null || true
top -b -n 1 | sed -n '1,12p'
pkill -KILL -f "$daemon" || true
rm -f /run/@SVC@/@SVC@.pid

# The service user must be able to read its config (content stays as it is).
if ! runuser -u "$user" -- test -r "$config"; then
    chgrp "$user" "$config"
    chmod 0640 "$config"
fi
stat -c '%U:%G %a %n' "$config"

cp "$SCRIPT" /root/@SVC@.init.orig
cat > /tmp/@SVC@.init <<'INIT'
@TEMPLATE@
INIT
sed -e "s#__DAEMON__#$daemon#" -e "s#__CONFIG__#$config#" -e "s#__USER__#$user#" \
    -e "s#__ENV__#$envvar#" -e "s#__SVC__#@SVC@#g" /tmp/@SVC@.init > "$SCRIPT"
chmod 0755 "$SCRIPT"
bash -n "$SCRIPT"
diff -u /root/@SVC@.init.orig "$SCRIPT" || true

ping_daemon() {
    local reply
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    echo PING >&3
    read -r reply <&3
    exec 3<&-
    echo "$reply"
}

# Drive it.
"$SCRIPT" start
for _ in $(seq 1 50); do ping_daemon 2>/dev/null && break; sleep 0.2; done
"$SCRIPT" status
"$SCRIPT" start
test "$(pgrep -c -f "$daemon")" = 1
ps -o pid,user,args -p "$(cat /run/@SVC@/@SVC@.pid)"
"$SCRIPT" reload
"$SCRIPT" restart
sleep 1
ping_daemon
"$SCRIPT" stop
rc=0; "$SCRIPT" status || rc=$?; test "$rc" = 3
sleep 30 & decoy=$!
echo "$decoy" > /run/@SVC@/@SVC@.pid
rc=0; "$SCRIPT" status || rc=$?; test "$rc" = 1
"$SCRIPT" stop
kill -0 "$decoy"
"$SCRIPT" start
sleep 1
ping_daemon
"$SCRIPT" stop
kill "$decoy"
tail -n 4 "$logfile"
