"""The sampling stage against the stand-in LLM server: MAGPIE prompts and the chat fallback,
cleaning, near-duplicates, the judge and its repair round, redraws, resume and determinism."""

import asyncio
import json
import sys
from collections import defaultdict, deque

import pytest
from support.llm_stub import Fail

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.pipeline import sampling
from litecoder_harbor.gen.pipeline.sampling import (
    CHAT_REQUEST,
    JUDGE_SYSTEM,
    JUDGE_UNPARSEABLE,
    NearDuplicates,
    SampledTask,
    SamplingConfig,
    clean_task_text,
    parse_judge_reply,
    sample_and_judge,
    user_turn_prompt,
)
from litecoder_harbor.gen.spec import DomainSpec, Stage, TaskSlot
from litecoder_harbor.llm import LLMClient, LLMHTTPError, ModelConfig
from litecoder_harbor.tasks.conventions import Difficulty, Domain

SPEC = DomainSpec.model_validate(
    {
        "tasks": 4,
        "models": {"default": {"provider": "openai", "model": "unused"}},
        "budgets": {"max_sampling_attempts": 3},
        "domains": [
            {
                "domain": "games",
                "description": "You design terminal tasks about puzzles and games.",
                "subtopics": [
                    {
                        "name": "sliding-puzzles",
                        "description": "Solving and checking sliding-tile puzzles.",
                        "seeds": [
                            "Solve the 8-puzzle in /app/board.txt in the fewest moves.",
                            "Check whether each board in /app/boards/ is solvable.",
                            "Generate a random solvable 15-puzzle with a fixed seed.",
                            "Count the moves in /app/moves.txt that are illegal.",
                            "Render the board after applying /app/moves.txt.",
                        ],
                        "commands": ["python3", "diff"],
                    },
                    {
                        "name": "word-games",
                        "description": "Word ladders, anagram finders and crossword fillers.",
                        "seeds": ["Find the shortest word ladder from cold to warm."],
                    },
                ],
            },
            {
                "domain": "data_science",
                "description": "You design terminal tasks about tabular data.",
                "subtopics": [
                    {
                        "name": "csv-cleaning",
                        "description": "Repairing malformed CSV exports.",
                        "commands": ["csvlook", "awk"],
                    }
                ],
            },
        ],
    }
)
TOPIC = {  # a sub-topic's description, as the stub finds it in a sampling request
    s.description: s.name for entry in SPEC.domains for s in entry.subtopics
}

PUZZLE = (
    "The file /app/board.txt holds a 4x4 sliding puzzle. Write the shortest sequence of moves "
    "that solves it to /app/moves.txt, one move per line, using U, D, L or R."
)
PUZZLE_TWIN = PUZZLE.replace("shortest", "quickest")
WORDS = (
    "Build a word ladder from /app/start.txt to /app/end.txt using only words in "
    "/app/dict.txt, and write each step on its own line of /app/ladder.txt."
)
CSV = (
    "The export /app/sales.csv has quoted newlines and a stray semicolon delimiter in some "
    "rows; repair it so every row has 7 fields and save it as /app/sales-clean.csv."
)
OTHER = (
    "Write /app/check.py that reads every board in /app/boards/ and prints solvable or "
    "unsolvable for each, one line per board, sorted by file name."
)


def slot(subtopic: str, difficulty: str = "medium", ordinal: int = 0) -> TaskSlot:
    domain = "data_science" if subtopic == "csv-cleaning" else "games"
    return TaskSlot(
        index=0,
        slot_id=f"{domain}-{subtopic}-{difficulty}-{ordinal:03d}",
        domain=Domain(domain),
        subtopic=subtopic,
        difficulty=Difficulty(difficulty),
    )


def verdict(complexity=5, clarity=5, resources=5, verdict="accept") -> str:
    return json.dumps(
        {
            "complexity_balance": {"score": complexity, "reason": "about right"},
            "clarity": {"score": clarity, "reason": "outputs are named"},
            "resource_availability": {"score": resources, "reason": "runs offline"},
            "verdict": verdict,
        }
    )


def system_of(body: dict) -> str:
    """The system message of a chat, or the whole prompt of a raw completion."""
    if "prompt" in body:
        return body["prompt"]
    if "system" in body:  # Anthropic
        return body["system"]
    return body["messages"][0]["content"]


