"""Runs as nobody inside an exported tree: call library functions, print the results as JSON.

stdin: {"calls": [{"module": "pkg.mod", "name": "fn", "args": [...]}, ...]}
stdout (last line): a list with {"ok": value} or {"error": "..."} per call.
"""

import importlib
import json
import sys

sys.path.insert(0, sys.argv[1])
spec = json.load(sys.stdin)
results = []
for call in spec["calls"]:
    try:
        fn = getattr(importlib.import_module(call["module"]), call["name"])
        value = fn(*call["args"])
        if isinstance(value, tuple):
            value = list(value)
        results.append({"ok": value})
    except BaseException as exc:  # SyntaxError, SystemExit and friends included
        results.append({"error": repr(exc)[:200]})
print("\n" + json.dumps(results, default=repr))
