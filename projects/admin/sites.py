"""The officials' side of the sites (点位).

- 填报员: their departments' targets' sites (name, place, coordinates) and each
  stage change with its photo; every save of a change goes (back) to review.
- 审核员: approves or returns stage changes, as figures; the approval of a change
  of a target that counts sites writes the target's figure (`SiteReport.approve`).
- 管理员: keeps sites like the rest of the plan. Online ratings are read-only here:
  their counts are public, their comments are moderated as public input.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html

from projects.admin.base import (
    OfTheJurisdictionWorkedIn,
    ReadOnly,
    ScopedAdmin,
    act_on_each,
    plan_filter,
)
from projects.exchange.forms import CheckedPhoto
from projects.models import OnlineRating, PhotoPrint, Site, SiteReport, Target
from projects.models.photos import owner_field
from projects.rules import clock, geo


class SiteForm(forms.ModelForm):
    """Coordinates as officials copy them: from 高德 or 腾讯地图 (GCJ-02, converted here)
    or from a GPS or 天地图 (WGS-84, kept as typed)."""

    GCJ02, WGS84 = "gcj02", "wgs84"
    coordinate_system = forms.ChoiceField(
        label="坐标来源",
        choices=[
            (GCJ02, "高德地图、腾讯地图（GCJ-02，保存时自动换算为 WGS-84）"),
            (WGS84, "GPS、天地图（WGS-84 / CGCS2000，按原样保存）"),
        ],
        initial=GCJ02,
        help_text="本系统按 WGS-84 保存坐标。从高德、腾讯地图复制的坐标请选第一项；"
        "已保存的坐标显示为 WGS-84。",
    )

    class Meta:
        model = Site
        fields = ["target", "name", "street", "community", "address", "longitude", "latitude"]
        help_texts = {
            "longitude": "东经，如 114.0437（驿城区约 113.9–114.3）。",
            "latitude": "北纬，如 32.9731（驿城区约 32.8–33.1）。",
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.has_point:
            self.initial["coordinate_system"] = self.WGS84
        if "target" in self.fields and user is not None:
            self.fields["target"].queryset = Target.objects.visible_to(user).select_related(
                "project__plan"
            )

    def clean(self):
        data = super().clean()
        lon, lat = data.get("longitude"), data.get("latitude")
        if lon is None or lat is None:
            return data
        message = geo.check(lon, lat)
        if message:
            raise ValidationError({"latitude": message})
        if data.get("coordinate_system") == self.GCJ02 and {
            "longitude",
            "latitude",
            "coordinate_system",
        } & set(self.changed_data):
            w_lon, w_lat = geo.gcj02_to_wgs84(lon, lat)
            data["longitude"], data["latitude"] = geo.rounded(w_lon), geo.rounded(w_lat)
        return data


class WithUser:
    """Give the admin's form the signed-in user (it narrows the choices to theirs)."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class Bound(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return Bound


@admin.register(Site)
class SiteAdmin(WithUser, ScopedAdmin):
    form = SiteForm
    list_display = ["name", "street", "community", "target", "has_point_display", "qr_link"]
    list_filter = [plan_filter("target__project__plan"), "street"]
    search_fields = ["name", "street", "community", "address"]
    list_select_related = ["target__project"]
    readonly_fields = ["created_by", "created_at", "qr_link"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="坐标", boolean=True)
    def has_point_display(self, site):
        return site.has_point

    @admin.display(description="民生码")
    def qr_link(self, site):
        if not site.pk:
            return "—"
        return format_html('<a href="/m/s{}/poster">民生码海报</a>', site.pk)


