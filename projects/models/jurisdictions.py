"""Jurisdictions (行政区划): the tree of governments whose plans one deployment keeps,
市 → 县 / 区 → 乡镇 / 街道 (issue 38).

Where each rule lives:
- the shape of the tree (a city at the top, a county or district under a city, a
  township under a county): `Jurisdiction.clean`;
- a jurisdiction and everything below it: `JurisdictionQuerySet.within` (by `path`, the
  codes from the top, so a subtree is one indexed prefix, never a walk);
- the jurisdiction an address without one means (/plans/2021/, the API's `plan=2021`):
  `JurisdictionQuerySet.home`, settings.HOME_JURISDICTION;
- the jurisdiction a request is answered for (/411721/plans/2021/ is 411721's, an
  address without a code the home one's): `served_code`, set by web/addresses.py.
"""

from contextlib import contextmanager

from asgiref.local import Local
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The jurisdictions a deployment knows without being told: the home one of a fresh
# install (settings.HOME_JURISDICTION) and the city above it, by their codes (GB/T 2260).
KNOWN = {
    "411700": {"name": "驻马店市", "name_en": "Zhumadian", "slug": "zhumadian", "level": "city"},
    "411702": {
        "name": "驿城区",
        "name_en": "Yicheng District",
        "slug": "yicheng",
        "level": "county",
        "parent": "411700",
    },
}


# A jurisdiction's code: 6 digits for a city, county or district, 9 for a township (the
# API's ?jurisdiction= reads the same; settings.py repeats it, loaded before any model).
CODE_PATTERN = r"^[0-9]{6}([0-9]{3})?$"


# The jurisdiction the request being answered is addressed to, set for the request's
# length by web/addresses.py as Django's translation.override sets a language: every
# public queryset (models/plans.py `in_published_plan`) then answers for it, without each
# view and template passing it down. Unset (the admin, commands, tasks): the home one.
_served = Local()


def served_code():
    """The code of the jurisdiction being served: the address's, the official's (found
    when first asked: web/addresses.py `StaffJurisdictionMiddleware`), or the home one."""
    code = getattr(_served, "code", None)
    if callable(code):
        code = _served.code = code()
    return code or settings.HOME_JURISDICTION


def serves_home():
    return served_code() == settings.HOME_JURISDICTION


@contextmanager
def serving(code):
    """Answer for the jurisdiction of `code` (or of what the callable `code` returns,
    called when first needed) inside the block."""
    before = getattr(_served, "code", None)
    _served.code = code
    try:
        yield
    finally:
        _served.code = before


class JurisdictionQuerySet(models.QuerySet):
    def within(self, jurisdiction):
        """`jurisdiction` and every level below it."""
        return self.filter(path__startswith=jurisdiction.path)

    def home(self):
        """The jurisdiction an address without one means (settings.HOME_JURISDICTION),
        made from `KNOWN` with the levels above it on first use (a fresh database)."""
        return self.known(settings.HOME_JURISDICTION)

    def served(self):
        """The jurisdiction served (`served_code`): the home one made on first use."""
        code = served_code()
        return self.home() if code == settings.HOME_JURISDICTION else self.get(code=code)

    def known(self, code):
        if found := self.filter(code=code).first():
            return found
        if code not in KNOWN:
            raise Jurisdiction.DoesNotExist(
                f"行政区划代码 {code} 不在数据库中，请先在管理后台添加。"
            )
        fields = dict(KNOWN[code])
        parent = fields.pop("parent", None)
        jurisdiction = Jurisdiction(code=code, parent=parent and self.known(parent), **fields)
        jurisdiction.save()
        return jurisdiction


def home_jurisdiction():
    """The default of a plan's and a department's jurisdiction: the home one's id."""
    return Jurisdiction.objects.home().pk


