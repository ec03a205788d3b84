"""The public transparency pages, outside the signed-in dashboard: /transparency/<election>/..."""

from django.urls import path

from . import public

app_name = "transparency"

urlpatterns = [
    path("<slug:slug>/", public.stations, name="stations"),
    path("<slug:slug>/stations/<int:station_id>/", public.station, name="station"),
    path("<slug:slug>/photos/<int:evidence_id>.jpg", public.photo, name="photo"),
]
