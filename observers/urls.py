from django.urls import path

from . import views

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
    path("deployments/import/", views.import_deployments, name="import-deployments"),
]
