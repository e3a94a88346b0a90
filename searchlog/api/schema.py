"""The schema's error answers: what the API gives besides success (postprocessing hook for drf-spectacular).

Every error is JSON: {"detail", "request_id"}, or for a 400 on fields {field: [messages]} (searchlog.api.errors).
"""

from __future__ import annotations

import re
from typing import Any

_ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "request_id": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "description": "Each field with its messages; non_field_errors for the request as a whole.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
_UNSAFE = {"post", "put", "patch", "delete"}
# A POST or a change on one object can meet a record (or an escalation) in the wrong state: 409.
_STATEFUL = re.compile(r"\{[^}]+\}/([a-z-]+/)?$")


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_responses(result: dict[str, Any], generator: object, request: object, public: bool) -> dict[str, Any]:
    """Add 400, 401, 403, 404 and 409 to the operations that can answer them."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _ERROR)
    schemas.setdefault("FieldErrors", _FIELD_ERRORS)
    error = {"$ref": "#/components/schemas/Error"}
    bad_request = {"oneOf": [{"$ref": "#/components/schemas/FieldErrors"}, error]}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            add = responses.setdefault
            has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
            if method in _UNSAFE or has_query:
                add("400", _answer("The request is not valid: see the messages.", bad_request))
            if not (path.endswith("/auth/token/") and method == "post"):
                add("401", _answer("Not signed in: no token, or an expired or revoked one.", error))
            if method in _UNSAFE and not path.endswith("/auth/token/"):
                add("403", _answer("Your role may not do this to this object.", error))
            if "{" in path:
                add("404", _answer("No such object, or none you may see.", error))
            if method in {"post", "put", "patch"} and _STATEFUL.search(path):
                add("409", _answer("The object is not in a state that allows this (see detail).", error))
    return result
