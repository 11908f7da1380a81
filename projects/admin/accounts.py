"""Officials' accounts: a 管理员 who is not a superuser manages officials only."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from projects.models import (
    Assignment,
    Jurisdiction,
    in_served_jurisdiction,
)
from projects.rules import roles

User = get_user_model()
admin.site.unregister(User)


class AssignmentInline(admin.StackedInline):
    """任职: the jurisdiction the account works in, and the levels below delegated to
    it; chosen within the administrator's own jurisdiction and below."""

    model = Assignment
    fields = ["jurisdiction", "delegated"]
    filter_horizontal = ["delegated"]
    can_delete = False
    max_num = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "jurisdiction":
            kwargs["queryset"] = assignable(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "delegated":
            kwargs["queryset"] = assignable(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def assignable(request):
    """The jurisdictions an administrator may give an account: theirs and below."""
    return Jurisdiction.objects.within(Jurisdiction.objects.served())


@admin.register(User)
class OfficialAdmin(UserAdmin):
    """Accounts. A 管理员 who is not a superuser manages officials only: no superuser
    flag, no loose permissions, only the three roles."""

    list_display = ["username", "last_name", "first_name", "is_active", "roles", "department_names"]
    list_filter = ["is_active", "groups"]
    inlines = [AssignmentInline]

    def get_queryset(self, request):
        """Accounts of the jurisdiction worked in (one without 任职 is the home one's)."""
        queryset = super().get_queryset(request).prefetch_related("groups", "departments")
        if not request.user.is_superuser:
            # an account without 任职 is the home one's, as in_served_jurisdiction reads it
            queryset = queryset.filter(in_served_jurisdiction("assignment"), is_superuser=False)
        return queryset

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not Assignment.objects.filter(user=form.instance).exists():  # the admin's own
            Assignment.objects.create(
                user=form.instance, jurisdiction=Jurisdiction.objects.served()
            )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        return [
            (None, {"fields": ["username", "password"]}),
            ("个人信息", {"fields": ["last_name", "first_name", "email"]}),
            ("角色", {"fields": ["is_active", "is_staff", "groups"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # Nobody gives themselves a role (or takes one away): another administrator does.
        own = ["is_superuser", "is_staff", "is_active", "groups", "user_permissions"]
        if obj is not None and obj.pk == request.user.pk:
            return [*super().get_readonly_fields(request, obj), *own]
        return super().get_readonly_fields(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=roles.NAMES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: reports keep who entered them

    @admin.display(description="角色")
    def roles(self, user):
        return "、".join(g.name for g in user.groups.all()) or "—"

    @admin.display(description="所属单位")
    def department_names(self, user):
        return "、".join(d.name for d in user.departments.all()) or "—"
