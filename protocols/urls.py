from django.urls import path

from . import views

app_name = "protocols"

urlpatterns = [
    path("deployments/<int:deployment_id>/protocol/", views.submit_copy, name="submit"),
    path("deployments/<int:deployment_id>/copies/", views.copies, name="copies"),
    path("deployments/<int:deployment_id>/commission-summary/", views.submit_summary, name="submit-summary"),
    path("review/", views.review_queue, name="review"),
    path("review/confirmed.csv", views.export_confirmed, name="export"),
    path("review/<int:discrepancy_id>/", views.review_detail, name="review-detail"),
    path("photos/<int:evidence_id>/publication/", views.photo_publication, name="photo-publication"),
]
