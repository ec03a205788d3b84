"""The API schema documents every status an operation may answer, not only its success.

Every operation may answer 400 (its input refused, with the messages by field), 401 (no or bad
credentials), 403 (not allowed for this user), 404 (unknown, or outside what the user may see:
the same answer, so a scope is not probed by its errors) and 429 (too many attempts); an operation
that reads a body may also answer 415 (a body without a Content-Type, or of one it does not read). drf-
spectacular documents only the success; this schema class adds the others, so that a client
(and schemathesis, tests/api/test_schemathesis.py) can rely on the documented statuses.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

ERROR_BODY = {"type": "object", "additionalProperties": True,
              "description": "{\"detail\": message}, or {field: [messages]} for refused input"}
ERRORS = {
    "400": "The input was refused: the messages say why, by field.",
    "401": "No credentials, or credentials that are not valid (any more).",
    "403": "Not allowed for this user.",
    "404": "Not found, or outside what this user may see.",
    "429": "Too many attempts: try again later.",
}
BODY_ERRORS = {"415": "The body's Content-Type is missing, or not one this operation reads."}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {**ERRORS, **BODY_ERRORS} if self.method in ("POST", "PUT", "PATCH") else ERRORS
        for status, description in errors.items():
            responses.setdefault(status, {"description": description,
                                          "content": {"application/json": {"schema": ERROR_BODY}}})
        return responses
