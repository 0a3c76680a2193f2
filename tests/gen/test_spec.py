"""The domain spec: the example loads, every mistake is one error naming file, field and line,
and the planner splits n tasks exactly, evenly and reproducibly."""

import re
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from litecoder_harbor.cli import gen as gen_commands
from litecoder_harbor.cli.main import app
from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.spec import DomainSpec, Stage, StageModels, load_spec, plan_tasks
from litecoder_harbor.tasks.conventions import Difficulty, Domain

EXAMPLE = Path(__file__).parents[2] / "examples" / "domains.yaml"

# Line numbers matter: error messages point at them.
BASE = """\
tasks: 10
difficulty: {easy: 0.2, medium: 0.5, hard: 0.3}
models:
  default:
    provider: openai
    model: Qwen/Qwen3-Coder-30B-A3B-Instruct
    api_key_env: OPENAI_API_KEY
budgets:
  max_total_cost_usd: 5
domains:
  - domain: ai_ml
    description: Machine learning on CPU.
    subtopics:
      - name: training-bugs
        description: Fix training scripts.
  - domain: games
    description: Puzzles.
    weight: 2
    subtopics:
      - name: sudoku
        description: Solve sudokus.
      - name: mazes
        description: Walk mazes.
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "domains.yaml"
    path.write_text(text)
    return path


def spec_of(tmp_path: Path, text: str) -> DomainSpec:
    return load_spec(write(tmp_path, text))


def small_spec(*entries: tuple[str, dict], tasks: int = 10, mix=(0.2, 0.5, 0.3)) -> DomainSpec:
    """Domains given as (domain, {"weight": w} or {"tasks": t}), two sub-topics each."""
    return DomainSpec.model_validate(
        {
            "tasks": tasks,
            "difficulty": dict(zip(("easy", "medium", "hard"), mix, strict=True)),
            "models": {"default": {"provider": "openai", "model": "m"}},
            "domains": [
                {
                    "domain": domain,
                    "description": "d",
                    **share,
                    "subtopics": [
                        {"name": "one", "description": "d"},
                        {"name": "two", "description": "d"},
                    ],
                }
                for domain, share in entries
            ],
        }
    )


# --- the example ------------------------------------------------------------------------------


def test_example_loads_and_covers_all_ten_domains():
    spec = load_spec(EXAMPLE)
    assert [entry.domain for entry in spec.domains] == list(Domain)
    for entry in spec.domains:
        assert 3 <= len(entry.subtopics) <= 5, entry.domain
        assert len(entry.description) > 100, entry.domain
        assert all(s.seeds and s.commands for s in entry.subtopics), entry.domain
    default = spec.models.default
    assert (default.provider, default.api_key_env) == ("openai", "OPENAI_API_KEY")
    assert default.model == "Qwen/Qwen3-Coder-30B-A3B-Instruct"
    assert all(spec.models.for_stage(stage) == default for stage in Stage)


def test_example_commented_anthropic_overrides_are_valid(tmp_path):
    text = EXAMPLE.read_text()
    uncommented = re.sub(r"(?m)^  # ((?:judge|verifier):|  )", r"  \1", text)
    assert uncommented != text
    spec = spec_of(tmp_path, uncommented)
    for stage in Stage:
        expected = "anthropic" if stage in (Stage.JUDGE, Stage.VERIFIER) else "openai"
        assert spec.models.for_stage(stage).provider == expected, stage
    assert spec.models.judge.key_env == "ANTHROPIC_API_KEY"


def test_stage_models_have_one_entry_per_stage():
    assert set(StageModels.model_fields) == {"default", *(stage.value for stage in Stage)}


def test_api_key_env_defaults_per_provider(tmp_path):
    spec = spec_of(tmp_path, BASE.replace("    api_key_env: OPENAI_API_KEY\n", ""))
    assert spec.models.default.api_key_env is None
    assert spec.models.default.key_env == "OPENAI_API_KEY"


# --- planning ---------------------------------------------------------------------------------


def domain_counts(slots) -> dict[Domain, int]:
    return dict(Counter(slot.domain for slot in slots))


@pytest.mark.parametrize(
    ("n", "expected"),
    [(10, (2, 3, 5)), (6, (1, 2, 3)), (1, (0, 0, 1)), (4, (1, 1, 2)), (100, (17, 33, 50))],
)
def test_plan_apportions_by_weight_exactly(n, expected):
    spec = small_spec(("ai_ml", {"weight": 1}), ("games", {"weight": 2}), ("coding", {"weight": 3}))
    counts = domain_counts(plan_tasks(spec, n))
    assert [counts.get(d, 0) for d in (Domain.AI_ML, Domain.GAMES, Domain.CODING)] == list(expected)


def test_plan_fixed_counts_hold_at_the_spec_total_and_scale_otherwise():
    spec = small_spec(("ai_ml", {"weight": 1}), ("games", {"tasks": 4}), ("coding", {"weight": 1}))
    assert domain_counts(plan_tasks(spec)) == {Domain.AI_ML: 3, Domain.GAMES: 4, Domain.CODING: 3}
    # quotas 1.5 / 2 / 1.5: the tie goes to the domain listed first
    assert domain_counts(plan_tasks(spec, 5)) == {
        Domain.AI_ML: 2,
        Domain.GAMES: 2,
        Domain.CODING: 1,
    }


def test_plan_counts_sum_to_n_and_stay_within_one_of_each_quota():
    spec = load_spec(EXAMPLE)  # 200 tasks: games 15, the other 185 by weights summing to 10
    assert spec.tasks == 200 and sum(e.weight or 1 for e in spec.domains if not e.tasks) == 10
    example = plan_tasks(spec)
    assert domain_counts(example)[Domain.GAMES] == 15  # fixed in the example
    assert domain_counts(example)[Domain.CODING] == 28  # weight 1.5 of the other 185
    for n in range(1, 301):
        slots = plan_tasks(spec, n)
        assert len(slots) == n
        assert [slot.index for slot in slots] == list(range(n))
        counts = domain_counts(slots)
        for entry in spec.domains:
            share = entry.tasks / 200 if entry.tasks else (entry.weight or 1) / 10 * 185 / 200
            assert abs(counts.get(entry.domain, 0) - n * share) < 1, (n, entry.domain)


def test_plan_follows_the_difficulty_mix_overall_and_per_domain():
    spec = load_spec(EXAMPLE)
    levels = Counter(slot.difficulty for slot in plan_tasks(spec))
    assert levels == {Difficulty.EASY: 40, Difficulty.MEDIUM: 100, Difficulty.HARD: 60}
    # quotas 1.4 / 3.5 / 2.1: the one left over goes to the largest remainder
    levels = Counter(slot.difficulty for slot in plan_tasks(spec, 7))
    assert levels == {Difficulty.EASY: 1, Difficulty.MEDIUM: 4, Difficulty.HARD: 2}

    for n in (10, 37, 200, 999):
        slots = plan_tasks(spec, n)
        per_domain = domain_counts(slots)
        cells = Counter((slot.domain, slot.difficulty) for slot in slots)
        for domain, count in per_domain.items():
            for level in Difficulty:
                share = count * spec.difficulty.fraction(level)
                assert abs(cells[domain, level] - share) < 2, (n, domain, level)

    no_hard = small_spec(("ai_ml", {"weight": 1}), ("games", {"weight": 1}), mix=(0.5, 0.5, 0.0))
    assert Difficulty.HARD not in {slot.difficulty for slot in plan_tasks(no_hard, 31)}


def test_plan_gives_every_subtopic_its_turn_at_every_difficulty():
    spec = load_spec(EXAMPLE)
    slots = plan_tasks(spec, 400, seed=5)
    for entry in spec.domains:
        mine = [slot for slot in slots if slot.domain == entry.domain]
        for level in [None, *Difficulty]:
            picked = Counter(s.subtopic for s in mine if level in (None, s.difficulty))
            counts = [picked[s.name] for s in entry.subtopics]
            assert max(counts) - min(counts) <= 1, (entry.domain, level, counts)


def test_plan_is_deterministic_per_seed_and_differs_across_seeds():
    first = plan_tasks(load_spec(EXAMPLE), 60, seed=3)
    assert plan_tasks(load_spec(EXAMPLE), 60, seed=3) == first
    other = plan_tasks(load_spec(EXAMPLE), 60, seed=4)
    assert [s.subtopic for s in other] != [s.subtopic for s in first]
    # the seed picks sub-topics; how many tasks each domain and difficulty gets stays the same
    assert [(s.domain, s.difficulty) for s in other] == [(s.domain, s.difficulty) for s in first]


def test_slot_ids_are_unique_and_name_what_the_slot_asks_for():
    for slot_list in (plan_tasks(load_spec(EXAMPLE), 500, seed=1), plan_tasks(load_spec(EXAMPLE))):
        ids = [slot.slot_id for slot in slot_list]
        assert len(set(ids)) == len(ids)
        for slot in slot_list:
            prefix = f"{slot.domain.value}-{slot.subtopic}-{slot.difficulty.value}-"
            assert re.fullmatch(re.escape(prefix) + r"\d{3}", slot.slot_id), slot.slot_id


def test_plan_interleaves_domains_so_a_short_run_covers_all():
    slots = plan_tasks(load_spec(EXAMPLE))
    assert {slot.domain for slot in slots[:10]} == set(Domain)


@pytest.mark.parametrize(
    ("n", "seed", "message"), [(0, 0, "--n must be at least 1"), (5, -1, "--seed")]
)
def test_plan_rejects_bad_n_and_seed(n, seed, message):
    with pytest.raises(LitecoderError, match=message):
        plan_tasks(load_spec(EXAMPLE), n, seed)


# --- malformed input: one error naming the file and the field ----------------------------------

SUDOKU = "      - name: sudoku\n        description: Solve sudokus.\n"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    weight: 2\n",
            "   weight: 2\n",
            "line 18, column 4: invalid YAML: expected <block end>",
        ),
        ("tasks: 10\n", "tasks: 10\ntasks: 20\n", "line 2, column 1: invalid YAML: duplicate key"),
        (
            "domain: games",
            "domain: astrology",
            "domains[1].domain: 'astrology' is not one of 'ai_ml', 'build_tools'",
        ),
        (
            SUDOKU,
            "      - description: Solve sudokus.\n",
            "domains[1].subtopics[0].name: field required (line 20)",
        ),
        (
            "  max_total_cost_usd: 5",
            "  max_total_cost_usd: -5",
            "budgets.max_total_cost_usd: input should be greater than 0 (line 9)",
        ),
        (
            "budgets:\n",
            "budgets:\n  max_repair_rounds: -1\n",
            "budgets.max_repair_rounds: input should be greater than or equal to 0",
        ),
        (
            "hard: 0.3}",
            "hard: 0.2}",
            "difficulty: easy + medium + hard must sum to 1, got 0.9 (line 2)",
        ),
        (
            "api_key_env: OPENAI_API_KEY",
            "api_key_env: sk-proj-Zx8fK2mQ9vL4tR7wY1nB3cD6",
            "models.default.api_key_env: this looks like an API key itself",
        ),
        (
            "api_key_env: OPENAI_API_KEY",
            "api_key_env: sk-local-1",
            "models.default.api_key_env: this looks like an API key itself",
        ),
        (
            "api_key_env: OPENAI_API_KEY",
            "api_key_env: Zx8fK2mQ9vL4tR7wY1nB3cD6hJ0",
            "models.default.api_key_env: this looks like an API key itself",
        ),
        (
            "api_key_env: OPENAI_API_KEY",
            "api_key_env: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
            "put the key in the environment",
        ),
        (
            "api_key_env: OPENAI_API_KEY",
            "api_key_env: OPENAI-API-KEY",
            "models.default.api_key_env: must be the name of an environment variable",
        ),
        (
            "    subtopics:\n      - name: training",
            "    subtopic:\n      - name: training",
            "domains[0].subtopic: unknown field; did you mean 'subtopics'? (line 13)",
        ),
        ("budgets:\n", "budgets:\n  max_cost: 3\n", "budgets.max_cost: unknown field"),
        (
            "  default:\n",
            "  judges: {provider: openai, model: m}\n  default:\n",
            "models.judges: unknown field; did you mean 'judge'?",
        ),
        (
            "provider: openai",
            "provider: azure",
            "models.default.provider: 'azure' is not one of 'openai' or 'anthropic'",
        ),
        (
            "- name: sudoku",
            "- name: Sudoku Solving",
            "domains[1].subtopics[0].name: 'Sudoku Solving' is not kebab-case",
        ),
        (
            "- name: mazes",
            "- name: sudoku",
            "domains[1].subtopics: sub-topic 'sudoku' is listed twice (line 19)",
        ),
        (
            "domain: games",
            "domain: ai_ml",
            "domains: 'ai_ml' is listed twice (domains[0] and domains[1])",
        ),
        (
            "    weight: 2\n",
            "    weight: 2\n    tasks: 3\n",
            "domains[1]: give either weight or tasks, not both (line 16)",
        ),
        (
            "    weight: 2\n",
            "    tasks: 30\n",
            "domains: the domains' fixed task counts add up to 30, over tasks: 10",
        ),
        ("    weight: 2\n", "    weight: 0\n", "domains[1].weight: input should be greater than 0"),
        (
            "    weight: 2\n",
            "    weight: .inf\n",
            "domains[1].weight: input should be a finite number",
        ),
        ("tasks: 10", "tasks: ten", "tasks: input should be a valid integer"),
        (
            "    description: Puzzles.\n",
            "    description: '  '\n",
            "domains[1].description: string should have at least 1 character",
        ),
    ],
)
def test_malformed_spec_is_one_error_naming_file_and_field(tmp_path, old, new, expected):
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new, 1))
    with pytest.raises(LitecoderError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert expected in message, message
    assert "\n" not in message


def test_pasted_key_never_appears_in_the_error(tmp_path):
    key = "sk-ant-api03-Zx8fK2mQ9vL4tR7wY1nB3cD6"
    with pytest.raises(LitecoderError) as caught:
        spec_of(tmp_path, BASE.replace("OPENAI_API_KEY", key))
    assert "Zx8fK2" not in str(caught.value)


@pytest.mark.parametrize(
    "name", ["OPENAI_API_KEY", "TOGETHER_API_KEY", "LITECODER_GATEWAY_TOKEN_2"]
)
def test_variable_names_are_not_mistaken_for_keys(tmp_path, name):
    spec = spec_of(tmp_path, BASE.replace("OPENAI_API_KEY", name))
    assert spec.models.default.key_env == name


def test_several_problems_are_still_one_error_listing_them_all(tmp_path):
    text = BASE.replace("tasks: 10", "tasks: -1").replace("provider: openai", "provider: x")
    with pytest.raises(LitecoderError) as caught:
        spec_of(tmp_path, text.replace("    description: Puzzles.\n", ""))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'domains.yaml'}: tasks: input should be greater")
    assert "and 2 more: models.default.provider, domains[1].description" in message


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file_is_a_clear_error(tmp_path, text):
    with pytest.raises(LitecoderError, match=r"domains\.yaml: the file is empty") as caught:
        spec_of(tmp_path, text)
    assert "examples/domains.yaml" in str(caught.value)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_text("- ai_ml\n- games\n"), "expected a mapping of fields"),
        (lambda p: p.write_bytes(b"tasks: 1\n\xff\xfe"), "not UTF-8"),
        (lambda p: p.write_text("tasks: 1\x07\n"), "invalid YAML"),
    ],
)
def test_unreadable_files_name_themselves(tmp_path, setup, expected):
    path = tmp_path / "domains.yaml"
    setup(path)
    with pytest.raises(LitecoderError) as caught:
        load_spec(path)
    assert str(caught.value).startswith(str(path)) and expected in str(caught.value)


# --- litecoder spec check ---------------------------------------------------------------------


@pytest.fixture
def wide_console(monkeypatch):
    """Table cells unwrapped, so assertions see whole values."""
    monkeypatch.setattr(gen_commands, "console", Console(width=250))


def test_spec_check_prints_domains_plan_and_models(wide_console, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "anything")
    result = CliRunner().invoke(app, ["spec", "check", str(EXAMPLE), "--n", "20"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "20 task(s) planned" in out
    for domain in Domain:
        assert domain.value in out
    assert re.search(
        r"total\s*│\s*│\s*47\s*│\s*20\s*│\s*4 \(20%\)\s*│\s*10 \(50%\)\s*│\s*6 \(30%\)", out
    )
    assert re.search(r"games\s*│\s*15 of 200\s*│\s*4\s*│\s*1\s*│", out)
    assert "sampling, judge, refinement, environment, solution, verifier, resources" in out
    assert "Qwen/Qwen3-Coder-30B-A3B-Instruct" in out and "OPENAI_API_KEY (set)" in out
    assert "$100 in total" in out


def test_spec_check_bad_spec_is_one_line(tmp_path, wide_console):
    path = write(tmp_path, BASE.replace("domain: games", "domain: astrology"))
    result = CliRunner().invoke(app, ["spec", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}: domains[1].domain: 'astrology' is not one of" in one_error_line(result)


def test_spec_check_bad_n_is_one_line(tmp_path, wide_console):
    result = CliRunner().invoke(app, ["spec", "check", str(EXAMPLE), "--n", "0"])
    assert result.exit_code == 2
    assert "--n 0: must be between 1 and 100,000" in one_error_line(result)


def one_error_line(result) -> str:
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_spec_check_never_shows_a_password_in_the_api_base(wide_console, tmp_path):
    spec = tmp_path / "spec.yaml"
    text = EXAMPLE.read_text().replace(
        "api_base: http://127.0.0.1:8000/v1", "api_base: http://me:s3cret-pw@127.0.0.1:8000/v1"
    )
    assert "s3cret-pw" in text
    spec.write_text(text)
    result = CliRunner().invoke(app, ["spec", "check", str(spec), "--n", "10"])
    assert result.exit_code == 0, result.output
    assert "127.0.0.1:8000/v1" in result.output and "s3cret-pw" not in result.output


def test_prepare_set_per_domain_and_overridden_per_subtopic(tmp_path):
    text = BASE.replace("    weight: 2\n", "    weight: 2\n    prepare: true\n").replace(
        "        description: Walk mazes.\n",
        "        description: Walk mazes.\n        prepare: false\n",
    )
    spec = spec_of(tmp_path, text)
    prepares = {(s.domain, s.subtopic): spec.prepares(s) for s in plan_tasks(spec, 10)}
    assert prepares == {
        (Domain.AI_ML, "training-bugs"): False,
        (Domain.GAMES, "sudoku"): True,
        (Domain.GAMES, "mazes"): False,
    }


def test_prepare_that_is_not_a_yes_or_no_names_its_line(tmp_path):
    text = BASE.replace(
        "        description: Solve sudokus.\n",
        "        description: Solve sudokus.\n        prepare: sometimes\n",
    )
    with pytest.raises(LitecoderError) as error:
        spec_of(tmp_path, text)
    assert str(error.value).endswith(
        "domains.yaml: domains[1].subtopics[0].prepare: input should be a valid boolean, "
        "unable to interpret input (line 22)"
    )
