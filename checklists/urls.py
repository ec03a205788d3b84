from django.urls import path

from . import views

app_name = "checklists"

urlpatterns = [
    path("api/answers/", views.answer_api, name="answer-api"),
    path("answer/<int:deployment_id>/<int:checklist_id>/", views.answer, name="answer"),
    path("messages/<int:message_id>/read/", views.mark_read, name="mark-read"),
    path("<slug:slug>/", views.index, name="index"),
    path("<slug:slug>/new/", views.edit, name="new"),
    path("<slug:slug>/import/", views.import_checklist, name="import"),
    path("<slug:slug>/statistics/", views.statistics_page, name="statistics"),
    path("<slug:slug>/statistics/<int:checklist_id>.<slug:file_format>", views.statistics_export,
         name="statistics-export"),
    path("<slug:slug>/statistics/<int:checklist_id>/<slug:key>/<slug:value>/", views.drill_down, name="drill-down"),
    path("<slug:slug>/sample/", views.sample_page, name="sample"),
    path("<slug:slug>/messages/", views.messages_page, name="messages"),
    path("<slug:slug>/messages/<int:message_id>/", views.message_readers, name="message-readers"),
    path("<slug:slug>/<int:checklist_id>/", views.edit, name="edit"),
    path("<slug:slug>/<int:checklist_id>.json", views.export, name="export"),
]