def judged_text(body: dict) -> str:
    """The task text a judge request quotes."""
    quoting = next(m["content"] for m in body["messages"] if "<<<\n" in m["content"])
    return quoting.split("<<<\n", 1)[1].split("\n>>>", 1)[0]


class FakeModel:
    """Answers sampling requests with the next draft of the request's sub-topic, and judge
    requests through `judge(task text, number of judge calls for that text so far)`."""

    def __init__(self, drafts: dict[str, list[str]], judge=lambda text, calls: verdict()):
        self.drafts = {name: deque(texts) for name, texts in drafts.items()}
        self.judge = judge
        self.judge_calls: defaultdict[str, int] = defaultdict(int)

    def __call__(self, request):
        system = system_of(request.body)
        if system == JUDGE_SYSTEM:
            text = judged_text(request.body)
            self.judge_calls[text] += 1
            return self.judge(text, self.judge_calls[text])
        (name,) = [name for description, name in TOPIC.items() if description in system]
        return self.drafts[name].popleft()


def model(stub, name: str, provider: str = "openai") -> ModelConfig:
    return ModelConfig(
        provider=provider,
        model=name,
        api_base=stub.openai_url if provider == "openai" else stub.url,
        api_key_env=None,
        max_attempts=2,
        backoff_base_s=0.01,
    )


def run(stub, slots, *, provider="openai", cache_dir=None, seed=0, **kwargs):
    """The stage with a sampler and a judge model on the stub; results and usage per model."""

    async def scenario():
        sampler = LLMClient(model(stub, "stub-sampler", provider), cache_dir=cache_dir)
        judge = LLMClient(model(stub, "stub-judge", provider), cache_dir=cache_dir)
        async with sampler, judge:
            clients = {Stage.SAMPLING: sampler, Stage.JUDGE: judge}
            results = await sample_and_judge(clients.__getitem__, SPEC, slots, seed=seed, **kwargs)
        return results, sampler.usage, judge.usage

    return asyncio.run(scenario())


def paths(stub) -> list[str]:
    return [r.path for r in stub.requests]


def judge_requests(stub) -> list:
    return [r for r in stub.requests if system_of(r.body) == JUDGE_SYSTEM]


def sampling_requests(stub) -> list:
    return [r for r in stub.requests if system_of(r.body) != JUDGE_SYSTEM]


# ---------------------------------------------------------------------------------------------
# Sampling: raw completions with the user-turn prefix, or the chat fallback


@pytest.mark.parametrize(
    "template, head, tail, stop",
    [
        ("chatml", "<|im_start|>system\n", "<|im_end|>\n<|im_start|>user\n", "<|im_end|>"),
        (
            "llama3",
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n",
            "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n",
            "<|eot_id|>",
        ),
    ],
)
def test_completion_prompt_is_the_system_turn_then_the_user_turn_prefix(
    llm_stub, template, head, tail, stop
):
    llm_stub.responder = FakeModel({"sliding-puzzles": [f"  {PUZZLE}{stop}\n"]})
    (task,), sampler_usage, judge_usage = run(
        llm_stub, [slot("sliding-puzzles", "hard")], config=SamplingConfig(template=template)
    )

    first = llm_stub.requests[0]
    assert first.path == "/v1/completions"
    assert first.body["model"] == "stub-sampler"
    assert first.body["stop"] == [stop]
    prompt = first.body["prompt"]
    assert prompt.startswith(head) and prompt.endswith(tail)
    system = prompt.removeprefix(head).removesuffix(tail)
    assert system.startswith("You design terminal tasks about puzzles and games.")
    assert "Solving and checking sliding-tile puzzles." in system
    assert "Commands such tasks typically need: python3, diff." in system
    assert "Difficulty: hard: long-horizon work" in system
    assert sum(seed in system for seed in SPEC.domains[0].subtopics[0].seeds) == 3

    (judged,) = judge_requests(llm_stub)
    assert judged.path == "/v1/chat/completions"
    assert judged.body["model"] == "stub-judge"
    assert f"<<<\n{PUZZLE}\n>>>" in judged.body["messages"][1]["content"]

    assert task.accepted and task.text == PUZZLE
    assert (task.slot_id, task.subtopic, task.difficulty) == (
        "games-sliding-puzzles-hard-000",
        "sliding-puzzles",
        Difficulty.HARD,
    )
    assert (task.mode, task.attempts, task.rejections) == ("completion", 1, [])
    assert task.judge.accepted and task.judge.clarity.reason == "outputs are named"
    assert sampler_usage.stages["sampling"].calls == 1 and "judge" not in sampler_usage.stages
    assert judge_usage.stages["judge"].calls == 1 and "sampling" not in judge_usage.stages


