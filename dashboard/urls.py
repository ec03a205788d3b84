from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.coverage, name="coverage"),
    path("<slug:slug>/regions/<int:region_id>/", views.region, name="region"),
    path("<slug:slug>/commissions/<int:commission_id>/", views.commission, name="commission"),
    path("<slug:slug>/stations/<int:station_id>/", views.station, name="station"),
    path("<slug:slug>/results/", views.results, name="results"),
    path("<slug:slug>/seats/", views.seat_projection, name="seats"),
    path("<slug:slug>/quick-count/", views.quick_count, name="quick-count"),
    path("<slug:slug>/forensics/", views.forensics_page, name="forensics"),
    path("<slug:slug>/forensics/fingerprint.json", views.fingerprint_data, name="fingerprint-data"),
    path("<slug:slug>/forensics/<slug:plot>.<slug:file_format>", views.forensics_plot, name="forensics-plot"),
    path("<slug:slug>/feed.json", views.live_feed, name="feed"),
    path("<slug:slug>/map/", views.station_map, name="map"),
    path("<slug:slug>/map/points.json", views.map_points, name="map-points"),
    path("<slug:slug>/map/clusters.json", views.map_clusters, name="map-clusters"),
    path("<slug:slug>/export/<slug:table>.<slug:file_format>", views.export, name="export"),
]
