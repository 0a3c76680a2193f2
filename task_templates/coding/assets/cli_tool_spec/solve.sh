#!/bin/bash
# Reference solution: look at the sample data, write the tool from the spec, replay the
# instruction's examples against it, and only then install it where the spec says.
set -euo pipefail
ls -l @SAMPLE_DIR@
realpath @SAMPLE@
which python3
printenv PATH
head -n 5 @SAMPLE@
wc -l @SAMPLE@
head -n 1 @SAMPLE@ | tr ',' '\n' | nl
cut -d, -f1 @SAMPLE@ | sort | uniq -c | sort -rn | wc -l
md5sum @SAMPLE@ | tee /tmp/sample.md5
mkdir -p /tmp/build
cd /tmp/build
cat > @PROG@ <<'PY'
@TOOL_SOURCE@
PY
chmod +x @PROG@
python3 -m py_compile @PROG@
grep -c '^def ' @PROG@
@EXAMPLE_CHECKS@
install -D -m 0755 /tmp/build/@PROG@ @TOOL@
ls -l @TOOL@
basename @TOOL@
cd /
env -i PATH=/usr/bin:/bin @TOOL@ @COUNT@ @SAMPLE@
md5sum -c /tmp/sample.md5