def test_chat_fallback_after_a_404_is_tried_once_and_remembered(llm_stub):
    llm_stub.missing_routes = {"/v1/completions"}
    llm_stub.responder = FakeModel(
        {"sliding-puzzles": [PUZZLE], "word-games": [WORDS], "csv-cleaning": [CSV]}
    )
    slots = [slot("sliding-puzzles"), slot("word-games"), slot("csv-cleaning")]
    tasks, sampler_usage, _ = run(llm_stub, slots)

    assert [t.text for t in tasks] == [PUZZLE, WORDS, CSV]
    assert all(t.accepted and t.mode == "chat" for t in tasks)
    assert paths(llm_stub).count("/v1/completions") == 1
    chats = [r for r in sampling_requests(llm_stub) if r.path == "/v1/chat/completions"]
    assert len(chats) == 3
    for request in chats:
        system, user = request.body["messages"]
        assert system["role"] == "system" and user == {"role": "user", "content": CHAT_REQUEST}
        assert "<|im_start|>" not in system["content"]
    assert any(
        "Repairing malformed CSV exports." in r.body["messages"][0]["content"] for r in chats
    )
    assert sampler_usage.stages["sampling"].calls == 3


@pytest.mark.parametrize("provider, mode", [("anthropic", "auto"), ("openai", "chat")])
def test_chat_only_models_never_try_completions(llm_stub, provider, mode):
    llm_stub.responder = FakeModel({"word-games": [WORDS]})
    (task,), _, _ = run(
        llm_stub, [slot("word-games")], provider=provider, config=SamplingConfig(mode=mode)
    )
    assert task.accepted and task.mode == "chat"
    assert "/v1/completions" not in paths(llm_stub)
    if provider == "anthropic":
        assert paths(llm_stub) == ["/v1/messages", "/v1/messages"]
        assert "Word ladders" in llm_stub.requests[0].body["system"]


def test_other_completion_errors_do_not_fall_back_to_chat(llm_stub):
    llm_stub.responder = lambda request: Fail(401)
    with pytest.raises(LLMHTTPError, match="HTTP 401"):
        run(llm_stub, [slot("sliding-puzzles"), slot("word-games")])
    assert set(paths(llm_stub)) == {"/v1/completions"}


def test_tokenizer_chat_template_gives_prefix_and_stop(tmp_path, monkeypatch):
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer(models.WordLevel({"[UNK]": 0, "</s>": 1}, unk_token="[UNK]")),
        eos_token="</s>",
        unk_token="[UNK]",
    )
    tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m.role }}|>\n{{ m.content }}</s>\n{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
    )
    tokenizer.save_pretrained(tmp_path)

    prompt, stop = user_turn_prompt(
        "Be brief.", SamplingConfig(tokenizer=str(tmp_path), template="llama3")
    )
    assert prompt == "<|system|>\nBe brief.</s>\n<|user|>\n"
    assert stop == ["</s>"]


def test_tokenizer_without_transformers_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    sampling._load_tokenizer.cache_clear()
    with pytest.raises(LitecoderError, match="needs the transformers package"):
        user_turn_prompt("Be brief.", SamplingConfig(tokenizer="Qwen/Qwen3-8B"))


# ---------------------------------------------------------------------------------------------
# Cleaning and near-duplicates


