"""The JSON Schema of a ``guize.answer/1`` object (as ``kb.render.answer_json`` writes it), for
the OpenAPI document. tests/test_server.py holds its properties equal to the encoder's keys."""

from __future__ import annotations

from typing import Any

_S: dict[str, Any] = {"type": "string"}
_NS: dict[str, Any] = {"type": ["string", "null"]}
_STRS: dict[str, Any] = {"type": "array", "items": _S}
_VALUE: dict[str, Any] = {"description": "a value: string, number, or ISO date / date-time string"}
_CITE = {"type": "object", "required": ["file", "quote"],
         "properties": {"file": _S, "quote": {"type": "string", "description": "verbatim, as in the seed"},
                        "display": {"type": "string", "description": "the quote with pinyin ruby artifacts removed"}}}
_NODE = {"type": "object", "required": ["kind", "goal"], "description": "one proof step",
         "properties": {
             "kind": {"enum": ["fact", "derived", "builtin", "absent", "aggregate"]}, "goal": _S, "clause": _S,
             "bindings": {"type": "object", "additionalProperties": _VALUE},
             "cites": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeCite"}},
             "where": {"type": "string", "description": "file:line:column of a stated fact"},
             "values": {"type": "object", "additionalProperties": _VALUE},
             "items": {"type": "array", "items": {"type": "array", "items": _VALUE}},
             "premises": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeNode"}},
             "because": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeAlternative"}}}}
_FAILURE = {"type": "object", "required": ["condition", "kind", "unknown"],
            "properties": {
                "condition": _S, "unknown": {"type": "boolean"}, "at": _S, "op": _S,
                "kind": {"enum": ["missing", "mismatch", "none_stated", "threshold", "holds", "derived", "not_listed"]},
                "observed": _VALUE, "threshold": _VALUE, "stated": _STRS,
                "proof": {"$ref": "#/components/schemas/GuizeNode"},
                "because": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeAlternative"}}}}
_ALTERNATIVE = {"type": "object", "required": ["clause", "head", "failures"],
                "description": "a clause that could have proved the goal, and its failing conditions",
                "properties": {"clause": _S, "head": _S, "unknown": {"type": "boolean"},
                               "cites": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeCite"}},
                               "failures": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeFailure"}},
                               "skipped": _STRS}}
_OBJS = {"type": "array", "items": {"type": "object"}}

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object", "title": "guize.answer/1",
    "required": ["schema", "question", "kind", "goal", "as_of", "lang", "answer", "headline", "text"],
    "properties": {
        "schema": {"const": "guize.answer/1"}, "question": _S,
        "kind": {"type": "string", "description": "yes_no, why, which, needed, what_if, conditions, threshold, "
                                                  "uncovered, goal, ..."},
        "goal": _S, "as_of": {"type": "string", "format": "date"}, "lang": {"enum": ["en", "zh"]},
        "answer": {"enum": ["yes", "no", "unknown", "list"]},
        "bindings": {"type": "array", "items": {"type": "object", "additionalProperties": _VALUE}},
        "proof": {"oneOf": [{"$ref": "#/components/schemas/GuizeNode"}, {"type": "null"}]},
        "proofs": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeNode"}},
        "why_not": {"type": "array", "items": {"$ref": "#/components/schemas/GuizeAlternative"}},
        "missing": {"type": "array", "items": _S, "description": "inputs to state for a yes/no answer"},
        "not_covered": _NS, "suggestions": _STRS,
        "what_if": {"type": ["object", "null"], "properties": {"before": _NS, "changes": _OBJS}},
        "needed": {"type": ["object", "null"], "properties": {"verified": {"type": "boolean"}, "result": _S,
                                                              "changes": _OBJS}},
        "unknown_because": _OBJS, "reading": {"type": ["object", "null"]}, "headline": _S,
        "assumptions": _OBJS, "readings": _OBJS, "readings_differ": _OBJS, "rule": _OBJS,
        "text": {"type": "string", "description": "the CLI's text rendering of the same answer"},
    },
}

COMPONENTS: dict[str, Any] = {"GuizeAnswer": ANSWER_SCHEMA, "GuizeNode": _NODE, "GuizeFailure": _FAILURE,
                              "GuizeAlternative": _ALTERNATIVE, "GuizeCite": _CITE}
