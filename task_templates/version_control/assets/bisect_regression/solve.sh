#!/bin/bash
# Reference solution: bisect between the last good release and main with a probe that skips
# commits where the package cannot be imported (exit 125), then report the culprit and, at
# hard difficulty, revert it on top of main.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1  # bisect checks files out faster than .pyc mtimes can tell
cd @REPO@
git log --oneline | wc -l
git tag --list
git log --oneline -n 5 | nl
grep -rn "def @FUNC@" @PKG@/
cp /solution/probe.py /tmp/probe.py

# The probe must say "bad" at the tip and "good" at the release that still worked. (A tip that
# is already good must be a revert from an earlier run: bisect below it.)
bad_end=main
reverted=0
if python3 /tmp/probe.py; then
    if git log -1 --format=%s main | grep -q '^Revert "'; then
        bad_end=main~1
        reverted=1
    else
        echo "the tip is not broken?" >&2
        exit 1
    fi
fi
git checkout -q @GOOD_TAG@
python3 /tmp/probe.py
git checkout -q main

git bisect start "$bad_end" @GOOD_TAG@
git bisect run timeout 60 python3 /tmp/probe.py | tee /tmp/bisect.log
bad=$(git rev-parse refs/bisect/bad)
subject=$(git log -1 --format=%s "$bad")
echo "culprit: $(echo "$bad" | cut -c1-12) $subject"
git bisect log | tail -n 4
git bisect reset
grep -c "skip" /tmp/bisect.log || true
printf '%s\n%s\n' "$bad" "$subject" > @OUT@
cat @OUT@

if [ "@REVERT@" = 1 ] && [ "$reverted" = 0 ]; then
    git show --stat --format=%s "$bad"
    git revert --no-edit "$bad"
    python3 /tmp/probe.py
    python3 -m unittest discover -s tests -t . 2>&1 | tail -n 3
fi
git status --short --branch
