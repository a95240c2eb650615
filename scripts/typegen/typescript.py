"""Writes the Node package's types from the schema: bindings-node/types.d.ts (a TypeScript
declaration of every record, result, option and operation argument, camelCase) and bindings-node/lib/shapes.js (the
table the JS layer reads the core's JSON with).

The core's JSON is snake_case; the package's objects are camelCase. Only field names are
renamed: keys of map-valued fields (findings counted by code, metric names) and tag values
stay as the core wrote them, which is why the renaming follows the schema instead of
renaming every key it meets. Absent values (`null` in a record's field) are left out, so an
optional field is `field?: T`.

A shape in lib/shapes.js is `0` (a value kept as it is), a definition's name, or an object:
`{f: {json_key: [camelKey, shape]}}` a record, `{a: shape}` an array, `{m: shape}` a map,
`{p: [shape, shape]}` a pair, `{t: tag, v: {tag value: {f: ...}}}` an internally tagged
union, `{e: {json_key: [camelKey, shape]}}` an externally tagged one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .schema import ROOT, Schema, class_name

TYPES = ROOT / "bindings-node" / "types.d.ts"
SHAPES = ROOT / "bindings-node" / "lib" / "shapes.js"


def camel(name: str) -> str:
    """A JSON field name in camelCase: `file_name` is `fileName`, `p95` stays."""
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


def jsdoc(text: str | None, indent: str) -> list[str]:
    """A JSDoc comment's lines."""
    if not text:
        return []
    lines = text.strip().replace("*/", "*\\/").split("\n")
    if len(lines) == 1:
        return [f"{indent}/** {lines[0]} */"]
    return [f"{indent}/**"] + [f"{indent} * {line}".rstrip() for line in lines] + [f"{indent} */"]


def key(name: str) -> str:
    """A property name, quoted when it is not an identifier."""
    return name if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name) else json.dumps(name)


