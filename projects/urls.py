from django.urls import include, path, re_path

from . import (
    api,
    feeds,
    views,
    views_bulletin,
    views_data,
    views_follow,
    views_matters,
    views_sites,
    views_table,
    views_voice,
)
from .freshness import cached_public

app_name = "projects"

# A 民生码's kind (p: a project, s: a site) and id; nine digits keep any id a database
# column can hold and refuse the rest as a 404.
SPOT = r"(?P<kind>[ps])(?P<pk>[0-9]{1,9})"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plans/<int:year>/", views.plan_dashboard, name="plan"),
    path("plans/<int:year>/projects/<int:number>/", views.project_detail, name="project"),
    path("plans/<int:year>/projects/<int:number>/ask/", views_voice.ask, name="ask"),
    path("plans/<int:year>/projects/<int:number>/ask/sent/", views_voice.asked, name="asked"),
    path(
        "plans/<int:year>/projects/<int:number>/deputy/",
        views_voice.deputy_opinion,
        name="deputy_opinion",
    ),
    path(
        "plans/<int:year>/projects/<int:number>/objection/",
        views_voice.objection,
        name="objection",
    ),
    path(
        "plans/<int:year>/projects/<int:number>/objection/sent/",
        views_voice.objected,
        name="objected",
    ),
    path("plans/<int:year>/projects/<int:number>/follow/", views_follow.follow, name="follow"),
    path(
        "plans/<int:year>/projects/<int:number>/follow/sent/",
        views_follow.followed,
        name="followed",
    ),
    path("follow/<str:token>/confirm/", views_follow.confirm_follow, name="confirm_follow"),
    path("follow/<str:token>/unsubscribe/", views_follow.unfollow, name="unfollow"),
    path("plans/<int:year>/supervision/", views_follow.supervision, name="supervision"),
    path("plans/<int:year>/matters/", views_matters.matters, name="matters"),
    path("matter-photos/<uuid:key>/", views_matters.matter_photo, name="matter_photo"),
    path("plans/<int:year>/call/", views_voice.call, name="call"),
    path("plans/<int:year>/call/propose/", views_voice.propose, name="propose"),
    path("plans/<int:year>/call/propose/sent/", views_voice.proposed, name="proposed"),
    path(
        "plans/<int:year>/call/candidates/<int:order>/comment/",
        views_voice.comment,
        name="comment",
    ),
    path("plans/<int:year>/call/comment/sent/", views_voice.commented, name="commented"),
    path("plans/<int:year>/departments/", views.departments, name="departments"),
    path("plans/<int:year>/sites/", views_sites.plan_sites, name="sites"),
    # The 民生码's short, stable addresses: /m/p<project id>, /m/s<site id>.
    re_path(rf"^m/{SPOT}$", views_sites.spot, name="spot"),
    re_path(rf"^m/{SPOT}/poster$", views_sites.poster, name="poster"),
    re_path(rf"^m/{SPOT}/qr\.png$", views_sites.qr_png, name="qr_png"),
    re_path(rf"^m/{SPOT}/rate$", views_sites.rate, name="rate"),
    re_path(rf"^m/{SPOT}/problem$", views_sites.problem, name="problem"),
    re_path(rf"^m/{SPOT}/sent/(?P<what>rated|problem)$", views_sites.spot_sent, name="spot_sent"),
    path("plans/<int:year>/targets/", views_table.target_table, name="targets"),
    path("plans/<int:year>/bulletins/", views_bulletin.archive, name="bulletins"),
    path("plans/<int:year>/bulletins/<str:month>/", views_bulletin.bulletin, name="bulletin"),
    path("plans/<int:year>/updates/", views_data.updates, name="updates"),
    path("plans/<int:year>/feed/", cached_public(feeds.PlanFeed()), name="plan_feed"),
    path(
        "plans/<int:year>/projects/<int:number>/feed/",
        cached_public(feeds.ProjectFeed()),
        name="project_feed",
    ),
    path("data/", views_data.open_data, name="data"),
    path("data/reports.csv", views_data.reports_csv, name="reports_csv"),
    path("data/<int:year>/<str:name>", views_data.package_file, name="package_file"),
    path("api/v1/", include(api.urlpatterns())),
    path("language/<str:code>/", views.switch_language, name="language"),
    path("care/<str:state>/", views.switch_care, name="care"),
    path("evidence/<uuid:key>/", views.evidence_file, name="evidence"),
    path("photos/<uuid:key>/", views_voice.photo, name="voice_photo"),
    path("site-photos/<uuid:key>/", views_sites.site_photo, name="site_photo"),
]
