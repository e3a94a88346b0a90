"""The record page, and the review pages: queue, sign off, return, escalate, addenda, escalations."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from searchlog import selectors, workflow
from searchlog.audit import audit_list_read, audit_record_view
from searchlog.case_note import case_note_text
from searchlog.errors import NotPermitted, RecordInvalid, RecordNotFound, TransitionNotAllowed
from searchlog.flags import FLAG_LABELS, flagged_record, flags_for, ig_reasons, with_flag, with_flags_for
from searchlog.forms import AddendumForm, CloseEscalationForm, QueueFilterForm, ReviewDecisionForm
from searchlog.justification import missing_answers
from searchlog.models import SearchRecord, Status, Transition, User
from searchlog.presenters import record_answers, revision_changes
from searchlog.views.records import repeat_count_for

QUEUE_PAGE_SIZE = 25


def _visible_record(user: User, reference: str) -> SearchRecord:
    try:
        record = selectors.record_visible_to(user, reference)
    except RecordNotFound:
        raise Http404("No such record") from None
    return flagged_record(record.pk, related=selectors.RECORD_PAGE_WITH, reader=user)


def _form(form_class: type, name: str, data: Any = None) -> Any:
    return form_class(data)


def _record_page(request: HttpRequest, record: SearchRecord, *, status: int = 200, **forms: Any) -> HttpResponse:
    user = request.user
    is_owner = record.practitioner_id == user.pk
    can_review = Transition.Action.SIGN_OFF in workflow.available_actions(user, record)
    revisions = list(record.revisions.all())
    transitions = list(record.transitions.select_related("actor"))
    last_return = next((t for t in reversed(transitions) if t.action == Transition.Action.RETURN), None)
    flags = flags_for(record)
    context = {
        "record": record,
        "flags": flags,
        "ig_reasons": [FLAG_LABELS[flag] for flag in ig_reasons(flags)],
        "missing": missing_answers(record),
        "is_owner": is_owner,
        "transitions": transitions,
        "last_return": last_return if is_owner and record.status == Status.RETURNED else None,
        "repeat_count": repeat_count_for(record),
        "related": list(selectors.related_records(user, record)),
        "answers": record_answers(record, third_person=not is_owner),
        "case_note": case_note_text(record),
        "revisions": revisions,
        "changes": (revision_changes(revisions[-2].answers, revisions[-1].answers, third_person=not is_owner)
                    if len(revisions) > 1 else []),
        "addenda": record.addenda.select_related("author"),
        "escalations": record.escalations.select_related("raised_by", "closed_by"),
        "breaches": selectors.breaches_for(user).filter(record=record),
        "can_review": can_review,
        "can_add_addendum": not record.is_editable and selectors.may_add_addenda(user, record),
        "review_form": forms.get("review_form") or ReviewDecisionForm(),
        "addendum_form": forms.get("addendum_form") or _form(AddendumForm, "addendum_form"),
    }
    return render(request, "searchlog/record_detail.html", context, status=status)


@login_required
def record_detail(request: HttpRequest, reference: str) -> HttpResponse:
    record = _visible_record(request.user, reference)
    audit_record_view(request=request, reference=record.reference)
    return _record_page(request, record)


def _act(request: HttpRequest, reference: str, form_class: type, form_name: str, action: Any, done: str,
         data: Any = None) -> HttpResponse:
    """Run one review action from the record page; show its errors there, or go back with a banner."""
    record = _visible_record(request.user, reference)
    form = _form(form_class, form_name, request.POST if data is None else data)
    if form.is_valid():
        try:
            said = action(record, form.cleaned_data)
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except (TransitionNotAllowed, NotPermitted) as error:
            messages.error(request, str(error))
            return redirect("record-detail", reference=record.reference)
        else:
            messages.success(request, said or done.format(reference=record.reference))
            return redirect("record-detail", reference=record.reference)
    return _record_page(request, record, **{form_name: form})


def _decide(record: SearchRecord, actor: User, data: dict[str, Any]) -> str:
    """Carry out the reviewer's one decision; say what happened."""
    decision = data["decision"]
    if decision == ReviewDecisionForm.SIGN_OFF:
        record = workflow.record_sign_off(record=record, actor=actor, reviewer_involved=data["reviewer_involved"],
                                          comment=data["sign_off_comment"])
        if record.status == Status.IG_REVIEW:
            return f"Record {record.reference} signed off. Information governance will sign it off too."
        return f"Record {record.reference} signed off."
    if decision == ReviewDecisionForm.RETURN:
        workflow.record_return(record=record, actor=actor, comment=data["return_comment"])
        return f"Record {record.reference} returned to the practitioner."
    workflow.record_escalate(record=record, actor=actor, comment=data["escalate_comment"])
    return f"Record {record.reference} escalated to information governance."


