"""JSON schemas of the actions' bodies, from the transition table's typed fields."""

from __future__ import annotations

from typing import Any

from ticketing.workflow import MONEY_MAX, SCORE_RANGE, Field, Kind, Transition

MONEY_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"


def field_schema(f: Field) -> dict[str, Any]:
    """One field's JSON schema by its kind and bounds (the service checks the same bounds)."""
    schema: dict[str, Any]
    if f.kind is Kind.ID:
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
        schema["description"] = f"id of a {f.of}"
    elif f.kind is Kind.TEXT:
        schema = {"type": "string", "minLength": 1, "maxLength": f.max_length, "pattern": r"\S"}
    elif f.kind is Kind.DATE:
        schema = {"type": "string", "format": "date", "description": "not in the future"}
    elif f.kind is Kind.MONEY:
        schema = {
            "description": "10,000 yuan, at most two decimals",
            "anyOf": [
                {"type": "string", "pattern": MONEY_PATTERN},
                {"type": "integer", "minimum": 0, "maximum": int(MONEY_MAX)},
            ],
        }
    elif f.kind is Kind.CHOICE:
        schema = {"type": "string", "enum": list(f.choices)}
    else:  # Kind.SCORE
        schema = {"type": "integer", "minimum": SCORE_RANGE[0], "maximum": SCORE_RANGE[1]}
    schema["title"] = str(f.label)
    return schema


def action_schema(t: Transition) -> dict[str, Any]:
    return {
        "type": "object",
        "title": str(t.label),
        "properties": {f.name: field_schema(f) for f in t.fields},
        "required": list(t.requires),
        "additionalProperties": False,
    }
