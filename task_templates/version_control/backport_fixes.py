"""Backport the fix commits of main onto a release branch cut from a tag (`git cherry-pick -x`).

After a release tag, main gains features, chores and a number of `fix:` commits. The agent
must pick exactly the fixes that belong in a bug-fix release, in order, with `-x`: at medium
difficulty skipping a fix main later reverted and a fix for code the release does not have,
with decoys like `docs: fix typos`; at hard difficulty the release branch already carries one
backport, one fix conflicts because main refactored the function first (and appended a feature
to the same module, so taking main's whole file is wrong), and the result must be tagged.
The generator knows every original commit id and the exact tree a faithful backport yields.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from litecoder_harbor.task_templates.version_control._githistory import (
    EPOCH,
    PEOPLE,
    History,
    blob_id,
)
from litecoder_harbor.task_templates.version_control._library import (
    MODULE_DOCS,
    MODULE_NAMES,
    Library,
    items,
)
from litecoder_harbor.task_templates.version_control._snippets import (
    REFACTORABLE,
    SNIPPETS,
    distinguishing_cases,
)

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

PACKAGES = ["parsely", "formkit", "yardstick", "quill", "sextant", "lodestar", "bramble"]
BRANCH_FORMS = ["release/{v}", "release-{v}", "maint/{v}", "stable/{v}"]
NEW_MODULES = ["report", "export", "extras"]
NOTES = [
    "Install with `pip install .`.",
    "Every helper is documented in its docstring.",
    "Bug-fix releases only contain fixes.",
    "Report bugs with the smallest failing call.",
    "Run the tests with `python3 -m unittest discover -s tests -t .`.",
]
TOPICS = ["usage", "faq", "release-process", "design", "testing"]
PARAGRAPHS = [
    "Fixes land on main first and are backported to release branches.",
    "Release branches only receive fixes, never features.",
    "Each backport records the commit it came from.",
    "Tags mark every published version.",
    "Keep changes small and focused.",
]
DECOYS = [
    ("docs: fix typos in the README", "note"),
    ("test: fix flaky assertions in the {fn} test", "test"),
    ("ci: fix the cache key of the test job", "ci"),
    ("chore: fix lint warnings in the docs", "page"),
]
OPENINGS = [
    "{tag} of `{pkg}` shipped a while ago; `main` has moved on since.",
    "Users of `{pkg}` {tag} keep hitting bugs that are already fixed on `main`.",
    "Time for a bug-fix release of `{pkg}`: {tag} needs the fixes from `main`, nothing else.",
    "The maintainers of `{pkg}` want a patch release on top of {tag}.",
]

SIZES = {
    # (fixes of release code, filler commits after the tag)
    Difficulty.EASY: (3, (3, 5)),
    Difficulty.MEDIUM: (4, (7, 10)),
    Difficulty.HARD: (5, (11, 15)),
}


class _Main:
    """The history as it is built: the repository, its clock, every commit and its state."""

    def __init__(
        self, rng: random.Random, lib: Library, people: list, counters: dict, start: int
    ) -> None:
        self.rng, self.lib, self.people, self.counters = rng, lib, people, counters
        self.h = History()
        self.clock = [start]
        self.state: list[dict] = []
        self.heads: list[int] = []

    def tick(self) -> int:
        """Advance the clock by a random gap."""
        self.clock[0] += self.rng.randint(1500, 60000)
        return self.clock[0]

    def commit(self, message: str, new: dict, author=None) -> int:
        """Commit state `new` on top of the last head."""
        self.heads.append(
            self.h.commit(
                self.lib.files(new),
                message,
                [self.heads[-1]],
                author or self.rng.choice(self.people),
                self.tick(),
            )
        )
        self.state.append(new)
        return self.heads[-1]

    def filler(self) -> None:
        """A commit that is no fix: a README note, a changelog line or a docs page."""
        rng, counters = self.rng, self.counters
        new = dict(self.state[-1])
        kind = rng.choice(["note", "log", "page", "page"])
        if kind == "note":
            counters["note"] += 1
            new[("note", counters["note"])] = rng.choice(NOTES)
            message = rng.choice(["docs: expand the README", "docs: add a usage note"])
        elif kind == "log":
            counters["log"] += 1
            new[("log", counters["log"])] = rng.choice(["Docs.", "Internal cleanups."])
            message = "chore: update the changelog"
        else:
            topic = rng.choice(TOPICS)
            old = new.get(("page", topic), ())
            new[("page", topic)] = old + (rng.choice(PARAGRAPHS),)
            message = f"docs: {'expand' if old else 'add'} docs/{topic}.md"
        self.commit(message, new)


@dataclass
class Drawn:
    """One task's package, release names and snippet roles; the history is added step by step."""

    difficulty: Difficulty
    easy: bool
    hard: bool
    pkg: str
    repo: str
    lib: Library
    people: list
    manager: object
    major: int
    minor: int
    version: str
    tag: str
    branch: str
    new_tag: str
    stems: dict[str, str]
    refactored: object
    bugs: list
    wrong: object
    post_tag: list
    features: list
    guards: list
    st: dict = field(default_factory=dict)  # the state at the tag's first commit
    order: list[int] = field(default_factory=lambda: [0])  # last function position used
    members: dict[str, list] = field(default_factory=dict)
    module_of: dict[str, str] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)
    main: _Main | None = None
    tag_commit: int = 0
    tag_state: dict = field(default_factory=dict)
    orig: dict[str, int] = field(default_factory=dict)  # fix subject -> commit index on main
    reverted: set[str] = field(default_factory=set)
    fix_order: list[str] = field(default_factory=list)
    feature_absent: list[dict] = field(default_factory=list)


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the package, the release names and which snippets are bugs, features and guards."""
    easy, hard = difficulty is Difficulty.EASY, difficulty is Difficulty.HARD
    n_fixes, (fill_lo, fill_hi) = SIZES[difficulty]
    pkg = rng.choice(PACKAGES)
    repo = f"/app/{pkg}"
    lib = Library(pkg)
    people = rng.sample(PEOPLE, 6)
    manager = people[0]
    major, minor = rng.randint(1, 4), rng.randint(1, 9)
    version = f"{major}.{minor}"
    tag = f"v{version}.0"
    branch = rng.choice(BRANCH_FORMS).format(v=version)
    new_tag = f"v{version}.1"
    stems = {cat: rng.choice(names) for cat, names in MODULE_NAMES.items()}

    pool = list(SNIPPETS)
    rng.shuffle(pool)
    refactored = None
    if hard:
        refactored = next(s for s in pool if s.name in REFACTORABLE)
        pool.remove(refactored)
    bugs = pool[:n_fixes] + ([refactored] if refactored else [])
    pool = pool[n_fixes:]
    wrong = pool.pop() if not easy else None  # fixed wrongly on main, then reverted
    post_tag = [pool.pop(), pool.pop()] if not easy else []  # a module the release lacks
    features = [pool.pop() for _ in range(3 if hard else 2)]
    guards = pool  # correct at the tag, closing each module (fixes never touch a last line)
    return Drawn(
        difficulty=difficulty,
        easy=easy,
        hard=hard,
        pkg=pkg,
        repo=repo,
        lib=lib,
        people=people,
        manager=manager,
        major=major,
        minor=minor,
        version=version,
        tag=tag,
        branch=branch,
        new_tag=new_tag,
        stems=stems,
        refactored=refactored,
        bugs=bugs,
        wrong=wrong,
        post_tag=post_tag,
        features=features,
        guards=guards,
    )


def _tag_code(rng: random.Random, drawn: Drawn) -> None:
    """The code at the tag: each module holds its bugs (and the wrongly-fixed one) and a guard."""
    st, order, members, module_of = drawn.st, drawn.order, drawn.members, drawn.module_of
    bugs, wrong, guards, stems = drawn.bugs, drawn.wrong, drawn.guards, drawn.stems
    st.update({("version",): f"{drawn.version}.0", ("keywords",): ("helpers",)})

    def place(stem: str, category: str, name: str, variant: str) -> None:
        order[0] += 1
        st[("module", stem)] = st.get(("module", stem), MODULE_DOCS[category])
        st[("fn", name)] = (stem, order[0], variant, rng.randrange(3))

    for snippet in bugs + ([wrong] if wrong else []):
        members.setdefault(stems[snippet.category], []).append(snippet)
    for stem in sorted(members):
        group = members[stem]
        rng.shuffle(group)
        category = group[0].category
        for snippet in group:
            place(stem, category, snippet.name, "bad" if snippet in bugs else "good")
            module_of[snippet.name] = stem
        guard = guards.pop()
        place(stem, category, guard.name, "good")
        module_of[guard.name] = stem
        st[("test", guard.name)] = tuple(distinguishing_cases(guard, rng)[:2])
    if wrong:
        st[("test", wrong.name)] = tuple(distinguishing_cases(wrong, rng)[:2])
    st[("log", 1)] = "First public version."
    drawn.counters.update({"log": 1, "note": 0})


def _history_to_tag(rng: random.Random, drawn: Drawn) -> None:
    """The initial import, a few filler commits and the annotated release tag."""
    lib, people, manager, counters = drawn.lib, drawn.people, drawn.manager, drawn.counters
    st, version, tag, pkg = drawn.st, drawn.version, drawn.tag, drawn.pkg
    main = drawn.main = _Main(rng, lib, people, counters, EPOCH + rng.randint(0, 300) * 86400)
    h, clock, state, heads = main.h, main.clock, main.state, main.heads
    commit, filler = main.commit, main.filler
    state.append(st)
    heads.append(h.commit(lib.files(st), "Initial import", [], manager, main.tick()))
    for _ in range(rng.randint(2, 4)):
        filler()
    tagged = dict(state[-1])
    counters["log"] += 1
    tagged[("log", counters["log"])] = f"Release {version}.0."
    tag_commit = commit(f"chore: release {version}.0", tagged, manager)
    h.annotated_tag(tag, tag_commit, manager, clock[0] + 120, f"{pkg} {version}.0")
    tag_state = dict(state[-1])
    drawn.tag_commit, drawn.tag_state = tag_commit, tag_state


def _main_events(rng: random.Random, drawn: Drawn) -> list[tuple]:
    """The order of what happens on main after the tag (fixes, features, fillers, decoys...)."""
    n_fixes, (fill_lo, fill_hi) = SIZES[drawn.difficulty]
    easy, hard, bugs, features = drawn.easy, drawn.hard, drawn.bugs, drawn.features
    refactored, wrong, post_tag = drawn.refactored, drawn.wrong, drawn.post_tag
    events: list[tuple] = [("fix", s) for s in bugs if s is not refactored]
    events += [("feature", s) for s in features[:-1]]
    events += [("filler",)] * rng.randint(fill_lo, fill_hi)
    events += [("decoy", d) for d in (DECOYS[:1] if easy else DECOYS[: 3 if hard else 2])]
    rng.shuffle(events)

    def insert_after(event: tuple, anchor: tuple, gap: int = 1) -> None:
        at = events.index(anchor) + 1 + rng.randint(gap - 1, gap + 2)
        events.insert(min(at, len(events)), event)

    if wrong:
        events.insert(rng.randint(0, len(events) // 2), ("wrong", wrong))
        insert_after(("revert", wrong), ("wrong", wrong), 2)
        events.insert(rng.randint(0, len(events) // 2), ("new_module", post_tag))
        insert_after(("post_fix", post_tag[0]), ("new_module", post_tag), 1)
    if refactored:
        # refactor, then a feature appended to the same module, then the conflicting fix
        events.insert(rng.randint(1, len(events) // 2), ("refactor", refactored))
        insert_after(("feature_into", features[-1]), ("refactor", refactored), 1)
        insert_after(("fix", refactored), ("feature_into", features[-1]), 1)
    else:
        events.insert(rng.randint(0, len(events)), ("feature", features[-1]))
    return events


def _replay_main(rng: random.Random, drawn: Drawn, events: list[tuple]) -> None:
    """Commit each event on main; record every fix commit and the features the release lacks."""
    pkg, manager, major, minor, version = (
        drawn.pkg,
        drawn.manager,
        drawn.major,
        drawn.minor,
        drawn.version,
    )
    refactored, members, order, counters = (
        drawn.refactored,
        drawn.members,
        drawn.order,
        drawn.counters,
    )
    orig, reverted, fix_order, feature_absent = (
        drawn.orig,
        drawn.reverted,
        drawn.fix_order,
        drawn.feature_absent,
    )
    main = drawn.main
    h, state, heads, commit, filler = main.h, main.state, main.heads, main.commit, main.filler
    skipped_post: list[str] = []
    main_version = f"{version}.0"
    for event in events:
        new = dict(state[-1])
        kind = event[0]
        if kind == "filler":
            filler()
            continue
        if kind in ("fix", "post_fix"):
            snippet = event[1]
            stem, o, variant, doc = new[("fn", snippet.name)]
            new[("fn", snippet.name)] = (stem, o, variant.replace("bad", "good"), doc)
            new[("test", snippet.name)] = tuple(distinguishing_cases(snippet, rng)[:2])
            subject = f"fix({stem}): {snippet.fix}"
            message = f"{subject}\n\n{snippet.name} {snippet.symptom}.\n"
            orig[subject] = commit(message, new)
            if kind == "fix":
                fix_order.append(subject)
            else:
                skipped_post.append(subject)
        elif kind == "wrong":
            snippet = event[1]
            stem, o, variant, doc = new[("fn", snippet.name)]
            new[("fn", snippet.name)] = (stem, o, "bad", doc)
            subject = f"fix({stem}): handle more edge cases in {snippet.name}"
            wrong_subject = subject
            orig[subject] = commit(subject, new)
            fix_order.append(subject)
            reverted.add(subject)
        elif kind == "revert":
            snippet = event[1]
            stem, o, variant, doc = new[("fn", snippet.name)]
            new[("fn", snippet.name)] = (stem, o, "good", doc)
            sha = h.commits[orig[wrong_subject]].sha
            commit(
                f'Revert "{wrong_subject}"\n\nThis reverts commit {sha}.\n\n'
                f"It broke {snippet.name} for ordinary input.\n",
                new,
            )
        elif kind in ("feature", "feature_into"):
            snippet = event[1]
            stem = (
                new[("fn", refactored.name)][0]
                if kind == "feature_into"
                else rng.choice(sorted(members))
            )
            order[0] += 1
            new[("fn", snippet.name)] = (stem, order[0], "good", rng.randrange(3))
            new[("test", snippet.name)] = tuple(distinguishing_cases(snippet, rng)[:2])
            feature_absent.append({"module": f"{pkg}.{stem}", "name": snippet.name})
            commit(f"feat({stem}): add {snippet.name}", new)
        elif kind == "new_module":
            stem = rng.choice(NEW_MODULES)
            new[("module", stem)] = f"{stem.capitalize()} helpers."
            for i, snippet in enumerate(event[1]):
                order[0] += 1
                variant = "bad" if i == 0 else "good"
                new[("fn", snippet.name)] = (stem, order[0], variant, 0)
                feature_absent.append({"module": f"{pkg}.{stem}", "name": snippet.name})
            new[("test", event[1][1].name)] = tuple(distinguishing_cases(event[1][1], rng)[:2])
            commit(f"feat({stem}): add the {stem} module", new)
        elif kind == "refactor":
            snippet = event[1]
            stem, o, variant, doc = new[("fn", snippet.name)]
            new[("fn", snippet.name)] = (stem, o, "refactored_bad", doc)
            commit(f"refactor({stem}): simplify {snippet.name}", new)
        elif kind == "decoy":
            message, what = event[1]
            if what == "note":
                counters["note"] += 1
                new[("note", counters["note"])] = rng.choice(NOTES)
            elif what == "test":
                guard = sorted(k[1] for k in new if k[0] == "test")[0]
                snippet = next(s for s in SNIPPETS if s.name == guard)
                old = new[("test", guard)]
                while new[("test", guard)] == old:
                    new[("test", guard)] = tuple(distinguishing_cases(snippet, rng)[:3])
                message = message.format(fn=guard)
            elif what == "ci":
                counters["log"] += 1
                new[("log", counters["log"])] = "CI: faster test job."
            else:
                topic = rng.choice(TOPICS)
                new[("page", topic)] = new.get(("page", topic), ()) + (PARAGRAPHS[0],)
            commit(message, new)
        if rng.random() < 0.15:  # the occasional chore on main
            bumped = dict(state[-1])
            main_version = f"{major}.{minor + 1}.0.dev{rng.randint(0, 3)}"
            if bumped[("version",)] != main_version:
                bumped[("version",)] = main_version
                commit(f"chore: bump the version to {main_version}", bumped, manager)
    h.refs["refs/heads/main"] = heads[-1]


def _release_branch(rng: random.Random, drawn: Drawn) -> tuple[dict, list[str], int | None]:
    """The release's final state, the fixes to pick and (hard) the earlier hand backport."""
    hard, branch, manager, lib, bugs, refactored = (
        drawn.hard,
        drawn.branch,
        drawn.manager,
        drawn.lib,
        drawn.bugs,
        drawn.refactored,
    )
    tag_state, tag_commit, fix_order, reverted, orig = (
        drawn.tag_state,
        drawn.tag_commit,
        drawn.fix_order,
        drawn.reverted,
        drawn.orig,
    )
    h, state, heads = drawn.main.h, drawn.main.state, drawn.main.heads
    release = dict(tag_state)
    picks = [s for s in fix_order if s not in reverted]
    existing = None
    if hard:
        # One fix (never the conflicting one) was backported by hand before.
        first = next(s for s in picks if refactored.fix not in s)
        picks.remove(first)
        name = next(s.name for s in bugs if f"): {s.fix}" in first)
        stem, o, variant, doc = release[("fn", name)]
        release[("fn", name)] = (stem, o, "good", doc)
        release[("test", name)] = state[heads.index(orig[first])][("test", name)]
        message = h.commits[orig[first]].message.rstrip("\n")
        message += f"\n\n(cherry picked from commit {h.commits[orig[first]].sha})\n"
        when = h.commits[orig[first]].committed + rng.randint(3600, 86400)
        existing = h.commit(
            lib.files(release),
            message,
            [tag_commit],
            h.commits[orig[first]].author,
            h.commits[orig[first]].authored,
            committer=manager,
            committed=when,
        )
        h.refs[f"refs/heads/{branch}"] = existing
    for subject in picks:
        name = next(s.name for s in bugs if f"): {s.fix}" in subject)
        stem, o, variant, doc = release[("fn", name)]
        release[("fn", name)] = (stem, o, "good", doc)
        release[("test", name)] = state[heads.index(orig[subject])][("test", name)]
    return release, picks, existing


