"""Top-level URLs: pages, the API under /api/v1/, its schema and docs, and the admin."""

from __future__ import annotations

from collections.abc import Callable

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from searchlog.views.system import AdminSignInForm

admin.site.site_header = "Online search log administration"
admin.site.site_title = "Online search log"
# The admin's sign-in goes through the same lockout and says when to try again.
admin.site.login_form = AdminSignInForm


def bench_bare(request: HttpRequest) -> HttpResponse:
    """Bench only: the cheapest Django answer through the same middleware, for bench/api.py to compare with."""
    return HttpResponse("ok", content_type="text/plain")


_admin_login = admin.site.login


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin's own password form, unless password sign-in is off: then the sign-in page (single sign-on)."""
    if not settings.SEARCHLOG_LOCAL_SIGN_IN:
        return redirect_to_login(request.GET.get("next") or "/admin/")
    return _admin_login(request, extra_context)


admin.site.login = admin_login  # type: ignore[method-assign]

def api_docs(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's docs: for signed-in users (sent to sign in first); their own inline styles allowed, scripts not."""
    return login_required(csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(view))


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("searchlog.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
    path("api/redoc/", api_docs(SpectacularRedocView.as_view(url_name="schema")), name="api-redoc"),
]
# Never on unless SEARCHLOG_BENCH_BARE_VIEW=true (the bench sets it for its own gunicorn).
if settings.SEARCHLOG_BENCH_BARE_VIEW:
    urlpatterns.append(path("bench/bare/", bench_bare, name="bench-bare"))
urlpatterns.append(path("", include("searchlog.urls")))
