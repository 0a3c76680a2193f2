"""The dataset card (`README.md` of DIST): what the set is, its domains, families and
difficulty mix, how it was validated and where it came from. Derived only from the tasks and
their verdicts, so the same tasks give the same card byte for byte."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from harbor.models.dataset.manifest import DatasetManifest
from harbor.models.task.config import TaskConfig

from litecoder_harbor.hub import dataset_card
from litecoder_harbor.validate import ATTACKS, TaskReport


def render_card(
    manifest: DatasetManifest,
    tasks: list[tuple[Path, TaskReport | None]],
    allow_unvalidated: bool,
    license: str,
) -> str:
    info = manifest.dataset
    meta = [_litecoder_metadata(task_dir) for task_dir, _ in tasks]
    short = info.name.split("/", 1)[1]
    unvalidated = [task_dir.name for task_dir, report in tasks if report is None]
    front_matter = {
        "license": license,
        "pretty_name": info.name,
        "tags": ["harbor", "terminal-bench", "agents", "rl-environments", "litecoder"],
    }
    lines = [
        f"# {info.name} {info.version}",
        "",
        f"{info.description}. Every task is a Harbor task directory (`tasks/<name>/`: "
        "`task.toml`, `instruction.md`, `environment/`, `solution/`, `tests/`) that grades "
        "itself offline.",
        "",
    ]
    if unvalidated:
        lines += [
            f"> **Not validated:** {len(unvalidated)} of {len(tasks)} tasks were published "
            "without a validation verdict (`--allow-unvalidated`): "
            + ", ".join(f"`{n}`" for n in unvalidated)
            + ".",
            "",
        ]
    lines += [
        "## Use",
        "",
        "```bash",
        "harbor run -p tasks/ -a oracle                  # from a copy of this folder or repo",
        f"harbor run --registry-path registry.json -d {short}@{info.version} -a oracle"
        "   # where it was published",
        f"harbor run -d {info.name}@{info.version} -a <agent> -m <model>   # once on Harbor Hub",
        "```",
        "",
        "```python",
        "from trl.experimental.harbor import HarborSpec",
        'spec = HarborSpec("<this folder or HF dataset repo id>")',
        "```",
        "",
        "## Contents",
        "",
        _counts("domain", Counter(m.get("domain") or "-" for m in meta)),
        "",
        _counts("difficulty", Counter(m.get("difficulty") or "-" for m in meta)),
        "",
        _families(meta),
        "",
        "## Validation",
        "",
        *_validation(tasks),
        "",
        "## Provenance",
        "",
        *_provenance(meta),
        f"- licence: {license}",
        "",
        "## Tasks",
        "",
        "| task | domain | family | difficulty | digest |",
        "|---|---|---|---|---|",
        *(
            f"| {ref.name} | {m.get('domain') or '-'} | {m.get('family') or '-'} | "
            f"{m.get('difficulty') or '-'} | `{ref.digest[:19]}…` |"
            for ref, m in zip(manifest.tasks, meta, strict=True)
        ),
    ]
    return dataset_card(front_matter, "\n".join(lines))


def _litecoder_metadata(task_dir: Path) -> dict:
    metadata = TaskConfig.model_validate_toml((task_dir / "task.toml").read_text()).metadata
    own = dict(metadata.get("litecoder", {}))
    own.setdefault("domain", metadata.get("category"))
    own["difficulty"] = metadata.get("difficulty")
    return own


def _counts(what: str, counts: Counter) -> str:
    rows = [f"| {what} | tasks |", "|---|---|"]
    rows += [f"| {key} | {n} |" for key, n in sorted(counts.items())]
    return "\n".join(rows)


def _families(meta: list[dict]) -> str:
    families = Counter(
        (m.get("domain") or "-", m.get("family") or m.get("subtopic") or "-") for m in meta
    )
    rows = ["| domain | family | tasks |", "|---|---|---|"]
    rows += [f"| {d} | {f} | {n} |" for (d, f), n in sorted(families.items())]
    return "\n".join(rows)


def _validation(tasks: list[tuple[Path, TaskReport | None]]) -> list[str]:
    judged = [report for _, report in tasks if report is not None]
    if not judged:
        return ["No task of this set was validated."]
    attacks = sorted(
        {
            p.probe.removeprefix("attack:")
            for r in judged
            for p in r.probes
            if p.probe.startswith("attack:")
        }
    )
    twice = sum(any(p.probe == "oracle-twice" for p in r.probes) for r in judged)
    lines = [
        f"{len(judged)} of {len(tasks)} tasks were judged `sound` by execution through Harbor: "
        "the reference solution (oracle) scores 1, doing nothing (nop) scores 0"
        + (
            f", the oracle run twice in one container still scores 1 ({twice} idempotent tasks)"
            if twice
            else ""
        )
        + f", and each of {len(attacks)} attacks on the verifier scores 0:",
        "",
        "| attack | kind | what it tries |",
        "|---|---|---|",
    ]
    lines += [
        f"| {a} | {ATTACKS[a].kind.value} | {ATTACKS[a].description} |"
        if a in ATTACKS
        else f"| {a} | - | - |"
        for a in attacks
    ]
    return lines


def _provenance(meta: list[dict]) -> list[str]:
    lines = []
    versions = sorted({str(m["generator_version"]) for m in meta if m.get("generator_version")})
    if versions:
        lines.append(f"- generator: litecoder-harbor {', '.join(versions)}")
    backends = Counter(m.get("backend") or "unknown" for m in meta)
    lines.append(
        "- backends: " + ", ".join(f"{b} ({n} tasks)" for b, n in sorted(backends.items()))
    )
    seeds = sorted({int(m["seed"]) for m in meta if isinstance(m.get("seed"), int)})
    if seeds:
        lines.append(f"- seeds: {_ranges(seeds)}")
    models = sorted({str(model) for m in meta for model in (m.get("models") or {}).values()})
    if models:
        lines.append("- models: " + ", ".join(models))
    return lines


def _ranges(numbers: list[int]) -> str:
    """`0-19, 40`: consecutive seeds as ranges."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)
