from django.urls import path

from minsheng.portal import reception_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit_matter, name="submit"),
    path("submit/contact/", views.submit_contact, name="submit_contact"),
    path("submit/confirm/", views.submit_confirm, name="submit_confirm"),
    path("submit/done/", views.submit_done, name="submit_done"),
    path("track/", views.track, name="track"),
    path("track/<str:code>/", views.track_detail, name="track_detail"),
    path("track/<str:code>/rate/", views.track_rate, name="track_rate"),
    path("track/<str:code>/appeal/", views.track_appeal, name="track_appeal"),
    path("track/<str:code>/forget/", views.track_forget, name="track_forget"),
    path("track/<str:code>/document/<str:kind>/<int:pk>/", views.track_document, name="track_document"),
    path("track/<str:code>/attachment/<int:pk>/", views.attachment_download, name="attachment"),
    path("track/<str:code>/official/<str:kind>.<str:fmt>", views.official_document, name="official_document"),
    path("account/login/", views.account_login, name="login"),
    path("account/logout/", views.account_logout, name="logout"),
    path("account/", views.my_petitions, name="my_petitions"),
    path("account/my-data/", views.my_data, name="my_data"),
    path("guide/", views.guide, name="guide"),
    path("reception/", reception_views.reception_list, name="reception"),
    path("reception/<int:pk>/book/", reception_views.reception_book, name="reception_book"),
    path("reception/booked/", reception_views.reception_booked, name="reception_booked"),
    path("reception/cancel/", reception_views.reception_cancel, name="reception_cancel"),
    path("legal/", views.legal, name="legal"),
    path("faq/", views.faq, name="faq"),
    path("privacy/", views.privacy, name="privacy"),
    path("stats/", views.stats, name="stats"),
    path("stats.json", views.stats_json, name="stats_json"),
    path("dev/sms/", views.dev_sms_inbox, name="dev_sms"),
]