@pytest.mark.parametrize(
    "raw, finish, text, reason",
    [
        (f"\n  {PUZZLE}  \n", "stop", PUZZLE, None),
        (f"{PUZZLE}<|im_end|>\n<|im_start|>assistant\nSure!", "stop", PUZZLE, None),
        (f"User: {PUZZLE}", "stop", PUZZLE, None),
        (f'"{PUZZLE}"', "stop", PUZZLE, None),
        (f"<think>what would a user ask {{}}</think>\n{PUZZLE}", "stop", PUZZLE, None),
        (f"{PUZZLE}\r\n\r\n\r\n\r\nThanks!", "stop", f"{PUZZLE}\n\nThanks!", None),
        ("   \n", "stop", "", "empty reply"),
        ("<|im_end|>", "stop", "", "empty reply"),
        (PUZZLE, "length", PUZZLE, "cut off at the token limit"),
        ("Sort /app/a.txt please.", "stop", None, "too short: 3 words (minimum 12)"),
        (" ".join(["word"] * 401), "stop", None, "too long: 401 words (maximum 400)"),
        (f"Sure! Here is a task: {PUZZLE}", "stop", None, "not a task request: answers like"),
        (f"I'm sorry, but I can't help. {PUZZLE}", "stop", None, "not a task request: a refusal"),
        ("```bash\n" + " ".join(["ls"] * 20) + "\n```", "stop", None, "not a task request: code"),
    ],
)
def test_cleaning_normalises_and_says_why_a_draw_is_rejected(raw, finish, text, reason):
    cleaned, why = clean_task_text(raw, finish, SamplingConfig())
    if text is not None:
        assert cleaned == text
    if reason is None:
        assert why is None
    else:
        assert why is not None and why.startswith(reason)


def test_near_duplicate_threshold_is_configurable():
    strict, loose = NearDuplicates(0.7, 3), NearDuplicates(0.9, 3)
    for index in (strict, loose):
        index.add("a", PUZZLE)
        index.add("b", WORDS)
    twin, similarity = strict.match(PUZZLE_TWIN)
    assert twin == "a" and 0.7 <= similarity < 0.9
    assert loose.match(PUZZLE_TWIN) is None
    assert strict.match(PUZZLE.upper()) == ("a", 1.0)  # case and spacing do not matter
    assert strict.match(OTHER) is None
    strict.discard("a")
    assert strict.match(PUZZLE_TWIN) is None
    strict.add("b", OTHER)  # a slot's new text replaces its old one
    assert strict.match(WORDS) is None and strict.match(OTHER) == ("b", 1.0)


def test_near_duplicates_are_rejected_and_redrawn(llm_stub):
    llm_stub.responder = FakeModel(
        {"sliding-puzzles": [PUZZLE], "word-games": [PUZZLE_TWIN, "Hi there.", WORDS]}
    )
    first, second = run(llm_stub, [slot("sliding-puzzles"), slot("word-games")])[0]

    assert first.accepted and first.text == PUZZLE and first.attempts == 1
    assert second.accepted and second.text == WORDS and second.attempts == 3
    dup, short = second.rejections
    assert (dup.attempt, dup.text) == (1, PUZZLE_TWIN)
    assert dup.reason.startswith("near-duplicate of games-sliding-puzzles-medium-000 (Jaccard 0.")
    assert (short.attempt, short.reason) == (2, "too short: 2 words (minimum 12)")
    assert dup.judge is None and short.judge is None
    # Only draws that passed cleaning and the near-duplicate check reached the judge.
    assert sorted(judged_text(r.body) for r in judge_requests(llm_stub)) == sorted([PUZZLE, WORDS])


def test_a_draw_turned_down_by_the_judge_frees_its_text(llm_stub):
    """The first slot's draw is rejected by the judge and its next draw is too short; the
    second slot's near-twin of the rejected draw is then no duplicate of anything kept."""
    llm_stub.responder = FakeModel(
        {"sliding-puzzles": [PUZZLE, "Hi.", OTHER], "word-games": ["Hi.", PUZZLE_TWIN]},
        judge=lambda text, calls: verdict(resources=1 if text == PUZZLE else 5),
    )
    first, second = run(llm_stub, [slot("sliding-puzzles"), slot("word-games")])[0]
    assert [r.reason for r in first.rejections] == [
        "judge scores below 4: resource_availability 1",
        "too short: 1 word (minimum 12)",
    ]
    assert first.accepted and first.text == OTHER and first.attempts == 3
    assert second.accepted and second.text == PUZZLE_TWIN and second.attempts == 2


