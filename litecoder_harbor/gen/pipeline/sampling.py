"""Stage 1 of the LLM backend: draw a task request for every slot and keep only feasible ones.

Sampling is MAGPIE-style (Xu et al., 2024): the domain's system message is rendered with the
model's chat template up to the opening of the user's turn and sent as a raw completion, so the
model writes the user's request itself, in the user's voice, instead of an assistant's idea of
what a task looks like. Endpoints without raw completions (chat-only servers, Anthropic) get a
chat asking for one request in the user's voice. Every draw is cleaned, compared with every task
kept so far for near-duplicates, and judged for feasibility by an LLM; a slot whose draw is
turned down draws again, up to the spec's sampling budget.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from litecoder_harbor.errors import LitecoderError
from litecoder_harbor.gen.spec import DomainEntry, DomainSpec, Stage, Subtopic, TaskSlot
from litecoder_harbor.llm import LLMClient, LLMHTTPError, LLMReplyError, Reply
from litecoder_harbor.tasks.conventions import Difficulty, Domain

Mode = Literal["completion", "chat"]

NO_COMPLETIONS = {404, 405}
"""Statuses that mean the endpoint has no raw completions: sampling falls back to chat."""

JUDGE_UNPARSEABLE = "judge reply unparseable"

TEMPLATES: dict[str, tuple[str, str, str]] = {
    "chatml": ("<|im_start|>system\n", "<|im_end|>\n<|im_start|>user\n", "<|im_end|>"),
    "llama3": (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n",
        "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n",
        "<|eot_id|>",
    ),
}
"""Named chat templates: what goes before the system message, what follows it up to the start of
the user's turn, and the token that ends the user's turn (the stop sequence)."""

DIFFICULTY_GUIDANCE = {
    Difficulty.EASY: "one focused job that an experienced engineer finishes in about ten "
    "minutes with a handful of commands",
    Difficulty.MEDIUM: "several dependent steps or one non-obvious pitfall; about half an hour "
    "for an experienced engineer",
    Difficulty.HARD: "long-horizon work with several interacting faults or components to get "
    "right; an hour or more for an experienced engineer",
}

SETTING = (
    "Every request is one concrete, self-contained piece of work in a Debian container with no "
    "GPU and no internet access: its inputs are local files the request names or describes, "
    "and its outcome can be checked by a script."
)

CHAT_REQUEST = (
    "Write the next message the user sends: one task request for an AI agent working in this "
    "terminal, in the user's own voice, as they would type it. Reply with the request only: no "
    "preamble, no title, no solution."
)
"""The user turn of the chat fallback, after the same system message the completion gets."""

JUDGE_SYSTEM = (
    "You review task requests for a training set of terminal tasks. Each task becomes a Debian "
    "container in which an AI agent works in a terminal, and a script checks the result. The "
    "container has a few CPUs and GBs of memory, no GPU and no network: no external services, "
    "APIs or accounts, and no downloads of packages, models or datasets while the agent works "
    "or the checker runs (software can be installed when the image is built, and input files "
    "can be shipped with the task). Judge feasibility, not how interesting the task is."
)

JUDGE_FORMAT = (
    '{"complexity_balance": {"score": <1-5>, "reason": "<one sentence>"}, '
    '"clarity": {"score": <1-5>, "reason": "<one sentence>"}, '
    '"resource_availability": {"score": <1-5>, "reason": "<one sentence>"}, '
    '"verdict": "accept" or "reject"}'
)

JUDGE_REPAIR = (
    "Your reply could not be read: {error}. Reply again with only the JSON object, in exactly "
    "this format and with no other text:\n{format}"
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SamplingConfig(_Model):
    """How the sampling stage draws, filters and judges; the defaults suit a Qwen-family model."""

    mode: Literal["auto", "completion", "chat"] = Field(
        default="auto",
        description="auto: raw completions, falling back to chat once the endpoint has none.",
    )
    template: Literal["chatml", "llama3"] = Field(
        default="chatml", description="Chat template the completion prompt is rendered with."
    )
    tokenizer: str | None = Field(
        default=None,
        description="A Hugging Face tokenizer (name or folder) whose chat template to use "
        "instead of `template`; needs transformers.",
    )
    examples_per_draw: int = Field(
        default=3, ge=0, description="Sub-topic seeds shown per draw, a seeded pick."
    )
    min_words: int = Field(default=12, ge=1)
    max_words: int = Field(default=400, ge=1)
    shingle_words: int = Field(default=3, ge=1, description="Words per shingle for near-dups.")
    duplicate_threshold: float = Field(
        default=0.7, gt=0, le=1, description="Shingle Jaccard similarity that makes a near-dup."
    )
    judge_min_score: int = Field(
        default=4, ge=1, le=5, description="Every judge score must reach it for a task to pass."
    )

    @model_validator(mode="after")
    def _word_bounds(self) -> SamplingConfig:
        if self.min_words > self.max_words:
            raise ValueError(f"min_words {self.min_words} is over max_words {self.max_words}")
        return self


class JudgeScore(BaseModel):
    score: int = Field(ge=1, le=5)
    reason: str


class JudgeReply(BaseModel):
    """What the judge is asked to answer; keys it adds on its own are ignored."""

    complexity_balance: JudgeScore
    clarity: JudgeScore
    resource_availability: JudgeScore
    verdict: Literal["accept", "reject"]

    @field_validator("verdict", mode="before")
    @classmethod
    def _lowercase(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def scores(self) -> dict[str, int]:
        return {
            "complexity_balance": self.complexity_balance.score,
            "clarity": self.clarity.score,
            "resource_availability": self.resource_availability.score,
        }


class JudgeVerdict(JudgeReply):
    """The judge's scores and reasons, and our decision: `accepted` when every score reaches
    `min_score` (the judge's own `verdict` is kept, but does not decide)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    accepted: bool
    min_score: int
    repaired: bool = Field(description="The first reply did not parse; a repair round did.")


class Rejection(_Model):
    """A draw that was turned down, and why."""

    attempt: int = Field(ge=1, description="Which draw of the slot it was, from 1.")
    text: str
    reason: str
    judge: JudgeVerdict | None = None


class SampledTask(_Model):
    """The outcome for one slot: the accepted request, or the last draw and why it failed."""

    slot_id: str
    domain: Domain
    subtopic: str
    difficulty: Difficulty
    text: str
    mode: Mode = Field(description="How the request was drawn: raw completion or chat.")
    attempts: int = Field(ge=1, description="Draws made for the slot, the last one included.")
    judge: JudgeVerdict | None = None
    rejected_reason: str | None = None
    rejections: list[Rejection] = Field(default_factory=list, description="Every draw turned down.")

    @property
    def accepted(self) -> bool:
        return self.rejected_reason is None


# ---------------------------------------------------------------------------------------------
# Prompts


def system_message(spec: DomainSpec, slot: TaskSlot, rng: random.Random, examples: int) -> str:
    """The domain's description, the slot's sub-topic and difficulty, and a seeded pick of the
    sub-topic's seeds (a different pick per draw, so redraws see different examples)."""
    entry, subtopic = _lookup(spec, slot)
    seeds = rng.sample(subtopic.seeds, min(examples, len(subtopic.seeds)))
    parts = [
        entry.description,
        f"Topic: {subtopic.description}",
        f"Difficulty: {slot.difficulty.value}: {DIFFICULTY_GUIDANCE[slot.difficulty]}.",
    ]
    if subtopic.commands:
        parts.append(f"Commands such tasks typically need: {', '.join(subtopic.commands)}.")
    if seeds:
        listed = "\n".join(f"- {seed}" for seed in seeds)
        parts.append(f"Requests in this area look like these (never repeat one):\n{listed}")
    parts.append(SETTING)
    return "\n\n".join(parts)


def user_turn_prompt(system: str, config: SamplingConfig) -> tuple[str, list[str]]:
    """The completion prompt (system turn, then the opening of the user's turn) and the stop
    sequences that end the user's turn."""
    if config.tokenizer is not None:
        return _tokenizer_prompt(config.tokenizer, system)
    head, tail, stop = TEMPLATES[config.template]
    return head + system + tail, [stop]


_USER_MARK = "LITECODER-USER-TURN-STARTS-HERE"


def _tokenizer_prompt(name: str, system: str) -> tuple[str, list[str]]:
    """Render a system turn and a marker user turn, cut at the marker: what precedes it opens the
    user's turn, and the first line after it is the end-of-turn token."""
    tokenizer = _load_tokenizer(name)
    try:
        rendered = tokenizer.apply_chat_template(
            [{"role": "system", "content": system}, {"role": "user", "content": _USER_MARK}],
            tokenize=False,
        )
    except Exception as exc:  # jinja errors, templates without a system role
        raise LitecoderError(f"tokenizer {name!r}: its chat template failed: {exc}") from None
    if _USER_MARK not in rendered:
        raise LitecoderError(f"tokenizer {name!r}: its chat template drops the user's message")
    prefix, _, after = rendered.partition(_USER_MARK)
    stop = after.strip().split("\n", 1)[0] or tokenizer.eos_token
    if not stop:
        raise LitecoderError(f"tokenizer {name!r}: no end-of-turn token after the user's message")
    return prefix, [stop]


@functools.cache
def _load_tokenizer(name: str):
    try:
        from transformers import AutoTokenizer
    except ImportError:
        raise LitecoderError(
            f"tokenizer {name!r} needs the transformers package",
            hint="install the train extra, or leave tokenizer unset and pick a template",
        ) from None
    try:
        tokenizer = AutoTokenizer.from_pretrained(name)
    except Exception as exc:  # network, missing files, unknown name
        raise LitecoderError(f"cannot load tokenizer {name!r}: {exc}") from None
    if not tokenizer.chat_template:
        raise LitecoderError(f"tokenizer {name!r} has no chat template")
    return tokenizer


def judge_messages(spec: DomainSpec, slot: TaskSlot, text: str) -> list[dict[str, str]]:
    _, subtopic = _lookup(spec, slot)
    request = (
        f"Domain: {slot.domain.value}. Sub-topic: {subtopic.description} "
        f"Intended difficulty: {slot.difficulty.value} "
        f"({DIFFICULTY_GUIDANCE[slot.difficulty]}).\n\n"
        f"Task request:\n<<<\n{text}\n>>>\n\n"
        "Score the request from 1 (worst) to 5 (best) on:\n"
        "- complexity_balance: real work for the intended difficulty, neither trivial nor more "
        "than one agent session can finish;\n"
        "- clarity: an engineer could do it without asking questions, and the expected outputs "
        "(files, formats, paths) are stated or obvious, so a script can check them;\n"
        "- resource_availability: it can be done offline in the container described, with no "
        "GPU, no external services or accounts and no downloads while working or checking.\n\n"
        f"Reply with only this JSON object:\n{JUDGE_FORMAT}"
    )
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": request}]


def _lookup(spec: DomainSpec, slot: TaskSlot) -> tuple[DomainEntry, Subtopic]:
    entry = next((e for e in spec.domains if e.domain == slot.domain), None)
    subtopic = entry and next((s for s in entry.subtopics if s.name == slot.subtopic), None)
    if entry is None or subtopic is None:
        raise LitecoderError(
            f"slot {slot.slot_id}: the spec has no sub-topic {slot.subtopic!r} "
            f"in domain {slot.domain.value!r}",
            hint="plan the slots from the same spec",
        )
    return entry, subtopic


# ---------------------------------------------------------------------------------------------
# Cleaning and near-duplicates

_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>")
_THINKING = re.compile(r"<think>.*?(</think>|$)", re.DOTALL)
_LABEL = re.compile(r"^(user|task|request|instruction)\s*:\s*", re.IGNORECASE)
_NOT_A_REQUEST = [
    (
        re.compile(
            r"^(sure|certainly|of course|absolutely|great question|here('s| is| are)"
            r"|i('d| would) be (happy|glad)|as an ai)\b",
            re.IGNORECASE,
        ),
        "not a task request: answers like an assistant",
    ),
    (
        re.compile(r"^(i'm sorry|i am sorry|sorry,|i can(no|')t|i won't)", re.IGNORECASE),
        "not a task request: a refusal",
    ),
    (re.compile(r"^```"), "not a task request: code, not a request"),
]


def clean_task_text(
    raw: str, finish_reason: str | None, config: SamplingConfig
) -> tuple[str, str | None]:
    """The normalised request, and why it is rejected (None: it may go on to the judge)."""
    text = _SPECIAL_TOKEN.split(_THINKING.sub("", raw), maxsplit=1)[0]
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    text = _LABEL.sub("", text)
    if len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0] and text.count(text[0]) == 2:
        text = text[1:-1].strip()
    if not text:
        return text, "empty reply"
    if finish_reason == "length":
        return text, "cut off at the token limit"
    words = len(text.split())
    counted = f"{words} word{'' if words == 1 else 's'}"
    if words < config.min_words:
        return text, f"too short: {counted} (minimum {config.min_words})"
    if words > config.max_words:
        return text, f"too long: {counted} (maximum {config.max_words})"
    for pattern, reason in _NOT_A_REQUEST:
        if pattern.search(text):
            return text, reason
    return text, None


