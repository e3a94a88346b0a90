from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import SimpleRouter

from searchlog.api import views

router = SimpleRouter()
router.register("searches", views.SearchRecordViewSet, basename="searches")
router.register("escalations", views.EscalationViewSet, basename="escalations")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("review-queue/", views.ReviewQueueView.as_view(), name="api-review-queue"),
    *router.urls,
]
