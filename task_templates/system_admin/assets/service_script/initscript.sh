#!/bin/bash
### BEGIN INIT INFO
# Provides:          @SVC@
# Required-Start:    $network $remote_fs
# Required-Stop:     $network $remote_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: @SVC@ status daemon
### END INIT INFO

NAME=@SVC@
DAEMON=/opt/@SVC@/bin/@SVC@d
CONFIG=/etc/@SVC@/@SVC@.conf
RUNAS=@USER@
PIDFILE=/run/@SVC@/@SVC@.pid
LOGDIR=/var/log/@SVC@
STOP_TIMEOUT=15

# A pid is ours only while that process runs our daemon.
is_ours() {
    [ -n "$1" ] && grep -qsF -- "$DAEMON" "/proc/$1/cmdline"
}

read_pid() {
    [ -s "$PIDFILE" ] && cat "$PIDFILE"
}

do_start() {
    local pid
    pid=$(read_pid)
    if is_ours "$pid"; then
        echo "$NAME is already running (pid $pid)"
        return 0
    fi
    install -d -o "$RUNAS" -g "$RUNAS" -m 0755 "$(dirname "$PIDFILE")"
    install -d -o "$RUNAS" -g "$RUNAS" -m 0750 "$LOGDIR"
    @ENV@="$CONFIG" setpriv --reuid="$RUNAS" --regid="$RUNAS" --init-groups \
        "$DAEMON" </dev/null >>"$LOGDIR/console.log" 2>&1 &
    echo $! > "$PIDFILE"
    echo "started $NAME"
}

do_stop() {
    local pid i
    pid=$(read_pid)
    if ! is_ours "$pid"; then
        rm -f "$PIDFILE"
        echo "$NAME is not running"
        return 0
    fi
    kill -TERM "$pid"
    for i in $(seq 1 $((STOP_TIMEOUT * 10))); do
        is_ours "$pid" || break
        sleep 0.1
    done
    if is_ours "$pid"; then
        kill -KILL "$pid"
    fi
    rm -f "$PIDFILE"
    echo "stopped $NAME"
}

do_status() {
    local pid
    pid=$(read_pid)
    if is_ours "$pid"; then
        echo "$NAME is running (pid $pid)"
        return 0
    fi
    if [ -f "$PIDFILE" ]; then
        echo "$NAME is dead but $PIDFILE exists"
        return 1
    fi
    echo "$NAME is stopped"
    return 3
}

do_reload() {
    local pid
    pid=$(read_pid)
    if ! is_ours "$pid"; then
        echo "$NAME is not running"
        return 7
    fi
    kill -HUP "$pid"
    echo "reloading $NAME"
}

case "$1" in
    start) do_start ;;
    stop) do_stop ;;
    restart) do_stop; do_start ;;
    reload) do_reload ;;
    status) do_status ;;
    *) echo "Usage: $0 {start|stop|restart|reload|status}" >&2; exit 2 ;;
esac
