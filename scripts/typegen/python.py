"""Writes bindings-python/python/brightrun/_types.py: frozen dataclasses with typed fields,
Decimal for money, aware datetime for times, Literal for enumerations, and a ``from_dict``
constructor that checks the JSON's shape."""

from __future__ import annotations

import json
import keyword
from typing import Any

from .schema import ROOT, Schema, class_name

OUTPUT = ROOT / "bindings-python" / "python" / "brightrun" / "_types.py"

# Generated types that also inherit hand-written behaviour (brightrun/_behaviour.py).
BEHAVIOUR = {"Message": "MessageBehaviour"}


def field_name(name: str) -> str:
    """A Python attribute name for a JSON field."""
    return name + "_" if keyword.iskeyword(name) else name


def doc(text: str | None, indent: str) -> list[str]:
    """A docstring's lines."""
    if not text:
        return []
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    lines = text.split("\n")
    if len(lines) == 1:
        return [f'{indent}"""{lines[0]}"""']
    return [f'{indent}"""{lines[0]}'] + [f"{indent}{line}".rstrip() for line in lines[1:]] + [f'{indent}"""']



# How a string of each schema format is typed and read.
STRING_FORMATS = {
    "date-time": ("datetime", "to_time({})"),
    "decimal": ("Decimal", "to_decimal({})"),
    "date": ("date", "to_date({})"),
    "path": ("Path", "Path(to_str({}))"),
}

# How the other JSON scalars are typed and read.
SCALARS = {
    "integer": ("int", "to_int({})"),
    "number": ("float", "to_float({})"),
    "boolean": ("bool", "to_bool({})"),
}