def test_resumed_run_checks_against_previous_tasks_and_keeps_them(llm_stub):
    done = SampledTask(
        slot_id="games-sliding-puzzles-medium-000",
        domain=Domain.GAMES,
        subtopic="sliding-puzzles",
        difficulty=Difficulty.MEDIUM,
        text=PUZZLE,
        mode="completion",
        attempts=1,
    )
    llm_stub.responder = FakeModel({"word-games": [PUZZLE_TWIN, WORDS]})
    kept, fresh = run(llm_stub, [slot("sliding-puzzles"), slot("word-games")], previous=[done])[0]

    assert kept == done
    assert fresh.text == WORDS and fresh.attempts == 2
    assert fresh.rejections[0].reason.startswith(f"near-duplicate of {done.slot_id}")
    assert not any("sliding-tile" in system_of(r.body) for r in sampling_requests(llm_stub))


# ---------------------------------------------------------------------------------------------
# The judge


@pytest.mark.parametrize("min_score, accepted", [(3, True), (4, False)])
def test_judge_accepts_only_when_every_score_reaches_the_threshold(llm_stub, min_score, accepted):
    llm_stub.responder = FakeModel(
        {"csv-cleaning": [CSV, OTHER, WORDS]},
        judge=lambda text, calls: verdict(complexity=4, clarity=3, resources=5),
    )
    (task,), _, _ = run(
        llm_stub, [slot("csv-cleaning")], config=SamplingConfig(judge_min_score=min_score)
    )

    assert task.judge.scores() == {
        "complexity_balance": 4,
        "clarity": 3,
        "resource_availability": 5,
    }
    assert task.judge.accepted is accepted and task.judge.min_score == min_score
    if accepted:
        assert task.accepted and task.text == CSV and task.attempts == 1
    else:  # redrawn up to the spec's budget of 3, each turned down for the same reason
        assert task.rejected_reason == "judge scores below 4: clarity 3"
        assert task.attempts == 3 and task.text == WORDS
        assert [r.text for r in task.rejections] == [CSV, OTHER, WORDS]
        assert len(sampling_requests(llm_stub)) == 3


def test_judge_scores_decide_not_its_verdict_word(llm_stub):
    llm_stub.responder = FakeModel(
        {"csv-cleaning": [CSV]}, judge=lambda text, calls: verdict(verdict=" REJECT")
    )
    (task,), _, _ = run(llm_stub, [slot("csv-cleaning")])
    assert task.accepted and task.judge.verdict == "reject"


def test_malformed_judge_reply_is_repaired_once(llm_stub):
    replies = {1: "Looks feasible to me: clarity 5, resources 5.", 2: f"```json\n{verdict()}\n```"}
    llm_stub.responder = FakeModel(
        {"csv-cleaning": [CSV]}, judge=lambda text, calls: replies[calls]
    )
    (task,), _, judge_usage = run(llm_stub, [slot("csv-cleaning")])

    assert task.accepted and task.judge.repaired and task.attempts == 1
    first, repair = judge_requests(llm_stub)
    assert repair.body["messages"][:2] == first.body["messages"]
    assistant, user = repair.body["messages"][2:]
    assert assistant == {"role": "assistant", "content": replies[1]}
    assert user["role"] == "user" and "no JSON object in the reply" in user["content"]
    assert judge_usage.stages["judge"].calls == 2


def test_judge_reply_still_malformed_after_repair_rejects_the_draw(llm_stub):
    llm_stub.responder = FakeModel(
        {"csv-cleaning": [CSV]},
        judge=lambda text, calls: '{"complexity_balance": {"score": 9, "reason": "x"}}',
    )
    (task,), _, _ = run(llm_stub, [slot("csv-cleaning")], max_attempts=1)

    assert task.rejected_reason == JUDGE_UNPARSEABLE and task.judge is None
    assert [r.reason for r in task.rejections] == [JUDGE_UNPARSEABLE]
    first, repair = judge_requests(llm_stub)
    feedback = repair.body["messages"][-1]["content"]
    assert "complexity_balance.score" in feedback and "clarity: Field required" in feedback
    assert len(llm_stub.requests) == 3  # one draw, the judge and its one repair round


@pytest.mark.parametrize(
    "reply",
    [
        f"Here is my assessment.\n```json\n{verdict()}\n```\nHope this helps.",
        f"<think>the format is {{...}}</think>{verdict()}",
        f"Sure: {verdict()} -- done",
        verdict().replace("5", '"5"').replace('"accept"', '"Accept"'),
        json.dumps({**json.loads(verdict()), "notes": "extra keys are fine"}),
    ],
)
def test_judge_json_is_found_in_prose_fences_and_thinking(reply):
    parsed = parse_judge_reply(reply)
    assert parsed.scores() == dict.fromkeys(parsed.scores(), 5)
    assert parsed.verdict == "accept"


