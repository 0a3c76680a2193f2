"""After a union merge: fold repeated METRICS lines into one, and follow a helper rename.

Usage: fixup.py MODULE NEW_HELPER  (NEW_HELPER may be empty when no branch renamed `_values`).
"""

import ast
import re
import sys

path, new_helper = sys.argv[1], sys.argv[2]
with open(path) as fh:
    lines = fh.read().split("\n")

# 1. A union keeps both sides' one-line METRICS tuples; the later one would win. Combine them.
metric_lines = [i for i, line in enumerate(lines) if line.startswith("METRICS = ")]
if len(metric_lines) > 1:
    names = []
    for i in metric_lines:
        for name in ast.literal_eval(lines[i].split("=", 1)[1].strip()):
            if name not in names:
                names.append(name)
    lines[metric_lines[0]] = "METRICS = (" + ", ".join(f'"{n}"' for n in names) + ")"
    for i in reversed(metric_lines[1:]):
        del lines[i]
    print(f"combined METRICS: {names}")

# 2. One branch renamed `_values` (and made it skip missing values); code from other branches
#    still calls or even re-defines the old helper. Drop the stale copy and call the new one.
source = "\n".join(lines)
if new_helper and f"def {new_helper}(" in source:
    stale = re.compile(r"^def _values\(records\):\n(?:(?:    .*)?\n)*?(?=\S|\Z)", re.M)
    source, removed = stale.subn("", source)
    source, renamed = re.subn(r"\b_values\(", f"{new_helper}(", source)
    source = re.sub(r"\n{4,}", "\n\n\n", source)
    print(f"removed {removed} stale _values definition(s), renamed {renamed} call(s)")
with open(path, "w") as fh:
    fh.write(source)
