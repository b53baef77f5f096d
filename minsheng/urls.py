from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from minsheng.core.metrics import metrics_view


def healthz(request: HttpRequest) -> JsonResponse:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("minsheng.api.urls")),
    path("open311/v2/", include("minsheng.integrations.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("workbench/account/", include("minsheng.workbench.account_urls")),
    path("workbench/", include("minsheng.workbench.urls")),
    path("", include("minsheng.portal.urls")),
]

# Error pages in the product's look (portal or workbench), also with DEBUG off.
handler400 = "minsheng.portal.error_views.bad_request"
handler403 = "minsheng.portal.error_views.permission_denied"
handler404 = "minsheng.portal.error_views.page_not_found"
handler500 = "minsheng.portal.error_views.server_error"
