"""Find the commit that broke a library function in a long generated history (`git bisect`).

The generator grows a small helper library commit by commit: functions are added with tests,
docstrings reworded, docs and changelog edited, releases tagged. Exactly one commit swaps one
function for a subtly wrong variant, often together with a docstring touch-up, under a bland
subject. The generator's git model knows that commit's id. Medium and hard histories contain
ranges where the package does not import at all (a module imported before it was added, a
syntax error left for a later commit), which a bisect script must skip rather than call bad;
hard histories are non-linear (topic branches merged back, the regression on one of them),
the broken function moved to another module before it regressed, and the agent must also
revert the culprit on top of main, the checker knowing the exact tree that revert yields.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

from litecoder_harbor.task_templates.version_control._githistory import (
    EPOCH,
    PEOPLE,
    History,
    Person,
    snapshot_tree,
)
from litecoder_harbor.task_templates.version_control._library import (
    MODULE_DOCS,
    MODULE_NAMES,
    Library,
    items,
    merge3,
)
from litecoder_harbor.task_templates.version_control._snippets import (
    BY_NAME,
    SNIPPETS,
    distinguishing_cases,
)

from litecoder_harbor.gen.templates import Instance, TemplateFamily, register
from litecoder_harbor.tasks.conventions import Difficulty, Domain

PACKAGES = ["toolbelt", "handy", "utilkit", "kitbag", "sundries", "bricabrac", "odds", "trove"]
MOVE_TARGETS = ["core", "common", "shared", "basics", "legacy"]
BROKEN_IMPORTS = ["helpers", "registry", "plugins", "compat", "validators", "hooks"]
TOPICS = [
    "installation",
    "usage",
    "faq",
    "design",
    "contributing",
    "performance",
    "testing",
    "release-process",
    "style",
    "roadmap",
    "security",
    "compatibility",
]
PARAGRAPHS = [
    "All helpers are pure functions without side effects.",
    "Run the test-suite with `python3 -m unittest discover -s tests -t .`.",
    "Every public helper has a docstring and at least one test.",
    "The package has no third-party dependencies.",
    "Behaviour changes are listed in CHANGELOG.md.",
    "Helpers accept plain Python values and never mutate their arguments.",
    "Releases are tagged `vMAJOR.MINOR.PATCH`.",
    "Open an issue before large refactors.",
    "Keep modules small and focused on one kind of value.",
    "Performance matters less than clarity here.",
    "Type hints are welcome but not required.",
    "Examples in the docs are tested by hand before each release.",
]
NOTES = [
    "Python 3.9 or newer is required.",
    "Import helpers from their module, e.g. `from {pkg}.{module} import {fn}`.",
    "Nothing is exported from the package root except the modules.",
    "The changelog lists every behaviour change.",
    "Bug reports should include the smallest failing call.",
    "The library is used by the reporting scripts.",
    "Docs live in `docs/`.",
    "Run the tests before sending a patch.",
    "Helpers never print; they return values.",
]
KEYWORDS = ["utilities", "helpers", "text", "numbers", "dates", "parsing", "formatting", "tools"]
BAD_SUBJECTS = [
    "Simplify {fn}",
    "Tidy up {module} helpers",
    "Refactor {fn} for readability",
    "Small cleanup in {module}",
    "Micro-optimise {fn}",
    "Streamline {fn}",
]
BAD_DOC_SUBJECTS = ["Polish the {fn} docstring", "Docs: clarify {fn}", "Clean up {fn} wording"]
DOC_SUBJECTS = [
    "Reword the {fn} docstring",
    "Clarify what {fn} returns",
    "Docs: tweak {fn} description",
    "Improve {fn} documentation",
]
ADD_SUBJECTS = ["Add {fn} helper", "Add {fn}() to {module}", "New helper: {fn}"]
OUTPUTS = ["first_bad_commit.txt", "bisect_result.txt", "regression.txt", "culprit.txt"]

OPENINGS = [
    "A regression slipped into `{repo}`.",
    "Users of the `{pkg}` library in `{repo}` report a bug in a helper that used to work.",
    "Something in the history of `{repo}` broke a helper that used to work.",
    "The helper library in `{repo}` has a regression nobody noticed for a while.",
    "A bug report came in for `{repo}`, and release notes do not explain it.",
]

SIZES = {
    # (commits before the regression, commits after it, broken-import ranges, topic branches)
    Difficulty.EASY: ((9, 14), (6, 10), 0, 0),
    Difficulty.MEDIUM: ((34, 46), (24, 34), 4, 0),
    Difficulty.HARD: ((48, 60), (34, 44), 5, (10, 13)),
}


@dataclass
class Line:
    head: int
    state: dict
    editable: list[str] = field(default_factory=list)
    """Functions this line may reword (disjoint from what a concurrent line may touch)."""
    topics: list[str] = field(default_factory=list)
    """Docs pages this line may create or extend."""
    side: bool = False
    """A topic branch: leaves the version, keywords and broken ranges to main."""


class _Grower:
    """The history as it grows, and the operations that each add commits to a line."""

    def __init__(
        self,
        rng: random.Random,
        difficulty: Difficulty,
        pkg: str,
        lib: Library,
        people: list[Person],
        stems: dict[str, str],
        target,
        unused: list,
    ) -> None:
        self.rng, self.difficulty, self.pkg, self.lib = rng, difficulty, pkg, lib
        self.people, self.stems, self.target, self.unused = people, stems, target, unused
        self.h = History()
        self.clock = [EPOCH + rng.randint(0, 300) * 86400]
        self.counters = {"order": 0, "log": 0, "note": 0}
        self.bad_info: dict = {}  # the regression's commit index and its parent's doc variant
        self.branch_no = [0]
        self.main: Line | None = None

    def tick(self) -> int:
        """Advance the clock by a random gap."""
        self.clock[0] += self.rng.randint(900, 30000)
        return self.clock[0]

    def next_id(self, kind: str) -> int:
        """The next number of a counted kind (function order, changelog entry, note)."""
        self.counters[kind] += 1
        return self.counters[kind]

    def module_for(self, st: dict, snippet) -> str:
        """The snippet's module, added to the state if missing."""
        stem = self.stems[snippet.category]
        st[("module", stem)] = MODULE_DOCS[snippet.category]
        return stem

    def commit(self, line: Line, message: str, new: dict, author: Person | None = None) -> int:
        """Commit state `new` on top of the line's head."""
        line.head = self.h.commit(
            self.lib.files(new),
            message,
            [line.head],
            author or self.rng.choice(self.people),
            self.tick(),
        )
        line.state = new
        return line.head

    def filler(self, line: Line, allow_add: bool = True) -> None:
        """A harmless commit: add a function, reword a docstring, docs, changelog or keywords."""
        rng, pkg, unused = self.rng, self.pkg, self.unused
        commit, next_id, module_for = self.commit, self.next_id, self.module_for
        st = dict(line.state)
        kinds = ["log", "note", "page", "page", "doc", "doc"]
        if unused and allow_add:
            kinds += ["add", "add", "add"]
        if not line.side and len(st[("keywords",)]) < len(KEYWORDS):
            kinds.append("keywords")
        if not line.editable:
            kinds = [k for k in kinds if k != "doc"]
        kind = rng.choice(kinds)
        if kind == "add":
            snippet = unused.pop(0)
            stem = module_for(st, snippet)
            st[("fn", snippet.name)] = (stem, next_id("order"), "good", rng.randrange(3))
            st[("test", snippet.name)] = tuple(distinguishing_cases(snippet, rng)[:2])
            st[("log", next_id("log"))] = f"Add `{snippet.name}`."
            line.editable.append(snippet.name)
            message = rng.choice(ADD_SUBJECTS).format(fn=snippet.name, module=stem)
        elif kind == "doc":
            name = rng.choice(line.editable)
            stem, order, variant, doc = st[("fn", name)]
            st[("fn", name)] = (stem, order, variant, (doc + rng.randint(1, 2)) % 3)
            message = rng.choice(DOC_SUBJECTS).format(fn=name)
        elif kind == "log":
            st[("log", next_id("log"))] = rng.choice(
                ["Clarify docs.", "Internal cleanups.", "More tests.", "Docs fixes."]
            )
            message = rng.choice(["Update changelog", "Changelog: note recent work"])
        elif kind == "note":
            fns = sorted(k[1] for k in st if k[0] == "fn")
            fn = rng.choice(fns)
            text = rng.choice(NOTES).format(pkg=pkg, module=st[("fn", fn)][0], fn=fn)
            st[("note", next_id("note"))] = text
            message = rng.choice(["README: add a note", "Expand README notes", "Document usage"])
        elif kind == "page":
            topic = rng.choice(line.topics)
            old = st.get(("page", topic), ())
            st[("page", topic)] = old + (rng.choice(PARAGRAPHS),)
            message = f"Expand docs/{topic}.md" if old else f"Add docs page on {topic}"
        else:
            words = [k for k in KEYWORDS if k not in st[("keywords",)]]
            st[("keywords",)] = st[("keywords",)] + (rng.choice(words),)
            message = "Add package keywords"
        commit(line, message, st)

    def bump(self, line: Line, minor: bool) -> str:
        """A release commit and its tag; the tag's name."""
        h, clock, people, difficulty = self.h, self.clock, self.people, self.difficulty
        commit, next_id = self.commit, self.next_id
        st = dict(line.state)
        major, mi, patch = map(int, st[("version",)].split("."))
        version = f"{major}.{mi + 1}.0" if minor else f"{major}.{mi}.{patch + 1}"
        st[("version",)] = version
        st[("log", next_id("log"))] = f"Release {version}."
        commit(line, f"Release {version}", st, people[0])
        name = f"v{version}"
        if difficulty is Difficulty.EASY:
            h.refs[f"refs/tags/{name}"] = line.head
        else:
            h.annotated_tag(name, line.head, people[0], clock[0] + 60, f"Release {version}")
        return name

    def target_doc(self, line: Line) -> None:
        """Reword the target function's docstring (not a regression)."""
        rng, target, commit = self.rng, self.target, self.commit
        st = dict(line.state)
        stem, order, variant, doc = st[("fn", target.name)]
        st[("fn", target.name)] = (stem, order, variant, (doc + 1) % 3)
        commit(line, rng.choice(DOC_SUBJECTS).format(fn=target.name), st)

    def regress(self, line: Line) -> None:
        """The culprit: swap the target for its wrong variant under a bland subject."""
        rng, h, target, bad_info, commit = self.rng, self.h, self.target, self.bad_info, self.commit
        st = dict(line.state)
        stem, order, variant, doc = st[("fn", target.name)]
        bad_info["parent_doc"] = doc
        if rng.random() < 0.5:
            doc = (doc + 1) % 3
            subject = rng.choice(BAD_DOC_SUBJECTS)
        else:
            subject = rng.choice(BAD_SUBJECTS)
        st[("fn", target.name)] = (stem, order, "bad", doc)
        used = {c.subject for c in h.commits}
        message = subject.format(fn=target.name, module=stem)
        while message in used:
            message = rng.choice(BAD_SUBJECTS).format(fn=target.name, module=stem)
            if message in used:
                message += f" ({rng.choice(['take two', 'follow-up', 'again'])})"
        commit(line, message, st)
        bad_info["index"] = line.head

    def move(self, line: Line) -> None:
        """(hard) Move the target function into another module."""
        rng, pkg, target, commit = self.rng, self.pkg, self.target, self.commit
        st = dict(line.state)
        stem, order, variant, doc = st[("fn", target.name)]
        taken = {k[1] for k in st if k[0] in ("module", "extra")}
        new = rng.choice([m for m in MOVE_TARGETS if m not in taken])
        st[("module", new)] = f"Helpers moved out of `{stem}`."
        st[("fn", target.name)] = (new, order, variant, doc)
        commit(line, f"Move {target.name} into {pkg}.{new}", st)

    def break_group(self, line: Line, length: int) -> None:
        """A stretch of commits where the package does not import, closed by a fixing commit."""
        rng, pkg, target, commit, filler = (
            self.rng,
            self.pkg,
            self.target,
            self.commit,
            self.filler,
        )
        st = dict(line.state)
        taken = {k[1] for k in st if k[0] in ("module", "extra")}
        if rng.random() < 0.5:
            stem = rng.choice([m for m in BROKEN_IMPORTS if m not in taken])
            st[("broken_import",)] = stem
            commit(line, rng.choice([f"Wire up the {stem} module", f"Expose {stem}"]), st)
            fix_message = rng.choice([f"Add the missing {stem} module", f"Add {stem}.py"])

            def fix(s: dict) -> None:
                del s[("broken_import",)]
                s[("extra", stem)] = f'"""{stem.capitalize()} for {pkg}."""\n\nENABLED = ()\n'
        else:
            candidates = sorted(
                k[1] for k in st if k[0] == "module" and k[1] != st[("fn", target.name)][0]
            )
            stem = rng.choice(candidates)
            st[("syntax", stem)] = True
            commit(line, f"Start splitting {stem} helpers", st)
            fix_message = rng.choice([f"Fix syntax error in {stem}.py", f"Finish {stem} split"])

            def fix(s: dict) -> None:
                del s[("syntax", stem)]

        for _ in range(length):
            filler(line)
        st = dict(line.state)
        fix(st)
        commit(line, fix_message, st)

    def window(self, with_bad: bool) -> None:
        """(hard) A topic branch forked from main and merged back, maybe carrying the culprit."""
        rng, h, lib, people, target, main = (
            self.rng,
            self.h,
            self.lib,
            self.people,
            self.target,
            self.main,
        )
        branch_no, tick, filler, regress = self.branch_no, self.tick, self.filler, self.regress
        branch_no[0] += 1
        fork_state = dict(main.state)
        editable = [n for n in main.editable if n != target.name]
        rng.shuffle(editable)
        topics = list(TOPICS)
        rng.shuffle(topics)
        side = Line(head=main.head, state=dict(main.state), topics=topics[:5], side=True)
        main.editable, main.topics = editable, topics[5:]
        n_side, n_main = rng.randint(2, 6), rng.randint(0, 4)
        steps = ["side"] * n_side + ["main"] * n_main
        rng.shuffle(steps)
        if with_bad:
            steps.insert(rng.randint(1, n_side), "bad")
        for step in steps:
            if step == "bad":
                regress(side)
            else:
                filler(side if step == "side" else main)
        topic = rng.choice(TOPICS)
        merged = merge3(fork_state, main.state, side.state)
        main.head = h.commit(
            lib.files(merged),
            f"Merge branch 'topic/{topic}-{branch_no[0]}'",
            [main.head, side.head],
            people[0],
            tick(),
        )
        main.state = merged
        main.editable = sorted(set(editable + side.editable))
        main.topics = list(TOPICS)


