"""Pages for recording searches: thin doors onto workflow and selectors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from searchlog import clock, selectors, workflow
from searchlog.audit import audit_list_read
from searchlog.errors import NotPermitted, RecordInvalid, RecordNotFound, TransitionNotAllowed
from searchlog.flags import flags_for, with_flags_for
from searchlog.forms import QuickRecordForm, RecordForm, StatusFilterForm, initial_under_approval
from searchlog.justification import missing_answers
from searchlog.models import Approval, SearchRecord, User
from searchlog.presenters import record_answers

PAGE_SIZE = 20


def _own_record(user: User, reference: str) -> SearchRecord:
    try:
        return selectors.record_of(user, reference)
    except RecordNotFound:
        raise Http404("No such record") from None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_auditor:
        return redirect("all-records")
    return redirect("my-records")


def _record_list(request: HttpRequest, records: QuerySet[SearchRecord], *, title: str) -> HttpResponse:
    """A paginated list of records (audited as one read naming the records shown)."""
    filter_form = StatusFilterForm(request.GET or None)
    if filter_form.is_valid() and filter_form.cleaned_data["status"]:
        records = records.filter(status=filter_form.cleaned_data["status"])
    page = Paginator(with_flags_for(request.user, records), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(record, flags_for(record)) for record in page.object_list]
    audit_list_read(request=request, action="record.list", references=[r.reference for r, _ in rows],
                    filters=request.GET)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "searchlog/record_list.html", {
        "title": title, "page": page, "rows": rows, "filter_form": filter_form, "query": query.urlencode(),
    })


@login_required
def my_records(request: HttpRequest) -> HttpResponse:
    return _record_list(request, selectors.records_of(request.user), title="My records")


@login_required
def all_records(request: HttpRequest) -> HttpResponse:
    return _record_list(request, selectors.records_visible_to(request.user), title="Records you can see")


def _form_page(request: HttpRequest, form: RecordForm | QuickRecordForm, *, template: str,
               record: SearchRecord | None = None, **extra: Any) -> HttpResponse:
    return render(request, template, {"form": form, "record": record, **extra})


def _save_outcome(request: HttpRequest, record: SearchRecord) -> HttpResponse:
    """After saving: "Save as draft" goes to the record; "Continue" checks the answers."""
    if "save_draft" in request.POST:
        messages.success(request, f"Draft {record.reference} saved. You can come back to it from My records.")
        return redirect("record-detail", reference=record.reference)
    return redirect("record-check", reference=record.reference)


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest) -> HttpResponse:
    # "Record a search under this approval": the record starts from the approval's plan and links to it.
    approval = _own_approval(request.user, request.GET.get("approval") or request.POST.get("approval"))
    initial = {"searched_at": _now_minute(), **(initial_under_approval(approval) if approval else {})}
    form = RecordForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = workflow.record_create(practitioner=request.user, data=form.cleaned_data)
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except NotPermitted as error:
            form.add_error(None, str(error))
        else:
            return _save_outcome(request, record)
    return _form_page(request, form, template="searchlog/record_form.html", approval=approval,
                      title="Record a search under an approval" if approval else "Record a search")


def _own_approval(user: User, pk: str | None) -> Approval | None:
    """The user's own request named in the address, or None (the workflow checks it may be searched under)."""
    if not pk:
        return None
    try:
        approval = selectors.approval_visible_to(user, pk)
    except RecordNotFound:
        raise Http404("No such request") from None
    return approval if approval.requested_by_id == user.pk else None


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, reference: str) -> HttpResponse:
    record = _own_record(request.user, reference)
    if not record.is_editable:
        messages.info(request, f"Record {record.reference} has been submitted and can no longer be changed.")
        return redirect("record-detail", reference=record.reference)
    form = RecordForm(request.POST or None, initial=RecordForm.initial_from(record))
    if request.method == "POST" and form.is_valid():
        try:
            record = workflow.record_update(record=record, actor=request.user, data=form.cleaned_data)
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect("record-detail", reference=record.reference)
        else:
            return _save_outcome(request, record)
    title = "Complete this record" if record.is_quick_record else "Change this record"
    return _form_page(request, form, template="searchlog/record_form.html", record=record, title=title,
                      repeat_count=repeat_count_for(record), approval=record.approval)


@login_required
@require_http_methods(["GET", "POST"])
def record_quick(request: HttpRequest) -> HttpResponse:
    form = QuickRecordForm(request.POST or None, initial={"searched_at": _now_minute()})
    if request.method == "POST" and form.is_valid():
        try:
            record = workflow.record_create(practitioner=request.user, data=form.cleaned_data, quick=True)
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except NotPermitted as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Emergency record {record.reference} saved. Complete it as soon as you can: it is not "
                "justified until you do.",
            )
            return redirect("record-detail", reference=record.reference)
    return _form_page(request, form, template="searchlog/record_quick.html")


@login_required
def record_check(request: HttpRequest, reference: str) -> HttpResponse:
    record = _own_record(request.user, reference)
    if not record.is_editable:
        return redirect("record-detail", reference=record.reference)
    return render(request, "searchlog/record_check.html", {
        "record": record, "missing": missing_answers(record), "repeat_count": repeat_count_for(record),
        "answers": record_answers(record),
    })


@login_required
@require_POST
def record_submit(request: HttpRequest, reference: str) -> HttpResponse:
    record = _own_record(request.user, reference)
    try:
        record = workflow.record_submit(record=record, actor=request.user)
    except RecordInvalid:
        messages.error(request, "Answer the missing questions before you submit this record.")
        return redirect("record-check", reference=record.reference)
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
        return redirect("record-detail", reference=record.reference)
    messages.success(request, f"Record {record.reference} submitted for review.")
    return redirect("record-detail", reference=record.reference)


def repeat_count_for(record: SearchRecord) -> int:
    return selectors.repeat_search_count(
        team_id=record.team_id, subject_reference=record.subject_reference, exclude_pk=record.pk,
        at=record.searched_at,
    )


def _now_minute() -> Any:
    return timezone.localtime(clock.now()).replace(second=0, microsecond=0)
