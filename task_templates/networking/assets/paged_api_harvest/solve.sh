#!/bin/bash
# Reference solution: read the API docs, start the server, poke it with curl, then write a
# client that pages through everything politely (Retry-After, 503 retries, token refresh).
set -euo pipefail
ls -la @HOME@
sha256sum @HOME@/* > /tmp/api.sha256
cat @HOME@/API.md
grep -n -e 429 -e Retry-After -e 503 @HOME@/API.md
head -c 300 @HOME@/config.json; echo
nohup python3 @HOME@/server.py --port @PORT@ --config @HOME@/config.json > /tmp/api-server.log 2>&1 &
server=$!
for _ in $(seq 50); do
    if curl -s -o /dev/null http://127.0.0.1:@PORT@/; then break; fi
    sleep 0.1
done
if [ "@LEVEL@" = easy ]; then
    token=$(cat @CREDS@)
    curl -s -D /tmp/page1.headers -o /tmp/page1.json -H "Authorization: Bearer $token" "http://127.0.0.1:@PORT@@PREFIX@/@RESOURCE@?page=1"
    cat /tmp/page1.headers
    head -c 600 /tmp/page1.json; echo
else
    curl -s -i -X POST -H 'Content-Type: application/json' --data @@CREDS@ http://127.0.0.1:@PORT@/auth/token; echo
fi
curl -s -o /dev/null -w 'without a token: %{http_code}\n' "http://127.0.0.1:@PORT@@PREFIX@/@RESOURCE@"
ss -ltn | grep ":@PORT@ "
ps -o pid,args -p "$server"
mkdir -p @WORK@
cat > @CLIENT@ <<'PYEOF'
#!/usr/bin/env python3
"""Download every record from the API and write the aggregate as JSON."""

import argparse
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict

LEVEL = "@LEVEL@"
PREFIX = "@PREFIX@"
RESOURCE = "@RESOURCE@"


class Api:
    def __init__(self, base, credentials):
        self.base = base.rstrip("/")
        with open(credentials) as fh:
            text = fh.read()
        if LEVEL == "easy":
            self.creds, self.token = None, text.strip()
        else:
            self.creds, self.token = json.loads(text), None

    def login(self):
        self.token = self.call("POST", "/auth/token", body=self.creds, auth=False)["access_token"]

    def call(self, method, path, body=None, auth=True):
        for _ in range(200):
            headers = {"Accept": "application/json"}
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            if auth:
                if self.token is None:
                    self.login()
                headers["Authorization"] = f"Bearer {self.token}"
            request = urllib.request.Request(self.base + path, data, headers, method=method)
            try:
                with urllib.request.urlopen(request, timeout=30) as resp:
                    return json.loads(resp.read())
            except urllib.error.HTTPError as err:
                err.read()
                if err.code == 429:
                    time.sleep(float(err.headers.get("Retry-After") or 1) + 0.05)
                elif err.code == 503:
                    time.sleep(0.2)
                elif err.code == 401 and auth and self.creds is not None:
                    self.token = None
                else:
                    raise
        raise RuntimeError(f"{method} {path}: giving up after many retries")

    def pages(self, name):
        rows, page = [], 1
        while True:
            reply = self.call("GET", f"{PREFIX}/{name}?page={page}")
            rows += reply["items"]
            if page >= reply["total_pages"]:
                return rows
            page += 1

    def cursor(self, name):
        rows, cursor = [], None
        while True:
            query = "" if cursor is None else "?" + urllib.parse.urlencode({"cursor": cursor})
            reply = self.call("GET", f"{PREFIX}/{name}{query}")
            rows += reply["data"]
            cursor = reply["next_cursor"]
            if cursor is None:
                return rows


def aggregate(api):
    if LEVEL == "easy":
        rows = api.pages(RESOURCE)
        return {
            "count": len(rows),
            "total_cents": sum(r["amount_cents"] for r in rows),
            "by_status": dict(Counter(r["status"] for r in rows)),
        }
    rows = api.cursor(RESOURCE)
    if LEVEL == "hard":
        latest = {}
        for r in rows:
            if r["id"] not in latest or r["rev"] > latest[r["id"]]["rev"]:
                latest[r["id"]] = r
        rows = [r for r in latest.values() if not r.get("deleted")]
    counted = [r for r in rows if r["status"] != "void"]
    paid = [r for r in counted if r["status"] == "paid"]
    by_category = {r["category"]: 0 for r in counted}
    for r in paid:
        by_category[r["category"]] += r["amount_cents"]
    result = {
        "count": len(counted),
        "paid_cents": sum(r["amount_cents"] for r in paid),
        "refunded_cents": sum(r["amount_cents"] for r in counted if r["status"] == "refunded"),
        "by_category": by_category,
    }
    if LEVEL == "hard":
        region = {c["id"]: c["region"] for c in api.pages("customers")}
        by_region = {region[r["customer_id"]]: 0 for r in counted}
        per_customer = defaultdict(int)
        for r in paid:
            by_region[region[r["customer_id"]]] += r["amount_cents"]
            per_customer[r["customer_id"]] += r["amount_cents"]
        result["by_region"] = by_region
        ranked = sorted(per_customer.items(), key=lambda kv: (-kv[1], kv[0]))
        result["top_customers"] = [cid for cid, _ in ranked[:3]]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--credentials", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = aggregate(Api(args.base_url, args.credentials))
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
PYEOF
chmod 755 @CLIENT@
time python3 @CLIENT@ --base-url http://127.0.0.1:@PORT@ --credentials @CREDS@ --out @OUTPUT@ 2>&1 | tee /tmp/harvest.log
python3 -m json.tool @OUTPUT@
wc -c @OUTPUT@
tail -n 5 /tmp/api-server.log
kill "$server"
wait "$server" || true
sha256sum -c /tmp/api.sha256
