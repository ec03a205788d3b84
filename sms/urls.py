from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("hook/<str:slug>/", views.hook, name="hook"),
    path("messages/", views.message_list, name="messages"),
    path("messages/<int:message_id>/reprocess/", views.reprocess, name="reprocess"),
    path("outbox/", views.outbox, name="outbox"),
    path("simulator/", views.simulator, name="simulator"),
    path("me/", views.subscription, name="subscription"),
]
