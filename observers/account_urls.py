from django.urls import path

from . import account_views

urlpatterns = [
    path("two-factor/", account_views.enrol, name="two-factor-enrol"),
    path("two-factor/qr.svg", account_views.enrol_qr, name="two-factor-qr"),
    path("two-factor/verify/", account_views.verify, name="two-factor-verify"),
    path("tokens/", account_views.api_tokens, name="account-tokens"),
    path("tokens/<int:token_id>/revoke/", account_views.revoke_api_token, name="account-token-revoke"),
]
