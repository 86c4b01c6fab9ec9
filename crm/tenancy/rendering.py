"""Responses whose JSON PostgreSQL already wrote.

A view returns `Response(EncodedJson(text))`; `EncodedJsonRenderer` sends the text as it
is, and renders any other data (errors, other methods of the view) like DRF's
JSONRenderer. Only for text that is JSON by construction (built with json_build_object
and the like), never for text from user input.
"""

import json

from rest_framework.renderers import JSONRenderer


class EncodedJson:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


class EncodedJsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, EncodedJson):
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type or "", renderer_context or {}):
            # The browsable API asks for an indented copy.
            return super().render(json.loads(data.text), accepted_media_type, renderer_context)
        return data.text.encode()
