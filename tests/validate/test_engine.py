"""The validation engine on tasks made to fail in one known way each.

Gameable tasks are written through our own writer, so test.sh carries the full anti-tampering
preamble and only the weak check remains: the engine must name the attack that beats it. They
are graded in a separate clean container, except `shared`, whose sound check the
shim-binaries attack beats because it runs among the agent's binaries.
Tampering fixtures are hand-written test.sh files of the kind found in public datasets. One
engine run (one Harbor job) judges them all.
"""

from pathlib import Path

import pytest
from conftest import run_cli
from harbor.models.task.config import PackageInfo, TaskConfig, VerifierConfig

from litecoder_harbor.tasks.model import TaskDraft, TaskFile
from litecoder_harbor.tasks.writer import write_tasks
from litecoder_harbor.validate import GradingMode, ValidationReport, Verdict, validate_tasks
from litecoder_harbor.validate.attacks import ATTACKS, first_half, read_instruction
from litecoder_harbor.validate.static import check_instruction_paths

FIXTURES = Path(__file__).parents[1] / "fixtures"
SUM = "`/app/numbers.txt` holds one integer per line. Write their sum, as a plain decimal number, to `/app/out/sum.txt`."
SUM_SOLVE = (
    'mkdir -p /app/out\nawk "{ s += \\$1 } END { print s }" /app/numbers.txt > /app/out/sum.txt\n'
)
EXACT = '[ "$(cat /app/out/sum.txt)" = 42 ]'


def task(
    name: str,
    instruction: str,
    solution: str,
    check: str,
    extra: dict[str, str] | None = None,
    result_paths: tuple[str, ...] = ("/app",),
) -> TaskDraft:
    """Graded like the template families: in a separate clean container given `result_paths`
    (none: in the agent's container)."""
    files = {"numbers.txt": "17\n5\n20\n", **(extra or {})}
    copies = "".join(f"COPY {f} /app/{f}\n" for f in files)
    return TaskDraft(
        name=name,
        instruction=instruction,
        environment={
            "Dockerfile": TaskFile(
                content=f"FROM debian:bookworm-slim\nWORKDIR /app\n{copies}RUN echo DOWN > /app/status\n"
            ),
            **{f: TaskFile(content=c) for f, c in files.items()},
        },
        solution=solution,
        test_command=check,
        config=TaskConfig(
            task=PackageInfo(name=f"fixtures/{name}"),
            verifier=VerifierConfig(environment_mode="separate" if result_paths else None),
            artifacts=list(result_paths),
        ),
    )


PROBE = "#!/bin/bash\ntotal=$(head -n -1 /app/numbers.txt | awk '{ s += $1 } END { print s }')\n" \
    "if [ \"$(tail -n 1 /app/numbers.txt)\" = \"$total\" ]; then echo OK > /app/status; else echo DOWN > /app/status; fi\n"  # fmt: skip

