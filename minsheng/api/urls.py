from django.urls import path

from minsheng.api.v1 import api

urlpatterns = [path("", api.urls)]
