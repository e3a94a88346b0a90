"""The subject access page, for information governance: search by case reference, then download the report."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from searchlog import exports, subject_access
from searchlog.errors import RecordInvalid
from searchlog.forms import SubjectAccessForm


def _auditor_only(request: HttpRequest) -> None:
    if not request.user.is_auditor:
        raise Http404("No such page")


@login_required
@require_GET
def subject_access_page(request: HttpRequest) -> HttpResponse:
    _auditor_only(request)
    form = SubjectAccessForm(request.GET if "subject_reference" in request.GET else None)
    found, report_links = None, []
    if form.is_valid():
        try:
            found = subject_access.subject_access_search(
                user=request.user, subject_reference=form.cleaned_data["subject_reference"], request=request)
        except RecordInvalid as error:
            for field, messages in error.errors.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            address = reverse("subject-access-report")
            report_links = [
                (label, f"{address}?{urlencode({'subject_reference': found.subject_reference, 'staff': staff})}")
                for staff, label in (("names", "Download the report (PDF)"),
                                     ("titles", "Download the report with staff job titles only (PDF)"))
            ]
    return render(request, "searchlog/subject_access.html", {
        "form": form, "found": found, "report_links": report_links,
    }, status=400 if form.errors else 200)


@login_required
@require_GET
def subject_access_report(request: HttpRequest) -> HttpResponseBase:
    _auditor_only(request)
    form = SubjectAccessForm(request.GET)
    if form.is_valid():
        try:
            return exports.as_response(subject_access.subject_access_report(
                user=request.user, subject_reference=form.cleaned_data["subject_reference"],
                staff=form.cleaned_data["staff"], request=request))
        except RecordInvalid as error:
            for field, messages in error.errors.items():
                form.add_error(field if field in form.fields else None, messages)
    return render(request, "searchlog/subject_access.html", {"form": form, "found": None, "report_links": []},
                  status=400)
