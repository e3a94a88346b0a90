from django.contrib.auth import views as auth_views
from django.urls import include, path

from searchlog.views import account, breaches, notifications, records, review, system
from searchlog.views import exports as export_views
from searchlog.views.audit import audit_trail

urlpatterns = [
    path("", records.home, name="home"),
    path("healthz", system.healthz, name="healthz"),
    path("audit/", audit_trail, name="audit-trail"),
    path("exports/", export_views.export_page, name="exports"),
    path("exports/searches.csv", export_views.searches_download, {"file_type": "csv"}, name="export-searches-csv"),
    path("exports/searches.xlsx", export_views.searches_download, {"file_type": "xlsx"}, name="export-searches-xlsx"),
    path("exports/supervision-pack.pdf", export_views.supervision_pack_download, name="export-supervision-pack"),
    path("sign-in/", account.SignInView.as_view(), name="login"),
    path("sign-in/code/", account.second_factor, name="second-factor"),
    path("account/two-factor/", account.two_factor, name="two-factor"),
    path("account/two-factor/set-up/", account.two_factor_setup, name="two-factor-setup"),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/api-tokens/", account.api_tokens, name="api-tokens"),
    path("account/api-tokens/<int:pk>/revoke/", account.api_token_revoke, name="api-token-revoke"),
    path("account/password/", account.password_change, name="password-change"),
    path("account/session/", account.session_keep_alive, name="session-keep-alive"),
    path("records/", records.my_records, name="my-records"),
    path("records/all/", records.all_records, name="all-records"),
    path("records/new/", records.record_new, name="record-new"),
    path("records/quick/", records.record_quick, name="record-quick"),
    path("records/<str:reference>/", review.record_detail, name="record-detail"),
    path("records/<str:reference>/sign-off/", review.record_sign_off, name="record-sign-off"),
    path("records/<str:reference>/return/", review.record_return, name="record-return"),
    path("records/<str:reference>/escalate/", review.record_escalate, name="record-escalate"),
    path("records/<str:reference>/addenda/", review.record_addendum, name="record-addendum"),
    path("review/", review.review_queue, name="review-queue"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("privacy-check/", notifications.privacy_check, name="privacy-check"),
    path("escalations/", review.escalations, name="escalations"),
    path("escalations/<int:pk>/", review.escalation_detail, name="escalation-detail"),
    path("breaches/", breaches.breach_list, name="breaches"),
    path("breaches/<int:pk>/", breaches.breach_detail, name="breach-detail"),
    path("records/<str:reference>/change/", records.record_edit, name="record-edit"),
    path("records/<str:reference>/check/", records.record_check, name="record-check"),
    path("records/<str:reference>/submit/", records.record_submit, name="record-submit"),
]
