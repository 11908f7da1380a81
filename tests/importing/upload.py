"""The official's round trip through the admin: download the template, upload a file."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

IMPORT = reverse("admin:projects_import")
TEMPLATE = reverse("admin:projects_import_template")


def template(client):
    response = client.get(TEMPLATE)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content))


def filled(client, rows):
    """The downloaded template with `rows` ({target name: {column: value}}) filled in."""
    workbook = template(client)
    sheet = workbook["填报"]
    headers = [c.value for c in sheet[1]]
    for line in sheet.iter_rows(min_row=2):
        name = line[headers.index("指标")].value
        for column, value in rows.get(name, {}).items():
            line[headers.index(column)].value = value
    return saved(workbook)


def saved(workbook):
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def check(client, content, name="填报.xlsx"):
    """The dry run of an upload."""
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, content)})


def confirm(client, response):
    return client.post(IMPORT, {"confirm": "1", "token": response.context["token"]}, follow=True)
