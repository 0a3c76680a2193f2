"""Runs as nobody inside an export of main's tree: call the merged module, print JSON."""

import importlib
import json
import sys

sys.path.insert(0, sys.argv[1])
spec = json.load(sys.stdin)
out = {"import_error": None, "metrics": None, "summaries": [], "histograms": []}
try:
    mod = importlib.import_module(spec["module"])
except Exception as exc:  # the agent's module may not even import
    out["import_error"] = repr(exc)
    print("\n" + json.dumps(out))
    sys.exit(0)


def attempt(fn, *args):
    try:
        return {"ok": fn(*args)}
    except Exception as exc:
        return {"error": repr(exc)}


out["metrics"] = attempt(lambda: sorted(mod.METRICS))
for records in spec["summaries"]:
    out["summaries"].append(attempt(mod.summarize, records))
for records, width in spec["histograms"]:
    result = attempt(lambda r, w: getattr(mod, spec["histogram"])(r, w), records, width)
    if "ok" in result:
        result = {"ok": {str(k): v for k, v in dict(result["ok"]).items()}}
    out["histograms"].append(result)
print("\n" + json.dumps(out, default=repr))  # last line: whatever the module printed