class TypeScript(Schema):
    """Turns the schema's definitions into TypeScript declarations and shapes."""

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__(schema)
        self.options: set[str] = set(schema.get("x-options", []))

    # --- types ---------------------------------------------------------------------------

    def ts(self, schema: Any) -> str:
        """The TypeScript type of `schema` (a value inside an array or a map keeps `null`)."""
        if schema is True or schema == {}:
            return "unknown"
        if "$ref" in schema:
            return class_name(schema["$ref"].rsplit("/", 1)[-1])
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.ts(schema["allOf"][0])
        for union in ("anyOf", "oneOf"):
            if schema.get(union):
                names = self.choices(schema)
                if names is not None:
                    return " | ".join(json.dumps(n) for n in names)
                return " | ".join(dict.fromkeys(self.ts(v) for v in schema[union]))
        kind = schema.get("type")
        if isinstance(kind, list):
            return " | ".join(self.ts({**schema, "type": k}) for k in kind)
        if kind == "null":
            return "null"
        if kind == "string":
            names = self.choices(schema)
            return " | ".join(json.dumps(n) for n in names) if names else "string"
        if kind in ("integer", "number"):
            return "number"
        if kind == "boolean":
            return "boolean"
        if kind == "array":
            if "prefixItems" in schema:
                return "[" + ", ".join(self.ts(item) for item in schema["prefixItems"]) + "]"
            item = self.ts(schema.get("items", True))
            return f"Array<{item}>"
        if kind == "object":
            values = schema.get("additionalProperties")
            if "properties" not in schema and isinstance(values, dict):
                return f"Record<string, {self.ts(values)}>"
            return "Record<string, unknown>"
        return "unknown"

    @staticmethod
    def without_null(text: str) -> str:
        """A field's type without `null`: the JS layer leaves absent fields out."""
        parts = [p for p in text.split(" | ") if p != "null"]
        return " | ".join(parts) or "never"

    def interface(self, name: str, schema: dict[str, Any], description: str | None, sent: bool = False) -> list[str]:
        """An interface of a record. A record the bindings `sent` (an option, an operation's
        arguments) keeps `null` where the core reads it (a description `null` clears it), and
        a field with a default is optional."""
        required = set(schema.get("required", []))
        lines = [""] + jsdoc(description or f"`{name}` of the core.", "")
        lines.append(f"export interface {name} {{")
        for field, prop in schema.get("properties", {}).items():
            text = self.ts(prop)
            nullable = "null" in text.split(" | ")
            defaulted = sent and isinstance(prop, dict) and "default" in prop
            optional = field not in required or nullable or defaulted
            lines += jsdoc(prop.get("description") if isinstance(prop, dict) else None, "  ")
            lines.append(f"  {key(camel(field))}{'?' if optional else ''}: {text if sent else self.without_null(text)}")
        lines.append("}")
        return lines

    def declarations(self) -> str:
        out = [
            "// The core's records and results as TypeScript types. GENERATED: do not edit.",
            "//",
            "// Written by scripts/generate-types from schema/brightrun.schema.json, which",
            "// core/tests/schema.rs generates from the core's Rust types; both are drift-checked.",
            "// Field names are camelCase; keys of maps and tag values are the core's.",
            "// Money and exact decimals are strings, times ISO-8601 UTC strings, ids strings.",
        ]
        seen: set[str] = set()
        for name in sorted(self.defs, key=lambda n: (class_name(n), n)):
            ts_name = class_name(name)
            if ts_name in seen:
                continue
            seen.add(ts_name)
            schema = self.defs[name]
            description = schema.get("description") if isinstance(schema, dict) else None
            kind = self.kind(name)
            if kind == "record":
                out += self.interface(ts_name, schema, description, sent=name in self.options)
            elif kind == "union":
                tag, variants = self.tagged(schema) or ("", [])
                members = []
                for value, variant in variants:
                    member = ts_name + "".join(p.title() for p in value.split("_"))
                    members.append(member)
                    out += self.interface(member, variant, variant.get("description") or description)
                out += [""] + jsdoc(description, "") + [f"export type {ts_name} = {' | '.join(members)}"]
            elif kind == "external":
                members = [f"{{ {key(camel(k))}: {self.ts(v)} }}" for k, v in self.external(schema) or []]
                out += [""] + jsdoc(description, "") + [f"export type {ts_name} = {' | '.join(members)}"]
            else:
                out += [""] + jsdoc(description, "") + [f"export type {ts_name} = {self.ts(schema)}"]
        return "\n".join(out) + "\n"

    # --- shapes ---------------------------------------------------------------------------

    def shape(self, schema: Any) -> Any:
        """How the JS layer reads a value of `schema` (see the module's docs)."""
        if not isinstance(schema, dict):
            return 0
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return name if self.kind(name) in ("record", "union", "external") else self.shape(self.defs[name])
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.shape(schema["allOf"][0])
        for union in ("anyOf", "oneOf"):
            variants = schema.get(union)
            if variants:
                shapes = [s for s in (self.shape(v) for v in variants) if s != 0]
                return shapes[0] if len(shapes) == 1 else 0
        kind = schema.get("type")
        if kind == "array":
            if "prefixItems" in schema:
                items = [self.shape(item) for item in schema["prefixItems"]]
                return {"p": items} if any(items) else 0
            item = self.shape(schema.get("items", True))
            return {"a": item} if item != 0 else 0
        if kind == "object" and "properties" not in schema and isinstance(schema.get("additionalProperties"), dict):
            values = self.shape(schema["additionalProperties"])
            return {"m": values} if values != 0 else 0
        if kind == "object" and "properties" in schema:
            return self.record_shape(schema)
        return 0

    def record_shape(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {"f": {field: [camel(field), self.shape(prop)] for field, prop in schema["properties"].items()}}

    def shapes(self) -> str:
        table: dict[str, Any] = {}
        for name in sorted(self.defs):
            schema = self.defs[name]
            kind = self.kind(name)
            if kind == "record":
                table[name] = self.record_shape(schema)
            elif kind == "union":
                tag, variants = self.tagged(schema) or ("", [])
                table[name] = {"t": tag, "v": {value: self.record_shape(variant) for value, variant in variants}}
            elif kind == "external":
                table[name] = {"e": {k: [camel(k), self.shape(v)] for k, v in self.external(schema) or []}}
        entries = [f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True, separators=(',', ':'))}," for k, v in table.items()]
        body = "{\n" + "\n".join(entries) + "\n}"
        return "\n".join(
            [
                "'use strict'",
                "// How the JS layer reads each record of the core's JSON (see lib/convert.js).",
                "// GENERATED by scripts/generate-types from schema/brightrun.schema.json: do not edit.",
                f"module.exports = {body}",
                "",
            ]
        )
