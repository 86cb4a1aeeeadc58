"""docs/result.schema.json: a valid draft 2020-12 schema that real results satisfy."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from tests.report.conftest import REPO, with_optimization

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((REPO / "docs" / "result.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(validator: jsonschema.Draft202012Validator, doc: Doc) -> list[str]:
    # through JSON text, as a reader sees the file
    return [e.message for e in validator.iter_errors(json.loads(json.dumps(doc)))]


def test_real_results_validate(
    validator: jsonschema.Draft202012Validator, macro_doc: Doc, parametric_doc: Doc
) -> None:
    assert _errors(validator, macro_doc) == []
    assert _errors(validator, parametric_doc) == []
    assert parametric_doc["rates"] is None and parametric_doc["regime_share"] is None


def test_optional_optimization_section_validates(
    validator: jsonschema.Draft202012Validator, macro_doc: Doc
) -> None:
    assert _errors(validator, with_optimization(macro_doc)) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("schema_version", "2.0.0"), ("kind", "advice"), ("portfolios", "all_large")],
)
def test_wrong_documents_fail(
    validator: jsonschema.Draft202012Validator, macro_doc: Doc, field: str, value: Any
) -> None:
    doc = copy.deepcopy(macro_doc)
    doc[field] = value
    assert _errors(validator, doc)


def test_missing_series_field_fails(
    validator: jsonschema.Draft202012Validator, macro_doc: Doc
) -> None:
    doc = copy.deepcopy(macro_doc)
    del doc["portfolios"][0]["cvar"]
    assert any("cvar" in e for e in _errors(validator, doc))