class Jurisdiction(models.Model):
    class Level(models.TextChoices):
        CITY = "city", _("市")
        COUNTY = "county", _("县（区）")
        TOWNSHIP = "township", _("乡镇（街道）")

    # Which level each level sits under: a city at the top.
    PARENT_LEVEL = {Level.CITY: None, Level.COUNTY: Level.CITY, Level.TOWNSHIP: Level.COUNTY}

    code = models.CharField(
        "行政区划代码",
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(CODE_PATTERN, "行政区划代码为 6 位（县级以上）或 9 位（乡镇）数字。")
        ],
        help_text="国家标准代码，如驿城区 411702、驻马店市 411700；乡镇、街道为 9 位。",
    )
    name = models.CharField("名称", max_length=60)
    name_en = models.CharField("英文名称", max_length=120, blank=True)
    slug = models.SlugField(
        "英文简称",
        max_length=40,
        unique=True,
        help_text="小写字母、数字和连字符，如 yicheng；用于数据包和下载文件的名字。",
    )
    level = models.CharField("层级", max_length=10, choices=Level)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级",
    )
    # The codes from the top, each followed by "/": a subtree is a prefix (`within`).
    path = models.CharField(max_length=200, editable=False, db_index=True)

    objects = JurisdictionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["path"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old = self.path
        self.path = self.path_of()
        super().save(*args, **kwargs)
        if old and old != self.path:  # moved, or its code corrected: the levels below follow
            for below in Jurisdiction.objects.filter(path__startswith=old).exclude(pk=self.pk):
                below.save()

    def clean(self):
        # Three levels each under the one above: no jurisdiction can sit below itself.
        wanted = self.PARENT_LEVEL.get(self.level)
        parent = self.parent
        if self.level and wanted is None and parent is not None:
            raise ValidationError({"parent": "市是最高一级，不填上级。"})
        if wanted is not None and (parent is None or parent.level != wanted):
            raise ValidationError(
                {"parent": f"{self.Level(self.level).label}的上级须为{self.Level(wanted).label}。"}
            )

    @property
    def shown_name(self):
        """The name in the language of the page: the English one where entered."""
        return (get_language() == "en" and self.name_en) or self.name

    @property
    def is_home(self):
        return self.code == settings.HOME_JURISDICTION

    def address_prefix(self):
        """What its public addresses start with after the site's own: "" for the home
        jurisdiction (every address of one district stays as it was), else "<code>/"."""
        return "" if self.is_home else f"{self.code}/"

    def path_of(self):
        return f"{self.parent.path if self.parent else ''}{self.code}/"


class Assignment(models.Model):
    """Where an official works (任职): one jurisdiction, whose plans, departments and
    public input the admin shows them; a city's or county's official may also work in
    levels below that were delegated to them (`delegated`), one at a time, chosen in
    the admin. An account without one is the home jurisdiction's, as every account was
    before there were several."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignment",
        verbose_name="账号",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, on_delete=models.PROTECT, related_name="officials", verbose_name="行政区划"
    )
    delegated = models.ManyToManyField(
        Jurisdiction,
        blank=True,
        related_name="delegates",
        verbose_name="受托办理的下级",
        help_text="上级的工作人员可受托在这些下级行政区划办理（填报、审核、留言审核等），"
        "须在本人所属行政区划以下。",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "任职"
        verbose_name_plural = "任职"

    def __str__(self):
        return f"{self.user} · {self.jurisdiction}"


def working(user, chosen=None):
    """(code, acting): the jurisdiction `user` works in now, and whether they act there.
    `chosen` (the admin's picker) when it is a level below theirs: acting where it was
    delegated to them, else only seeing it (a city sees its counties and townships);
    otherwise their own (acting), or the home one for an account without 任职."""
    assignment = Assignment.objects.filter(user=user).select_related("jurisdiction").first()
    own = assignment.jurisdiction.code if assignment else settings.HOME_JURISDICTION
    if chosen is None or chosen == own or assignment is None:
        return own, True
    below = Jurisdiction.objects.within(assignment.jurisdiction).filter(code=chosen)
    if not below.exists():
        return own, True
    return chosen, assignment.delegated.filter(code=chosen).exists()


def working_code(user, chosen=None):
    """The code of the jurisdiction `user` works in now (`working`)."""
    return working(user, chosen)[0]
