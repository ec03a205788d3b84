from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("mine/", views.my_uploads, name="mine"),
    path("files/<int:pk>/<str:which>/", views.evidence_file, name="file"),
    path("stations/<int:station_id>/package/", views.station_package, name="station-package"),
]
