"""A figure waiting for review: the template shows it, and the dry run of a new figure of
its target says which it is and what the import does (both go to the reviewer)."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from projects.exchange.importing import check_file
from projects.models import ProgressReport
from projects.rules import roles

from ..conftest import make_official
from ..factories import ReportFactory, TargetFactory
from .upload import check, confirm, filled, saved, template

SUBMITTED_AT = datetime(2021, 7, 2, 2, 15, tzinfo=UTC)  # 10:15 in Asia/Shanghai
WAITING_999 = "该指标已有等待审核的填报：截至2021-06-30的 999（2021-07-02 10:15 提交）。"
BESIDE = "本行导入后另作一条交审核员审核，不会替换或撤回它。"
LATEST_IS_CURRENT = "审核通过的各条以截至日期最晚的一条为当前值"


def waiting(target, value=999, as_of=date(2021, 6, 30), **fields):
    """A figure of `target` submitted (at SUBMITTED_AT unless told) and not yet reviewed."""
    fields = {"submitted_at": SUBMITTED_AT, **fields}
    return ReportFactory(target=target, value=value, as_of=as_of, state="submitted", **fields)


def csv_rows(*rows):
    """A CSV upload: (target, value, as_of, note) each; every row explains a delay."""
    lines = ["指标编号,新累计值,截至日期,备注,滞后原因,下一步措施"]
    lines += [f"{t.pk},{value},{day},{note},雨季,加快" for t, value, day, note in rows]
    return "\n".join(lines).encode()


def sheet_rows(client):
    """{target name: {column: cell value}} of the downloaded template's target rows."""
    rows = list(template(client)["填报"].iter_rows(values_only=True))
    headers = rows[0]
    return {row[3]: dict(zip(headers, row, strict=True)) for row in rows[1:] if any(row)}


# The template


def test_the_template_shows_each_targets_latest_figure_waiting_for_review(
    client, reporter, targets
):
    parking, renovation, _ = targets
    ReportFactory(target=parking, value=800, as_of=date(2021, 5, 31))  # approved
    waiting(parking, value=900, as_of=date(2021, 6, 15))
    waiting(parking)  # 999 as of June 30: the latest of the two
    ReportFactory(target=renovation, value=700, as_of=date(2021, 6, 30), state="draft")
    ReportFactory(target=renovation, value=710, as_of=date(2021, 6, 30), state="returned")
    rows = sheet_rows(client)
    shown = ["已审核当前值", "已审核截至日期", "待审核值", "待审核截至日期", "待审核提交时间"]
    assert [rows[parking.name][c] for c in shown] == [
        800, datetime(2021, 5, 31), 999, datetime(2021, 6, 30), datetime(2021, 7, 2, 10, 15)
    ]  # fmt: skip
    # A draft or a returned figure is its reporter's, not before the reviewer.
    assert [rows[renovation.name][c] for c in shown[2:]] == [None, None, None]


def test_the_template_downloaded_and_uploaded_unchanged_imports_nothing_and_says_so(
    client, reporter, targets
):
    waiting(targets[0])
    response = check(client, saved(template(client)))
    result = response.context["check"]
    assert (result.ok, result.file_errors, result.notes) == (True, [], [])  # no column foreign
    assert [r.outcome for r in result.rows] == ["empty", "empty"]
    assert "没有需要导入的新数据" in response.content.decode()


def test_a_figure_waiting_in_the_template_is_not_read_as_a_new_one(client, reporter, targets):
    parking, renovation, _ = targets
    waiting(parking)
    content = filled(client, {renovation.name: {"新累计值": 1100, "截至日期": "2021-08-31"}})
    result = check(client, content).context["check"]
    assert [(r.target, r.outcome) for r in result.rows] == [
        (str(renovation.pk), "new"),
        (str(parking.pk), "empty"),  # its 待审核值 999 is not a 新累计值
    ]


def test_the_template_reads_the_waiting_figures_in_one_query_however_many_targets(
    client, reporter, department, plan, django_assert_num_queries
):
    def more(n):
        for _ in range(n):
            target = TargetFactory(project__plan=plan, project__lead_department=department)
            waiting(target, value=20, as_of=date(2021, 3, 31))

    def shown():
        return sum(row["待审核值"] == 20 for row in sheet_rows(client).values())

    more(2)
    # 1 the session, 2 the user, 3, 4 their own and their groups' permissions (may they
    # add reports, see every department?), 5 the plan being delivered, 6 the targets
    # they report on with their approved figures, 7 the figures waiting for review; the
    # money sheets: 8 their projects, 9 those projects' contracts, 10 their steps; and
    # 11 their 任职 (the jurisdiction they work in).
    with django_assert_num_queries(11):
        assert shown() == 2
    more(20)
    with django_assert_num_queries(11):
        assert shown() == 22


# The dry run


