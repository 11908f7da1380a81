from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .health import favicon, healthz

admin.site.site_header = "驿城区民生实事进度管理"
admin.site.site_title = "民生实事进度管理"
admin.site.index_title = "进度填报"
# Tables need the width more than the sidebar does, above all on a phone.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("", include("projects.urls")),
]
