"""The record schema is derived from parknews.items, shipped, documented, and obeyed by exports."""

from __future__ import annotations

import json

import jsonschema

from conftest import ROOT
from parknews.archive.schema import SCHEMA_FILE, json_schema, markdown_table, schema_text
from parknews.items import Article, Byline, Caption


def test_shipped_schema_file_is_current() -> None:
    assert SCHEMA_FILE.read_text("utf-8") == schema_text(), "run: python -m parknews.archive.schema --write"


def test_readme_documents_every_field() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("<!-- schema:start -->\n", 1)[1].split("\n<!-- schema:end -->", 1)[0]
    assert section == markdown_table(), "regenerate the README table: python -m parknews.archive.schema --markdown"


def test_every_field_has_a_description() -> None:
    schema = json_schema()
    for name, prop in schema["properties"].items():
        assert prop["description"], name
    for def_name, definition in schema["$defs"].items():
        for name, prop in definition["properties"].items():
            assert prop["description"], f"{def_name}.{name}"


def test_a_minimal_and_a_full_record_validate() -> None:
    validator = jsonschema.Draft202012Validator(json_schema())
    validator.validate(Article(url="http://x/1.html").to_dict())
    # An article page with no article text: title and date, an empty body named in missing.
    validator.validate(Article(url="http://x/2.html", title="t", body="", published_at="2024-11-20",
                               missing=["body"]).to_dict())
    full = Article(url="http://x/1.html", title="t", body="b", captions=[Caption(text="c", credit="X")],
                   byline=Byline(outlet="新民晚报", reporters=["唐闻宜"]))
    validator.validate(json.loads(json.dumps(full.to_dict(), ensure_ascii=False)))
    broken = full.to_dict() | {"byline": {"reporters": "唐闻宜"}}
    assert list(validator.iter_errors(broken))
