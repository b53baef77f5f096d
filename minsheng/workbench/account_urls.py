"""Staff account security pages (two-factor enrolment and the code step of login)."""

from django.urls import path

from minsheng.workbench import account_views

app_name = "account"
urlpatterns = [
    path("verify/", account_views.otp_verify, name="otp_verify"),
    path("two-factor/", account_views.otp_enrol, name="otp_enrol"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
]
