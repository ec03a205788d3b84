"""Spreadsheet cells that stay data: a text beginning with =, +, -, @, a tab or a carriage return
is what Excel, LibreOffice and Google Sheets read as a formula (`=HYPERLINK(...)`, `=cmd|...`).

Every CSV and XLSX export calls these: CSV cells get a leading apostrophe (OWASP's advice, shown
by spreadsheets as the text itself); XLSX cells are written as text cells, never as formulas.
Numbers stay numbers, negative ones included: only text is ever changed. Pure, no Django.
"""

from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value):
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value):
    """The value for a CSV cell: a formula-like text prefixed with an apostrophe, anything else as it is."""
    return "'" + value if is_formula_like(value) else value


def csv_row(row):
    return [csv_cell(value) for value in row]


def xlsx_row(sheet, row):
    """The row for a write-only openpyxl sheet: every text as a text cell (openpyxl would make a
    formula of one beginning with "="), with the same apostrophe as in CSV so that a copy of the
    cell pasted elsewhere stays text too."""
    cells = []
    for value in row:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=csv_cell(value))
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells
