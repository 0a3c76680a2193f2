"""A task set made publishable: the gate (only tasks whose current content validation judged
sound), then DIST — Harbor's dataset manifest (`dataset.toml`), its legacy registry
(`registry.json`), the tasks tree (`tasks/`) and the dataset card (`README.md`).

DIST is written whole or not at all, and only when something changed: rerunning with the same
tasks leaves every byte as it was; a task that changed under an already published version is
refused, since a version names one exact content."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from harbor.models.dataset.manifest import DatasetInfo, DatasetManifest, DatasetTaskRef
from harbor.models.metric.config import MetricConfig
from harbor.models.registry import DatasetSpec, RegistryTaskId
from harbor.models.task.config import TaskConfig
from packaging.version import InvalidVersion, Version

from litecoder_harbor.curate import content_digest, export_tasks_tree
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.files import swap_in_dir
from litecoder_harbor.jobs import LOCAL_DOCKER, EnvironmentSpec
from litecoder_harbor.publish.card import render_card
from litecoder_harbor.validate import TaskReport, Verdict, judged_report

MANIFEST = "dataset.toml"
REGISTRY = "registry.json"
CARD = "README.md"
TASKS = "tasks"
NEVER_VALIDATED = "never validated"
STAGING_PREFIX = ".litecoder-publish-"


def check_name(name: str) -> str:
    """`org/name`, as Harbor's dataset manifest requires it."""
    if not DatasetInfo.is_valid_name_format(name):
        raise LitecoderError(
            f"--name {name}: not an org/name",
            hint="letters, digits, '-', '_' and '.' on each side of one '/', e.g. myorg/terminal-tasks",
        )
    return name


def check_version(version: str) -> str:
    """A PEP 440 version: the legacy registry picks the highest one when none is asked for."""
    try:
        Version(version)
    except InvalidVersion:
        raise LitecoderError(
            f"--version {version}: not a PEP 440 version", hint="e.g. 1.0.0, 0.2, 1.0rc1"
        ) from None
    return version


def check_apart(tasks_dir: Path, out: Path) -> None:
    """An output folder is replaced piece by piece: it must not hold the tasks it is made
    from, nor sit inside them (it would be read as tasks next time)."""
    tasks, dist = tasks_dir.resolve(), out.resolve()
    if dist == tasks or dist.is_relative_to(tasks):
        raise LitecoderError(
            f"--out {out}: is inside --tasks {tasks_dir}", hint="choose a folder outside it"
        )
    if tasks.is_relative_to(dist):
        raise LitecoderError(
            f"--tasks {tasks_dir}: is inside --out {out}", hint="writing --out would replace them"
        )


def check_dist(tasks_dir: Path, out: Path) -> None:
    """DIST is replaced whole: apart from the tasks, and new, empty or an earlier DIST."""
    check_apart(tasks_dir, out)
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise LitecoderError(
            f"--out {out}: a folder that is not a published dataset (no {MANIFEST})",
            hint="choose a new or empty folder",
        )


def task_digest(task_dir: Path) -> str:
    """Harbor's content digest of the files it would publish, as the manifest writes it."""
    return "sha256:" + content_digest(task_dir)


@dataclass(frozen=True)
class GateEntry:
    """One task at the gate: its content digest and what validation said about that content."""

    task_dir: Path
    name: str  # org/name, from task.toml's [task] or the dataset's org and the folder name
    digest: str
    report: TaskReport | None

    @property
    def status(self) -> str:
        if self.report is None:
            return NEVER_VALIDATED
        if self.report.verdict is Verdict.SOUND and self.report.static_errors:
            rules = ", ".join(sorted({f.rule for f in self.report.static_errors}))
            return f"sound, but static errors: {rules}"
        return self.report.verdict.value if self.report.verdict else "not executed"

    @property
    def sound(self) -> bool:
        report = self.report
        return report is not None and report.verdict is Verdict.SOUND and not report.static_errors


def gate(
    task_dirs: list[Path],
    *,
    org: str,
    jobs_dir: Path,
    environment: EnvironmentSpec = LOCAL_DOCKER,
) -> list[GateEntry]:
    """What validation (its verdict cache in `jobs_dir`, the full attack battery) says about
    each task's current content; runs nothing."""
    entries = []
    for task_dir in task_dirs:
        config = TaskConfig.model_validate_toml((task_dir / "task.toml").read_text())
        name = config.task.name if config.task else f"{org}/{task_dir.name}"
        report = judged_report(task_dir, jobs_dir=jobs_dir, environment=environment)
        entries.append(GateEntry(task_dir, name, task_digest(task_dir), report))
    return entries


@dataclass(frozen=True)
class Published:
    """What `publish_dataset` did."""

    out: Path
    name: str
    version: str
    tasks: list[GateEntry]
    left_out: list[GateEntry]
    changed: bool  # False: DIST already held exactly this

    @property
    def registry_name(self) -> str:
        return registry_name(self.name)


def registry_name(name: str) -> str:
    """The legacy registry's name for `org/name`: `harbor run -d` sends any name with a '/'
    to the package registry, so the local one knows the set by its bare name."""
    return name.split("/", 1)[1]


def publish_dataset(
    entries: list[GateEntry],
    *,
    name: str,
    version: str,
    out: Path,
    allow_unvalidated: bool = False,
    license: str = "mit",
) -> Published:
    """Write DIST from the tasks the gate lets through (sound, or never validated with
    `allow_unvalidated`); the rest are left out. Refuses a version already in DIST whose
    tasks differ from these."""
    chosen = [e for e in entries if e.sound or (allow_unvalidated and e.report is None)]
    left_out = [e for e in entries if e not in chosen]
    if not chosen:
        counts: dict[str, int] = {}
        for e in entries:
            counts[e.status] = counts.get(e.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        raise LitecoderError(
            f"--tasks {entries[0].task_dir.parent if entries else ''}: no task is sound ({summary})",
            hint="run `litecoder validate` on them first, or pass --validate",
        )
    _check_unique_names(chosen)
    manifest = DatasetManifest(
        dataset=DatasetInfo(
            name=name,
            version=version,
            description=description(chosen),
            keywords=sorted({_domain(e) for e in chosen} - {""}),
        ),
        tasks=[DatasetTaskRef(name=e.name, digest=e.digest) for e in chosen],
    )
    _refuse_republish(out, manifest)
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out.parent))
    stage.chmod(0o755)  # mkdtemp's 0700 would become DIST's own mode
    try:
        _write_dist(stage, out.resolve(), manifest, chosen, allow_unvalidated, license)
        if out.exists() and _tree(out) == _tree(stage):
            shutil.rmtree(stage)
            return Published(out, name, version, chosen, left_out, changed=False)
        swap_in_dir(stage, out, aside_prefix=STAGING_PREFIX)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return Published(out, name, version, chosen, left_out, changed=True)


def description(entries: list[GateEntry]) -> str:
    domains = sorted({_domain(e) for e in entries} - {""})
    proven = sum(e.sound for e in entries)
    return (
        f"{len(entries)} executable, verifiable terminal tasks"
        + (f" over {len(domains)} domains" if domains else "")
        + (
            ", each proven by execution (oracle 1, nop 0, every attack 0)"
            if proven == len(entries)
            else f", {proven} of them proven by execution"
        )
    )


def _domain(entry: GateEntry) -> str:
    metadata = TaskConfig.model_validate_toml((entry.task_dir / "task.toml").read_text()).metadata
    return str(metadata.get("litecoder", {}).get("domain") or metadata.get("category") or "")


def _check_unique_names(entries: list[GateEntry]) -> None:
    seen: dict[str, Path] = {}
    for e in entries:
        if e.name in seen:
            raise LitecoderError(
                f"{e.task_dir / 'task.toml'}: task.name: {e.name} is also the name of {seen[e.name]}",
                hint="each task of a dataset needs its own name",
            )
        seen[e.name] = e.task_dir


def _refuse_republish(out: Path, manifest: DatasetManifest) -> None:
    """The same name@version with other task contents would make one version mean two sets."""
    existing_path = out / MANIFEST
    if not existing_path.exists():
        return
    existing = DatasetManifest.from_toml_file(existing_path)
    if (existing.dataset.name, existing.dataset.version) != (
        manifest.dataset.name,
        manifest.dataset.version,
    ):
        return
    old = {t.name: t.digest for t in existing.tasks}
    new = {t.name: t.digest for t in manifest.tasks}
    changed = sorted(n for n in new.keys() & old.keys() if new[n] != old[n])
    what = (
        [f"task {n} changed" for n in changed]
        + [f"task {n} is new" for n in sorted(new.keys() - old.keys())]
        + [f"task {n} is gone" for n in sorted(old.keys() - new.keys())]
    )
    if what:
        raise LitecoderError(
            f"{existing_path}: {manifest.dataset.name}@{manifest.dataset.version} is already "
            f"published and {what[0]}"
            + (f" (and {len(what) - 1} more difference(s))" if len(what) > 1 else ""),
            hint="publish it as a new --version",
        )


def _write_dist(
    stage: Path,
    final: Path,
    manifest: DatasetManifest,
    entries: list[GateEntry],
    allow_unvalidated: bool,
    license: str,
) -> None:
    copies = export_tasks_tree([e.task_dir for e in entries], stage)
    for entry, copy in zip(entries, copies, strict=True):
        if task_digest(copy) != entry.digest:  # the gate judged the source; publish that content
            raise LitecoderError(f"{entry.task_dir}: changed while it was being published")
    (stage / MANIFEST).write_text(manifest.to_toml())
    spec = DatasetSpec(
        name=registry_name(manifest.dataset.name),
        version=manifest.dataset.version,
        description=manifest.dataset.description,
        # Harbor resolves a local registry path against the working directory, so the paths
        # are absolute: `harbor run --registry-path DIST/registry.json` works from anywhere.
        tasks=[
            RegistryTaskId(name=e.task_dir.name, path=final / TASKS / e.task_dir.name)
            for e in entries
        ],
        metrics=[MetricConfig()],
    )
    (stage / REGISTRY).write_text(
        json.dumps([spec.model_dump(mode="json", exclude_none=True)], indent=2) + "\n"
    )
    (stage / CARD).write_text(
        render_card(manifest, [(e.task_dir, e.report) for e in entries], allow_unvalidated, license)
    )


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
