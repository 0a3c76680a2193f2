"""Scrub leaked credentials out of a repository's whole history, changing nothing else.

The generator grows a small service repository in which live API keys were committed and
later removed (rotated at medium, also pasted into a deploy script; at hard a GitHub token is
hard-coded too and even quoted in a commit message, the history has merges, and an unmerged
branch still carries a key). The agent must rewrite every branch and tag so that each leaked
value is replaced by a fixed marker, keeping commit count, authors, messages and structure,
and leaving public test keys and doc placeholders alone. Because the replacement is fixed,
the generator knows the exact tree and message of every rewritten commit: the checker compares
content ids (tree, author, message, parents; the committer may change) per ref, and scans what
is reachable (at hard, every object and file in `.git`) for the secrets.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

from litecoder_harbor.task_templates.version_control._githistory import (
    EPOCH,
    EXECUTABLE,
    PEOPLE,
    History,
    canonical_ids,
    snapshot_tree,
)
from litecoder_harbor.task_templates.version_control._library import items, merge3
from litecoder_harbor.task_templates.version_control._snippets import SNIPPETS, render_module

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SERVICES = ["billing", "checkout", "ledger", "invoicer", "payouts", "storefront", "tickets"]
REPLACEMENTS = ["***REMOVED***", "[REDACTED]", "<removed-secret>"]
SETTINGS = {
    "timeout_s": ["5", "10", "15", "30", "45"],
    "workers": ["2", "4", "8", "12"],
    "log_level": ["info", "warning", "debug"],
    "region": ["eu-west-1", "us-east-2", "ap-south-1"],
    "cache_ttl_s": ["60", "300", "900"],
    "retries": ["1", "3", "5"],
    "base_url": ["https://api.example.com", "https://pay.example.net"],
    "currency": ["EUR", "USD", "GBP"],
    "batch_size": ["50", "100", "250"],
    "audit_log": ["on", "off"],
}
DEPLOY_STEPS = [
    'echo "Deploying $SERVICE to $TARGET"',
    "python3 -m compileall -q app",
    'tar -czf "/tmp/$SERVICE.tgz" app config',
    'scp "/tmp/$SERVICE.tgz" "$TARGET:/srv/releases/"',
    'ssh "$TARGET" "systemctl restart $SERVICE"',
    'echo "Done at $(date -u +%FT%TZ)"',
    "test -f config/settings.ini",
    'ssh "$TARGET" "mkdir -p /srv/releases"',
]
NOTES = [
    "Configuration lives in `config/settings.ini`.",
    "Secrets come from the environment, never from the repository.",
    "Deploy with `deploy/deploy.sh` from a clean checkout.",
    "Run the tests with `python3 -m unittest`.",
    "Every change gets a line in CHANGELOG.md.",
    "The service is stateless; scale it with `workers`.",
    "Staging mirrors production settings except for the keys.",
    "Logs go to stdout in JSON.",
]
TOPICS = ["operations", "deploying", "configuration", "monitoring", "runbook", "architecture"]
PARAGRAPHS = [
    "Restart the service after changing any setting.",
    "Alerts page the on-call engineer after five minutes.",
    "Each release is tagged and deployed from the tag.",
    "Configuration values are read once at start-up.",
    "Roll back by deploying the previous tag.",
    "Keep the runbook short and current.",
    "Dashboards show latency, error rate and throughput.",
]
OPENINGS = [
    "Security found live credentials in the history of `{repo}`.",
    "Someone committed production secrets to `{repo}` and removed them later, which is not enough.",
    "Before `{repo}` can be published, leaked credentials must be purged from its history.",
    "A secret scanner flagged old commits of `{repo}`.",
]


def _token(rng: random.Random, prefix: str, n: int) -> str:
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


@dataclass
class Line:
    head: int
    state: dict
    settings: list[str] = field(default_factory=list)
    """Setting keys this line may change (disjoint from a concurrent line's)."""
    side: bool = False


class Service:
    def __init__(self, name: str, decoys: list[str]):
        self.name = name
        self.decoys = decoys

    def files(self, st: dict) -> dict:
        settings = sorted(
            (order, key, value) for (kind, key), (order, value) in items(st, "setting")
        )
        ini = f"[service]\nname = {self.name}\n" + "".join(
            f"{key} = {value}\n" for _, key, value in settings
        )
        deploy = [
            "#!/bin/sh",
            f"# Deploy {self.name} to $TARGET.",
            "set -eu",
            "SERVICE=" + self.name,
        ]
        if ("deploy_key",) in st:
            deploy.append(st[("deploy_key",)])
        deploy += [line for _, line in sorted(v for k, v in items(st, "step"))]
        env_lookup = st.get(("env_lookup",), False)
        config = (
            '"""Service settings: config/settings.ini, overridden by the environment."""\n\n'
            "import configparser\nimport os\n\n\n"
            'def load(path="config/settings.ini"):\n'
            "    parser = configparser.ConfigParser()\n"
            "    parser.read(path)\n"
            '    settings = dict(parser["service"])\n'
            + (
                '    settings["stripe_key"] = os.environ.get("STRIPE_KEY", "")\n'
                if env_lookup
                else ""
            )
            + "    return settings\n"
        )
        utils = [
            (name, "good", doc)
            for (kind, name), (order, doc) in sorted(items(st, "util"), key=lambda kv: kv[1][0])
        ]
        by_id = sorted(items(st, "note"), key=lambda kv: kv[0][1])
        notes = "".join(f"- {v}\n" for _, v in by_id)
        by_id = sorted(items(st, "log"), key=lambda kv: kv[0][1], reverse=True)
        log = "".join(f"- {v}\n" for _, v in by_id)
        files: dict = {
            "README.md": f"# {self.name}\n\nThe {self.name} service.\n\n## Notes\n\n{notes}",
            "CHANGELOG.md": f"# Changelog\n\n{log}",
            "config/settings.ini": ini,
            "deploy/deploy.sh": (EXECUTABLE, "\n".join(deploy) + "\n"),
            "app/__init__.py": "",
            "app/config.py": config,
            "app/util.py": render_module("Small helpers used by the service.", utils),
            "docs/setup.md": self.setup_doc(st),
            ".gitignore": "__pycache__/\n*.pyc\n.env\n",
        }
        if ("publish",) in st:
            files["deploy/publish.sh"] = (
                EXECUTABLE,
                "#!/bin/sh\n# Publish release artifacts.\nset -eu\n"
                f"GITHUB_TOKEN={st[('publish',)]}\n"
                'curl -sf -H "Authorization: Bearer $GITHUB_TOKEN" "$RELEASES_URL" >/dev/null\n',
            )
        for (_, topic), paragraphs in items(st, "page"):
            files[f"docs/{topic}.md"] = (
                f"# {topic.capitalize()}\n\n" + "\n\n".join(paragraphs) + "\n"
            )
        return files

    def setup_doc(self, st: dict) -> str:
        text = (
            "# Setup\n\n"
            f"While developing, use a Stripe test key such as `{self.decoys[0]}`; test keys only "
            "work against the sandbox and are safe to share.\n\n"
            "Production keys start with `sk_live_` and must never be committed: export "
            "`STRIPE_KEY` instead.\n"
        )
        if len(self.decoys) > 1:
            text += (
                f"\nPublishing needs a GitHub token; the format looks like `{self.decoys[1]}` "
                "(placeholder).\n"
            )
        return text


class _Grower:
    """The history as it grows, and the operations that each add commits to a line."""

    def __init__(self, rng: random.Random, hard: bool, service: Service, people: list) -> None:
        self.rng, self.hard, self.service, self.people = rng, hard, service, people
        self.h = History()
        self.clock = [EPOCH + rng.randint(0, 200) * 86400]
        self.counters = {"order": 0, "log": 0, "note": 0, "step": 0}
        self.unused: list = []  # helper snippets not yet in the service
        self.unused_keys: list[str] = []  # settings not yet in the config
        self.main: Line | None = None

    def tick(self) -> int:
        """Advance the clock by a random gap."""
        self.clock[0] += self.rng.randint(1200, 50000)
        return self.clock[0]

    def next_id(self, kind: str) -> int:
        """The next number of a counted kind (order, changelog entry, note, deploy step)."""
        self.counters[kind] += 1
        return self.counters[kind]

    def commit(self, line: Line, message: str, new: dict, parents: list[int] | None = None) -> None:
        """Commit state `new` on top of the line's head (or the given parents)."""
        line.head = self.h.commit(
            self.service.files(new),
            message,
            parents or [line.head],
            self.rng.choice(self.people),
            self.tick(),
        )
        line.state = new

    def filler(self, line: Line) -> None:
        """A harmless commit: a setting, a helper, a deploy step, a note, changelog or docs."""
        rng, counters, unused = self.rng, self.counters, self.unused
        commit, next_id = self.commit, self.next_id
        st = dict(line.state)
        kinds = ["note", "log", "page", "setting", "setting"]
        if unused:
            kinds += ["util", "util"]
        if not line.side:
            kinds += ["step"]
        if not line.settings:
            kinds = [k for k in kinds if k != "setting"]
        kind = rng.choice(kinds)
        if kind == "setting":
            key = rng.choice(line.settings)
            order, value = st.get(("setting", key), (next_id("order"), ""))
            options = [v for v in SETTINGS[key] if v != value]
            st[("setting", key)] = (order, rng.choice(options))
            message = rng.choice(
                [f"Tune {key}", f"Change {key} to {st[('setting', key)][1]}", f"Adjust {key}"]
            )
        elif kind == "util":
            snippet = unused.pop(0)
            st[("util", snippet.name)] = (next_id("order"), rng.randrange(3))
            st[("log", next_id("log"))] = f"Add `{snippet.name}` helper."
            message = f"Add {snippet.name} helper"
        elif kind == "step":
            line_text = rng.choice(DEPLOY_STEPS)
            st[("step", next_id("step"))] = (counters["step"], line_text)
            message = rng.choice(["Extend the deploy script", "deploy.sh: one more step"])
        elif kind == "note":
            st[("note", next_id("note"))] = rng.choice(NOTES)
            message = rng.choice(["README: add a note", "Document operations"])
        elif kind == "log":
            st[("log", next_id("log"))] = rng.choice(["Docs.", "Small fixes.", "Cleanups."])
            message = "Update changelog"
        else:
            topic = rng.choice(TOPICS) if not line.side else rng.choice(TOPICS[:3])
            if not line.side and topic in TOPICS[:3]:
                topic = rng.choice(TOPICS[3:])
            old = st.get(("page", topic), ())
            st[("page", topic)] = old + (rng.choice(PARAGRAPHS),)
            message = f"Expand docs/{topic}.md" if old else f"Add {topic} docs"
        commit(line, message, st)

    def add_setting(self, st: dict) -> str:
        """Add a setting not in the config yet; its key."""
        rng, main, unused_keys, next_id = self.rng, self.main, self.unused_keys, self.next_id
        key = unused_keys.pop(0)
        st[("setting", key)] = (next_id("order"), rng.choice(SETTINGS[key]))
        main.settings.append(key)
        return key

    def event(self, message: str, change) -> None:
        """One commit on main that applies `change` to the state."""
        main, commit = self.main, self.commit
        st = dict(main.state)
        change(st)
        commit(main, message, st)

    def window(self) -> None:
        """(hard) A side branch forked from main and merged back."""
        rng, h, main, commit, filler = self.rng, self.h, self.main, self.commit, self.filler
        fork = dict(main.state)
        owned = list(main.settings)
        rng.shuffle(owned)
        cut = len(owned) // 2
        side = Line(head=main.head, state=dict(main.state), settings=owned[:cut], side=True)
        main.settings = owned[cut:]
        steps = ["side"] * rng.randint(2, 4) + ["main"] * rng.randint(0, 3)
        rng.shuffle(steps)
        for step in steps:
            filler(side if step == "side" else main)
        merged = merge3(fork, main.state, side.state)
        topic = rng.choice(["docs", "helpers", "tuning", "cleanup", "ops"])
        commit(main, f"Merge branch '{topic}-{len(h.commits)}'", merged, [main.head, side.head])
        main.settings = owned

    def fill(self, n: int) -> None:
        """n filler commits on main (hard: some of them side branches)."""
        rng, hard, main, window, filler = self.rng, self.hard, self.main, self.window, self.filler
        for _ in range(n):
            if hard and rng.random() < 0.22:
                window()
            else:
                filler(main)


@dataclass
class Drawn:
    """One task's service, secrets and decoys, the history grower and the leak's milestones."""

    easy: bool
    hard: bool
    svc: str
    repo: str
    marker: str
    people: list
    k1: str
    k2: str
    gh: str
    decoys: list[str]
    secrets: list[str]
    grower: _Grower
    tags: list[tuple[str, int, bool]] = field(default_factory=list)  # (name, commit, annotated)
    develop_from: int | None = None
    develop_state: dict = field(default_factory=dict)
    develop_settings: list[str] = field(default_factory=list)


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the service, the leaked secrets and the decoys that must stay."""
    easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
    svc = rng.choice(SERVICES)
    repo = f"/app/{svc}"
    marker = rng.choice(REPLACEMENTS)
    people = rng.sample(PEOPLE, 5)
    k1 = _token(rng, "sk_live_", 24)
    k2 = _token(rng, "sk_live_", 24)
    gh = _token(rng, "ghp_", 36)
    decoys = [_token(rng, "sk_test_", 24)] + (["ghp_" + "X" * 36] if hard else [])
    service = Service(svc, decoys)
    secrets = [k1] + ([] if easy else [k2]) + ([gh] if hard else [])
    return Drawn(
        easy=easy,
        hard=hard,
        svc=svc,
        repo=repo,
        marker=marker,
        people=people,
        k1=k1,
        k2=k2,
        gh=gh,
        decoys=decoys,
        secrets=secrets,
        grower=_Grower(rng, hard, service, people),
    )


def _initial_commit(rng: random.Random, d: Drawn) -> None:
    """The first commit: a few settings, deploy steps and helpers; the rest is kept for later."""
    g = d.grower
    h, service, people, counters, next_id, tick = (
        g.h,
        g.service,
        d.people,
        g.counters,
        g.next_id,
        g.tick,
    )
    snippets = list(SNIPPETS)
    rng.shuffle(snippets)
    keys = sorted(SETTINGS)
    rng.shuffle(keys)

    st: dict = {}
    for key in keys[:3]:
        st[("setting", key)] = (next_id("order"), rng.choice(SETTINGS[key]))
    for line in DEPLOY_STEPS[:2]:
        st[("step", next_id("step"))] = (counters["step"], line)
    for snippet in snippets[:2]:
        st[("util", snippet.name)] = (next_id("order"), 0)
    st[("log", next_id("log"))] = "First version of the service."
    unused = snippets[2:]
    unused_keys = keys[3:]
    main = Line(
        head=h.commit(service.files(st), "Initial commit", [], people[0], tick()),
        state=st,
        settings=keys[:3],
    )
    g.unused, g.unused_keys, g.main = unused, unused_keys, main


def _leak_story(rng: random.Random, d: Drawn) -> None:
    """Main's history: the leak, (medium up) a rotation and a pasted key, (hard) a token, fixes."""
    easy, hard, k1, k2, gh, g = d.easy, d.hard, d.k1, d.k2, d.gh, d.grower
    h, main, counters, next_id = g.h, g.main, g.counters, g.next_id
    fill, event, add_setting = g.fill, g.event, g.add_setting
    tags = d.tags
    fill(rng.randint(2, 4))
    if not easy:
        tags.append(("v0.1.0", main.head, False))

    # The leak: a live key committed with an otherwise ordinary change.
    def leak(st: dict) -> None:
        add_setting(st)
        st[("setting", "stripe_key")] = (next_id("order"), k1)
        st[("setting", "payments")] = (next_id("order"), "enabled")

    event(rng.choice(["Enable card payments", "Wire up Stripe payments"]), leak)
    fill(rng.randint(2, 4))
    develop_from = None
    develop_state: dict = {}
    develop_settings: list[str] = []
    if not easy:

        def rotate(st: dict) -> None:
            order, _ = st[("setting", "stripe_key")]
            st[("setting", "stripe_key")] = (order, k2)
            add_setting(st)

        event(rng.choice(["Rotate the Stripe key", "Use the new Stripe key"]), rotate)
        fill(rng.randint(1, 3))

        def paste(st: dict) -> None:
            st[("deploy_key",)] = f"export STRIPE_KEY={k2}"
            st[("step", next_id("step"))] = (counters["step"], DEPLOY_STEPS[2])

        event("Export the Stripe key during deploys", paste)
        tags.append(("v0.2.0", main.head, True))
        develop_from = main.head
        develop_state, develop_settings = dict(main.state), list(main.settings)
        fill(rng.randint(1, 3))
    if hard:

        def hardcode(st: dict) -> None:
            st[("publish",)] = gh
            st[("log", next_id("log"))] = "Publish release artifacts."

        event(f"Temporarily hardcode publish token {gh}", hardcode)
        fill(rng.randint(2, 4))

    def unleak(st: dict) -> None:
        order, _ = st[("setting", "stripe_key")]
        st[("setting", "stripe_key")] = (order, "${STRIPE_KEY}")
        st[("env_lookup",)] = True

    event("Read the Stripe key from the environment", unleak)
    fill(rng.randint(1, 3))
    if not easy:

        def unpaste(st: dict) -> None:
            st[("deploy_key",)] = 'export STRIPE_KEY="$(cat /run/secrets/stripe_key)"'

        event("Stop hard-coding the key in deploy.sh", unpaste)
    if hard:

        def unpublish(st: dict) -> None:
            st[("publish",)] = '"${GITHUB_TOKEN:?set GITHUB_TOKEN in CI}"'

        event("Take the publish token from CI", unpublish)
    fill(rng.randint(3, 6) if easy else rng.randint(6, 12))
    if not easy:
        tags.append(("v0.3.0", main.head, True))
        fill(rng.randint(1, 3))
    h.refs["refs/heads/main"] = main.head
    d.develop_from, d.develop_state, d.develop_settings = (
        develop_from,
        develop_state,
        develop_settings,
    )


def _branches_and_tags(rng: random.Random, d: Drawn) -> dict[str, int]:
    """(medium up) A branch forked at the pasted key, and the tags; the extra branches."""
    people, tags, g = d.people, d.tags, d.grower
    h, filler = g.h, g.filler
    develop_from, develop_state, develop_settings = (
        d.develop_from,
        d.develop_state,
        d.develop_settings,
    )
    extra_branches: dict[str, int] = {}
    if develop_from is not None:
        dev = Line(head=develop_from, state=develop_state, settings=develop_settings, side=True)
        for _ in range(rng.randint(2, 4)):
            filler(dev)
        name = rng.choice(["develop", "experimental", "next"])
        h.refs[f"refs/heads/{name}"] = dev.head
        extra_branches[name] = dev.head
    for name, index, annotated in tags:
        if annotated:
            h.annotated_tag(
                name, index, people[0], h.commits[index].committed + 300, f"Release {name[1:]}"
            )
        else:
            h.refs[f"refs/tags/{name}"] = index
    return extra_branches


def _expected(d: Drawn) -> tuple[dict, int]:
    """Ground truth: the same history with every secret replaced; and how many commits leak."""
    hard, repo, secrets, decoys, marker, h = (
        d.hard,
        d.repo,
        d.secrets,
        d.decoys,
        d.marker,
        d.grower.h,
    )

    def scrub(data: bytes) -> bytes:
        for secret in secrets:
            data = data.replace(secret.encode(), marker.encode())
        return data

    trees, messages = {}, {}
    for c in h.commits:
        clean = {path: (mode, scrub(data)) for path, (mode, data) in c.files.items()}
        trees[c.index] = snapshot_tree(clean)
        messages[c.index] = scrub(c.message.encode()).decode()
    for c in h.commits:
        if c.parents and trees[c.index] == trees[c.parents[0]] and len(c.parents) == 1:
            raise AssertionError(f"commit {c.index} would become empty after scrubbing")
    canon = canonical_ids(h, trees, messages)
    refs = {
        ref: {"canon": canon[i], "count": len(h.ancestors(i)), "annotated": None}
        for ref, i in h.refs.items()
    }
    for tag in h.tags:
        refs[f"refs/tags/{tag.name}"] = {
            "canon": canon[tag.target],
            "count": len(h.ancestors(tag.target)),
            "annotated": tag.message,
        }
    leaked_commits = sum(
        1
        for c in h.commits
        if any(s.encode() in data for _, data in c.files.values() for s in secrets)
    )
    expected = {
        "repo": repo,
        "secrets": secrets,
        "decoys": decoys,
        "marker": marker,
        "refs": refs,
        "full_purge": hard,
    }
    return expected, leaked_commits


def _instruction(
    rng: random.Random, d: Drawn, extra_branches: dict[str, int], leaked_commits: int
) -> str:
    """The task text: what leaked, the rewrite rules (shuffled), the branches and tags."""
    easy, hard, repo, marker, tags = d.easy, d.hard, d.repo, d.marker, d.tags
    if easy:
        what = (
            "A live Stripe API key (its value starts with `sk_live_`) was committed to "
            "`config/settings.ini` and removed again in a later commit, so every commit in "
            "between still contains it."
        )
    elif not hard:
        what = (
            "Live Stripe API keys (values starting with `sk_live_`) were committed and later "
            "removed. More than one value leaked, and not only in one file; old commits, "
            "branches and tags still contain them."
        )
    else:
        what = (
            "Live Stripe API keys (values starting with `sk_live_`) and a GitHub token (a "
            "value starting with `ghp_`) were committed and later removed. More than one "
            "value leaked, in several files, and a token is even quoted in a commit "
            "message; old commits, branches and tags still contain them."
        )
    rules = [
        f"Replace every occurrence of each leaked value with exactly `{marker}`, in every "
        "file of every commit"
        + (" and in commit messages" if hard else "")
        + ". Change nothing else: every other byte of every file stays as it was.",
        "Keep every commit: same number of commits on each branch, same parents (merge "
        "commits stay merges), same author name, email and date, same messages. Committer "
        "dates may change.",
        "Keep exactly the same branches and tags, each pointing at the rewritten commit "
        "(annotated tags stay annotated, with the same message). Delete backup refs such "
        "as `refs/original/`; no ref may reach a commit that still contains a leaked value.",
        "Stripe test keys (`sk_test_...`) and documentation placeholders are public and "
        "must stay untouched.",
    ]
    if hard:
        rules.append(
            "Purge the old objects too: when you are done, no object in `.git` (reachable "
            "or not, loose or packed) and no file anywhere under the repository, reflogs "
            "included, may contain a leaked value."
        )
    rng.shuffle(rules)
    branch_names = ["main", *extra_branches]
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(repo=repo),
            what,
            "",
            "Rewrite the history of the repository so the leaked values are gone:",
            *[f"- {rule}" for rule in rules],
            "",
            f"The repository has {len(branch_names)} branch"
            + ("es" if len(branch_names) > 1 else "")
            + " ("
            + ", ".join(f"`{b}`" for b in branch_names)
            + ")"
            + (f" and tags ({', '.join(f'`{t[0]}`' for t in tags)})" if tags else "")
            + f". Finish with `main` checked out and a clean working tree. About "
            f"{leaked_commits} commits are affected.",
        ]
    )
    return instruction


@register
class ScrubLeakedSecret(TemplateFamily):
    name = "scrub-leaked-secret"
    domain = Domain.VERSION_CONTROL
    description = (
        "Rewrite a repository's history so leaked API keys vanish from every commit, branch "
        "and tag (and, at hard, from the object database), changing nothing else."
    )

    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _initial_commit(rng, drawn)
        _leak_story(rng, drawn)
        extra_branches = _branches_and_tags(rng, drawn)
        files, dockerfile = drawn.grower.h.environment(drawn.repo, identity=drawn.people[0])
        expected, leaked_commits = _expected(drawn)
        instruction = _instruction(rng, drawn, extra_branches, leaked_commits)
        repo, marker, hard = drawn.repo, drawn.marker, drawn.hard
        solution = (
            self.asset("solve.sh")
            .replace("@REPO@", repo)
            .replace("@MARKER@", marker)
            .replace("@PURGE@", "1" if hard else "0")
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            checker=self.asset("check.py"),
            test_files={"gitcheck.py": self.asset("../_common/gitcheck.py")},
            expected=expected,
            files=files,
            dockerfile=dockerfile,
            tags=["git", "history-rewrite", "secrets", "filter-branch"]
            + (["gc", "merge-history"] if hard else []),
        )