@pytest.mark.parametrize(
    "reply, error",
    [
        ("no json here", "no JSON object in the reply"),
        ('{"complexity_balance": {"score": 4,}', "invalid JSON"),
        (verdict(clarity=6), "clarity.score: Input should be less than or equal to 5"),
        (verdict(verdict="maybe"), "verdict: Input should be 'accept' or 'reject'"),
    ],
)
def test_judge_parse_errors_say_what_is_wrong(reply, error):
    with pytest.raises(sampling.JudgeParseError, match=error):
        parse_judge_reply(reply)


# ---------------------------------------------------------------------------------------------
# Determinism and the response cache


def puzzle_drafts() -> FakeModel:
    return FakeModel(
        {
            "sliding-puzzles": [PUZZLE, PUZZLE_TWIN, OTHER],
            "word-games": [WORDS],
            "csv-cleaning": [CSV],
        }
    )


SLOTS = [
    slot("sliding-puzzles", "easy"),
    slot("word-games"),
    slot("csv-cleaning", "hard"),
]


def test_same_seed_same_requests_and_results_other_seed_other_prompts(llm_stub):
    runs = {}
    for seed in (7, 7, 8):
        llm_stub.requests.clear()
        llm_stub.responder = puzzle_drafts()
        results = run(llm_stub, SLOTS, seed=seed)[0]
        prompts = sorted(json.dumps(r.body, sort_keys=True) for r in llm_stub.requests)
        runs.setdefault(seed, []).append((prompts, [t.model_dump() for t in results]))

    (first, again), (other,) = runs[7], runs[8]
    assert first == again
    assert first[1] == other[1]  # same answers from the stub, same outcome
    assert first[0] != other[0]  # but the seeded pick of example seeds differs


def test_rerun_replays_every_draw_and_verdict_from_the_cache(llm_stub, tmp_path):
    llm_stub.responder = puzzle_drafts()
    first, sampler_usage, _ = run(llm_stub, SLOTS, cache_dir=tmp_path)
    sent = len(llm_stub.requests)
    assert sampler_usage.stages["sampling"].cached_calls == 0

    llm_stub.responder = lambda request: Fail(500)
    again, sampler_usage, judge_usage = run(llm_stub, SLOTS, cache_dir=tmp_path)
    assert again == first
    assert len(llm_stub.requests) == sent
    assert [SampledTask.model_validate_json(t.model_dump_json()) for t in first] == first
    assert sampler_usage.stages["sampling"].cached_calls == 3
    assert judge_usage.stages["judge"].cached_calls == 3


def test_slots_asking_for_the_same_thing_get_separate_draws(llm_stub, tmp_path):
    """Two slots of one sub-topic and difficulty send the same prompt (csv-cleaning has no
    seeds to vary it); their `sample` indices differ, so the cache does not hand the second
    slot the first one's draw."""
    one, two = slot("csv-cleaning", ordinal=0), slot("csv-cleaning", ordinal=1)
    llm_stub.responder = FakeModel({"csv-cleaning": [CSV]})
    run(llm_stub, [one], cache_dir=tmp_path)

    llm_stub.requests.clear()
    llm_stub.responder = FakeModel({"csv-cleaning": [OTHER]})
    tasks = run(llm_stub, [one, two], cache_dir=tmp_path)[0]
    assert [t.text for t in tasks] == [CSV, OTHER]
    assert all(t.accepted and t.attempts == 1 for t in tasks)
    assert len(sampling_requests(llm_stub)) == 1


def test_bad_arguments_are_refused_before_any_request(llm_stub):
    with pytest.raises(LitecoderError, match="same slot twice"):
        run(llm_stub, [slot("word-games"), slot("word-games")])
    stray = slot("word-games").model_copy(update={"subtopic": "chess"})
    with pytest.raises(LitecoderError, match="no sub-topic 'chess'"):
        run(llm_stub, [stray])
    with pytest.raises(LitecoderError, match="at least 1"):
        run(llm_stub, [slot("word-games")], max_attempts=0)
    assert llm_stub.requests == []
