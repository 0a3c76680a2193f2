#!/bin/bash
# Reference solution: merge each branch with --no-ff, resolve every conflicted file by keeping
# both sides (git merge-file --union over the three index stages), then repair what a plain
# union cannot: the one-line METRICS tuple, and calls to a helper that another branch renamed.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
cd @REPO@
git status --short --branch
git branch --list
git log --oneline --graph --all -n 40
module=@MODULE@
ls -la "$(dirname "$module")" tests

# Did a branch rename the values helper? Look at the helper each branch defines.
new_helper=""
for branch in @BRANCHES@; do
    git diff --stat "main...$branch" | tail -n 1
    sdiff -s <(git show "main:$module") <(git show "$branch:$module") | wc -l || true
    name=$(git show "$branch:$module" | grep -oE '^def _[a-z_]*values' | sed 's/^def //' || true)
    if [ -n "$name" ] && [ "$name" != "_values" ]; then new_helper=$name; fi
done
echo "renamed helper: ${new_helper:-none}"

resolve_union() {
    git diff --name-only --diff-filter=U | sort | tee /tmp/conflicted.txt
    echo "$(wc -l < /tmp/conflicted.txt) conflicted file(s)"
    while read -r path; do
        base=$(mktemp)
        ours=$(mktemp)
        theirs=$(mktemp)
        git show ":1:$path" > "$base" 2>/dev/null || : > "$base"
        git show ":2:$path" > "$ours"
        git show ":3:$path" > "$theirs"
        git merge-file -p --union "$ours" "$base" "$theirs" > "$path" || true
        rm -f "$base" "$ours" "$theirs"
        git add "$path"
    done < /tmp/conflicted.txt
}

for branch in @BRANCHES@; do
    if git merge --no-ff --no-edit "$branch"; then
        clean=1
    else
        clean=0
        resolve_union
    fi
    python3 /solution/fixup.py "$module" "$new_helper"
    if grep -rnE '^(<<<<<<<|=======|>>>>>>>)( |$)' --exclude-dir=.git .; then
        echo "conflict markers left after merging $branch" >&2
        exit 1
    fi
    git add -A
    if [ "$clean" = 1 ]; then
        git diff --cached --quiet || git commit --amend --no-edit
    else
        git commit --no-edit
    fi
done
python3 -m unittest discover -s tests -t .
git log --oneline --graph -n 15
