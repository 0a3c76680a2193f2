#!/bin/bash
# Reference solution: find every leaked value in all files and messages of all refs, rewrite
# every branch and tag with git filter-branch (tree, messages, tags), drop the backup refs,
# expire the reflogs and prune, then prove nothing reachable (or at all) still holds a secret.
set -euo pipefail
cd @REPO@
git for-each-ref
git log --oneline --all | wc -l
du -sh .git
pattern='sk_live_[A-Za-z0-9]{24}|ghp_[A-Za-z0-9]{36}'

# 1. Which values leaked? Search every file of every commit, and every commit message.
git rev-list --all > /tmp/revs.txt
xargs git grep -h -o -E "$pattern" < /tmp/revs.txt > /tmp/found.txt || true
git log --all --format=%B | grep -o -E "$pattern" >> /tmp/found.txt || true
# Placeholders made of repeated X are documentation, not secrets.
sort /tmp/found.txt | uniq -c
sort -u /tmp/found.txt | grep -v -E 'X{12}' > /tmp/secrets.txt || true
echo "leaked values: $(wc -l < /tmp/secrets.txt)"
sed 's/.*/s|&|@MARKER@|g/' /tmp/secrets.txt > /tmp/scrub.sed

# 2. Rewrite all refs: file contents, commit messages, tags.
if [ -s /tmp/secrets.txt ]; then
    git log --all --oneline -S "$(head -n 1 /tmp/secrets.txt)" | cat
    export FILTER_BRANCH_SQUELCH_WARNING=1
    git filter-branch -f \
        --tree-filter 'find . -type f -exec sed -i -f /tmp/scrub.sed {} +' \
        --msg-filter 'sed -f /tmp/scrub.sed' \
        --tag-name-filter cat \
        -- --all
else
    echo "no leaked value left to rewrite"
fi

# 3. Drop filter-branch's backups, expire the reflogs and prune the old objects.
git for-each-ref --format='%(refname)' refs/original/ | xargs -r -n 1 git update-ref -d
if [ "@PURGE@" = 1 ]; then
    git reflog expire --expire=now --all
    git gc --prune=now --quiet
    find .git/objects -type f | wc -l
    du -sh .git
fi

# 4. Prove it.
if [ -s /tmp/secrets.txt ]; then
    if git rev-list --all | xargs git grep -l -F -f /tmp/secrets.txt; then
        echo "a reachable commit still leaks" >&2
        exit 1
    fi
    if [ "@PURGE@" = 1 ]; then
        left=$(git cat-file --batch-all-objects --batch | grep -a -c -F -f /tmp/secrets.txt || true)
        echo "objects still holding a secret: $left"
        test "$left" = 0
    fi
fi
git status --short --branch
git log --oneline --graph --all -n 20
