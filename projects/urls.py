from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("plans/<int:year>/", views.plan_dashboard, name="plan"),
    path("plans/<int:year>/projects/<int:number>/", views.project_detail, name="project"),
    path("evidence/<uuid:key>/", views.evidence_file, name="evidence"),
]
