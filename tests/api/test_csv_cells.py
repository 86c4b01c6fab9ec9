"""CSV cells written by exports and read by importers (crm/platform/csv_files.py)."""

import pytest

from crm.platform.csv_files import cell_neutralise, cell_unquote


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-cmd", "'-cmd"),
        ("@IMPORTXML()", "'@IMPORTXML()"),
        ("\tleading tab", "'\tleading tab"),
        ("\rleading CR", "'\rleading CR"),
        ("'already quoted", "''already quoted"),
        ("-", "'-"),
        ("+86 138 0013 8000", "'+86 138 0013 8000"),
        ("+8613800138000", "+8613800138000"),
        ("-12.50", "-12.50"),
        ("+3", "+3"),
        ("王芳", "王芳"),
        ("a=b", "a=b"),
        (None, ""),
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_written_as_text(value, written):
    assert cell_neutralise(value) == written
    assert cell_unquote(written) == ("" if value is None else value)