_WORD = re.compile(r"\w+(?:[./-]\w+)*")


def shingles(text: str, size: int) -> frozenset[str]:
    """Lower-cased word n-grams (paths and dotted names count as one word)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


class NearDuplicates:
    """Kept texts as shingle sets, one per slot; a new text is a near-duplicate of the most
    similar kept one whose Jaccard similarity reaches the threshold. Exact rather than a MinHash
    estimate, so whether a draw is a near-duplicate depends only on what is kept, never on the
    order it was kept in: a resumed run that loads its accepted tasks first decides as the
    uninterrupted run did. An inverted index from shingle to texts counts the overlaps, so a
    check only touches texts that share a shingle with the draw."""

    def __init__(self, threshold: float, shingle_words: int):
        self.threshold = threshold
        self.shingle_words = shingle_words
        self._kept: dict[str, frozenset[str]] = {}
        self._holders: defaultdict[str, set[str]] = defaultdict(set)

    def add(self, key: str, text: str) -> None:
        self.discard(key)
        self._kept[key] = shingles(text, self.shingle_words)
        for shingle in self._kept[key]:
            self._holders[shingle].add(key)

    def discard(self, key: str) -> None:
        for shingle in self._kept.pop(key, ()):
            self._holders[shingle].discard(key)

    def match(self, text: str) -> tuple[str, float] | None:
        new = shingles(text, self.shingle_words)
        shared: Counter[str] = Counter()
        for shingle in new:
            shared.update(self._holders.get(shingle, ()))
        similar = [
            (overlap / (len(new) + len(self._kept[key]) - overlap), key)
            for key, overlap in shared.items()
        ]
        # Highest similarity first; ties go to the smallest key, whatever the set order.
        best = min(similar, key=lambda pair: (-pair[0], pair[1]), default=None)
        if best is None or best[0] < self.threshold:
            return None
        return best[1], best[0]


# ---------------------------------------------------------------------------------------------
# The judge


class JudgeParseError(ValueError):
    """Why a judge reply could not be read; the message is fed back in the repair round."""


def parse_judge_reply(text: str) -> JudgeReply:
    """The first JSON object in the reply (fenced blocks first) that has the asked-for shape."""
    text = _THINKING.sub("", text)
    fenced = re.findall(r"```(?:json)?\s*\n(.*?)```", text, re.DOTALL | re.IGNORECASE)
    error = "no JSON object in the reply"
    for chunk in [*fenced, text]:
        for found in _json_objects(chunk):
            if isinstance(found, json.JSONDecodeError):
                error = f"invalid JSON: {found}"
                continue
            try:
                return JudgeReply.model_validate(found)
            except ValidationError as exc:
                error = "; ".join(
                    f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}"
                    for e in exc.errors(include_url=False)
                )
    raise JudgeParseError(error)


def _json_objects(text: str) -> Iterator[dict | json.JSONDecodeError]:
    """JSON objects left to right, each parse starting at a `{`; where a parse fails, its error
    (for the repair prompt) and a new try at the next `{`."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError as exc:
            yield exc
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict):
            yield value
        start = text.find("{", end)