class Generator(Schema):
    """Turns the schema's definitions into Python source."""

    def __init__(self, schema: dict[str, Any]) -> None:
        super().__init__(schema)
        self.depth = 0

    # --- types and readers -------------------------------------------------------------

    def read(self, schema: Any, expr: str) -> tuple[str, str]:
        """The Python type of `schema` and the code reading it from `expr`."""
        if schema is True or schema == {}:
            return "Any", f"to_any({expr})"
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            py = class_name(name)
            kind = self.kind(name)
            if kind == "literal":
                return py, f"cast({py}, to_choice({expr}, _{py.upper()}))"
            if kind == "record":
                return py, f"{py}.from_dict({expr})"
            if kind in ("union", "external"):
                return py, f"_read_{py}({expr})"
            # A scalar newtype (a cursor, a count): its JSON type, under its own name.
            scalar_type, scalar_read = self.read(self.defs[name], expr)
            return (py if scalar_type != "Any" else "Any"), scalar_read
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.read(schema["allOf"][0], expr)
        for key in ("anyOf", "oneOf"):
            variants = schema.get(key)
            if variants:
                others = [v for v in variants if not (isinstance(v, dict) and v.get("type") == "null")]
                if len(others) == 1 and len(others) < len(variants):
                    return self.optional(others[0], expr)
                names = self.choices(schema)
                if names is not None:
                    return self.literal(names, expr)
                return "Any", f"to_any({expr})"
        kind = schema.get("type")
        if isinstance(kind, list):
            rest = [k for k in kind if k != "null"]
            if "null" in kind and len(rest) == 1:
                return self.optional({**schema, "type": rest[0]}, expr)
            return "Any", f"to_any({expr})"
        if kind == "string":
            fmt = schema.get("format")
            if "enum" in schema or "const" in schema:
                names = self.choices(schema)
                assert names is not None
                return self.literal(names, expr)
            annotation, reader = STRING_FORMATS.get(fmt, ("str", "to_str({})"))
            return annotation, reader.format(expr)
        if kind in SCALARS:
            annotation, reader = SCALARS[kind]
            return annotation, reader.format(expr)
        if kind == "array":
            if "prefixItems" in schema:
                if len(schema["prefixItems"]) != 2:
                    return "Any", f"to_any({expr})"
                a, b = self.var(), self.var()
                (a_type, a_read), (b_type, b_read) = (self.read(schema["prefixItems"][0], a), self.read(schema["prefixItems"][1], b))
                return f"tuple[{a_type}, {b_type}]", f"to_pair({expr}, lambda {a}: {a_read}, lambda {b}: {b_read})"
            item = self.var()
            item_type, item_read = self.read(schema.get("items", True), item)
            return f"tuple[{item_type}, ...]", f"to_tuple({expr}, lambda {item}: {item_read})"
        if kind == "object":
            if "properties" not in schema and isinstance(schema.get("additionalProperties"), dict):
                item = self.var()
                item_type, item_read = self.read(schema["additionalProperties"], item)
                return f"dict[str, {item_type}]", f"to_map({expr}, lambda {item}: {item_read})"
            return "dict[str, Any]", f"dict(to_object({expr}))"
        return "Any", f"to_any({expr})"

    def var(self) -> str:
        self.depth += 1
        return f"v{self.depth}"

    def optional(self, schema: Any, expr: str) -> tuple[str, str]:
        item = self.var()
        item_type, item_read = self.read(schema, item)
        return f"{item_type} | None", f"to_optional({expr}, lambda {item}: {item_read})"

    @staticmethod
    def literal(names: list[str], expr: str) -> tuple[str, str]:
        values = ", ".join(json.dumps(n) for n in names)
        return f"Literal[{values}]", f"cast(Literal[{values}], to_choice({expr}, ({values},)))"

    # --- source ------------------------------------------------------------------------

    def record(self, name: str, schema: dict[str, Any], py: str | None = None) -> list[str]:
        py = py or class_name(name)
        required = set(schema.get("required", []))
        props: dict[str, Any] = schema["properties"]
        bases = f"{BEHAVIOUR[py]}, Record" if py in BEHAVIOUR else "Record"
        lines = ["", "", "@dataclass(frozen=True)", f"class {py}({bases}):"]
        lines += doc(schema.get("description") or f"``{name}`` of the core.", "    ")
        optional = sorted(k for k in props if k not in required)
        if optional:
            lines += ["", f"    _OPTIONAL: ClassVar[frozenset[str]] = frozenset({{{', '.join(json.dumps(k) for k in optional)}}})"]
        reads = []
        for key, prop in props.items():
            self.depth = 0
            source = f'd["{key}"]' if key in required else f'd.get("{key}")'
            py_type, read = self.read(prop, source)
            if key not in required and not py_type.endswith("| None") and py_type != "Any":
                py_type, read = f"{py_type} | None", f'to_optional({source}, lambda v0: {self.read(prop, "v0")[1]})'
            attr = field_name(key)
            meta = f' = field(metadata={{"json": "{key}"}})' if attr != key else ""
            lines += ["", f"    {attr}: {py_type}{meta}"]
            lines += doc(prop.get("description") if isinstance(prop, dict) else None, "    ")
            reads.append(f"            {attr}={read},")
        lines += [
            "",
            "    @classmethod",
            f"    def from_dict(cls, data: Mapping[str, Any]) -> {py}:",
            f'        """A ``{py}`` from the core\'s JSON object."""',
            "        d = to_object(data)",
            "        return cls(",
            *reads,
            "        )",
        ]
        return lines

    def render(self) -> str:
        out = [
            '"""The core\'s records and results as typed Python values. GENERATED: do not edit.',
            "",
            "Written by scripts/generate-types from schema/brightrun.schema.json, which",
            "core/tests/schema.rs generates from the core's Rust types; both are drift-checked.",
            '"""',
            "",
            "# ruff: noqa: E501",
            "from __future__ import annotations",
            "",
            "from collections.abc import Mapping",
            "from dataclasses import dataclass, field",
            "from datetime import date, datetime",
            "from decimal import Decimal",
            "from pathlib import Path",
            "from typing import Any, ClassVar, Literal, cast",
            "",
            f"from ._behaviour import {', '.join(sorted(BEHAVIOUR.values()))}",
            "from ._codec import (",
            "    Record,",
            "    to_any,",
            "    to_bool,",
            "    to_choice,",
            "    to_date,",
            "    to_decimal,",
            "    to_float,",
            "    to_int,",
            "    to_map,",
            "    to_object,",
            "    to_optional,",
            "    to_pair,",
            "    to_str,",
            "    to_time,",
            "    to_tuple,",
            ")",
            "",
            "_ = (date, datetime, Decimal, Path, field, to_any, to_bool, to_date, to_decimal, to_float, to_int, to_map, to_optional, to_pair, to_time, to_tuple)",
        ]
        names = sorted(self.defs, key=lambda n: (class_name(n), n))
        exported: list[str] = []
        seen: dict[str, Any] = {}
        for name in names:
            py = class_name(name)
            schema = self.defs[name]
            if py in seen:
                if seen[py] != schema:
                    raise SystemExit(f"two different definitions are both named {py} in Python")
                continue
            seen[py] = schema
            kind = self.kind(name)
            exported.append(py)
            if kind == "literal":
                choices = self.choices(schema) or []
                values = ", ".join(json.dumps(c) for c in choices)
                out += ["", f"{py} = Literal[{values}]"]
                out += doc(schema.get("description"), "")
                out += [f"_{py.upper()} = ({values},)"]
            elif kind == "record":
                out += self.record(name, schema)
            elif kind == "union":
                tag, variants = self.tagged(schema) or ("", [])
                members = []
                for value, variant in variants:
                    member = py + "".join(p.title() for p in value.split("_"))
                    members.append((value, member))
                    exported.append(member)
                    out += self.record(f"{name} ({tag}={value})", {**variant, "description": variant.get("description") or schema.get("description")}, member)
                out += ["", "", f"{py} = {' | '.join(m for _, m in members)}"]
                out += doc(schema.get("description"), "")
                out += [
                    "",
                    "",
                    f"def _read_{py}(value: object) -> {py}:",
                    "    d = to_object(value)",
                    f'    tag = to_str(d["{tag}"])',
                ]
                for value, member in members:
                    out += [f'    if tag == "{value}":', f"        return {member}.from_dict(d)"]
                out += [f'    raise TypeError(f"unknown {tag} {{tag!r}} of {py}")']
            elif kind == "external":
                members = []
                for key, inner in self.external(schema) or []:
                    member = py + "".join(p.title() for p in key.split("_"))
                    members.append((key, member))
                    exported.append(member)
                    variant = {"description": f"``{name}`` of the core: its ``{key}``.", "properties": {key: inner}, "required": [key]}
                    out += self.record(f"{name} ({key})", variant, member)
                out += ["", "", f"{py} = {' | '.join(m for _, m in members)}"]
                out += doc(schema.get("description"), "")
                out += ["", "", f"def _read_{py}(value: object) -> {py}:", "    d = to_object(value)"]
                for key, member in members:
                    out += [f'    if "{key}" in d:', f"        return {member}.from_dict(d)"]
                out += [f'    raise TypeError(f"unknown variant {{sorted(d)}} of {py}")']
            else:
                out += ["", f"{py} = {self.read(schema, 'value')[0]}"]
                out += doc(schema.get("description") if isinstance(schema, dict) else None, "")
        out += ["", "", "__all__ = ["] + [f'    "{n}",' for n in sorted(set(exported))] + ["]", ""]
        return "\n".join(out)
