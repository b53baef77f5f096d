from django.urls import path

from minsheng.workbench import (
    accountability_views,
    analytics_views,
    indicators_views,
    personal_data_views,
    supervision_views,
    views,
)

app_name = "workbench"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("inbox/<slug:key>/", views.inbox, name="inbox"),
    path("petitions/", views.petitions, name="petitions"),
    path("petitions/export.xlsx", views.export_xlsx, name="export"),
    path("petitions/bulk/", views.bulk_action, name="bulk"),
    path("filters/save/", views.saved_filter_save, name="filter_save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter_delete"),
    path("register/<slug:channel>/", views.register, name="register"),
    path("petition/<int:pk>/", views.petition_detail, name="petition"),
    path("petition/<int:pk>/act/<slug:action>/", views.petition_action, name="action"),
    path("petition/<int:pk>/reply-check/", views.reply_check, name="reply_check"),
    path("petition/<int:pk>/petitioner/", views.petitioner_panel, name="petitioner"),
    path("petition/<int:pk>/documents/<slug:kind>.<str:fmt>", views.document_download, name="document"),
    path(
        "petition/<int:pk>/attachments/<int:attachment_id>/",
        personal_data_views.attachment,
        name="attachment",
    ),
    path("access-log/", personal_data_views.access_log, name="access_log"),
    path("supervision/", supervision_views.supervision_list, name="supervision"),
    path("supervision/<int:pk>/answer/", supervision_views.supervision_answer, name="supervision_answer"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("indicators/", indicators_views.indicators_page, name="indicators"),
    path("proposals/", accountability_views.proposals_page, name="proposals"),
    path("proposals/<int:pk>/decide/", accountability_views.proposal_decide, name="proposal_decide"),
    path("indicators/drill/", indicators_views.indicators_drill, name="indicators_drill"),
    path("analytics/", analytics_views.analytics_home, name="analytics"),
    path("analytics/petitions/", analytics_views.analytics_petitions, name="analytics_petitions"),
    path("analytics/report.<slug:fmt>", analytics_views.analytics_report, name="analytics_report"),
    path("analytics/subscribe/", analytics_views.analytics_subscribe, name="analytics_subscribe"),
    path(
        "analytics/subscriptions/<int:pk>/delete/",
        analytics_views.analytics_unsubscribe,
        name="analytics_unsubscribe",
    ),
]
