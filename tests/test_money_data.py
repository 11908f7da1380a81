"""Money and the procedure steps in the open data: the API lists (budgets, funds,
contracts, payments, steps), the data package's CSVs and its list of public documents
carry what a reviewer approved, never before; a document that is not a redacted copy
approved with its entry never appears, and a person contractor is 自然人."""

import hashlib
import io
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile

from projects.models import MoneyDocument

from .factories import (
    BudgetFactory,
    ContractFactory,
    FundingFactory,
    MilestoneFactory,
    PaymentFactory,
    PlanFactory,
    ProjectFactory,
    StepReportFactory,
    UserFactory,
)
from .test_archive import download, problems

MONEY_LISTS = ["budgets", "funds", "contracts", "payments"]
PACKAGE = "/data/2021/yicheng-minsheng-shishi-2021.zip"
PERSON = "张三丰"  # a person contractor's name: never public


def document(entry, content, redacted, published=False):
    """A document of `entry` as an upload stores it (its checksum, size and type);
    `published` as its entry's approval leaves a redacted copy."""
    return MoneyDocument.objects.create(
        **{entry.document_link: entry},
        file=ContentFile(content, name="paper.pdf"),
        kind="pdf",
        content_type="application/pdf",
        original_name="paper.pdf",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        caption="中标通知书（脱敏件）" if redacted else "中标通知书（原件）",
        redacted=redacted,
        published=published,
    )


def api(client, name, query=""):
    response = client.get(f"/api/v1/{name}/{query}")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def package(client):
    """{file name: text} of the 2021 plan's package."""
    response = client.get(PACKAGE)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}


def everything(client):
    """The API lists and the package's files as one text: what a leak would be in."""
    texts = [str(api(client, name)) for name in [*MONEY_LISTS, "steps"]]
    return "\n".join([*texts, *package(client).values()])


@pytest.fixture
def entered(plan):
    """What a department entered for project 1 of 2021, submitted and not yet reviewed:
    a budget, a contract let to a person, its advance paid, funds in place, the permit
    step done; each with a redacted copy and an original."""
    project = ProjectFactory(plan=plan, number=1, title="农贸市场")
    submitted = {"state": "submitted", "project": project}
    budget = BudgetFactory(
        **submitted,
        total=Decimal("1234.567891"),
        district=Decimal("1000"),
        bonds=Decimal("234.567891"),
    )
    contract = ContractFactory(
        **submitted,
        contractor=PERSON,
        contractor_is_person=True,
        title="市场改造施工",
        amount=Decimal("800.5"),
        signed_on=date(2021, 3, 1),
        notice_url="https://ggzy.example.gov.cn/notice/1",
    )
    payment = PaymentFactory(
        **submitted, contract=contract, node="预付款", amount=Decimal("240.15")
    )
    funding = FundingFactory(**submitted, amount=Decimal("600"), as_of=date(2021, 4, 30))
    step = MilestoneFactory(project=project, title="施工许可", due_date=date(2021, 2, 28))
    report = StepReportFactory(milestone=step, done_on=date(2021, 2, 20))
    entries = [budget, contract, payment, funding, report]
    for number, entry in enumerate(entries):
        document(entry, f"redacted {number}".encode(), redacted=True)
        document(entry, f"original {number}: 6222 0000 1111".encode(), redacted=False)
    return entries


def approve_all(entries):
    reviewer = UserFactory(username="reviewer", is_superuser=True, is_staff=True)
    for entry in entries:
        entry.approve(reviewer)