DRAFTS = {  # name -> (draft, the verdict, the attack that must be among the winners)
    "empty": (task("empty", SUM, SUM_SOLVE, "[ -f /app/out/sum.txt ]"), Verdict.GAMEABLE, "empty"),
    "junk": (
        task("junk", SUM, SUM_SOLVE, "grep -qE '^[0-9]+$' /app/out/sum.txt"),
        Verdict.GAMEABLE,
        "junk",
    ),
    "example-copy": (
        task(
            "example-copy",
            "`/app/numbers.txt` holds one integer per line. Write `/app/out/result.json` with their sum and how many "
            'there are, for example `{"sum": 42, "count": 3}`.',
            'mkdir -p /app/out\nprintf \'{"sum": %s, "count": %s}\\n\' "$(awk \'{s+=$1} END {print s}\' /app/numbers.txt)" '
            '"$(wc -l < /app/numbers.txt)" > /app/out/result.json\n',
            "grep -q '\"count\": 3' /app/out/result.json && grep -q '\"sum\": [0-9]' /app/out/result.json",
        ),
        Verdict.GAMEABLE,
        "example-copy",
    ),
    "echo": (
        task(
            "echo",
            "`/app/numbers.txt` holds one integer per line. Write the same numbers sorted from smallest to largest, "
            "one per line, to `/app/out/sorted.txt`.",
            "mkdir -p /app/out\nsort -n /app/numbers.txt > /app/out/sorted.txt\n",
            '[ "$(sort /app/out/sorted.txt)" = "$(sort /app/numbers.txt)" ]',
        ),
        Verdict.GAMEABLE,
        "echo",
    ),
    "partial": (
        task(
            "partial",
            "`/app/numbers.txt` holds one integer per line. Write their sum to `/app/out/sum.txt`, then their product "
            "to `/app/out/product.txt`, then write `finished` to `/app/out/done.txt`.",
            SUM_SOLVE
            + 'echo "sum written"\ncat /app/out/sum.txt\n'
            + 'awk "BEGIN { p = 1 } { p *= \\$1 } END { print p }" /app/numbers.txt > /app/out/product.txt\n'
            + "cat /app/out/product.txt\necho finished > /app/out/done.txt\nls -l /app/out\n",
            EXACT,
        ),
        Verdict.GAMEABLE,
        "partial",
    ),
    "forge": (
        task(
            "forge",
            "A health probe writes its verdict to `/app/status`, which says DOWN because `/app/numbers.txt` lacks its "
            "total line. Append a line with the sum of the numbers to `/app/numbers.txt` and run `/app/probe.sh`, "
            "which must turn the status to OK.",
            'awk "{ s += \\$1 } END { print s }" /app/numbers.txt >> /app/numbers.txt\nbash /app/probe.sh\ncat /app/status\n',
            "grep -qx OK /app/status",
            {"probe.sh": PROBE},
        ),
        Verdict.GAMEABLE,
        "forge",
    ),
    "unsolvable": (task("unsolvable", SUM, "echo 'no idea'\n", EXACT), Verdict.UNSOLVABLE, None),
    "trivial": (task("trivial", SUM, SUM_SOLVE, "true"), Verdict.TRIVIAL, None),
    "sound": (task("sound", SUM, SUM_SOLVE, EXACT), Verdict.SOUND, None),
    "shared": (
        task("shared", SUM, SUM_SOLVE, EXACT, result_paths=()),
        Verdict.TAMPERABLE,
        "shim-binaries",
    ),
}
HANDMADE = {  # fixture dir -> (verdict, attack among the winners)
    "tampering/reward-preseed": (Verdict.TAMPERABLE, "reward-preseed"),
    "tampering/reward-daemon": (Verdict.TAMPERABLE, "reward-daemon"),
    "broken/missing-copy": (Verdict.BROKEN, None),
}


@pytest.fixture(scope="module")
def report(tmp_path_factory, docker_ready) -> ValidationReport:
    out = tmp_path_factory.mktemp("engine")
    write_tasks([draft for draft, _, _ in DRAFTS.values()], out / "tasks")
    dirs = [out / "tasks" / name for name in DRAFTS] + [FIXTURES / rel for rel in HANDMADE]
    return validate_tasks(dirs, jobs_dir=out / "jobs", n_concurrent=8)


def verdicts() -> list[tuple[str, Verdict, str | None]]:
    return [(name, v, a) for name, (_, v, a) in DRAFTS.items()] + [
        (rel.split("/")[-1], v, a) for rel, (v, a) in HANDMADE.items()
    ]


@pytest.mark.docker
@pytest.mark.parametrize(("name", "verdict", "attack"), verdicts())
def test_engine_names_what_is_wrong(report, name, verdict, attack):
    result = next(t for t in report.tasks if t.task == name)
    assert result.verdict == verdict, (
        result.reason,
        [(p.probe, p.reward, p.exception) for p in result.probes],
    )
    if attack is not None:
        assert attack in result.winning_attacks
        assert attack in result.reason
    if verdict is Verdict.GAMEABLE:  # the generated preamble holds against every tampering attack
        assert all(ATTACKS[a].kind == "gaming" for a in result.winning_attacks)
    if verdict is Verdict.BROKEN:
        assert "config.ini" in result.reason
        assert any(f.rule == "copy-source-missing" for f in result.static)
    if verdict is Verdict.SOUND:
        assert result.passed and len(result.probes) == 2 + len(ATTACKS)
    if name in DRAFTS:  # the report says where each task was graded and what attacked it
        assert result.grading == (GradingMode.SHARED if name == "shared" else GradingMode.SEPARATE)
        assert result.attacks_ran == sorted(ATTACKS)