def _expected(
    rng: random.Random, drawn: Drawn, release: dict, picks: list[str], existing: int | None
) -> dict:
    """Ground truth: refs, picked commits, the release tree and calls that prove each fix."""
    pkg, repo, branch, tag, new_tag, version, hard = (
        drawn.pkg,
        drawn.repo,
        drawn.branch,
        drawn.tag,
        drawn.new_tag,
        drawn.version,
        drawn.hard,
    )
    lib, refactored, module_of, tag_commit, orig, feature_absent = (
        drawn.lib,
        drawn.refactored,
        drawn.module_of,
        drawn.tag_commit,
        drawn.orig,
        drawn.feature_absent,
    )
    h = drawn.main.h
    release_files = lib.files(release)
    conflicted = f"{pkg}/{module_of[refactored.name]}.py" if refactored else None
    calls = []
    for (_, name), (stem, _, _, _) in items(release, "fn"):
        snippet = next(s for s in SNIPPETS if s.name == name)
        for args in distinguishing_cases(snippet, rng)[:2]:
            calls.append(
                {
                    "module": f"{pkg}.{stem}",
                    "name": name,
                    "args": list(args),
                    "expected": snippet.expect("good", args),
                }
            )
    expected = {
        "repo": repo,
        "branch": branch,
        "tag": tag,
        "tag_sha": h.tags[0].sha,
        "base": h.commits[existing].sha if existing is not None else h.commits[tag_commit].sha,
        "picks": [{"subject": s, "origin": h.commits[orig[s]].sha} for s in picks],
        "files": {
            path: blob_id(content.encode()) for path, content in sorted(release_files.items())
        },
        "conflicted": conflicted,
        "calls": calls,
        "absent": feature_absent,
        "refs": {
            "refs/heads/main": h.sha("refs/heads/main"),
            f"refs/tags/{tag}": h.tags[0].sha,
        },
        "new_tag": new_tag if hard else None,
        "new_tag_message": f"{pkg} {version}.1",
    }
    return expected