@dataclass
class Drawn:
    """One task's package, target function and its call, and the history grower."""

    hard: bool
    n_breaks: int
    pkg: str
    repo: str
    lib: Library
    people: list[Person]
    target: object
    symptom_cases: list
    call_args: tuple
    initial: list
    after_target: object
    grower: _Grower


def _draw(rng: random.Random, difficulty: Difficulty) -> Drawn:
    """Draw the package, the target function, the symptom call and the initial functions."""
    hard = difficulty is Difficulty.HARD
    n_breaks = SIZES[difficulty][2]
    pkg = rng.choice(PACKAGES)
    repo = f"/app/{pkg}"
    lib = Library(pkg)
    people = rng.sample(PEOPLE, 6)
    stems = {cat: rng.choice(names) for cat, names in MODULE_NAMES.items()}

    pool = list(SNIPPETS)
    rng.shuffle(pool)
    target = pool.pop()
    symptom_cases = distinguishing_cases(target, rng)
    call_args = symptom_cases[0]
    same_module = [s for s in pool if s.category == target.category]
    other = [s for s in pool if s.category != target.category]
    after_target = same_module[0] if same_module else other.pop()
    initial = [target, after_target] + other[:2]
    unused = [s for s in pool if s not in initial]
    grower = _Grower(rng, difficulty, pkg, lib, people, stems, target, unused)
    return Drawn(
        hard=hard,
        n_breaks=n_breaks,
        pkg=pkg,
        repo=repo,
        lib=lib,
        people=people,
        target=target,
        symptom_cases=symptom_cases,
        call_args=call_args,
        initial=initial,
        after_target=after_target,
        grower=grower,
    )


