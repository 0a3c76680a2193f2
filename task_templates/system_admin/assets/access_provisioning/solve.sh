#!/bin/bash
# Reference solution: read the access spec section by section and converge the host onto it.
set -euo pipefail
SPEC=@SPEC@
HOME_MODE=@HOME_MODE@

cat "$SPEC"
section() {  # the data lines of one [section]
    awk -v want="[$1]" '$0 == want {on = 1; next} /^\[/ {on = 0} on && NF && !/^#/' "$SPEC"
}

# What is on the host already?
getent group | tail -n 8
getent passwd | awk -F: '$3 >= 1000' || true

# Stale accounts first: one may sit on a UID that a new account needs.
section remove | while read -r login; do
    if id "$login" >/dev/null 2>&1; then
        userdel -r "$login" || true
    fi
    if getent group "$login" >/dev/null; then groupdel "$login"; fi
    ls -ld "/home/$login" 2>/dev/null || echo "home of $login is gone"
done

section groups | while IFS=: read -r name gid; do
    if old=$(getent group "$name" | cut -d: -f3) && [ -n "$old" ]; then
        if [ "$old" != "$gid" ]; then
            groupmod -g "$gid" "$name"
            find /srv -xdev -gid "$old" -exec chgrp -h "$name" {} +
        fi
    else
        groupadd -g "$gid" "$name"
    fi
done

section users | while IFS=: read -r login uid primary supp shell home full; do
    if [ "$supp" = "-" ]; then supp=""; fi
    if id "$login" >/dev/null 2>&1; then
        old_uid=$(id -u "$login")
        if [ "$old_uid" != "$uid" ]; then
            usermod -u "$uid" "$login"
            find /srv -xdev -uid "$old_uid" -exec chown -h "$login" {} +
        fi
        old_home=$(getent passwd "$login" | cut -d: -f6)
        if [ "$old_home" != "$home" ]; then
            mkdir -p "$(dirname "$home")"
            usermod -d "$home" -m "$login"
        fi
        usermod -g "$primary" -G "$supp" -s "$shell" -c "$full" "$login"
    else
        mkdir -p "$(dirname "$home")"
        useradd -u "$uid" -g "$primary" ${supp:+-G "$supp"} -s "$shell" -d "$home" -m -c "$full" "$login"
    fi
    chown "$login:$primary" "$home"
    chmod "$HOME_MODE" "$home"
    id "$login"
done

section shared | while IFS=: read -r dir owner group dmode fmode acl; do
    mkdir -p "$dir"
    chown "$owner:$group" "$dir"
    chmod "$dmode" "$dir"
    # existing content: keep owners, take the group, normalise modes
    find "$dir" -mindepth 1 -exec chgrp -h "$group" {} +
    find "$dir" -mindepth 1 -type d -exec chmod "$dmode" {} +
    find "$dir" -mindepth 1 -type f -exec chmod "$fmode" {} +
    # access ACL everywhere (X: execute only on directories), default ACL on directories
    setfacl -R -m "$(echo "$acl" | sed 's/x$/X/; s/x,/X,/g')" "$dir"
    find "$dir" -type d -exec setfacl -d -m "$acl" {} +
    getfacl -p "$dir"
    stat -c '%A %U:%G %n' "$dir"
done

section files | while IFS=: read -r path owner group mode; do
    [ -e "$path" ] || touch "$path"
    chown "$owner:$group" "$path"
    chmod "$mode" "$path"
    stat -c '%a %U:%G %n' "$path"
done

section retire | while IFS=: read -r login until; do
    passwd -l "$login"
    usermod -s /usr/sbin/nologin "$login"
    chage -E "$until" "$login"
    primary=$(id -gn "$login")
    for g in $(id -nG "$login"); do
        if [ "$g" != "$primary" ]; then gpasswd -d "$login" "$g"; fi
    done
    chage -l "$login" | grep -i expires
done

if [ -n "$(section sudo)" ]; then
    dropin=@SUDOERS_FILE@
    section sudo | awk -F: '{cmds[$1] = (cmds[$1] ? cmds[$1] ", " : "") $2}
        END {for (g in cmds) printf "%%%s ALL=(root) NOPASSWD: %s\n", g, cmds[g]}' > /tmp/sudoers.new
    visudo -c -f /tmp/sudoers.new
    install -m 0440 -o root -g root /tmp/sudoers.new "$dropin"
    rm -f /tmp/sudoers.new
    visudo -c
fi
section users | cut -d: -f1 | xargs -n 1 groups  # as sudo and logins will see them
