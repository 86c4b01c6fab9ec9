"""Request parsers (named in settings; kept apart from api.py for the same reason as auth.py)."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's, with nesting too deep for Python's json module reported as the parse error it
    is (it raised RecursionError: a 500 from every JSON endpoint for `[[[[...]]]]`)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None