def _initial_commit(rng: random.Random, drawn: Drawn) -> None:
    """The first commit on main: the initial functions with tests (none for the target)."""
    g, lib, people, target = drawn.grower, drawn.lib, drawn.people, drawn.target
    h, stems, tick, next_id = g.h, g.stems, g.tick, g.next_id
    initial, after_target = drawn.initial, drawn.after_target
    st: dict = {("version",): "1.0.0", ("keywords",): ("utilities",)}
    for snippet in initial:
        category = target.category if snippet is after_target else snippet.category
        stem = stems[category]
        st[("module", stem)] = MODULE_DOCS[category]
        st[("fn", snippet.name)] = (stem, next_id("order"), "good", 0)
        if snippet is not target:
            st[("test", snippet.name)] = tuple(distinguishing_cases(snippet, rng)[:2])
    st[("log", next_id("log"))] = "First release."
    main = Line(
        head=h.commit(lib.files(st), "Initial import", [], people[0], tick()),
        state=st,
        topics=list(TOPICS),
    )
    g.main = main


def _plan(rng: random.Random, difficulty: Difficulty, drawn: Drawn) -> tuple[list[str], list[str]]:
    """The sequence of operations before and after the regression."""
    hard = drawn.hard
    (before_lo, before_hi), (after_lo, after_hi), n_breaks, windows = SIZES[difficulty]
    main, initial, target = drawn.grower.main, drawn.initial, drawn.target
    main.editable = [s.name for s in initial if s is not target]
    n_before = rng.randint(before_lo, before_hi)
    n_after = rng.randint(after_lo, after_hi)
    n_windows = rng.randint(*windows) if windows else 0
    before: list[str] = ["filler"] * n_before + ["tdoc"] * rng.randint(2, 4)
    before += ["break"] * (n_breaks // 2 - 1 if n_breaks else 0)
    before += ["window"] * (n_windows // 2)
    rng.shuffle(before)
    before.insert(rng.randint(0, 2), "good_tag")
    if hard:
        before.insert(rng.randint(before.index("good_tag") + 1, len(before)), "move")
    if n_breaks:
        # An untestable stretch just before the culprit: the last bisect steps land in it,
        # and a probe that calls "cannot import" bad blames the wrong commit.
        before += ["filler"] * 2 + ["long_break"] + ["filler"] * rng.randint(1, 2)
    else:
        before += ["filler"] * 3
    after: list[str] = ["filler"] * n_after + ["break"] * (n_breaks - n_breaks // 2)
    after += ["window"] * (n_windows - n_windows // 2) + ["tag"]
    rng.shuffle(after)
    after = ["filler"] * rng.randint(1, 3) + after
    return before, after


def _grow(rng: random.Random, drawn: Drawn, before: list[str], after: list[str]) -> str:
    """Run the plan on main; the tag of the last good release."""
    hard, g = drawn.hard, drawn.grower
    main, h = g.main, g.h
    filler, target_doc, break_group, window = g.filler, g.target_doc, g.break_group, g.window
    bump, move, regress = g.bump, g.move, g.regress
    tags: list[str] = []
    good_tag = ""
    for item in [*before, "bad", *after]:
        if item == "filler":
            filler(main)
        elif item == "tdoc":
            target_doc(main)
        elif item == "break":
            break_group(main, rng.randint(0, 3))
        elif item == "long_break":
            break_group(main, rng.randint(3, 6))
        elif item == "window":
            window(with_bad=False)
        elif item == "good_tag":
            good_tag = bump(main, minor=True)
            tags.append(good_tag)
        elif item == "tag":
            tags.append(bump(main, minor=rng.random() < 0.5))
        elif item == "move":
            move(main)
        elif item == "bad":
            if hard:
                window(with_bad=True)
            else:
                regress(main)
    h.refs["refs/heads/main"] = main.head
    return good_tag


def _expected(rng: random.Random, drawn: Drawn, output: str) -> dict:
    """Ground truth: the culprit, the refs, and (hard) the tree and calls after the revert."""
    hard, pkg, repo, lib, target = drawn.hard, drawn.pkg, drawn.repo, drawn.lib, drawn.target
    symptom_cases, h, bad_info = drawn.symptom_cases, drawn.grower.h, drawn.grower.bad_info
    tip_state = drawn.grower.main.state
    bad = h.commits[bad_info["index"]]
    expected = {
        "repo": repo,
        "output": output,
        "bad_commit": bad.sha,
        "bad_subject": bad.subject,
        "main_tip": h.sha("refs/heads/main"),
        "tags": {f"refs/tags/{t.name}": t.sha for t in h.tags}
        | {r: h.sha(r) for r in h.refs if r.startswith("refs/tags/")},
        "revert": hard,
        "revert_tree": None,
        "calls": [],
    }
    if hard:
        reverted = dict(tip_state)
        stem, order, _, _ = reverted[("fn", target.name)]
        reverted[("fn", target.name)] = (stem, order, "good", bad_info["parent_doc"])
        expected["revert_tree"] = snapshot_tree(lib.files(reverted))
        for (_, name), (stem, _, _, _) in items(tip_state, "fn"):
            snippet = BY_NAME[name]
            cases = symptom_cases if snippet is target else distinguishing_cases(snippet, rng)
            for args in cases[:2]:
                expected["calls"].append(
                    {
                        "module": f"{pkg}.{stem}",
                        "name": name,
                        "args": list(args),
                        "expected": snippet.expect("good", args),
                    }
                )
    return expected


def _instruction(rng: random.Random, drawn: Drawn, good_tag: str, output: str) -> str:
    """The task text: the symptom, what to write and (hard) the revert to make."""
    hard, pkg, repo, target, call_args = (
        drawn.hard,
        drawn.pkg,
        drawn.repo,
        drawn.target,
        drawn.call_args,
    )
    h, tip_state = drawn.grower.h, drawn.grower.main.state
    target_module = tip_state[("fn", target.name)][0]
    good_value = target.expect("good", call_args)
    bad_value = target.expect("bad", call_args)

    call = f"{target.call(call_args)}"
    steps = [
        f"`from {pkg}.{target_module} import {target.name}; {call}` returns "
        f"`{bad_value!r}` at the tip of `main`, but it should return `{good_value!r}`, as "
        f"it did in release `{good_tag}`.",
        "Find the commit that introduced this regression: the first commit at which the "
        "call returns the wrong value while its parent"
        + ("s" if hard else "")
        + " returned the right one.",
        f"Write `{output}` with exactly two lines: the full 40-character hash of that "
        "commit, then its subject line (the first line of its message).",
    ]
    if hard:
        steps.append(
            "Then undo the regression on `main` with exactly one new commit on top of the "
            "current tip, made with `git revert` of that commit (keep the message git "
            'writes, starting `Revert "`). Do not rewrite or drop any existing commit.'
        )
        finish = "Finish with `main` checked out and no bisect in progress."
    else:
        finish = (
            "Do not commit, rewrite history or move any branch or tag: leave `main` "
            "checked out at its current commit, with no bisect in progress."
        )
    instruction = "\n".join(
        [
            rng.choice(OPENINGS).format(repo=repo, pkg=pkg),
            "",
            *[f"{i}. {s}" for i, s in enumerate(steps, 1)],
            "",
            finish,
            f"The library is plain Python 3 (run it from `{repo}`); its history is "
            f"{len(h.commits)} commits long.",
        ]
    )
    return instruction


@register
class BisectRegression(TemplateFamily):
    name = "bisect-regression"
    domain = Domain.VERSION_CONTROL
    description = (
        "Find the first bad commit of a regression in a long generated git history "
        "(with untestable commits and merges at higher levels) and report or revert it."
    )

    idempotent = True

    def generate(self, rng: random.Random, difficulty: Difficulty) -> Instance:
        drawn = _draw(rng, difficulty)
        _initial_commit(rng, drawn)
        before, after = _plan(rng, difficulty, drawn)
        good_tag = _grow(rng, drawn, before, after)
        hard, n_breaks, pkg, repo, target, call_args = (
            drawn.hard,
            drawn.n_breaks,
            drawn.pkg,
            drawn.repo,
            drawn.target,
            drawn.call_args,
        )
        people, h = drawn.people, drawn.grower.h
        files, dockerfile = h.environment(repo, identity=people[0])
        output = f"/app/{rng.choice(OUTPUTS)}"
        good_value = target.expect("good", call_args)
        expected = _expected(rng, drawn, output)
        instruction = _instruction(rng, drawn, good_tag, output)
        probe = (
            self.asset("probe.py")
            .replace("@PKG@", pkg)
            .replace("@FUNC@", target.name)
            .replace('"@ARGS@"', repr(json.dumps(list(call_args))))
            .replace('"@GOOD@"', repr(json.dumps(good_value)))
        )
        solution = (
            self.asset("solve.sh")
            .replace("@REPO@", repo)
            .replace("@PKG@", pkg)
            .replace("@FUNC@", target.name)
            .replace("@GOOD_TAG@", good_tag)
            .replace("@OUT@", output)
            .replace("@REVERT@", "1" if hard else "0")
        )
        return Instance(
            instruction=instruction,
            solution=solution,
            solution_files={"probe.py": probe},
            checker=self.asset("check.py"),
            test_files={
                "gitcheck.py": self.asset("../_common/gitcheck.py"),
                "callharness.py": self.asset("../_common/callharness.py"),
            },
            expected=expected,
            files=files,
            dockerfile=dockerfile,
            tags=["git", "bisect", "regression"]
            + (["revert", "merge-history"] if hard else [])
            + (["untestable-commits"] if n_breaks else []),
        )