async def judge_task(
    client: LLMClient, spec: DomainSpec, slot: TaskSlot, text: str, min_score: int
) -> JudgeVerdict | None:
    """Ask the judge; a reply that does not parse gets one repair round with the parse error.
    None when the repaired reply does not parse either."""
    messages = judge_messages(spec, slot, text)
    reply = await _judge_answer(client, messages)
    repaired = False
    try:
        parsed = parse_judge_reply(reply)
    except JudgeParseError as error:
        repair = JUDGE_REPAIR.format(error=error, format=JUDGE_FORMAT)
        messages += [
            {"role": "assistant", "content": reply or "(empty reply)"},
            {"role": "user", "content": repair},
        ]
        try:
            parsed = parse_judge_reply(await _judge_answer(client, messages))
        except JudgeParseError:
            return None
        repaired = True
    return JudgeVerdict(
        **parsed.model_dump(),
        accepted=all(score >= min_score for score in parsed.scores().values()),
        min_score=min_score,
        repaired=repaired,
    )


async def _judge_answer(client: LLMClient, messages: list[dict[str, str]]) -> str:
    """The judge's reply; an answer that is no reply at all (not JSON, no content) reads as an
    empty one, which gets the repair round like any reply that does not parse."""
    try:
        return (await client.chat(messages, stage=Stage.JUDGE.value)).text
    except LLMReplyError:
        return ""


