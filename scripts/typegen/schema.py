"""The schema of the core's records (schema/brightrun.schema.json) as the type generators
read it: definitions classified as enumerations, records, tagged unions and the rest.

Shared by the Python writer (python.py) and the TypeScript writer (typescript.py), so both
read the schema the same way."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
SCHEMA = ROOT / "schema" / "brightrun.schema.json"

# Names of generic instances (`Page<Dataset>`, `Spread_for_double`) read better with these.
PARAMETER_NAMES = {"double": "Float", "float": "Float", "uint64": "Int", "uint32": "Int"}


def class_name(name: str) -> str:
    """A type name for a schema definition name."""
    parts = [p for p in re.split(r"_for_|_and_|[<>,\s]+", name) if p]
    head, params = parts[0], parts[1:]
    return head + "".join(PARAMETER_NAMES.get(p, p[:1].upper() + p[1:]) for p in params)


def load() -> dict[str, Any]:
    """The schema document."""
    loaded: dict[str, Any] = json.loads(SCHEMA.read_text())
    return loaded


class Schema:
    """The schema's definitions, classified."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = schema["$defs"]
        self.roots: list[str] = schema.get("x-roots", [])

    # --- classifying definitions -------------------------------------------------------

    def choices(self, schema: Any) -> list[str] | None:
        """The names of a string enumeration, or None."""
        if not isinstance(schema, dict):
            return None
        if schema.get("type") == "string" and "enum" in schema:
            return [str(v) for v in schema["enum"]]
        if "const" in schema and isinstance(schema["const"], str):
            return [schema["const"]]
        variants = schema.get("oneOf") or schema.get("anyOf")
        if variants:
            names: list[str] = []
            for variant in variants:
                got = self.choices(variant)
                if got is None:
                    return None
                names += got
            return names
        return None

    def tagged(self, schema: Any) -> tuple[str, list[tuple[str, dict[str, Any]]]] | None:
        """An internally tagged union (also one flattened into a struct's own fields): its
        tag field and (tag value, variant with the struct's fields) pairs."""
        variants = schema.get("oneOf") if isinstance(schema, dict) else None
        if not variants:
            return None
        base_props = schema.get("properties", {})
        base_required = schema.get("required", [])
        tag: str | None = None
        out = []
        for variant in variants:
            props = variant.get("properties", {}) if isinstance(variant, dict) else {}
            consts = [k for k, v in props.items() if isinstance(v, dict) and isinstance(v.get("const"), str)]
            if len(consts) != 1 or (tag is not None and consts[0] != tag):
                return None
            tag = consts[0]
            merged = {
                **variant,
                "properties": {**base_props, **props},
                "required": [*base_required, *variant.get("required", [])],
            }
            out.append((props[tag]["const"], merged))
        return (tag, out) if tag else None

    def external(self, schema: Any) -> list[tuple[str, dict[str, Any]]] | None:
        """An externally tagged union (`{"event": {...}}` or `{"log": "..."}`): each variant's
        key and the schema of its value."""
        variants = schema.get("oneOf") if isinstance(schema, dict) else None
        if not variants or "properties" in schema:
            return None
        out = []
        for variant in variants:
            props = variant.get("properties", {}) if isinstance(variant, dict) else {}
            if len(props) != 1 or variant.get("required") != list(props):
                return None
            key = next(iter(props))
            out.append((key, props[key]))
        return out

    def kind(self, name: str) -> str:
        """`literal`, `record`, `union` or `any` for a definition."""
        schema = self.defs[name]
        if self.choices(schema) is not None:
            return "literal"
        if self.tagged(schema) is not None:
            return "union"
        if self.external(schema) is not None:
            return "external"
        if isinstance(schema, dict) and "properties" in schema:
            return "record"
        return "any"