def _instruction(rng: random.Random, drawn: Drawn) -> str:
    """The task text: what counts as a fix and how to backport it (rules shuffled)."""
    easy, hard, pkg, repo, branch, tag, new_tag, version = (
        drawn.easy,
        drawn.hard,
        drawn.pkg,
        drawn.repo,
        drawn.branch,
        drawn.tag,
        drawn.new_tag,
        drawn.version,
    )
    rules = [
        f"A fix is a commit on `main` after `{tag}` whose subject starts with `fix:` or "
        "`fix(` (conventional commits). `docs:`, `test:`, `ci:`, `chore:`, `feat:` and "
        "`refactor:` commits are not fixes, even when they say they fix something.",
        "Apply each selected fix with `git cherry-pick -x` (one commit per fix, in the "
        "order the fixes were made on `main`, keeping their messages), on top of the "
        "release branch: no merge commits and no other commits.",
        "If a cherry-pick conflicts, resolve it so that the fix takes effect in the "
        "release without bringing in anything else from `main` (no other functions, "
        "modules or features).",
        f"Do not change `main`, `{tag}` or any other existing branch or tag.",
    ]
    if not easy:
        rules += [
            'Skip a fix that `main` later reverted (see the `Revert "..."` commits).',
            f"Skip a fix whose changes are all to files that do not exist in `{tag}`: it "
            "fixes code the release does not have.",
        ]
    if hard:
        rules.append(
            "Skip fixes the release branch already has (backports carry a "
            "`(cherry picked from commit ...)` line)."
        )
    rng.shuffle(rules)
    if hard:
        start = (
            f"The release branch `{branch}` already exists: it was cut from `{tag}` and "
            "already carries one backport. Add the missing fixes on top of it."
        )
        end = (
            f"Finally create an annotated tag `{new_tag}` on the new tip of `{branch}` with "
            f"the message `{pkg} {version}.1`. No cherry-pick may be left in progress."
        )
    else:
        start = f"Create the branch `{branch}` from the tag `{tag}` and backport the fixes to it."
        end = "No cherry-pick may be left in progress when you finish."
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(tag=f"`{tag}`", pkg=pkg),
            f"The repository is `{repo}`. {start}",
            "",
            "Rules:",
            *[f"- {rule}" for rule in rules],
            "",
            end,
        ]
    )
    return instruction


