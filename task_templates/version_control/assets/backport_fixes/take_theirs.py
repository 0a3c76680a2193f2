"""Resolve every conflict hunk of a file by keeping the picked commit's side ("theirs").

Only the conflicting hunks change; everything git merged cleanly stays as the release has it,
unlike `git checkout --theirs`, which would copy main's whole file (features included).
"""

import sys

path = sys.argv[1]
with open(path) as fh:
    lines = fh.read().split("\n")
out, section = [], None
for line in lines:
    if line.startswith("<<<<<<< "):
        section = "ours"
    elif line.startswith("||||||| ") and section == "ours":
        section = "base"
    elif line == "=======" and section in ("ours", "base"):
        section = "theirs"
    elif line.startswith(">>>>>>> ") and section == "theirs":
        section = None
    elif section in (None, "theirs"):
        out.append(line)
with open(path, "w") as fh:
    fh.write("\n".join(out))
print(f"resolved {path}")
