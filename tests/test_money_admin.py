"""The officials' side of money and procedure steps (issue 35), over HTTP: what a
reporter enters, what the forms refuse or ask to confirm, who may open each document,
and what a reviewer's approval publishes and writes."""

import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects.models import (
    ESTIMATE_NOTE,
    Budget,
    Contract,
    Funding,
    Milestone,
    MoneyDocument,
    Payment,
    ProgressReport,
    StepReport,
)
from projects.rules import roles

from .conftest import make_official, make_plan, shared_world
from .factories import (
    BudgetFactory,
    ContractFactory,
    DepartmentFactory,
    FundingFactory,
    MilestoneFactory,
    PaymentFactory,
    ProjectFactory,
    StepReportFactory,
    TargetFactory,
)
from .refusals import HTTP_404, NOT_FOUND, assert_refused, messages_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_world():
    plan = make_plan()
    a = DepartmentFactory(name="区园林局")
    b = DepartmentFactory(name="区公路局")
    project_a = ProjectFactory(plan=plan, number=1, title="口袋公园", lead_department=a)
    project_b = ProjectFactory(plan=plan, number=2, title="农村公路", lead_department=b)
    reviewer = make_official("reviewer", roles.REVIEWER)
    reporter_a = make_official("reporter_a", roles.REPORTER, a)
    return SimpleNamespace(
        project_a=project_a,
        project_b=project_b,
        reporter_a=reporter_a,
        reporter_b=make_official("reporter_b", roles.REPORTER, b),
        reviewer=reviewer,
        budget_a=BudgetFactory(project=project_a, as_of=date(2021, 3, 1), created_by=reporter_a),
        contract_a=ContractFactory(
            project=project_a, amount=Decimal(800), signed_on=date(2021, 5, 1)
        ),
    )


built_world, world = shared_world(make_world)


def add_url(model):
    return reverse(f"admin:projects_{model}_add")


def with_documents(data, *files):
    """A money form's POST with its document inline: each of `files` (upload, redacted)."""
    data = {
        **data,
        "documents-TOTAL_FORMS": str(len(files)),
        "documents-INITIAL_FORMS": "0",
        "documents-MIN_NUM_FORMS": "0",
        "documents-MAX_NUM_FORMS": "1000",
    }
    for n, (upload, redacted) in enumerate(files):
        data[f"documents-{n}-file"] = upload
        data[f"documents-{n}-caption"] = upload.name
        if redacted:
            data[f"documents-{n}-redacted"] = "on"
    return data


def png():
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return SimpleUploadedFile("凭证（脱敏）.png", out.getvalue())


def budget(w, **fields):
    return with_documents(
        {"project": w.project_a.pk, "total": "1000", "district": "1000", "as_of": "2021-06-01"}
        | fields
    )


def contract(w, **fields):
    data = {
        "project": w.project_a.pk,
        "kind": "construction",
        "method": "open_tender",
        "contractor": "驻马店市园林建设有限公司",
        "title": "口袋公园二期施工",
        "amount": "150",
        "signed_on": "2021-06-01",
        "notice_url": "https://ggzy.example.cn/notice/1",
    }
    return with_documents(data | fields)


def payment(w, **fields):
    data = {"contract": w.contract_a.pk, "node": "预付款", "amount": "100"}
    return with_documents(data | {"paid_on": "2021-06-01"} | fields)