def test_money_is_open_data_once_approved_and_never_before(client, entered, tmp_path):
    before = everything(client)
    for name in MONEY_LISTS:
        assert api(client, name)["count"] == 0, name
    (step,) = api(client, "steps")["results"]  # the step is planned in public, not done
    assert (step["title"], step["due_date"], step["done_on"]) == ("施工许可", "2021-02-28", None)
    assert step["documents"] == []
    files = package(client)
    for name in ("budgets", "funds", "contracts", "payments", "money_documents"):
        assert len(files[f"{name}.csv"].splitlines()) == 1, name  # the header alone
    for text in (
        "1234.567891",
        "800.5",
        "240.15",
        "市场改造施工",
        PERSON,
        "redacted",
        "2021-02-20",
    ):
        assert text not in before, text

    approve_all(entered)
    (budget,) = api(client, "budgets", "?plan=2021&project=1")["results"]
    assert budget["total"] == "1234.567891"  # exact, as entered
    assert (budget["district"], budget["bonds"], budget["central"]) == ("1000", "234.567891", None)
    (contract,) = api(client, "contracts")["results"]
    assert (contract["contractor"], contract["title"], contract["amount"]) == (
        "自然人",
        "市场改造施工",
        "800.5",
    )
    (payment,) = api(client, "payments")["results"]
    assert (payment["contract"], payment["amount"], payment["paid_on"]) == (
        contract["id"],
        "240.15",
        "2021-03-01",
    )
    (funding,) = api(client, "funds")["results"]
    assert (funding["source_label"], funding["amount"]) == ("区级资金", "600")
    (step,) = api(client, "steps")["results"]
    assert step["done_on"] == "2021-02-20"
    redacted = {
        number: hashlib.sha256(f"redacted {number}".encode()).hexdigest() for number in range(5)
    }
    for number, record in enumerate([budget, contract, payment, funding, step]):
        (shown,) = record["documents"]
        assert shown["sha256"] == redacted[number]
        assert shown["caption"] == "中标通知书（脱敏件）"
        assert shown["url"].startswith("http://testserver/")
    files = package(client)
    assert "1234.567891" in files["budgets.csv"] and "自然人" in files["contracts.csv"]
    assert "240.15" in files["payments.csv"] and "2021-02-20" in files["steps.csv"]
    assert all(digest in files["money_documents.csv"] for digest in redacted.values())
    download(client, tmp_path)
    assert problems(tmp_path) == []  # valid, payments' contracts and all
    after = everything(client)
    assert PERSON not in after
    for entry in entered:  # the originals: never served, never listed
        original = entry_documents(entry).get(redacted=False)
        assert original.sha256 not in after and original.get_absolute_url() not in after


def entry_documents(entry):
    return MoneyDocument.objects.filter(**{entry.document_link: entry})


def test_an_unpublished_plans_money_is_not_listed(client, db):
    hidden = ProjectFactory(plan__year=2030, plan__is_published=False, number=1)
    BudgetFactory(project=hidden)
    ContractFactory(project=hidden)
    MilestoneFactory(project=hidden)
    for name in [*MONEY_LISTS, "steps"]:
        assert api(client, name)["count"] == 0, name


def test_a_payment_is_listed_only_with_its_contract(client, plan):
    contract = ContractFactory(project__plan=plan, state="submitted")
    PaymentFactory(contract=contract)  # approved first, in the queue's order
    assert api(client, "payments")["count"] == 0


def test_a_correction_is_a_row_of_its_own_naming_the_one_it_corrects(client, plan):
    contract = ContractFactory(project__plan=plan, project__number=2, amount=Decimal("100"))
    accepted = PaymentFactory(contract=contract, node="主体完工", amount=None, paid_on=None)
    paid = PaymentFactory(
        contract=contract, node="主体完工", corrects=accepted, amount=Decimal("30")
    )
    rows = api(client, "payments")["results"]
    assert [(r["id"], r["amount"], r["corrects"]) for r in rows] == [
        (accepted.pk, None, None),  # accepted, not yet paid: no amount, never 0
        (paid.pk, "30", accepted.pk),
    ]


# Queries. Each request also costs the rate limit's count (one upsert, as test_api.py
# says); the first request opens its window.
LIMIT = 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # 1 the plan of ?plan=, 2 the count, 3 the page of entries with project and plan,
        # 4 their public documents
        ("budgets", 4),
        ("funds", 4),
        ("contracts", 4),
        ("payments", 4),
        # 1 the plan of ?plan=, 2 the count, 3 the page of steps with project and plan,
        # 4 their approved reports, 5 those reports' public documents
        ("steps", 5),
    ],
)
def test_a_money_list_costs_the_same_queries_however_much_money(
    client, plan, queries_of, django_assert_num_queries, name, expected
):
    reviewer = UserFactory(username="reviewer", is_superuser=True, is_staff=True)

    def add(project):
        BudgetFactory(project=project)
        FundingFactory(project=project)
        payment = PaymentFactory(contract=ContractFactory(project=project))
        report = StepReportFactory(milestone=MilestoneFactory(project=project))
        report.approve(reviewer)
        for entry in (payment, report, payment.contract):
            document(entry, f"copy of {entry.pk}".encode(), redacted=True, published=True)

    add(ProjectFactory(plan=plan, number=1))
    url = f"/api/v1/{name}/?plan=2021"
    client.get(url)  # opens the rate limit's window
    small = queries_of(url)
    other = PlanFactory(year=2020, period_start=date(2020, 1, 1), period_end=date(2020, 12, 31))
    for number in range(2, 6):
        add(ProjectFactory(plan=plan, number=number))
        add(ProjectFactory(plan=other, number=number))
    assert len(queries_of(url)) == len(small)
    with django_assert_num_queries(LIMIT + expected):
        queries_of(url)
    with django_assert_num_queries(LIMIT + expected - 1):  # every plan: no plan to find
        queries_of(url.split("?")[0])
