"""Repair a broken SysV init script until the daemon it manages starts, stops and reports right.

The image ships a small foreground TCP daemon (Python, stdlib) with a README, its config, and an
LSB-style `/etc/init.d/<svc>` written from a correct template into which the generator plants
bugs from a catalogue: wrong paths and variable names, the shell's PID in the pidfile, a stop
that neither signals properly nor waits for the draining daemon, a status fooled by stale
pidfiles, a start that is not idempotent or stays attached to the caller, missing runtime
directories, a config the service user cannot read, and (hard) a reload that kills, a pidfile
that names an unrelated live process, and a usage branch that exits 0. The checker does not look
at the script's text: it drives start/status/restart/reload/stop itself and talks to the daemon.
"""

from __future__ import annotations

import hashlib
import random

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SERVICES = [
    "relay",
    "beacon",
    "ferry",
    "pulse",
    "tally",
    "sentry",
    "courier",
    "herald",
    "lantern",
    "quill",
    "harbor",
    "signal",
]
REGIONS = ["east", "west", "north", "south", "central", "edge"]
OPENINGS = [
    "The `{svc}` service on this host will not behave: its init script `/etc/init.d/{svc}` is broken.",
    "After a botched migration, `/etc/init.d/{svc}` no longer manages the `{svc}` daemon properly.",
    "Ops reports that `service {svc} start` and friends misbehave. The init script is `/etc/init.d/{svc}`.",
    "You inherited `/etc/init.d/{svc}`, the SysV init script of the `{svc}` daemon, and it is full of bugs.",
]