BAD_INPUT = [
    # what                       model      form     fields                        message
    ("sources that do not sum", "budget", budget, {"central": "300", "district": "600"},
     "各资金来源合计 900 万元，与计划总投资 1000 万元不一致。"),
    ("negative amount", "budget", budget, {"total": "-1", "district": ""}, "金额不能为负数。"),
    ("paid before the contract", "payment", payment, {"paid_on": "2021-04-30"},
     "拨付日期不能早于合同签订日期（2021-05-01）。"),
    ("a javascript: link", "contract", contract, {"notice_url": "javascript:alert(1)"},
     "链接须以 http:// 或 https:// 开头。"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("model", "form", "fields", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUT],
)
def test_bad_input_is_refused_in_chinese_and_saves_nothing(
    client, world, model, form, fields, message
):
    client.force_login(world.reporter_a)
    counts = [m.objects.count() for m in (Budget, Contract, Payment, MoneyDocument)]
    response = client.post(add_url(model), form(world, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert [m.objects.count() for m in (Budget, Contract, Payment, MoneyDocument)] == counts


def test_a_contract_over_the_budget_is_saved_only_once_confirmed(client, world):
    client.force_login(world.reporter_a)
    data = contract(world, amount="300")  # 800 already contracted, the budget is 1000
    response = client.post(add_url("contract"), data)
    assert response.status_code == 200
    assert "合同金额合计 1100 万元，超过预算 1000 万元。" in response.content.decode()
    assert not Contract.objects.filter(title="口袋公园二期施工").exists()

    response = client.post(add_url("contract"), data | {"confirmed": "on"})
    assert response.status_code == 302
    saved = Contract.objects.get(title="口袋公园二期施工")
    assert (saved.state, saved.created_by, saved.amount) == (
        "submitted",
        world.reporter_a,
        Decimal(300),
    )


def test_documents_are_private_until_a_redacted_copy_is_approved(client, world):
    client.force_login(world.reporter_a)
    response = client.post(
        add_url("funding"),
        with_documents(
            {"project": world.project_a.pk, "source": "district", "amount": "500"}
            | {"as_of": "2021-06-01"},
            (SimpleUploadedFile("拨付凭证.pdf", PDF), False),
            (png(), True),
        ),
    )
    assert response.status_code == 302
    funding = Funding.objects.get()
    original, redacted = funding.documents.order_by("redacted")
    assert original.file.name.startswith("money/")
    urls = [reverse("projects:money_document", args=[d.key]) for d in (original, redacted)]

    def opens(user, url):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client.get(url)

    for url in urls:
        assert_refused(opens(None, url), HTTP_404)
        assert_refused(opens(world.reporter_b, url), HTTP_404)
    private = opens(world.reporter_a, urls[0])
    assert (private.status_code, private["Cache-Control"]) == (200, "private, no-store")
    assert private["Content-Disposition"].startswith("attachment")
    assert b"".join(private.streaming_content) == PDF
    assert opens(world.reviewer, urls[1]).status_code == 200

    # The reviewer's page lists both, linked through our view only.
    page = opens(world.reviewer, reverse("admin:projects_funding_change", args=[funding.pk]))
    html = page.content.decode()
    assert [url in html for url in urls] == [True, True]
    assert original.file.name not in html

    client.post(
        reverse("admin:projects_funding_changelist"),
        {"action": "approve_selected", "_selected_action": [funding.pk], "note": ""},
    )
    funding.refresh_from_db()
    assert funding.state == "approved"
    public = opens(None, urls[1])
    assert (public.status_code, public["Content-Type"]) == (200, "image/png")
    assert public["Cache-Control"].startswith("public")
    assert_refused(opens(None, urls[0]), HTTP_404)


def test_a_reviewer_cannot_approve_their_own_entry(client, world):
    both = make_official("both", roles.REVIEWER, world.project_a.lead_department)
    both.groups.add(*world.reporter_a.groups.all())
    client.force_login(both)
    assert client.post(add_url("budget"), budget(world)).status_code == 302
    entry = Budget.objects.get(created_by=both)
    response = client.post(
        reverse("admin:projects_budget_changelist"),
        {"action": "approve_selected", "_selected_action": [entry.pk], "note": ""},
    )
    assert "不能审核自己经手过的预算。" in messages_of(response)
    entry.refresh_from_db()
    assert entry.state == "submitted"


def test_another_departments_reporter_cannot_see_the_entry(client, world):
    client.force_login(world.reporter_b)
    url = reverse("admin:projects_budget_change", args=[world.budget_a.pk])
    assert_refused(client.get(url), NOT_FOUND)
    listed = client.get(reverse("admin:projects_budget_changelist")).context["cl"].result_list
    assert list(listed) == []
    # Nor may they enter money on a project that is not their department's.
    response = client.post(add_url("budget"), budget(world))
    assert "只能选择本单位的实事。" in response.content.decode()
    assert Budget.objects.count() == 1


def test_a_candidate_estimate_is_labelled_and_never_approved(client, world):
    estimate = BudgetFactory(
        project=world.project_b, estimate=True, state="returned", note=ESTIMATE_NOTE
    )
    client.force_login(world.reviewer)
    listing = client.get(reverse("admin:projects_budget_changelist")).content.decode()
    assert listing.count("候选估算（草稿）") == 1
    page = client.get(reverse("admin:projects_budget_change", args=[estimate.pk]))
    assert "候选估算（草稿，不能审核通过）" in page.content.decode()
    Budget.objects.filter(pk=estimate.pk).update(state="submitted")
    response = client.post(
        reverse("admin:projects_budget_changelist"),
        {"action": "approve_selected", "_selected_action": [estimate.pk], "note": ""},
    )
    assert "不能作为预算审核通过" in messages_of(response)
    estimate.refresh_from_db()
    assert estimate.state == "submitted"


def test_an_approved_step_report_writes_the_step_and_its_target(client, world):
    target = TargetFactory(project=world.project_a, kind="milestone", target_value=1)
    step = Milestone.objects.create(
        project=world.project_a, step="start", title="公园开工", due_date=date(2021, 5, 31)
    )
    step.target = target
    step.save()
    client.force_login(world.reporter_a)
    response = client.post(
        add_url("stepreport"), with_documents({"milestone": step.pk, "done_on": "2021-05-20"})
    )
    assert response.status_code == 302
    entry = StepReport.objects.get()
    step.refresh_from_db()
    assert step.done_on is None  # written by the approval only

    client.force_login(world.reviewer)
    client.post(
        reverse("admin:projects_stepreport_changelist"),
        {"action": "approve_selected", "_selected_action": [entry.pk], "note": ""},
    )
    step.refresh_from_db()
    assert step.done_on == date(2021, 5, 20)
    figure = ProgressReport.objects.approved().get(target=target)
    assert (figure.value, figure.as_of, figure.from_step) == (1, date(2021, 5, 20), True)


MONEY_LISTS = ["budget", "funding", "contract", "payment", "stepreport"]


@pytest.mark.parametrize("model", MONEY_LISTS)
def test_money_list_queries_do_not_grow_with_data(
    client, world, queries_of, model, django_assert_num_queries
):
    client.force_login(world.reviewer)
    url = reverse(f"admin:projects_{model}_changelist")
    small = queries_of(url)
    for project in (world.project_a, world.project_b):
        for n in range(3):
            BudgetFactory(project=project)
            FundingFactory(project=project, source="district", as_of=date(2021, 4, n + 1))
            PaymentFactory(contract=ContractFactory(project=project, signed_on=date(2021, 5, 1)))
            StepReportFactory(milestone=MilestoneFactory(project=project))
    large = queries_of(url)
    assert len(large) == len(small)
    # 1 the session, 2 the user, 3 and 4 its permissions (its own, its roles'), 5 the
    # plans for the year picker, 6 the plan the list opens on, 7 the count of rows, 8
    # the page of rows with what they show, then whether any plan carries demo data (9);
    # and the account's 任职 (the jurisdiction it works in), 10.
    with django_assert_num_queries(10):
        queries_of(url)


def entry_of(model, project, **fields):
    """A submitted entry of `model` on `project`, with one private document."""
    if model == "payment":
        entry = PaymentFactory(contract=ContractFactory(project=project), **fields)
    elif model == "stepreport":
        entry = StepReportFactory(milestone=MilestoneFactory(project=project), **fields)
    else:
        factories = {
            "budget": BudgetFactory,
            "funding": FundingFactory,
            "contract": ContractFactory,
        }
        entry = factories[model](project=project, **fields)
    MoneyDocument.objects.create(
        **{entry.document_link: entry},
        file=ContentFile(PDF, name="凭证.pdf"),
        kind="pdf",
        content_type="application/pdf",
        original_name="凭证.pdf",
        size=len(PDF),
    )
    return entry


@pytest.mark.parametrize("model", MONEY_LISTS)
def test_money_entry_page_queries_do_not_grow_with_data(
    client, world, queries_of, model, django_assert_num_queries
):
    client.force_login(world.reporter_a)
    entry = entry_of(model, world.project_a, state="submitted", created_by=world.reporter_a)
    url = reverse(f"admin:projects_{model}_change", args=[entry.pk])
    client.get(url)  # Django's content types, read once per process, are then known
    small = queries_of(url)
    for project in (world.project_a, world.project_b):
        for _ in range(3):
            entry_of(model, project, state="approved")  # each may be corrected
    large = queries_of(url)
    assert len(large) == len(small)
    # 1 the session, 2 the user, 3 and 4 its permissions, 5 the entry, 6 its documents,
    # 7 their photos' checks (a PDF has none), 8 what its name reads (its project,
    # contract or step), 9 whether any plan carries demo data, 10 the choices of what
    # it is for (the reporter's projects, contracts or steps), 11 the approved entries
    # it may correct, 12 who entered it; and the account's 任职 (the jurisdiction it
    # works in), 13.
    with django_assert_num_queries(13):
        queries_of(url)
