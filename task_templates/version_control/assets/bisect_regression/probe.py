"""`git bisect run` probe: exit 0 if the helper behaves, 1 if it regressed, 125 if untestable.

The helper is looked up in every module of the package, because it has not necessarily always
lived where it lives today; a commit where the package cannot be imported proves nothing.
"""

import importlib
import json
import pkgutil
import sys

ARGS = json.loads("@ARGS@")
GOOD = json.loads("@GOOD@")

sys.path.insert(0, ".")
try:
    pkg = importlib.import_module("@PKG@")
except Exception as exc:
    print(f"skip: the package does not import here ({exc!r})")
    sys.exit(125)

func = None
for info in pkgutil.iter_modules(pkg.__path__):
    module = importlib.import_module(f"@PKG@.{info.name}")
    func = getattr(module, "@FUNC@", None) or func
if func is None:
    print("skip: @FUNC@ does not exist at this commit")
    sys.exit(125)

got = func(*ARGS)
if isinstance(got, tuple):
    got = list(got)
print(f"@FUNC@ -> {got!r}")
sys.exit(0 if got == GOOD else 1)
