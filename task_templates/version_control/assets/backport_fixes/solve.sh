#!/bin/bash
# Reference solution: list the fix commits after the tag, drop the reverted ones, the ones that
# only touch files the release lacks and the ones the release branch already has, then
# cherry-pick the rest with -x in order, resolving conflicts hunk by hunk in the fix's favour.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
cd @REPO@
git tag --list
git branch --list
git log --oneline @TAG@..main | wc -l

git log --reverse --format='%H %s' @TAG@..main | grep -E '^[0-9a-f]{40} fix(\(|:)' > /tmp/fixes.txt
cut -d' ' -f2- /tmp/fixes.txt | nl
git log --format=%B @TAG@..main | grep -oE 'This reverts commit [0-9a-f]{40}' \
    | awk '{print $4}' | sort -u > /tmp/reverted.txt || true
if git rev-parse -q --verify "refs/heads/@BRANCH@" > /dev/null; then
    git log --format=%B "@TAG@..@BRANCH@" | grep -oE 'cherry picked from commit [0-9a-f]{40}' \
        | awk '{print $5}' | sort -u > /tmp/done.txt || true
    git checkout -q "@BRANCH@"
else
    : > /tmp/done.txt
    git checkout -q -b "@BRANCH@" "@TAG@"
fi

: > /tmp/picks.txt
while read -r sha subject; do
    if grep -qx "$sha" /tmp/reverted.txt; then echo "skip, reverted on main: $subject"; continue; fi
    if grep -qx "$sha" /tmp/done.txt; then echo "skip, already backported: $subject"; continue; fi
    in_release=0
    for path in $(git diff-tree --no-commit-id --name-only -r "$sha"); do
        if git cat-file -e "@TAG@:$path" 2> /dev/null; then in_release=1; fi
    done
    if [ "$in_release" = 0 ]; then echo "skip, code not in the release: $subject"; continue; fi
    echo "$sha" >> /tmp/picks.txt
done < /tmp/fixes.txt
echo "backporting $(wc -l < /tmp/picks.txt) fixes"
cut -d' ' -f1 /tmp/fixes.txt | sort > /tmp/all.txt
sort /tmp/picks.txt | comm -23 /tmp/all.txt - | wc -l

while read -r sha; do
    if ! git cherry-pick -x "$sha" < /dev/null; then
        for path in $(git diff --name-only --diff-filter=U); do
            python3 /solution/take_theirs.py "$path"
            git add "$path"
        done
        GIT_EDITOR=true git cherry-pick --continue < /dev/null
    fi
done < /tmp/picks.txt

python3 -m unittest discover -s tests -t . 2>&1 | tail -n 3
git log --oneline "@TAG@..HEAD"
if [ -n "@NEW_TAG@" ]; then
    git rev-parse -q --verify "refs/tags/@NEW_TAG@" || git tag -a "@NEW_TAG@" -m "@NEW_TAG_MESSAGE@"
    git show --no-patch --format=%H "@NEW_TAG@"
fi