def test_a_new_figure_of_a_target_with_one_waiting_is_imported_beside_it_with_a_warning(
    client, reporter, targets
):
    parking, renovation, _ = targets
    old = waiting(parking)
    content = csv_rows((parking, 1200, "2021-08-31", ""), (renovation, 1100, "2021-08-31", ""))
    response = check(client, content, "a.csv")
    result = response.context["check"]
    assert [(r.outcome, r.warnings) for r in result.rows] == [
        ("new", [f"{WAITING_999}{BESIDE}{LATEST_IS_CURRENT}。"]),
        ("new", []),  # 老旧小区改造 has nothing waiting
    ]
    html = response.content.decode()
    row = html[html.index("<td>第 2 行</td>") : html.index("<td>第 3 行</td>")]
    assert f"<strong>请注意</strong>：{WAITING_999}" in row  # next to its row
    assert "有 1 行的指标已有等待审核的填报" in html
    assert 'name="confirm"' in html  # a warning, not a refusal

    confirm(client, response)
    entered = ProgressReport.objects.filter(target=parking).order_by("as_of")
    assert [(r.value, r.state) for r in entered] == [(999, "submitted"), (1200, "submitted")]
    checker = make_official("checker", roles.REVIEWER)
    new = entered.last()
    new.approve(checker)
    ProgressReport.objects.get(pk=old.pk).approve(checker)  # approved after it
    parking.refresh_from_db()
    assert parking.latest_value == 1200  # the latest dated is the current one


def test_a_target_with_nothing_waiting_gives_no_warning(client, reporter, targets):
    parking, renovation, _ = targets
    ReportFactory(target=parking, value=800, as_of=date(2021, 5, 31))  # approved
    ReportFactory(target=parking, value=900, as_of=date(2021, 6, 30), state="draft")
    ReportFactory(target=parking, value=950, as_of=date(2021, 6, 30), state="returned")
    ReportFactory(target=parking, value=990, as_of=date(2021, 6, 30), state="withdrawn")
    waiting(renovation)  # another target's
    response = check(client, csv_rows((parking, 1200, "2021-08-31", "")), "a.csv")
    assert [(r.outcome, r.warnings) for r in response.context["check"].rows] == [("new", [])]
    assert "等待审核的填报" not in response.content.decode()


def test_a_figure_of_the_date_of_one_waiting_is_told_the_second_approved_needs_a_note(
    client, reporter, targets
):
    parking = targets[0]
    old = waiting(parking)
    response = check(client, csv_rows((parking, 1000, "2021-06-30", "")), "a.csv")
    assert response.context["check"].rows[0].warnings == [
        f"{WAITING_999}{BESIDE}两条截至日期都是 2021-06-30：一条审核通过后，另一条属于更正，"
        "须在备注中说明原因才能通过。如只是要改正等待审核的那条，请审核员退回它，"
        "在后台修改，不必导入本行。"
    ]
    confirm(client, response)
    checker = make_official("checker", roles.REVIEWER)
    old.approve(checker)
    new = ProgressReport.objects.get(value=1000)
    with pytest.raises(ValidationError, match="本次填报属于更正，请在备注中说明原因"):
        new.approve(checker)


WHAT_FOLLOWS = [
    # value, as of, note: what the warning says after which figure waits and BESIDE
    (1200, "2021-08-31", "", f"{LATEST_IS_CURRENT}。"),
    (
        900,
        "2021-05-31",
        "",
        f"{LATEST_IS_CURRENT}：本行早于截至2021-06-30的那条，那条通过后，本行不会是当前值。",
    ),
    (
        950,
        "2021-07-31",
        "",
        f"{LATEST_IS_CURRENT}。本行数值低于截至2021-06-30的 999："
        "那条先审核通过的话，本行属于更正，须在备注中说明原因才能通过。",
    ),
    (950, "2021-07-31", "核减重复统计", f"{LATEST_IS_CURRENT}。"),  # the note is there
]


@pytest.mark.parametrize(("value", "day", "note", "follows"), WHAT_FOLLOWS)
def test_the_warning_says_which_figure_will_be_current_and_what_needs_a_note(
    client, reporter, targets, value, day, note, follows
):
    parking = targets[0]
    waiting(parking)
    rows = check(client, csv_rows((parking, value, day, note)), "a.csv").context["check"].rows
    assert [(r.outcome, r.warnings) for r in rows] == [("new", [f"{WAITING_999}{BESIDE}{follows}"])]


def test_a_lower_figure_is_not_a_correction_of_one_waiting_before_the_approved_one(
    client, reporter, targets
):
    parking = targets[0]
    waiting(parking, value=999, as_of=date(2021, 5, 31))
    ReportFactory(target=parking, value=900, as_of=date(2021, 6, 30))  # approved, later
    rows = check(client, csv_rows((parking, 950, "2021-07-31", "")), "a.csv").context["check"].rows
    (warning,) = rows[0].warnings
    assert warning.endswith(f"{LATEST_IS_CURRENT}。")  # its previous stays the approved 900


def test_several_figures_waiting_are_all_named(client, reporter, targets):
    parking = targets[0]
    waiting(parking)
    waiting(parking, value=800, as_of=date(2021, 5, 31), submitted_at=None)
    rows = check(client, csv_rows((parking, 1200, "2021-08-31", "")), "a.csv").context["check"].rows
    assert rows[0].warnings == [
        "该指标已有 2 条等待审核的填报：截至2021-06-30的 999（2021-07-02 10:15 提交）、"
        "截至2021-05-31的 800。本行导入后另作一条交审核员审核，不会替换或撤回它们。"
        f"{LATEST_IS_CURRENT}。"
    ]


def test_a_reporter_is_warned_of_a_figure_a_colleague_submitted(client, reporter, targets):
    colleague = make_official("colleague", roles.REPORTER, reporter.departments.get())
    waiting(targets[0], created_by=colleague, submitted_by=colleague)
    content = ContentFile(csv_rows((targets[0], 1200, "2021-08-31", "")), name="a.csv")
    assert check_file(content, reporter).rows[0].warnings[0].startswith(WAITING_999)
