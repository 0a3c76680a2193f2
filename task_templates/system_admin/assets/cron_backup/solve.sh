#!/bin/bash
# Reference solution: write the backup script, try it on the sample tree, then install the jobs.
set -euo pipefail
ls -la @SRC@ @DEST@
find @SRC@ -maxdepth 2 | sed -n "1,30p"
crontab -l -u "$(stat -c %U @DEST@)" || true
ls -l /etc/cron.allow /etc/cron.d 2>/dev/null || true

cat > /tmp/backup.sh <<'SCRIPT'
#!/bin/bash
# Back up SOURCE_DIR into DEST_DIR/<prefix>-YYYYmmdd-HHMMSS.tar.gz and prune old archives.
set -uo pipefail
PREFIX=@SITE@
KEEP=@KEEP@
SIZE_CAP_KIB=@SIZE_CAP@
USE_LOG=@MEDIUM@
USE_LOCK=@HARD@
FILE_PATTERNS=(@FILE_PATS@)
DIR_PATTERNS=(@DIR_PATS@)

if [ $# -ne 2 ]; then
    echo "usage: $0 SOURCE_DIR DEST_DIR" >&2
    exit 64
fi
SRC=$1
DEST=$2
if [ ! -d "$SRC" ]; then
    echo "error: source directory $SRC does not exist" >&2
    exit 2
fi
mkdir -p "$DEST" || exit 1

if [ "$USE_LOCK" = 1 ]; then
    exec 9>>"$DEST/.backup.lock"
    if ! flock -n 9; then
        echo "another backup is running" >&2
        exit 75
    fi
fi

stamp=$(date -u +%Y%m%d-%H%M%S)
name="$PREFIX-$stamp.tar.gz"
list=$(mktemp)
trap 'rm -f "$list"' EXIT

prune=()
for d in "${DIR_PATTERNS[@]}"; do prune+=(-o -name "$d"); done
skip=()
for p in "${FILE_PATTERNS[@]}"; do skip+=(! -name "$p"); done
size=()
if [ "$SIZE_CAP_KIB" -gt 0 ]; then size=(! -size "+${SIZE_CAP_KIB}k"); fi
(cd "$SRC" && find . -type d \( "${prune[@]:1}" \) -prune -o -type f "${skip[@]}" "${size[@]}" -print0) > "$list"
count=$(tr -cd '\0' < "$list" | wc -c)

tar -czf "$DEST/.$name.partial" -C "$SRC" --null -T "$list" || exit 1
mv "$DEST/.$name.partial" "$DEST/$name"

pruned=0
while IFS= read -r old; do
    rm -f -- "$DEST/$old"
    pruned=$((pruned + 1))
done < <(ls -1 "$DEST" | grep -E "^$PREFIX-[0-9]{8}-[0-9]{6}\.tar\.gz\$" | sort -r | tail -n +$((KEEP + 1)))

if [ "$USE_LOG" = 1 ]; then
    printf '%s %s files=%d pruned=%d\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$name" "$count" "$pruned" >> "$DEST/backup.log"
fi
SCRIPT
install -o root -g root -m 0755 /tmp/backup.sh @SCRIPT@
rm -f /tmp/backup.sh
bash -n @SCRIPT@

# Try it: on a scratch copy, as an unprivileged user, then check what went into the archive.
scratch=$(mktemp -d)
cp -a @SRC@ "$scratch/src"
chown -R nobody "$scratch"
runuser -u nobody -- @SCRIPT@ "$scratch/src" "$scratch/out"
sync
ls -la "$scratch/out"
tar -tzf "$scratch"/out/@SITE@-*.tar.gz | sort | sed -n "1,40p"
#if MEDIUM
cat "$scratch/out/backup.log"
if runuser -u nobody -- @SCRIPT@ "$scratch/missing" "$scratch/never"; then
    echo "missing source was accepted" >&2
    exit 1
fi
test ! -e "$scratch/never"
#endif
#if HARD
rc=0
flock "$scratch/out/.backup.lock" runuser -u nobody -- @SCRIPT@ "$scratch/src" "$scratch/out" || rc=$?
echo "run under a held lock exited $rc"
test "$rc" = 75
#endif
rm -rf "$scratch"

@CRON_STEPS@
ls -l /var/spool/cron/crontabs/
