from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:incident_id>/", views.edit, name="edit"),
    path("", views.triage, name="triage"),
    path("feed.json", views.triage_feed, name="triage-feed"),
    path("<int:incident_id>/", views.detail, name="detail"),
    path("<int:incident_id>/status/", views.transition, name="transition"),
    path("<int:incident_id>/comment/", views.comment, name="comment"),
    path("<int:incident_id>/complaint/", views.new_complaint, name="new-complaint"),
    path("<int:incident_id>/package/", views.package, name="package"),
    path("complaints/", views.register, name="register"),
    path("complaints/export.csv", views.register_csv, name="register-csv"),
    path("complaints/<int:complaint_id>/", views.complaint, name="complaint"),
    path("complaints/<int:complaint_id>/pdf/", views.complaint_pdf, name="complaint-pdf"),
]
