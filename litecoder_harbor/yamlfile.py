"""YAML files read into pydantic models, with every mistake as one `LitecoderError` naming the
file, the dotted field and the line (domain specs, scaffold configs)."""

from __future__ import annotations

import difflib
import inspect
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError

from litecoder_harbor.errors import LitecoderError


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys, which PyYAML would silently let the last win."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key_node.value!r} (first at line {seen[key_node.value]})",
                    key_node.start_mark,
                )
            seen[key_node.value] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_yaml_model[M: BaseModel](
    path: Path | str, model: type[M], *, what: str, fields: str, example: str
) -> M:
    """Read `path` into `model`. `what` names the kind of file, `fields` its top-level keys and
    `example` how to write one, for the messages about empty or non-mapping files."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LitecoderError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise LitecoderError(f"{path} is a folder, not a {what} file") from None
    except UnicodeDecodeError as exc:
        raise LitecoderError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise LitecoderError(f"{path}: cannot read it ({exc.strerror})") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise LitecoderError(f"{path}: {where}invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:  # a reader error: characters YAML does not allow
        raise LitecoderError(f"{path}: invalid YAML: {' '.join(str(exc).split())}") from None
    if data is None:
        raise LitecoderError(f"{path}: the file is empty", hint=example)
    if not isinstance(data, dict):
        raise LitecoderError(
            f"{path}: expected a mapping of fields ({fields}), got a YAML {type(data).__name__}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _field_error(path, text, model, exc) from None


def _field_error(
    path: Path, text: str, model: type[BaseModel], exc: ValidationError
) -> LitecoderError:
    # An unknown key first: it is usually a misspelling, and the cause of a "field required".
    errors = sorted(exc.errors(include_url=False), key=lambda e: e["type"] != "extra_forbidden")
    first = errors[0]
    line = _line_of(yaml.compose(text, Loader=_StrictLoader), first["loc"])
    message = f"{path}: {dotted(first['loc'])}: {describe(model, first)} (line {line})"
    others = [dotted(e["loc"]) for e in errors[1:]]
    if not others:
        return LitecoderError(message)
    listed = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
    return LitecoderError(message, hint=f"and {len(others)} more: {listed}")


def dotted(loc: tuple) -> str:
    """('domains', 3, 'subtopics', 0, 'name') -> 'domains[3].subtopics[0].name'"""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for a bad dict key: the key is already named
            continue
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out


def describe(model: type[BaseModel], error: dict[str, Any]) -> str:
    """A pydantic error of `model` as a short phrase; an unknown key gets the closest known one."""
    kind = error["type"]
    if kind == "missing":
        return "field required"
    if kind == "extra_forbidden":
        known = _fields_at(model, error["loc"][:-1])
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
        return "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
    if kind in ("enum", "literal_error"):
        return f"{error['input']!r} is not one of {error['ctx']['expected']}"
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model at `loc` inside `model`, for did-you-mean suggestions."""
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = field and next(
            (
                a
                for a in (field.annotation, *get_args(field.annotation))
                if inspect.isclass(a) and issubclass(a, BaseModel)
            ),
            None,
        )
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _line_of(root: yaml.Node, loc: tuple) -> int:
    """The line of the deepest node along `loc` that exists (for a missing field: its parent)."""
    node, line = root, root.start_mark.line
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                break
            line, node = match[0].start_mark.line, match[1]
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1
