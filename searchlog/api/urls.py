from django.urls import path
from rest_framework.routers import SimpleRouter

from searchlog.api import data_protection, exports, quality, views
from searchlog.api.audit import AuditEventList, obtain_auth_token

router = SimpleRouter()
router.register("searches", views.SearchRecordViewSet, basename="searches")
router.register("escalations", views.EscalationViewSet, basename="escalations")
router.register("breaches", views.BreachViewSet, basename="breaches")
router.register("approvals", views.ApprovalViewSet, basename="approvals")
router.register("quality-samples", quality.QualitySampleViewSet, basename="quality-samples")
router.register("legal-holds", data_protection.LegalHoldViewSet, basename="legal-holds")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    path("audit-events/", AuditEventList.as_view(), name="api-audit-events"),
    path("review-queue/", views.ReviewQueueView.as_view(), name="api-review-queue"),
    path("exports/searches.csv", exports.SearchesCsvExport.as_view(), name="api-export-searches-csv"),
    path("exports/searches.xlsx", exports.SearchesXlsxExport.as_view(), name="api-export-searches-xlsx"),
    path("exports/supervision-pack.pdf", exports.SupervisionPackExport.as_view(), name="api-export-supervision-pack"),
    path("quality-samples/<int:pk>/results.csv", quality.QualitySampleResultsCsv.as_view(),
         name="api-quality-sample-results"),
    path("insights/", quality.InsightsView.as_view(), name="api-insights"),
    path("subject-access/", data_protection.SubjectAccessView.as_view(), name="api-subject-access"),
    path("exports/subject-access.pdf", data_protection.SubjectAccessReport.as_view(),
         name="api-export-subject-access"),
    path("notifications/", views.NotificationListView.as_view(), name="api-notifications"),
    *router.urls,
]
