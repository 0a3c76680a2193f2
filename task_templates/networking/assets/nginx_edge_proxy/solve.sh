#!/bin/bash
# Reference solution: look at the site, start the upstreams, write a candidate config, test it
# exactly the way it will be run (as nobody), probe it with curl, then install it.
set -euo pipefail
ls -la @BASE@
find @PUBLIC@ -type f | sort
stat -c '%U %a %n' @PUBLIC@ @PUBLIC@/index.html
find @BASE@ -type f ! -path @CONF@ -print0 | xargs -0 sha256sum > /tmp/site.sha256
ip -brief address show lo
head -n 20 @BASE@/upstream/service.py
nginx -v
grep -n -e '^user' -e '^pid' -e 'access_log' /etc/nginx/nginx.conf || true
id nobody
pids=()
@STARTS@
sleep 1
ss -ltn
cat > /tmp/candidate.conf <<'CONF'
@CONFIG@
CONF
rm -rf @RUN@
mkdir -p @RUN@
chown nobody:nogroup @RUN@
runuser -u nobody -- nginx -t -p @RUN@/ -c /tmp/candidate.conf -e @RUN@/error.log -g 'daemon off;'
runuser -u nobody -- nginx -T -p @RUN@/ -c /tmp/candidate.conf -e @RUN@/error.log -g 'daemon off;' 2>/dev/null | grep -n -e 'location' -e 'listen'
install -m 644 /tmp/candidate.conf @CONF@
runuser -u nobody -- nginx -p @RUN@/ -c @CONF@ -e @RUN@/error.log -g 'daemon off;' &
pids+=($!)
for _ in $(seq 50); do
    if curl -s -o /dev/null http://127.0.0.1:@PORT@/; then break; fi
    sleep 0.1
done
pidof nginx
ps -o user,pid,args -C nginx
@PROBES@
tail -n 5 @RUN@/access.log
sha256sum --quiet -c /tmp/site.sha256
kill "$(cat @RUN@/nginx.pid)"
kill "${pids[@]}" 2>/dev/null || true
wait || true
