"""Lengths of free text, one place for every model, form and serializer. Pure: no Django import.

A person writes an incident's account or a complaint's answer in a few thousand characters; a
comment or a reason in a few hundred. Anything longer is refused with the field's own message
("Ensure this field has no more than N characters"), so a 30 MB "description" never reaches the
database, the API's lists or a coordinator's page.
"""

LONG_TEXT = 10_000  # what happened, a category's description, a complaint's answer
NOTES = 5_000  # an election's notes
SHORT_TEXT = 2_000  # witnesses, comments, reasons