class SiteReportForm(CheckedPhoto, forms.ModelForm):
    class Meta:
        model = SiteReport
        fields = ["site", "stage", "as_of", "note", "photo", "phase"]
        error_messages = {
            "phase": {"invalid_choice": "照片类别只能是施工前、施工中或完工后，也可以不选。"}
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "site" in self.fields and user is not None:
            self.fields["site"].queryset = Site.objects.visible_to(user).select_related(
                "target__project"
            )
        self.accept_photos("JPEG、PNG 或 WebP；位置等拍摄信息会被删除。")


class ReturnForm(ActionForm):
    note = forms.CharField(label="退回原因", required=False)


class PhotoThroughOurView(AdminFileWidget):
    """The current photo linked through our view (`url_name`, by its row's key), which
    checks who may see it: the storage's own URL is no page of ours (with FILE_STORE=s3 a
    signed address in the bucket, on disk a /media/ path nothing serves)."""

    class Linked(str):
        url = ""

    def __init__(self, url_name, attrs=None):
        super().__init__(attrs)
        self.url_name = url_name

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"]:
            linked = self.Linked(value)
            linked.url = reverse(self.url_name, args=[value.instance.key])
            context["widget"]["value"] = linked
        return context


class ReviewedEntryAdmin(WithUser, ScopedAdmin):
    """An entry officials type and a reviewer approves, as a figure (a site's stage
    change, a practical matter): every save goes (back) to review; only what the
    model's `EDITABLE_STATES` allows is edited (a site's stage never once approved);
    reviewers approve or return in bulk (`review_progressreport`, never
    their own: the model's `check_reviewer`); nobody deletes; a photo is checked like
    evidence (the form's `checked_photo`). A subclass names what it reviews, and
    with `checks_photos` its photo's checks (照片核查) are recorded on upload and shown
    beside it; they inform the reviewer and decide nothing."""

    action_form = ReturnForm
    actions = ["approve_selected", "return_selected"]
    readonly_fields = [
        "state",
        "created_by",
        "created_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "photo_link",
    ]
    add_permission = None  # "projects.add_…": who may enter one
    photo_url = None  # the URL name of its photos
    approve_related = ()  # what approving reads of each
    checks_photos = False  # record and show the photo's checks (PhotoPrint)
    photo_period_fields = ()  # those whose change moves the period a photo is judged by
    done_approving = done_returning = ""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "photo":
            kwargs["widget"] = PhotoThroughOurView(self.photo_url)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only, the admin would link the storage's URL: `photo_link` links ours.
            fields = [field for field in fields if field != "photo"]
        if self.checks_photos and obj is not None:
            # Beside the photo, where the reviewer looks at it.
            fields = [field for field in fields if field != "photo_checks"]
            at = fields.index("photo") + 1 if "photo" in fields else len(fields)
            fields.insert(at, "photo_checks")
        return fields

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "photo_checks"] if self.checks_photos and obj is not None else fields

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or obj.state in self.model.EDITABLE_STATES

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request):
        return request.user.has_perm("projects.review_progressreport")

    def save_model(self, request, obj, form, change):
        if not request.user.has_perm(self.add_permission):
            raise PermissionDenied
        if not change:
            obj.created_by = request.user
            obj.created_at = clock.now()
        obj.state = self.model.State.SUBMITTED  # every edit goes (back) to review
        obj.reviewed_by = obj.reviewed_at = None  # the last review is in its history
        checked = getattr(form, "checked_photo", None)
        if checked is not None:
            obj.photo_type = checked.content_type
            obj.photo_sha256 = checked.sha256
            obj.photo.save(f"photo{obj.photo_extension}", checked.content, save=False)
        super().save_model(request, obj, form, change)
        if not self.checks_photos:
            return
        if checked is not None:
            PhotoPrint.record(obj, checked.prints, checked.capture)
        elif not obj.photo:  # cleared: its checks go with it
            PhotoPrint.objects.filter(**{owner_field(obj): obj}).delete()
        elif set(self.photo_period_fields) & set(form.changed_data):
            for print_ in PhotoPrint.objects.filter(**{owner_field(obj): obj}):
                print_.recheck_period()

    @admin.display(description="照片")
    def photo_link(self, entry):
        if not entry.photo:
            return "—"
        return format_html('<a href="{}">查看</a>', reverse(self.photo_url, args=[entry.key]))

    @admin.display(description="照片核查")
    def photo_checks(self, entry):
        print_ = None
        if entry.photo:
            print_ = PhotoPrint.objects.with_matches().filter(**{owner_field(entry): entry}).first()
        if print_ is not None:
            setattr(print_, owner_field(entry), entry)  # the page's object: not read again
        return render_to_string("admin/projects/includes/photo_checks.html", {"print": print_})

    @admin.action(description="审核通过所选%(verbose_name_plural)s", permissions=["review"])
    def approve_selected(self, request, queryset):
        act_on_each(
            self,
            request,
            queryset.select_related(*self.approve_related),
            lambda entry: entry.approve(request.user),
            done=self.done_approving,
        )

    @admin.action(
        description="退回所选%(verbose_name_plural)s（填写退回原因）", permissions=["review"]
    )
    def return_selected(self, request, queryset):
        note = request.POST.get("note", "")
        act_on_each(
            self,
            request,
            queryset,
            lambda entry: entry.return_to_reporter(request.user, note),
            done=self.done_returning,
        )


@admin.register(SiteReport)
class SiteReportAdmin(ReviewedEntryAdmin):
    form = SiteReportForm
    list_display = ["site", "stage", "as_of", "state", "created_by", "reviewed_by", "photo_link"]
    list_filter = ["state", "stage", plan_filter("site__target__project__plan")]
    list_select_related = ["site", "created_by", "reviewed_by"]
    search_fields = ["site__name"]
    add_permission = "projects.add_sitereport"
    photo_url = "projects:site_photo"
    approve_related = ["site__target__project__plan"]
    checks_photos = True
    # A 施工前 photo's period has no start, any other's starts at the site's previous
    # stage. (A new site keeps the old distance band: the position was never kept.)
    photo_period_fields = ["as_of", "phase", "site"]
    done_approving = "已审核通过 {n} 条点位阶段。"
    done_returning = "已退回 {n} 条点位阶段。"


@admin.register(OnlineRating)
class OnlineRatingAdmin(ReadOnly, OfTheJurisdictionWorkedIn, admin.ModelAdmin):
    """Read-only: the counts are public anyway; never the browser or address hashes."""

    list_display = ["project", "site", "verdict", "month", "rated_at", "comment"]
    list_filter = ["verdict", "month", plan_filter("project__plan")]
    list_select_related = ["project", "site", "comment"]
    fields = ["project", "site", "verdict", "month", "rated_at", "comment"]
    readonly_fields = fields
