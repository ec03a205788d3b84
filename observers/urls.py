from django.urls import path

from . import privacy_views, views

app_name = "observers"

urlpatterns = [
    path("start/", views.start, name="start"),
    path("signup/", views.sign_up, name="sign-up"),
    path("me/", views.observer_home, name="home"),
    path("me/check-in/", views.check_in, name="check-in"),
    path("me/document/", views.resubmit_document, name="resubmit-document"),
    path("me/station/", views.self_deploy, name="self-deploy"),
    path("accreditations/", views.accreditations, name="accreditations"),
    path("accreditations/<int:accreditation_id>/", views.accreditation_detail, name="accreditation"),
    path("accreditations/<int:accreditation_id>/document/", views.document, name="document"),
    path("observers/new/", views.new_observer, name="new-observer"),
    path("deployments/", views.deployments, name="deployments"),
    path("deployments/observers.json", views.search_observers, name="search-observers"),
    path("deployments/stations.json", views.search_stations, name="search-stations"),
    path("deployments/import/", views.import_deployments, name="import-deployments"),
    # Personal data, for the organisation's administrators (observers.privacy_views).
    path("privacy/access-log/", privacy_views.access_log_page, name="access-log"),
    path("privacy/access-log.csv", privacy_views.access_log_csv, name="access-log-csv"),
    path("privacy/observers/", privacy_views.observers_page, name="privacy-observers"),
    path("privacy/observers/<int:observer_id>/", privacy_views.personal_data_page, name="personal-data"),
    path("privacy/observers/<int:observer_id>/personal-data.zip", privacy_views.personal_data_download,
         name="personal-data-download"),
    path("privacy/observers/<int:observer_id>/erase/", privacy_views.erase, name="erase"),
    path("review-assignments/", views.review_assignments, name="review-assignments"),
    path("review-assignments/<int:assignment_id>/remove/", views.remove_review_assignment,
         name="remove-review-assignment"),
]