@pytest.mark.docker
def test_report_is_saved_and_judged_tasks_are_not_run_again(report):
    saved = ValidationReport.model_validate_json(
        (report.job_dir / "litecoder-validation.json").read_text()
    )
    assert [t.verdict for t in saved.tasks] == [t.verdict for t in report.tasks]
    again = validate_tasks([t.task_dir for t in report.tasks], jobs_dir=report.job_dir.parent)
    assert again.job_dir is None, "every verdict should come from the cache"
    assert [t.verdict for t in again.tasks] == [t.verdict for t in report.tasks]
    assert not report.passed


def test_instruction_reading_finds_paths_examples_and_keys():
    ctx = read_instruction(DRAFTS["example-copy"][0].instruction)
    assert ctx.paths == ["/app/numbers.txt", "/app/out/result.json"]
    assert '{"sum": 42, "count": 3}' in ctx.examples


def test_first_half_never_cuts_inside_a_heredoc_or_block():
    script = "a\nb\ncat > f <<'EOF'\nx\ny\nz\nEOF\nif true; then\nc\nfi\nd\ne\nf\ng\n"
    half = first_half(script)
    assert half in ("a\nb\n", "a\nb\ncat > f <<'EOF'\nx\ny\nz\nEOF\n")
    assert half.count("EOF") != 1 and half.count("if") == half.count("fi")


LEDGER = "/srv/acme/ledger.csv"


@pytest.mark.parametrize(
    ("instruction", "shipped", "warned"),
    [
        ("Write the sum to `/app/out/sum.txt`.", {}, [LEDGER]),
        ("Write the sum to `/app/total.txt`.", {}, ["/app/out/sum.txt", LEDGER]),
        ("Audit every file under `/srv/acme`; write the sum to `/app/out/sum.txt`.", {}, []),
        ("Write the sum to `/app/out/sum.txt`.", {"fs/srv/acme/ledger.csv": "x\n"}, []),
        ("Apply `/app/spec.txt`; write `/app/out/sum.txt`.", {"spec.txt": "home /srv/acme\n"}, []),
        (
            "Apply `/app/spec.txt`; write `/app/out/sum.txt`.",
            {"spec.txt": "/srv/acme-old\n"},
            [LEDGER],
        ),
    ],
)
def test_unnamed_test_path_flags_only_what_an_agent_cannot_discover(
    tmp_path, instruction, shipped, warned
):
    """Outputs must be named; inputs the agent can find in the image, or folders the instruction
    or the inputs scope, need not be."""
    (tmp_path / "instruction.md").write_text(instruction)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "check.py").write_text(f'OUT = "/app/out/sum.txt"\nLEDGER = "{LEDGER}"\n')
    for name, text in shipped.items():
        (tmp_path / "environment" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "environment" / name).write_text(text)
    findings = check_instruction_paths(tmp_path)
    assert [f.message.split()[2].rstrip(",") for f in findings] == warned
    assert all(f.rule == "unnamed-test-path" and f.file == "tests/check.py" for f in findings)


PODMAN_SAMPLE = ("junk",)  # two attacks beat it, the rest score 0: both outcomes, per probe


@pytest.fixture(scope="module")
def podman_report(tmp_path_factory) -> ValidationReport:
    """A sample of the same tasks validated on Podman as a user runs it."""
    out = tmp_path_factory.mktemp("podman")
    write_tasks([DRAFTS[name][0] for name in PODMAN_SAMPLE], out / "tasks")
    proc = run_cli(
        "validate", str(out / "tasks"), "--env", "podman", "--jobs-dir", str(out / "jobs"),
        "--report", str(out / "report.json"), "--keep-going",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return ValidationReport.model_validate_json((out / "report.json").read_text())


@pytest.mark.docker
@pytest.mark.podman
def test_podman_gives_the_docker_verdicts_probe_by_probe(report, podman_report):
    from litecoder_harbor.containers.daemon import PODMAN, docker_client

    def by_probe(result: ValidationReport) -> dict:
        return {
            t.task: (t.verdict, {p.probe: (p.reward, p.exception) for p in t.probes})
            for t in result.tasks
            if t.task in PODMAN_SAMPLE
        }

    assert podman_report.environment == "podman"
    assert by_probe(podman_report) == by_probe(report)
    podman = docker_client(PODMAN)
    left = [c.name for c in podman.containers.list(all=True) if c.name.startswith(PODMAN_SAMPLE)]
    probe_images = [t for i in podman.images.list() for t in i.tags if "litecoder-probe/" in t]
    assert not left and not probe_images, (left, probe_images)
