"""Top-level URLs: pages, the API under /api/v1/, its schema and docs, and the admin."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

admin.site.site_header = "Online search log administration"
admin.site.site_title = "Online search log"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("searchlog.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("", include("searchlog.urls")),
]
