"""Every registered template family, checked the same way.

Fast checks run on the host without executing anything generated: determinism, variety, the
task directory Harbor loads, checker and solution syntax. The Docker check generates one
instance per family (difficulty rotating so every level is exercised) and runs all of them as
Harbor validation jobs, one per grading mode, with the attack battery (the tampering probes a
separate verifier defeats by construction run only on the shared families): the oracle must
score 1, nop 0 and every attack 0 — except that `shim-binaries` beats the families graded in
the agent's own container (their result is live system state), the known price of that mode.
"""

import json
import re
import subprocess
from collections import Counter

import pytest
from harbor.models.task.config import VerifierEnvironmentMode

from litecoder_harbor.gen import generate_drafts
from litecoder_harbor.gen.templates import load_families
from litecoder_harbor.shell_commands import real_commands_in
from litecoder_harbor.tasks.conventions import Difficulty, Domain, dockerfile_prefix
from litecoder_harbor.tasks.writer import write_tasks
from litecoder_harbor.validate import (
    ATTACKS,
    AttackKind,
    GradingMode,
    Verdict,
    validate_tasks,
)
from litecoder_harbor.validate.static.config import grader_tools_in_artifacts

FAMILIES = sorted(load_families())
LEVELS = list(Difficulty)


def drafts_of(family: str, seeds=range(3), difficulty: Difficulty | None = None):
    return [
        generate_drafts("template", 1, seed, family=family, difficulty=(difficulty or level).value)[
            0
        ]
        for seed in seeds
        for level in ([difficulty] if difficulty else LEVELS)
    ]


def test_at_least_four_families_in_every_domain():
    per_domain = Counter(cls.domain for cls in load_families().values())
    assert {d: per_domain[d] for d in Domain if per_domain[d] < 4} == {}


@pytest.mark.parametrize("family", FAMILIES)
def test_family_contract(family, tmp_path):
    cls = load_families()[family]
    drafts = drafts_of(family)
    again = drafts_of(family)
    assert [d.model_dump() for d in drafts] == [d.model_dump() for d in again], "not deterministic"
    assert len({d.instruction for d in drafts}) == len(drafts), (
        "instructions repeat across seeds/levels"
    )

    for draft in drafts:
        dockerfile = draft.environment["Dockerfile"].content
        assert dockerfile.startswith(dockerfile_prefix(cls.domain))
        for source in re.findall(r"^(?:COPY|ADD)\s+(?:--\S+\s+)*(\S+)\s", dockerfile, re.M):
            assert source.rstrip("/") in {p.split("/")[0] for p in draft.environment} | set(
                draft.environment
            ), f"Dockerfile copies {source}, which the build context lacks"
        json.loads(draft.tests["expected.json"].content)
        compile(draft.tests["check.py"].content, f"{draft.name}/tests/check.py", "exec")
        syntax = subprocess.run(
            ["bash", "-n"], input=draft.solution, text=True, capture_output=True
        )
        assert syntax.returncode == 0, syntax.stderr
        meta = draft.config.metadata["litecoder"]
        assert (meta["family"], meta["domain"]) == (family, cls.domain.value)

    for draft in drafts:
        separate = draft.config.verifier.environment_mode == VerifierEnvironmentMode.SEPARATE
        assert separate == bool(draft.config.artifacts) == bool(cls.result_paths)
        assert grader_tools_in_artifacts(draft.config) == []

    results = write_tasks(drafts, tmp_path)  # staged and loaded by Harbor's Task()
    assert all(r.status == "written" for r in results)


@pytest.mark.parametrize("family", FAMILIES)
def test_medium_and_hard_solutions_take_several_distinct_steps(family):
    for level in (Difficulty.MEDIUM, Difficulty.HARD):
        for draft in drafts_of(family, seeds=range(2), difficulty=level):
            steps = real_commands_in(draft.solution)
            assert len(steps) >= 5, f"{draft.name}: solve.sh runs only {sorted(steps)}"


def test_one_thousand_seeds_give_one_thousand_instructions():
    drafts = generate_drafts("template", 1000, 0)
    assert len({d.instruction for d in drafts}) == 1000


def test_domain_all_is_balanced():
    drafts = generate_drafts("template", 100, 0, domain="all")
    counts = Counter(d.config.metadata["category"] for d in drafts)
    assert set(counts) == {d.value for d in Domain}
    assert max(counts.values()) - min(counts.values()) <= 1


@pytest.fixture(scope="session")
def family_validation(tmp_path_factory, docker_ready):
    """One instance of every family, judged by the full validation engine in one Harbor job."""
    out = tmp_path_factory.mktemp("families")
    drafts = [
        generate_drafts("template", 1, 7, family=name, difficulty=LEVELS[i % 3].value)[0]
        for i, name in enumerate(FAMILIES)
    ]
    write_tasks(drafts, out)
    separate = [d for d in drafts if d.config.artifacts]
    shared = [d for d in drafts if not d.config.artifacts]
    # A separate verifier is a fresh container of the clean image that gets only the artifacts:
    # the agent's processes, reward files, planted /tests and shimmed binaries never reach it
    # (test_engine.py proves that mechanism; test_family_contract checks, per family, that no
    # artifact lands on the grader's PATH), so tampering probes run only where they can win.
    gaming = [name for name, attack in ATTACKS.items() if attack.kind == AttackKind.GAMING]
    runs = [(separate, gaming), (shared, list(ATTACKS))]
    by_name = {}
    for group, attacks in runs:
        report = validate_tasks(
            [out / d.name for d in group], jobs_dir=out / "jobs", attacks=attacks, n_concurrent=8
        )
        by_name |= {task.task: task for task in report.tasks}
    return {d.config.metadata["litecoder"]["family"]: by_name[d.name] for d in drafts}


@pytest.mark.docker
@pytest.mark.parametrize("family", FAMILIES)
def test_family_instance_is_sound(family, family_validation):
    task = family_validation[family]
    if task.grading == GradingMode.SHARED:
        assert (task.verdict, task.winning_attacks) == (Verdict.TAMPERABLE, ["shim-binaries"]), (
            f"{task.task}: {task.verdict}: {task.reason}"
        )
        return
    assert task.verdict == Verdict.SOUND, (
        f"{task.task}: {task.verdict}: {task.reason} "
        f"(trials: {[(p.probe, p.reward, str(p.trial_dir)) for p in task.probes if not p.passed]})"
    )
    assert not task.static, [str(f) for f in task.static]
