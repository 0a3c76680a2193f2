"""Counting the real commands of a shell script without running it."""

from litecoder_harbor.shell_commands import commands_in, real_commands, real_commands_in

SCRIPT = """#!/bin/bash
set -euo pipefail
head -n 5 /app/x.csv | cut -d, -f1 | sort | uniq -c   # a comment naming rm
FOO=1 env python3 - <<'PY'
import subprocess
subprocess.run(["shred", "x"])
PY
for f in $(ls /app/*.txt); do wc -l "$f" && grep -c x "$f" || true; done
sudo -u bob /usr/bin/git log --oneline
find . -name '*.c' | xargs -0 -n1 gcc -c
timeout 10s make -j2 all
result=$(awk '{print $1}' file | tr a-z A-Z)
echo "done $(date +%s)" > "$(dirname "$(readlink -f x)")/log"
"""


def test_commands_in_order_through_pipes_prefixes_and_substitutions():
    assert commands_in(SCRIPT) == [
        "set", "head", "cut", "sort", "uniq", "env", "python3", "wc", "grep", "true", "ls",
        "sudo", "git", "find", "xargs", "gcc", "timeout", "make", "awk", "tr", "echo", "date",
        "readlink", "dirname",
    ]  # fmt: skip


def test_heredoc_bodies_comments_and_option_values_are_not_commands():
    found = set(commands_in(SCRIPT))
    assert not found & {"import", "subprocess.run", "shred", "rm", "bob", "10s", "FOO=1", "f"}


def test_only_commands_with_a_tldr_page_count():
    assert {"git", "awk", "xargs", "readlink"} <= real_commands()
    assert "frobnicate" not in real_commands()
    assert real_commands_in("frobnicate --all | sort") == {"sort"}
    assert len(real_commands()) == 6608


def test_multi_line_strings_and_local_programs_are_not_commands():
    script = 'echo "first line\nrm -rf / is only text\nlast"\n./ledger --check\n/app/bin/tool\n/usr/bin/git log\n# don\'t count me\ngrep -c "x" f\nn=$(grep -cE \'^(#|$)\' f)\n'
    assert commands_in(script) == ["echo", "git", "grep", "grep"]
