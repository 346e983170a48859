"""The published ``guize.answer/1`` schema (kb/answer.schema.json, linked as docs/answer.schema.json)
as OpenAPI components: its ``$defs`` become components beside it, their references rewritten."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def _components() -> dict[str, Any]:
    schema = json.loads(resources.files("kb").joinpath("answer.schema.json").read_text("utf-8"))
    defs = schema.pop("$defs", {})
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    names = {d: "Guize" + d.title() for d in defs}

    def rewrite(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: ("#/components/schemas/" + names[v.rsplit("/", 1)[1]] if k == "$ref" and isinstance(v, str)
                        and v.startswith("#/$defs/") else rewrite(v)) for k, v in x.items()}
        if isinstance(x, list):
            return [rewrite(v) for v in x]
        return x

    out = {"GuizeAnswer": rewrite(schema)}
    out.update({names[d]: rewrite(v) for d, v in defs.items()})
    return out


COMPONENTS: dict[str, Any] = _components()
