from django.contrib.auth import views as auth_views
from django.urls import path

from searchlog.views import approvals, breaches, notifications, records, review, system
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
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="searchlog/sign_in.html", authentication_form=system.SignInForm),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
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
    path("decide/", approvals.decide_queue, name="decide-queue"),
    path("approvals/", approvals.approval_list, name="approval-list"),
    path("approvals/new/", approvals.approval_new, name="approval-new"),
    path("approvals/<int:pk>/", approvals.approval_detail, name="approval-detail"),
    path("approvals/<int:pk>/approve/", approvals.approval_approve, name="approval-approve"),
    path("approvals/<int:pk>/refuse/", approvals.approval_refuse, name="approval-refuse"),
    path("approvals/<int:pk>/cancel/", approvals.approval_cancel, name="approval-cancel"),
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
