"""The record schema, derived from ``parknews.items``: JSON Schema and the README's field table.

Field descriptions are the attribute docstrings in items.py, so the documentation
cannot drift from the dataclasses. ``python -m parknews.archive.schema`` prints the JSON
Schema; ``python -m parknews.archive.schema --markdown`` prints the README table;
``python -m parknews.archive.schema --write`` refreshes the shipped schema file.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

from parknews import items
from parknews.items import CLUSTER_ID_DOC, SCHEMA_VERSION, Article

SCHEMA_FILE = Path(__file__).parent.parent / "schemas" / "article.schema.json"


def field_docs(cls: type) -> dict[str, str]:
    """Attribute docstrings of a dataclass (the string literal under each field)."""
    tree = ast.parse(inspect.getsource(cls))
    docs: dict[str, str] = {}
    body = tree.body[0].body  # type: ignore[attr-defined]
    for node, after in zip(body, body[1:], strict=False):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str):
                docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _json_type(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        options = [_json_type(a) for a in args if a is not type(None)]
        schema = options[0] if len(options) == 1 else {"anyOf": options}
        if type(None) in args:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return schema
    if origin is list:
        return {"type": "array", "items": _json_type(args[0])}
    if dataclasses.is_dataclass(tp):
        return {"$ref": f"#/$defs/{tp.__name__}"}
    return {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"}, bool: {"type": "boolean"}}.get(tp, {})


def _object_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls, vars(items))
    docs = field_docs(cls)
    props = {}
    required = []
    for f in dataclasses.fields(cls):
        prop = _json_type(hints[f.name])
        prop["description"] = docs.get(f.name, "")
        props[f.name] = prop
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    return {"type": "object", "description": (cls.__doc__ or "").strip(), "properties": props,
            "required": required, "additionalProperties": False}


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one exported JSON Lines record."""
    schema = _object_schema(Article)
    schema["properties"]["cluster_id"] = {"anyOf": [{"type": "integer"}, {"type": "null"}], "description": CLUSTER_ID_DOC}
    schema["properties"]["schema_version"] = {"const": SCHEMA_VERSION, "description": "Version of this record schema."}
    schema["required"].append("schema_version")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"parknews-article-{SCHEMA_VERSION}",
        "title": f"parknews article record, schema {SCHEMA_VERSION}",
        **schema,
        "$defs": {c.__name__: _object_schema(c) for c in (items.Caption, items.Byline, items.Link, items.Removal)},
    }


def _type_name(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " or ".join(_type_name(p) for p in prop["anyOf"])
    if prop.get("type") == "array":
        return f"list of {_type_name(prop['items'])}"
    return prop.get("type", "const")


def markdown_table() -> str:
    """The README's field-by-field table of the record and its nested objects."""
    schema = json_schema()
    lines = [f"Record schema {SCHEMA_VERSION} (`parknews/schemas/article.schema.json`):", "",
             "| field | type | meaning |", "|---|---|---|"]
    for name, prop in schema["properties"].items():
        lines.append(f"| `{name}` | {_type_name(prop)} | {prop['description']} |")
    for def_name, definition in schema["$defs"].items():
        lines += ["", f"`{def_name}`: {definition['description']}", "", "| field | type | meaning |", "|---|---|---|"]
        for name, prop in definition["properties"].items():
            lines.append(f"| `{name}` | {_type_name(prop)} | {prop['description']} |")
    return "\n".join(lines)


def schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    if "--write" in sys.argv:
        SCHEMA_FILE.write_text(schema_text(), "utf-8")
    else:
        print(markdown_table() if "--markdown" in sys.argv else schema_text(), end="" if "--markdown" not in sys.argv else "\n")