# (id, minimum difficulty, conflict group, old text, new text); "" old means an image-level fault.
BUGS = [
    ("daemon_path", "easy", None, "DAEMON=/opt/{svc}/bin/{svc}d", "DAEMON=/opt/{svc}/sbin/{svc}d"),
    ("config_path", "easy", None, "CONFIG=/etc/{svc}/{svc}.conf", "CONFIG=/etc/{svc}/{svc}.cfg"),
    ("env_name", "easy", None, '    {env}="$CONFIG" setpriv', '    {bad_env}="$CONFIG" setpriv'),
    ("pid_of_shell", "easy", None, '    echo $! > "$PIDFILE"', '    echo $$ > "$PIDFILE"'),
    ("restart", "easy", None, "    restart) do_stop; do_start ;;", "    restart) do_stop ;;"),
    (
        "runtime_dir",
        "easy",
        None,
        '    install -d -o "$RUNAS" -g "$RUNAS" -m 0755 "$(dirname "$PIDFILE")"\n',
        "",
    ),
    ("wrong_user", "easy", None, "RUNAS={user}\n", "RUNAS={user}d\n"),
    ("stop_signal", "easy", None, '    kill -TERM "$pid"\n', '    kill -HUP "$pid"\n'),
    (
        "status_code",
        "easy",
        None,
        '    echo "$NAME is stopped"\n    return 3',
        '    echo "$NAME is stopped"\n    return 1',
    ),
    (
        "stale_pid",
        "medium",
        "is_ours",
        '    [ -n "$1" ] && grep -qsF -- "$DAEMON" "/proc/$1/cmdline"',
        '    [ -n "$1" ] && [ -f "$PIDFILE" ]',
    ),
    (
        "not_idempotent",
        "medium",
        None,
        '    if is_ours "$pid"; then\n        echo "$NAME is already running (pid $pid)"\n'
        "        return 0\n    fi\n",
        "",
    ),
    (
        "no_detach",
        "medium",
        None,
        '        "$DAEMON" </dev/null >>"$LOGDIR/console.log" 2>&1 &',
        '        "$DAEMON" &',
    ),
    (
        "logdir",
        "medium",
        None,
        '    install -d -o "$RUNAS" -g "$RUNAS" -m 0750 "$LOGDIR"\n',
        "",
    ),
    (
        "stop_no_wait",
        "medium",
        None,
        "    for i in $(seq 1 $((STOP_TIMEOUT * 10))); do\n"
        '        is_ours "$pid" || break\n        sleep 0.1\n    done\n'
        '    if is_ours "$pid"; then\n        kill -KILL "$pid"\n    fi\n',
        "",
    ),
    ("config_perms", "medium", None, "", ""),
    (
        "reload",
        "hard",
        None,
        '    kill -HUP "$pid"\n    echo "reloading $NAME"',
        '    kill -TERM "$pid"\n    echo "reloading $NAME"',
    ),
    (
        "unrelated_pid",
        "hard",
        "is_ours",
        '    [ -n "$1" ] && grep -qsF -- "$DAEMON" "/proc/$1/cmdline"',
        '    [ -n "$1" ] && kill -0 "$1" 2>/dev/null',
    ),
    ("usage", "hard", None, "; exit 2 ;;", "; exit 0 ;;"),
]
COUNTS = {  # bugs drawn from the easy, medium and hard parts of the catalogue
    Difficulty.EASY: (3, 0, 0),
    Difficulty.MEDIUM: (2, 3, 0),
    Difficulty.HARD: (3, 3, 2),
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@register
class ServiceScript(TemplateFamily):
    name = "init-script-repair"
    result_paths = ()  # an init script run against live services
    domain = Domain.SYSTEM_ADMIN
    description = (
        "Fix a SysV init script with planted bugs so the shipped daemon starts, stops, "
        "restarts, reloads and reports status the LSB way."
    )

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        medium_up = difficulty is not Difficulty.EASY
        hard = difficulty is Difficulty.HARD
        svc = rng.choice(SERVICES)
        user = rng.choice([svc, f"{svc}svc", f"_{svc}"])
        env = rng.choice(
            [f"{svc.upper()}_CONFIG", f"{svc.upper()}D_CONFIG", f"{svc.upper()}_CONF_FILE"]
        )
        bad_env = rng.choice([f"{svc.upper()}_CONF", "CONFIG_FILE", f"{svc.upper()}_CFG"])
        port = rng.randint(7000, 9800)
        drain = rng.choice([1.5, 2.0, 2.5])
        instance = f"{svc}-{rng.choice(REGIONS)}-{rng.randint(1, 9)}"
        log_file = f"/var/log/{svc}/{svc}.log"
        config = (
            f"# {svc}d configuration\n"
            f"listen_port = {port}\n"
            f"instance_name = {instance}\n"
            f"log_file = {log_file}\n"
        )

        # --- plant the bugs ---------------------------------------------------------------------
        subst = {"svc": svc, "user": user, "env": env, "bad_env": bad_env}
        pools = {level: [b for b in BUGS if b[1] == level] for level in ("easy", "medium", "hard")}
        n_easy, n_medium, n_hard = COUNTS[difficulty]
        while True:
            chosen = (
                rng.sample(pools["easy"], n_easy)
                + rng.sample(pools["medium"], n_medium)
                + rng.sample(pools["hard"], n_hard)
            )
            groups = [b[2] for b in chosen if b[2]]
            if len(groups) == len(set(groups)):
                break
        correct = self._fill(self.asset("initscript.sh"), svc, user, env)
        broken = correct
        for _, _, _, old, new in chosen:
            if not old:
                continue
            old, new = old.format(**subst), new.format(**subst)
            assert broken.count(old) == 1, old
            broken = broken.replace(old, new)
        bug_ids = sorted(b[0] for b in chosen)

        # --- image ------------------------------------------------------------------------------
        setup = [
            "set -e",
            f"useradd -r -M -d /nonexistent -s /usr/sbin/nologin {user}",
            f"install -d -m 0755 /opt/{svc}/bin /etc/{svc} /var/log/{svc}",
            f"install -m 0755 /tmp/svc/daemon /opt/{svc}/bin/{svc}d",
            f"install -m 0644 /tmp/svc/README /opt/{svc}/README",
            f"install -m 0755 /tmp/svc/init /etc/init.d/{svc}",
        ]
        if "config_perms" in bug_ids:
            setup.append(f"install -m 0600 /tmp/svc/conf /etc/{svc}/{svc}.conf")
        else:
            setup.append(f"install -m 0640 -g {user} /tmp/svc/conf /etc/{svc}/{svc}.conf")
        setup.append("rm -rf /tmp/svc")
        daemon = self._fill(self.asset("daemon.py"), svc, user, env).replace("@DRAIN@", str(drain))
        readme = self._fill(self.asset("README"), svc, user, env).replace("@DRAIN@", str(drain))

        # --- instruction -------------------------------------------------------------------------
        contract = [
            f"`start`: start `/opt/{svc}/bin/{svc}d` in the background as user `{user}`, with its "
            f"config `/etc/{svc}/{svc}.conf`, and write the daemon's PID to "
            f"`/run/{svc}/{svc}.pid`. It must return (exit 0) within 10 seconds, leaving the "
            "daemon detached from the caller's stdin, stdout and stderr. If the daemon is "
            "already running, change nothing and exit 0: never a second instance.",
            "`stop`: ask the daemon to shut down gracefully (it must log `stopped`), wait until "
            "it has really exited, remove the pidfile, exit 0. Stopping a stopped service also "
            "exits 0.",
            "`restart`: stop, then start a fresh daemon process; exit 0.",
            "`status`: exit 0 if the daemon is running, "
            + ("1 if the pidfile exists but the daemon it names is gone, " if medium_up else "")
            + "3 if it is stopped.",
        ]
        if medium_up:
            contract.append(
                "A stale pidfile (its process is gone) must not stop `start` from working."
            )
        if hard:
            contract.append(
                "`reload`: make the running daemon re-read its config without restarting "
                "(same PID); exit 0."
            )
            contract.append(
                "A pidfile naming a live process that is not the daemon is stale too: `status` "
                "exits 1, `stop` must not touch that process, and `start` starts the daemon."
            )
            contract.append("Any other action: print a usage line to stderr and exit 2.")
        rng.shuffle(contract)
        instruction = "\n".join(
            [
                rng.choice(OPENINGS).format(svc=svc),
                f"Read `/opt/{svc}/README`, then make `/etc/init.d/{svc}` (fix or rewrite it, "
                "keep it at that path, executable) honour this contract:",
                "",
                *[f"- {c}" for c in contract],
                "",
                "The grader runs the script as root, starting from a clean state with no daemon "
                f"running, and talks to the daemon itself on `127.0.0.1:{port}` (`PING` -> "
                "`PONG ...`). It checks the daemon's PID, user and log, the pidfile and the exit "
                "codes after every action.",
                "Do not modify the daemon, its README or the content of its config file (you "
                "may change the config file's owner or mode).",
            ]
        )

        expected = {
            "svc": svc,
            "user": user,
            "port": port,
            "instance": instance,
            "log_file": log_file,
            "script": f"/etc/init.d/{svc}",
            "daemon": f"/opt/{svc}/bin/{svc}d",
            "config": f"/etc/{svc}/{svc}.conf",
            "pidfile": f"/run/{svc}/{svc}.pid",
            "hashes": {
                f"/opt/{svc}/bin/{svc}d": _sha(daemon),
                f"/opt/{svc}/README": _sha(readme),
                f"/etc/{svc}/{svc}.conf": _sha(config),
            },
            "config_text": config,
            "medium": medium_up,
            "hard": hard,
            "bugs": bug_ids,
        }
        return Instance(
            instruction=instruction,
            files={
                "svc/daemon": daemon,
                "svc/README": readme,
                "svc/init": broken,
                "svc/conf": config,
                "setup_state.sh": "\n".join(setup) + "\n",
            },
            dockerfile=(
                "COPY svc/ /tmp/svc/\n"
                "COPY setup_state.sh /tmp/setup_state.sh\n"
                "RUN bash /tmp/setup_state.sh && rm /tmp/setup_state.sh\n"
            ),
            solution=self.asset("solve.sh")
            .replace("@SVC@", svc)
            .replace("@TEMPLATE@", self._solution_template()),
            checker=self.asset("check.py"),
            expected=expected,
            tags=["init-script", "daemon", "bash", "debugging", "lsb"],
        )

    def _solution_template(self) -> str:
        """The sound script shape, with the facts the solver reads off the host left open."""
        return (
            self.asset("initscript.sh")
            .replace("DAEMON=/opt/@SVC@/bin/@SVC@d", "DAEMON=__DAEMON__")
            .replace("CONFIG=/etc/@SVC@/@SVC@.conf", "CONFIG=__CONFIG__")
            .replace("RUNAS=@USER@", "RUNAS=__USER__")
            .replace('@ENV@="$CONFIG"', '__ENV__="$CONFIG"')
            .replace("@SVC@", "__SVC__")
            .rstrip("\n")
        )

    @staticmethod
    def _fill(text: str, svc: str, user: str, env: str) -> str:
        return text.replace("@SVC@", svc).replace("@USER@", user).replace("@ENV@", env)
