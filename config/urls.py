from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from config import health
from elections import api as elections_api
from elections import views as elections_views
from evidence import api as evidence_api
from incidents import api as incidents_api
from observers import api as observers_api
from observers import pwa as observers_pwa
from observers import views as observers_views
from protocols import api as protocols_api


class IdRouter(DefaultRouter):
    """IDs in API URLs are parsed before use: a viewset looked up by its numeric primary key only
    matches digits, so `/api/accreditations/null,null/document/` is a 404, never a query with
    "null,null" (or a 500 from a view that trusts the kwarg). Viewsets looked up by another field
    (a slug) keep their own rule."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_field", "pk") in ("pk", "id") and not hasattr(viewset, "lookup_value_regex"):
            viewset.lookup_value_regex = "[0-9]+"
        return super().get_lookup_regex(viewset, lookup_prefix)


router = IdRouter()
router.register("elections", elections_api.ElectionViewSet, basename="election")
router.register("regions", elections_api.RegionViewSet, basename="region")
router.register("stations", elections_api.StationViewSet, basename="station")
router.register("observers", observers_api.ObserverViewSet, basename="observer")
router.register("auth/tokens", observers_api.ApiTokenViewSet, basename="api-token-item")
router.register("accreditations", observers_api.AccreditationViewSet, basename="accreditation")
router.register("deployments", observers_api.DeploymentViewSet, basename="deployment")
router.register("check-ins", observers_api.CheckInViewSet, basename="check-in")
router.register("protocol-copies", protocols_api.ObserverCopyViewSet, basename="protocol-copy")
router.register("commission-protocols", protocols_api.CommissionProtocolViewSet, basename="commission-protocol")
router.register("official-results", protocols_api.OfficialVersionViewSet, basename="official-result")
router.register("evidence/files", evidence_api.EvidenceFileViewSet, basename="evidence-file")
router.register("discrepancies", protocols_api.DiscrepancyViewSet, basename="discrepancy")
router.register("incident-categories", incidents_api.IncidentCategoryViewSet, basename="incident-category")
router.register("incidents", incidents_api.IncidentViewSet, basename="incident")
router.register("complaints", incidents_api.ComplaintViewSet, basename="complaint")

urlpatterns = [
    path("", elections_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("sw.js", observers_pwa.service_worker, name="service-worker"),
    path("manifest.webmanifest", observers_pwa.manifest, name="manifest"),
    path("app/session/", observers_pwa.session, name="app-session"),
    path("app/forget/", observers_pwa.forget_phone, name="app-forget"),
    path("elections/", include("elections.urls")),
    path("observe/", include("observers.urls")),
    path("protocols/", include("protocols.urls")),
    path("incidents/", include("incidents.urls")),
    path("checklists/", include("checklists.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("sms/", include("sms.urls")),
    path("transparency/", include("dashboard.public_urls")),
    # The login page with the failed-login limits, in front of Django's other account pages.
    path("accounts/login/", observers_views.LoginView.as_view(), name="login"),
    path("accounts/", include("observers.account_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/signup/", observers_api.SignUpView.as_view(), name="api-signup"),
    path("api/me/", observers_api.MeView.as_view(), name="api-me"),
    path("api/auth/token/", observers_api.TokenView.as_view(), name="api-token"),
    path("api/auth/logout/", observers_api.LogoutView.as_view(), name="api-logout"),
    path("evidence/", include("evidence.urls")),
    path("api/evidence/uploads/", evidence_api.UploadCollection.as_view(), name="evidence-uploads"),
    path("api/evidence/uploads/<uuid:upload_id>/", evidence_api.UploadResource.as_view(), name="evidence-upload"),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