def _review(request: HttpRequest, reference: str, data: Any) -> HttpResponse:
    def decide(record: SearchRecord, cleaned: dict[str, Any]) -> str:
        return _decide(record, request.user, cleaned)

    return _act(request, reference, ReviewDecisionForm, "review_form", decide, "", data)


@login_required
@require_POST
def record_review(request: HttpRequest, reference: str) -> HttpResponse:
    """The record page's one review form: sign off, return or escalate."""
    return _review(request, reference, request.POST)


def _one_decision(decision: str, request: HttpRequest) -> dict[str, Any]:
    # The older one-action addresses post {comment, reviewer_involved}: the same decision in other words.
    return {"decision": decision, "reviewer_involved": request.POST.get("reviewer_involved", ""),
            f"{decision}_comment": request.POST.get("comment", "")}


@login_required
@require_POST
def record_sign_off(request: HttpRequest, reference: str) -> HttpResponse:
    return _review(request, reference, _one_decision(ReviewDecisionForm.SIGN_OFF, request))


@login_required
@require_POST
def record_return(request: HttpRequest, reference: str) -> HttpResponse:
    return _review(request, reference, _one_decision(ReviewDecisionForm.RETURN, request))


@login_required
@require_POST
def record_escalate(request: HttpRequest, reference: str) -> HttpResponse:
    return _review(request, reference, _one_decision(ReviewDecisionForm.ESCALATE, request))


@login_required
@require_POST
def record_addendum(request: HttpRequest, reference: str) -> HttpResponse:
    def add(record: SearchRecord, data: dict[str, Any]) -> None:
        workflow.addendum_add(record=record, actor=request.user, text=data["text"])

    return _act(request, reference, AddendumForm, "addendum_form", add, "Addendum added to record {reference}.")


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.is_manager or user.is_auditor):
        raise Http404("No such page")
    queue = with_flags_for(user, selectors.review_queue_for(user))
    people = sorted(
        {(username, f"{first} {last}".strip() or username) for username, first, last in
         selectors.review_queue_for(user).values_list(
             "practitioner__username", "practitioner__first_name", "practitioner__last_name")},
        key=lambda person: person[1],
    )
    form = QueueFilterForm(request.GET or None, practitioners=people)
    if form.is_valid():
        if form.cleaned_data["flag"]:
            queue = with_flag(queue, form.cleaned_data["flag"])
        if form.cleaned_data["practitioner"]:
            queue = queue.filter(practitioner__username=form.cleaned_data["practitioner"])
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, flags_for(r), [FLAG_LABELS[f] for f in ig_reasons(flags_for(r))]) for r in page.object_list]
    audit_list_read(request=request, action="review_queue.view", references=[row[0].reference for row in rows],
                    filters=request.GET)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "searchlog/review_queue.html", {
        "page": page, "rows": rows, "filter_form": form,
        "query": query.urlencode(),
    })


@login_required
def escalations(request: HttpRequest) -> HttpResponse:
    if not request.user.is_auditor:
        raise Http404("No such page")
    page = Paginator(selectors.escalations_for(request.user), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_list_read(request=request, action="escalation.list",
                    references=[escalation.record.reference for escalation in page.object_list], filters=request.GET)
    return render(request, "searchlog/escalations.html", {"page": page, "query": ""})


@login_required
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        escalation = selectors.escalation_for(request.user, pk)
    except RecordNotFound:
        raise Http404("No such escalation") from None
    form = CloseEscalationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.escalation_close(
                escalation=escalation, actor=request.user, outcome=form.cleaned_data["outcome"],
                comment=form.cleaned_data["comment"],
            )
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except TransitionNotAllowed as error:
            messages.error(request, str(error))
            return redirect("escalation-detail", pk=escalation.pk)
        else:
            messages.success(request, f"Escalation of record {escalation.record.reference} closed.")
            return redirect("escalations")
    return render(request, "searchlog/escalation_detail.html", {"escalation": escalation, "form": form})
