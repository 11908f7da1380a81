from django.urls import include, path, re_path

from projects.api import endpoints
from projects.views import (
    bulletin,
    dashboard,
    data,
    feeds,
    follow,
    levels,
    matters,
    money,
    money_documents,
    receipts,
    sites,
    surveys,
    table,
    voice,
)
from projects.web.freshness import cached_public

app_name = "projects"

# A 民生码's kind (p: a project, s: a site) and id; nine digits keep any id a database
# column can hold and refuse the rest as a 404.
SPOT = r"(?P<kind>[ps])(?P<pk>[0-9]{1,9})"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("plans/<int:year>/", dashboard.plan_dashboard, name="plan"),
    path("plans/<int:year>/projects/<int:number>/", dashboard.project_detail, name="project"),
    path("plans/<int:year>/projects/<int:number>/sign/", money.sign, name="sign"),
    path("plans/<int:year>/projects/<int:number>/ask/", voice.ask, name="ask"),
    path("plans/<int:year>/projects/<int:number>/ask/sent/", voice.asked, name="asked"),
    path(
        "plans/<int:year>/projects/<int:number>/deputy/",
        voice.deputy_opinion,
        name="deputy_opinion",
    ),
    path(
        "plans/<int:year>/projects/<int:number>/objection/",
        voice.objection,
        name="objection",
    ),
    path(
        "plans/<int:year>/projects/<int:number>/objection/sent/",
        voice.objected,
        name="objected",
    ),
    path("plans/<int:year>/projects/<int:number>/follow/", follow.follow, name="follow"),
    path(
        "plans/<int:year>/projects/<int:number>/follow/sent/",
        follow.followed,
        name="followed",
    ),
    # A receipt's private tracking page (views/receipts.py); its token is redacted
    # from the logs (yicheng/requestlog.py PRIVATE_PATHS).
    path("receipt/<str:token>/", receipts.receipt, name="receipt"),
    path("receipt/<str:token>/vote/", receipts.receipt_vote, name="receipt_vote"),
    path("follow/<str:token>/confirm/", follow.confirm_follow, name="confirm_follow"),
    path("follow/<str:token>/unsubscribe/", follow.unfollow, name="unfollow"),
    # 满意度抽样调查 (views/surveys.py): the page a slip's code opens (the code rides
    # after "#", which reaches no server), its thanks, and the results once closed.
    path("survey/", surveys.survey, name="survey"),
    path("survey/thanks/", surveys.survey_thanks, name="survey_thanks"),
    path("plans/<int:year>/surveys/", surveys.plan_surveys, name="surveys"),
    path("plans/<int:year>/surveys/<int:pk>/", surveys.survey_results, name="survey_results"),
    path("plans/<int:year>/supervision/", follow.supervision, name="supervision"),
    path("plans/<int:year>/matters/", matters.matters, name="matters"),
    path("matter-photos/<uuid:key>/", matters.matter_photo, name="matter_photo"),
    # every level's open call together (views/voice.py `calls`)
    path("calls/", voice.calls, name="calls"),
    path("plans/<int:year>/call/", voice.call, name="call"),
    path("plans/<int:year>/call/propose/", voice.propose, name="propose"),
    path("plans/<int:year>/call/propose/sent/", voice.proposed, name="proposed"),
    path(
        "plans/<int:year>/call/candidates/<int:order>/comment/",
        voice.comment,
        name="comment",
    ),
    path("plans/<int:year>/call/comment/sent/", voice.commented, name="commented"),
    path("plans/<int:year>/method/", dashboard.method, name="method"),
    path("plans/<int:year>/departments/", dashboard.departments, name="departments"),
    # A city's (or county's) levels below it side by side (views/levels.py).
    path("plans/<int:year>/levels/", levels.levels, name="levels"),
    path("plans/<int:year>/sites/", sites.plan_sites, name="sites"),
    # The 民生码's short, stable addresses: /m/p<project id>, /m/s<site id>.
    re_path(rf"^m/{SPOT}$", sites.spot, name="spot"),
    re_path(rf"^m/{SPOT}/poster$", sites.poster, name="poster"),
    re_path(rf"^m/{SPOT}/qr\.png$", sites.qr_png, name="qr_png"),
    re_path(rf"^m/{SPOT}/rate$", sites.rate, name="rate"),
    re_path(rf"^m/{SPOT}/problem$", sites.problem, name="problem"),
    re_path(rf"^m/{SPOT}/sent/(?P<what>rated|problem)$", sites.spot_sent, name="spot_sent"),
    path("plans/<int:year>/targets/", table.target_table, name="targets"),
    path("plans/<int:year>/bulletins/", bulletin.archive, name="bulletins"),
    path("plans/<int:year>/bulletins/<str:month>/", bulletin.bulletin, name="bulletin"),
    path("plans/<int:year>/updates/", data.updates, name="updates"),
    path("plans/<int:year>/feed/", cached_public(feeds.PlanFeed()), name="plan_feed"),
    path(
        "plans/<int:year>/projects/<int:number>/feed/",
        cached_public(feeds.ProjectFeed()),
        name="project_feed",
    ),
    path("data/", data.open_data, name="data"),
    path("data/reports.csv", data.reports_csv, name="reports_csv"),
    path("data/<int:year>/<str:name>", data.package_file, name="package_file"),
    path("api/v1/", include(endpoints.urlpatterns())),
    path("language/<str:code>/", dashboard.switch_language, name="language"),
    path("care/<str:state>/", dashboard.switch_care, name="care"),
    path("evidence/<uuid:key>/", dashboard.evidence_file, name="evidence"),
    path("money/<uuid:key>/", money_documents.money_document, name="money_document"),
    path("photos/<uuid:key>/", voice.photo, name="voice_photo"),
    path("site-photos/<uuid:key>/", sites.site_photo, name="site_photo"),
]