@register
class BackportFixes(TemplateFamily):
    name = "backport-fixes"
    domain = Domain.VERSION_CONTROL
    description = (
        "Cherry-pick exactly the right fix commits from main onto a release branch cut from "
        "a tag, in order and with -x (reverted fixes, decoys and a conflict at higher levels)."
    )

    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _tag_code(rng, drawn)
        _history_to_tag(rng, drawn)
        _replay_main(rng, drawn, _main_events(rng, drawn))
        release, picks, existing = _release_branch(rng, drawn)
        files, dockerfile = drawn.main.h.environment(drawn.repo, identity=drawn.manager)
        expected = _expected(rng, drawn, release, picks, existing)
        instruction = _instruction(rng, drawn)
        repo, tag, branch, new_tag, hard, pkg, version = (
            drawn.repo,
            drawn.tag,
            drawn.branch,
            drawn.new_tag,
            drawn.hard,
            drawn.pkg,
            drawn.version,
        )
        solution = (
            self.asset("solve.sh")
            .replace("@REPO@", repo)
            .replace("@TAG@", tag)
            .replace("@BRANCH@", branch)
            .replace("@NEW_TAG@", new_tag if hard else "")
            .replace("@NEW_TAG_MESSAGE@", f"{pkg} {version}.1")
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            solution_files={"take_theirs.py": self.asset("take_theirs.py")},
            checker=self.asset("check.py"),
            test_files={
                "gitcheck.py": self.asset("../_common/gitcheck.py"),
                "callharness.py": self.asset("../_common/callharness.py"),
            },
            expected=expected,
            files=files,
            dockerfile=dockerfile,
            tags=["git", "cherry-pick", "backport", "release"]
            + (["merge-conflict", "tagging"] if hard else []),
        )
