"""The API's JSON parser: DRF's, refusing bodies too deep to parse as a 400 instead of a RecursionError (500)."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Python's decoder recurses once per nested array or object: [[[[…]]]] exhausts the stack.
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
