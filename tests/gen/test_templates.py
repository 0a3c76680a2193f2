"""Template families: seeded, registered by name, selected by domain/family/difficulty."""

import json
from collections import Counter

import pytest

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen import generate_drafts
from litecoder_harbor.gen.templates import (
    TemplateFamily,
    load_families,
    register,
    select_families,
)
from litecoder_harbor.tasks.conventions import Domain


def test_same_seed_same_task_different_seed_different_content():
    first = generate_drafts("template", 4, 7)
    again = generate_drafts("template", 4, 7)
    assert [d.model_dump() for d in first] == [d.model_dump() for d in again]

    other = generate_drafts("template", 4, 8)
    assert first[1].model_dump() == other[0].model_dump()  # task i uses seed + i
    seeds_a = generate_drafts("template", 1, 100, family="sales-rollup", difficulty="medium")[0]
    seeds_b = generate_drafts("template", 1, 101, family="sales-rollup", difficulty="medium")[0]
    assert seeds_a.name != seeds_b.name
    assert seeds_a.instruction != seeds_b.instruction
    data_a = {k: v.content for k, v in seeds_a.environment.items() if k != "Dockerfile"}
    data_b = {k: v.content for k, v in seeds_b.environment.items() if k != "Dockerfile"}
    assert data_a != data_b


def test_task_toml_records_provenance_and_scales_resources():
    easy, hard = (
        generate_drafts("template", 1, 3, family="sales-rollup", difficulty=level)[0]
        for level in ("easy", "hard")
    )
    meta = hard.config.metadata["litecoder"]
    assert (
        meta["family"] == "sales-rollup" and meta["seed"] == 3 and meta["domain"] == "data_science"
    )
    assert hard.config.metadata["difficulty"] == "hard"
    assert hard.config.agent.timeout_sec > easy.config.agent.timeout_sec
    assert hard.config.environment.memory_mb > easy.config.environment.memory_mb


def test_ground_truth_goes_to_tests_only():
    draft = generate_drafts("template", 1, 5, family="sales-rollup", difficulty="hard")[0]
    truth = json.loads(draft.tests["expected.json"].content)
    assert truth["output"] in draft.instruction
    assert truth["top_region"] in truth["totals"]
    visible = draft.instruction + "".join(str(f.content) for f in draft.environment.values())
    assert json.dumps(truth["totals"]) not in visible
    assert "expected.json" not in draft.environment["Dockerfile"].content


def test_dockerfile_starts_with_the_domain_prefix():
    from litecoder_harbor.tasks.conventions import dockerfile_prefix

    draft = generate_drafts("template", 1, 0, family="sales-rollup")[0]
    assert draft.environment["Dockerfile"].content.startswith(
        dockerfile_prefix(Domain.DATA_SCIENCE)
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"backend": "llm"}, "unknown backend 'llm'"),
        ({"n": 0}, "--n must be at least 1"),
        ({"seed": -1}, "--seed must be >= 0"),
        ({"family": "nope"}, "unknown template family 'nope'"),
        ({"domain": "astrology"}, "unknown domain 'astrology'"),
        ({"difficulty": "extreme"}, "unknown difficulty 'extreme'"),
    ],
)
def test_bad_options_raise_one_clear_error(options, message):
    args = {"backend": "template", "n": 1, "seed": 0, **options}
    with pytest.raises(LitecoderError, match=message):
        generate_drafts(args.pop("backend"), args.pop("n"), args.pop("seed"), **args)


def test_rotation_interleaves_domains():
    order = select_families()
    assert [f.domain for f in order[: len(Domain)]] == list(Domain)
    games = select_families(domain="games")
    assert games and all(f.domain is Domain.GAMES for f in games)
    drafts = generate_drafts("template", 2 * len(Domain), 0)
    counts = Counter(d.config.metadata["category"] for d in drafts)
    assert set(counts.values()) == {2}


def test_registering_a_second_family_under_a_taken_name_fails():
    load_families()

    class Clash(TemplateFamily):
        name = "sales-rollup"
        domain = Domain.CODING
        description = "clash"

        def generate(self, rng, difficulty):
            raise NotImplementedError

    with pytest.raises(ValueError, match="registered twice"):
        register(Clash)
