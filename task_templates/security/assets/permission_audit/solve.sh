#!/bin/bash
# Reference solution: scan for each finding category, write the sorted report, then fix.
set -euo pipefail
DIRS="@DIRS@"
REPORT=@REPORT@
ALLOW=@ALLOWLIST@
WORK=$(mktemp -d)
whoami  # the scan below must run as root to see every file
ls -la $DIRS
head -n 20 "$ALLOW"

# world-writable regular files in scope (find -type f skips symlinks and directories)
find $DIRS -type l | xargs -r readlink -f
find $DIRS -type f -perm -0002 | sed 's/^/world-writable /' > "$WORK/ww.f"

# setuid / setgid programs not on the allowlist
grep -v '^#' "$ALLOW" | sort -u > "$WORK/allow"
find / -xdev -type f -perm -4000 2>/dev/null | sort > "$WORK/suid"
comm -23 "$WORK/suid" "$WORK/allow" | sed 's/^/setuid /' > "$WORK/suid.f"
if [ @SETGID@ = 1 ]; then
    find / -xdev -type f -perm -2000 2>/dev/null | sort > "$WORK/sgid"
    comm -23 "$WORK/sgid" "$WORK/allow" | sed 's/^/setgid /' > "$WORK/sgid.f"
fi

# private keys (by content, not by name) with any group/other permission
find $DIRS -type f | while read -r f; do
    if head -n 1 "$f" 2>/dev/null | grep -qaE '^-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----$'; then
        perm=$(stat -c %a "$f")
        if [ $((8#$perm & 8#077)) -ne 0 ]; then echo "private-key $f"; fi
    fi
done > "$WORK/keys.f"

# sudoers: active files only (sudo skips names with a dot or a trailing ~)
ls -l /etc/sudoers.d/
: > "$WORK/active"
echo /etc/sudoers >> "$WORK/active"
find /etc/sudoers.d -maxdepth 1 -type f ! -name '*.*' ! -name '*~' | sort >> "$WORK/active"
if [ @MODES@ = 1 ]; then
    xargs stat -c '%a %n' < "$WORK/active" | awk '$2 != "/etc/sudoers" && $1 != "440" {print "sudoers-mode " $2}' > "$WORK/mode.f"
fi
# Rules granting NOPASSWD on ALL (aliases expanded); prints "file<TAB>lineno" to delete.
python3 - "$WORK" <<'PY' > "$WORK/nopasswd.lines"
import re, sys
work = sys.argv[1]
files = [line.strip() for line in open(f"{work}/active") if line.strip()]
alias_all = set()
entries = []
for path in files:
    for n, raw in enumerate(open(path), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        m = re.match(r"Cmnd_Alias\s+(\w+)\s*=\s*(.*)$", line)
        if m:
            if "ALL" in [c.strip() for c in m.group(2).split(",")]:
                alias_all.add(m.group(1))
            continue
        entries.append((path, n, line))
findings, commands = [], []
for path, n, line in entries:
    if re.match(r"(Defaults|User_Alias|Runas_Alias|Host_Alias|@include)", line):
        continue
    if "=" not in line:
        continue
    spec = line.split("=", 1)[1]
    spec = re.sub(r"^\s*\([^)]*\)", "", spec)
    nopasswd = "NOPASSWD" in spec
    cmds = [c.strip() for c in re.sub(r"\b[A-Z_]+:", "", spec).split(",")]
    for c in cmds:
        if c.startswith("/"):
            commands.append(c.split()[0])
    if nopasswd and any(c == "ALL" or c in alias_all for c in cmds):
        print(f"{path}\t{n}")
with open(f"{work}/commands", "w") as fh:
    fh.write("".join(c + "\n" for c in sorted(set(commands))))
PY
cat "$WORK/nopasswd.lines"
cut -f1 "$WORK/nopasswd.lines" | sort -u | sed 's/^/sudo-nopasswd /' > "$WORK/nopasswd.f"
if [ @WRITABLE@ = 1 ]; then
    while read -r cmd; do
        [ -f "$cmd" ] || continue
        owner=$(stat -c %U "$cmd")
        perm=$(stat -c %a "$cmd")
        if [ "$owner" != root ] || [ $((8#$perm & 8#022)) -ne 0 ]; then
            echo "sudo-writable-command $cmd"
        fi
    done < "$WORK/commands" > "$WORK/writable.f"
fi

mkdir -p "$(dirname "$REPORT")"
cat "$WORK"/*.f | LC_ALL=C sort -u > "$REPORT"
nl -ba "$REPORT"
awk '$1 == "private-key" {print $2}' "$REPORT" | xargs -r namei -l

# --- fixes ---------------------------------------------------------------------------------
awk '$1 == "world-writable" {print $2}' "$REPORT" | xargs -r chmod o-w
awk '$1 == "setuid" {print $2}' "$REPORT" | xargs -r chmod u-s
awk '$1 == "setgid" {print $2}' "$REPORT" | xargs -r chmod g-s
awk '$1 == "private-key" {print $2}' "$REPORT" | xargs -r chmod 600
# delete offending rules bottom-up so line numbers stay valid
sort -t "$(printf '\t')" -k1,1 -k2,2nr "$WORK/nopasswd.lines" | while IFS="$(printf '\t')" read -r file n; do
    sed -i "${n}d" "$file"
done
awk '$1 == "sudoers-mode" {print $2}' "$REPORT" | xargs -r chmod 440
awk '$1 == "sudo-writable-command" {print $2}' "$REPORT" | while read -r cmd; do
    chown root:root "$cmd"
    chmod go-w "$cmd"
done
visudo -c
for f in $(cut -f1 "$WORK/nopasswd.lines" | sort -u); do grep -n . "$f"; done
for u in $(getent passwd | awk -F: '$3 >= 1000 && $3 < 65534 {print $1}'); do
    sudo -l -U "$u" | grep -A5 'may run' || true
done
wc -l "$REPORT"
