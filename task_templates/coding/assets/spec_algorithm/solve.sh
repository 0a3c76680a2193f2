#!/bin/bash
# Reference solution: write the program from the spec, replay the instruction's examples
# against it, and install it only once they all match.
set -euo pipefail
mkdir -p /tmp/work
cd /tmp/work
cat > @PROG@ <<'PY'
@SOURCE@
PY
chmod +x @PROG@
python3 -m py_compile @PROG@
grep -c 'def ' @PROG@
@EXAMPLE_CHECKS@
wc -l ex*.want | tail -n 1
@EXTRA@
ls -l
install -D -m 0755 @PROG@ @TOOL@
stat -c '%A %n' @TOOL@
cd / && @TOOL@ --no-such-option < /dev/null || echo "usage error exit: $?"
