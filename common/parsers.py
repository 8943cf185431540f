"""The JSON API's request parser (settings.REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

DRF's JSONParser turns malformed JSON into a 400 but only catches ``ValueError``: a body nested deeply
enough (``[[[[...]]]]``, some 100,000 levels in a 200 KB body) makes ``json.load`` raise ``RecursionError``,
which reached the exception handler as a logged 500, from anonymous callers too (the token exchange).
"""
from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser, with JSON nested too deeply to parse answered as malformed JSON (400 parse_error)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
