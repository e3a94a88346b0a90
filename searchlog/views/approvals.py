"""Pages for prior approval of planned searches: ask, the Requests list, the Decide queue, decide, cancel."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from searchlog import approvals, selectors
from searchlog.audit import audit_append
from searchlog.errors import NotPermitted, RecordInvalid, RecordNotFound, TransitionNotAllowed
from searchlog.forms import ApprovalRequestForm, ApproveForm, RefuseForm
from searchlog.lifecycle import APPROVAL_MOVES, DECIDER, REQUESTER
from searchlog.models import Approval, ApprovalStatus, User

PAGE_SIZE = 20


def _visible(user: User, pk: int) -> Approval:
    try:
        return selectors.approval_visible_to(user, pk)
    except RecordNotFound:
        raise Http404("No such request") from None


@login_required
def approval_list(request: HttpRequest) -> HttpResponse:
    """"Requests": the practitioner's own requests, newest first (all a manager's teams' for a manager who asks)."""
    approvals_seen = selectors.approvals_visible_to(request.user).filter(requested_by=request.user)
    page = Paginator(approvals_seen, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_append(action="approval.list", actor=request.user, obj_type="approval", request=request,
                 changes={"approvals": [a.pk for a in page.object_list]})
    return render(request, "searchlog/approval_list.html", {"page": page, "rows": page.object_list, "query": ""})


@login_required
def decide_queue(request: HttpRequest) -> HttpResponse:
    """"Decide": the requests waiting for the user's decision, oldest first."""
    if not (request.user.is_manager or request.user.is_auditor):
        raise Http404("No such page")
    rows = selectors.decide_queue_for(request.user)
    audit_append(action="approval.list", actor=request.user, obj_type="approval", request=request,
                 changes={"approvals": [a.pk for a in rows], "filters": {"decide": "true"}})
    return render(request, "searchlog/decide_queue.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def approval_new(request: HttpRequest) -> HttpResponse:
    form = ApprovalRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            approval = approvals.approval_request(requester=request.user, data=form.cleaned_request())
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except NotPermitted as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Request {approval.label} sent. You will be told when it is decided.")
            return redirect("approval-detail", pk=approval.pk)
    return render(request, "searchlog/approval_form.html", {"form": form},
                  status=400 if form.errors else 200)


def _actions(user: User, approval: Approval) -> set[str]:
    """What the user may do to the request now (which buttons to show); the services decide again."""
    may = {REQUESTER: approval.requested_by_id == user.pk, DECIDER: selectors.can_decide(user, approval)}
    return {move.action for move in APPROVAL_MOVES if approval.status in move.from_states and may.get(move.who)}


def _detail(request: HttpRequest, approval: Approval, *, status: int = 200, **forms: Any) -> HttpResponse:
    actions = _actions(request.user, approval)
    return render(request, "searchlog/approval_detail.html", {
        "approval": approval,
        "actions": actions,
        "is_requester": approval.requested_by_id == request.user.pk,
        "records": list(approval.records.select_related("practitioner").order_by("pk")),
        "risks": selectors.approval_risks(approval),
        "deciders": list(selectors.deciders_of(approval)) if approval.status == ApprovalStatus.REQUESTED else [],
        "may_record": approval.requested_by_id == request.user.pk and approval.status == ApprovalStatus.APPROVED,
        "approve_form": forms.get("approve_form") or ApproveForm(),
        "refuse_form": forms.get("refuse_form") or RefuseForm(auto_id="refuse_%s"),
        "default_days": settings.SEARCHLOG_APPROVAL_DAYS,
    }, status=status)


@login_required
def approval_detail(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _visible(request.user, pk)
    audit_append(action="approval.view", actor=request.user, obj_type="approval", obj_id=approval.label,
                 request=request)
    return _detail(request, approval)


def _refused(request: HttpRequest, approval: Approval, error: Exception) -> HttpResponse:
    if isinstance(error, NotPermitted):
        # Deciding one's own request, or one that is not one's to decide: visible, so 403, not 404.
        return render(request, "searchlog/approval_forbidden.html", {"approval": approval, "message": str(error)},
                      status=403)
    messages.error(request, str(error))
    return redirect("approval-detail", pk=approval.pk)


@login_required
@require_POST
def approval_approve(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _visible(request.user, pk)
    form = ApproveForm(request.POST)
    if form.is_valid():
        expires_at = form.cleaned_data["expires_at"]
        try:
            approvals.approval_approve(
                approval=approval, actor=request.user,
                expires_at=timezone.make_aware(expires_at) if expires_at and timezone.is_naive(expires_at)
                else expires_at,
                conditions=form.cleaned_data["conditions"], comment=form.cleaned_data["comment"])
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except (NotPermitted, TransitionNotAllowed) as error:
            return _refused(request, approval, error)
        else:
            messages.success(request, f"Request {approval.label} approved. The requester has been told.")
            return redirect("decide-queue")
    return _detail(request, approval, status=400, approve_form=form)


@login_required
@require_POST
def approval_refuse(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _visible(request.user, pk)
    form = RefuseForm(request.POST, auto_id="refuse_%s")
    if form.is_valid():
        try:
            approvals.approval_refuse(approval=approval, actor=request.user, comment=form.cleaned_data["comment"])
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except (NotPermitted, TransitionNotAllowed) as error:
            return _refused(request, approval, error)
        else:
            messages.success(request, f"Request {approval.label} refused. The requester has been told.")
            return redirect("decide-queue")
    return _detail(request, approval, status=400, refuse_form=form)


@login_required
@require_POST
def approval_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    approval = _visible(request.user, pk)
    try:
        approvals.approval_cancel(approval=approval, actor=request.user)
    except (NotPermitted, TransitionNotAllowed) as error:
        return _refused(request, approval, error)
    messages.success(request, f"Request {approval.label} cancelled.")
    return redirect("approval-detail", pk=approval.pk)
