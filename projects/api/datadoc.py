"""The open data page's documentation, read from the API's document in the visitor's
language."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from projects.api.endpoints import api
from projects.web.addresses import api_path

KINDS = {
    "integer": _("整数"),
    "number": _("数字（一位小数）"),
    "boolean": _("布尔值"),
    "date": _("日期（YYYY-MM-DD）"),
    "date-time": _("时间（ISO 8601，北京时间）"),
    "uri": _("网址"),
    "figure": _("数字字符串，如 “12.5”"),
    "string": _("文本"),
    "object": _("对象"),
}


def kind(schema):
    """What a field holds, in words: "整数", "日期（YYYY-MM-DD）或 null", "整数列表" …"""
    options = schema.get("anyOf", [schema])
    main = next(option for option in options if option.get("type") != "null")
    if len(options) > 1:
        return _("%(kind)s或 null") % {"kind": kind(main)}
    if "enum" in main:
        return _("以下之一：%(values)s") % {
            "values": gettext("、").join(str(value) for value in main["enum"])
        }
    if main.get("type") == "array":
        return _("%(kind)s列表") % {"kind": kind(main["items"])}
    if "$ref" in main:
        return KINDS["object"]
    if "pattern" in main:
        return KINDS["figure"]
    return KINDS.get(main.get("format"), KINDS.get(main.get("type"), KINDS["string"]))


def documentation(example_year):
    """The endpoints for the open data page: name, path, an example URL, what it
    lists, its parameters and its record's fields (name, kind, meaning)."""
    document = api.get_openapi_schema(path_prefix=api_path("projects:api-root"))
    components = document["components"]["schemas"]
    endpoints = []
    for url, item in document["paths"].items():
        operation = item["get"]
        page = operation["responses"][200]["content"]["application/json"]["schema"]
        page = components[page["$ref"].rsplit("/", 1)[-1]]
        if "results" not in page["properties"]:  # the sites' GeoJSON: said on its own
            continue
        record = components[page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[-1]]
        parameters = sorted(operation["parameters"], key=lambda p: p["name"].startswith("page"))
        endpoints.append(
            {
                "name": operation["operationId"],
                "path": url,
                "example": url
                + (f"?plan={example_year}" if any(p["name"] == "plan" for p in parameters) else ""),
                "summary": operation["summary"],
                "parameters": [(p["name"], p["description"]) for p in parameters],
                "fields": [
                    (name, kind(field), field["description"])
                    for name, field in record["properties"].items()
                ],
            }
        )
    return endpoints
