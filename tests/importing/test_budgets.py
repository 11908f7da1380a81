"""An import reads within fixed bounds, whatever the file declares or holds
(projects/exchange/spreadsheets.py Budget): the forged files an outside probe made, each
refused (or read for what it is) after reading no more than the budget allows."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from projects.exchange.spreadsheets import Budget, read_table

from ..files import hostile_ods, hostile_xlsx, ods_cell, ods_row

MAX_BYTES = 2 * 1024 * 1024


def read(content, name="import.xlsx", max_rows=5000):
    budget = Budget(max_rows=max_rows, max_cells=(max_rows + 1) * 40)
    try:
        table = read_table(ContentFile(content, name=name), MAX_BYTES, budget)
    except ValidationError as error:
        return budget, error.messages[0]
    return budget, table


def test_a_declared_dimension_of_the_whole_sheet_is_not_read_as_cells():
    # A1:XFD1048576, one cell in the last row and column: the reader used to pad every
    # row to 16,384 columns (A1:XFD6000: 11.5 s and 3 GB).
    last = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    content = hostile_xlsx([last], dimension="A1:XFD1048576")
    assert len(content) < 4096
    budget, (headers, rows) = read(content)
    assert headers == ["指标编号", "新累计值", "截至日期"]
    assert rows == []  # the one cell is in no column an import reads
    assert (budget.rows, budget.cells) == (2, 4)


def test_a_million_rows_in_a_small_file_are_refused_before_any_is_read():
    rows = ("<row><c><v>1</v></c></row>" for _ in range(1_000_000))  # numbered by order
    content = hostile_xlsx(rows, dimension="A1:C1000001")
    assert len(content) < 100 * 1024  # it took 38 s to read
    budget, message = read(content)
    assert "解压后内容过多" in message
    assert budget.rows == 0


def test_rows_past_the_cap_are_not_read():
    rows = ("<row><c><v>1</v></c></row>" for _ in range(100_000))
    budget, message = read(hostile_xlsx(rows, dimension="A1:C100001"))
    assert message == "文件超过 5000 行数据，请分成每份不超过 5000 行分批导入。"
    assert budget.rows == 5002  # the header, the cap, and the one that is too many


def test_a_huge_shared_string_table_is_refused_before_it_is_read():
    content = hostile_xlsx(shared_strings=10_000_000)  # 10 M strings, 170 MB unpacked
    assert len(content) < 1024 * 1024
    budget, message = read(content)
    assert "解压后内容过多" in message
    assert (budget.rows, budget.cells) == (0, 0)


def test_a_row_of_too_many_cells_stops_at_the_cell_budget():
    cells = "".join(f'<c r="A2"><v>{n}</v></c>' for n in range(100_000))
    budget, message = read(hostile_xlsx([f'<row r="2">{cells}</row>']), max_rows=10)
    assert "单元格过多" in message
    assert budget.cells == budget.max_cells + 1


def test_a_csv_of_a_hundred_thousand_rows_stops_at_the_row_cap():
    content = ("指标编号,新累计值,截至日期\n" + "1,2,2021-06-30\n" * 100_000).encode()
    assert len(content) < MAX_BYTES
    budget, message = read(content, name="import.csv")
    assert message.startswith("文件超过 5000 行数据")
    assert budget.rows == 5002


def test_a_csv_row_of_too_many_cells_stops_at_the_cell_budget():
    content = ("指标编号,新累计值,截至日期\n" + ",".join(["1"] * 2000) + "\n").encode()
    budget, message = read(content, name="import.csv", max_rows=10)
    assert "单元格过多" in message
    assert budget.rows == 2


# .ods: LibreOffice writes the empty rest of a sheet as rows and cells that repeat


def test_an_ods_cell_repeated_ninety_million_times_is_refused_before_any_is_made():
    # 14 KB that python-calamine read as a 90,000 × 1,000 grid: 34 s and 11 GB.
    content = hostile_ods(ods_row(ods_cell("x", repeated=1000), repeated=90_000))
    assert len(content) < 4096
    budget, message = read(content, name="填报.ods")
    assert "单元格过多" in message
    assert budget.rows == 1  # the header: not one of them was made
    assert budget.cells == budget.max_cells + 1


def test_ods_rows_of_a_value_past_the_cap_are_not_read():
    budget, message = read(hostile_ods(ods_row(ods_cell("1"), repeated=100_000)), name="填报.ods")
    assert message.startswith("文件超过 5000 行数据")
    assert budget.rows == 5002


def test_the_empty_rest_of_an_ods_sheet_costs_nothing_and_rows_are_numbered_as_shown():
    empty = ods_row('<table:table-cell table:number-columns-repeated="16384"/>', repeated=1_048_000)
    spaced = (
        '<table:table-cell office:value-type="string"><text:p>1<text:s text:c="2"/>200'
        "<office:annotation><text:p>批注</text:p></office:annotation></text:p></table:table-cell>"
    )
    content = hostile_ods(empty + ods_row(ods_cell("7") + spaced) + empty)
    budget, (_, rows) = read(content, name="填报.ods")
    assert [(line.number, list(line)) for line in rows] == [(1_048_002, ["7", "1  200"])]
    assert (budget.rows, budget.cells) == (2, 5)


def test_an_ods_with_a_dtd_is_not_read():
    entities = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    _, message = read(hostile_ods(ods_row(ods_cell("&b;")), prolog=entities), name="填报.ods")
    assert message.startswith("无法读取该文件")


def test_a_cell_of_a_million_spaces_is_refused_as_it_is_put_together():
    # 22 bytes stand for 1,000 spaces: 39 KB once made a cell of 700 million characters.
    spaces = '<text:s text:c="1000"/>' * 1000
    cell = (
        f'<table:table-cell office:value-type="string"><text:p>1{spaces}2</text:p>'
        "</table:table-cell>"
    )
    budget, message = read(hostile_ods(ods_row(cell, repeated=5000)), name="填报.ods")
    assert message == "第 2 行有单元格超过 2000 字，请精简后再导入。"
    assert budget.chars == len("指标编号新累计值截至日期")  # the header's only


def test_text_repeated_down_the_rows_counts_each_time():
    budget, message = read(
        hostile_ods(ods_row(ods_cell("字" * 1000, 3), repeated=1500)), name="填报.ods"
    )
    assert message == "文件中的文字过多，请只保留要导入的数据后再导入。"
    assert budget.chars == budget.max_chars + 1


def test_a_long_cell_is_refused_in_a_csv_and_an_xlsx_alike():
    long = "1" + " " * 3000 + "2"
    csv_file = f"指标编号,新累计值,截至日期\n1,{long},2021-06-30\n".encode()
    assert read(csv_file, name="填报.csv")[1] == "第 2 行有单元格超过 2000 字，请精简后再导入。"
    row = (
        f'<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve">{long}</t></is></c></row>'
    )
    assert read(hostile_xlsx([row]))[1] == "第 2 行有单元格超过 2000 字，请精简后再导入。"