def _judge_rejection(verdict: JudgeVerdict) -> str:
    low = ", ".join(
        f"{name} {score}" for name, score in verdict.scores().items() if score < verdict.min_score
    )
    return f"judge scores below {verdict.min_score}: {low}"


# ---------------------------------------------------------------------------------------------
# Sampling


class _Sampler:
    """Draws requests from one client. In auto mode the first draw tries raw completions; a
    refusal that means the endpoint has none switches every later draw to chat."""

    def __init__(self, client: LLMClient, config: SamplingConfig):
        self.client = client
        self.config = config
        self.mode: Mode | None = None if config.mode == "auto" else config.mode
        if self.mode is None and client.config.provider == "anthropic":
            self.mode = "chat"
        self._deciding = asyncio.Lock()

    async def draw(self, system: str, sample: int) -> tuple[Reply, Mode]:
        if self.mode is None:
            async with self._deciding:  # one probe; the other draws wait for its outcome
                if self.mode is None:
                    try:
                        reply = await self._complete(system, sample)
                    except LLMHTTPError as exc:
                        if exc.status not in NO_COMPLETIONS:
                            raise
                        self.mode = "chat"
                    else:
                        self.mode = "completion"
                        return reply, "completion"
        if self.mode == "completion":
            return await self._complete(system, sample), "completion"
        messages = [
            {"role": "system", "content": system},
            {"role": "user", "content": CHAT_REQUEST},
        ]
        return await self.client.chat(messages, stage=Stage.SAMPLING.value, sample=sample), "chat"

    async def _complete(self, system: str, sample: int) -> Reply:
        prompt, stop = user_turn_prompt(system, self.config)
        return await self.client.complete(
            prompt, stage=Stage.SAMPLING.value, stop=stop, sample=sample
        )


async def sample_and_judge(
    client_for_stage: Callable[[Stage], LLMClient],
    spec: DomainSpec,
    slots: Sequence[TaskSlot],
    *,
    seed: int,
    max_attempts: int | None = None,
    config: SamplingConfig | None = None,
    previous: Iterable[SampledTask] = (),
) -> list[SampledTask]:
    """One `SampledTask` per slot, in slot order: an accepted request, or the last draw and the
    reason it failed after `max_attempts` draws (default `spec.budgets.max_sampling_attempts`).

    Draws go in rounds: every open slot draws concurrently, then the draws are cleaned and
    checked for near-duplicates in slot order (against `previous` accepted tasks, this run's
    accepted tasks and earlier draws of the round), then judged concurrently. Draw k of a slot
    uses a prompt and `sample` index seeded by (seed, slot id, k), so with the response cache a
    rerun replays the same draws. Slots already accepted in `previous` are returned unchanged;
    the other slots draw from the start again, which the cache answers for draws already made.
    """
    config = config or SamplingConfig()
    limit = spec.budgets.max_sampling_attempts if max_attempts is None else max_attempts
    if limit < 1:
        raise LitecoderError(f"max_attempts must be at least 1, got {limit}")
    ids = [slot.slot_id for slot in slots]
    if len(set(ids)) != len(ids):
        raise LitecoderError("sample_and_judge got the same slot twice")
    for slot in slots:
        _lookup(spec, slot)

    done = {task.slot_id: task for task in previous if task.accepted}
    kept = NearDuplicates(config.duplicate_threshold, config.shingle_words)
    for task in done.values():
        kept.add(task.slot_id, task.text)
    sampler = _Sampler(client_for_stage(Stage.SAMPLING), config)
    judge = client_for_stage(Stage.JUDGE)
    rejections: dict[str, list[Rejection]] = {slot_id: [] for slot_id in ids}
    modes: dict[str, Mode] = {}

    def outcome(slot: TaskSlot, attempt: int, text: str, **fields) -> SampledTask:
        return SampledTask(
            slot_id=slot.slot_id,
            domain=slot.domain,
            subtopic=slot.subtopic,
            difficulty=slot.difficulty,
            text=text,
            mode=modes[slot.slot_id],
            attempts=attempt + 1,
            rejections=list(rejections[slot.slot_id]),
            **fields,
        )

    async def draw(slot: TaskSlot, attempt: int) -> tuple[Reply | str, Mode]:
        """The draw's reply, or why the endpoint's answer was no reply at all."""
        rng = random.Random(f"{seed}/{slot.slot_id}/{attempt}")
        system = system_message(spec, slot, rng, config.examples_per_draw)
        try:
            return await sampler.draw(system, sample=rng.randrange(2**31))
        except LLMReplyError as exc:
            return exc.message, sampler.mode or "completion"

    pending = [slot for slot in slots if slot.slot_id not in done]
    for attempt in range(limit):
        if not pending:
            break
        draws = await _all(draw(slot, attempt) for slot in pending)
        to_judge: list[tuple[TaskSlot, str]] = []
        for slot, (reply, mode) in zip(pending, draws, strict=True):
            modes[slot.slot_id] = mode
            if isinstance(reply, str):
                text, reason = "", reply
            else:
                text, reason = clean_task_text(reply.text, reply.finish_reason, config)
            if reason is None and (twin := kept.match(text)) is not None:
                reason = f"near-duplicate of {twin[0]} (Jaccard {twin[1]:.2f})"
            if reason is None:
                kept.add(slot.slot_id, text)  # later draws of this round are compared with it
                to_judge.append((slot, text))
            else:
                rejection = Rejection(attempt=attempt + 1, text=text, reason=reason)
                rejections[slot.slot_id].append(rejection)
                done[slot.slot_id] = outcome(slot, attempt, text, rejected_reason=reason)
        verdicts = await _all(
            judge_task(judge, spec, slot, text, config.judge_min_score) for slot, text in to_judge
        )
        for (slot, text), verdict in zip(to_judge, verdicts, strict=True):
            if verdict is not None and verdict.accepted:
                done[slot.slot_id] = outcome(slot, attempt, text, judge=verdict)
                continue
            kept.discard(slot.slot_id)
            reason = JUDGE_UNPARSEABLE if verdict is None else _judge_rejection(verdict)
            rejections[slot.slot_id].append(
                Rejection(attempt=attempt + 1, text=text, reason=reason, judge=verdict)
            )
            done[slot.slot_id] = outcome(slot, attempt, text, judge=verdict, rejected_reason=reason)
        pending = [slot for slot in pending if not done[slot.slot_id].accepted]
    return [done[slot_id] for slot_id in ids]


async def _all[T](coroutines: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run all concurrently; the first failure cancels the rest and is raised as itself."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(coroutine) for coroutine in coroutines]
    except* Exception as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
