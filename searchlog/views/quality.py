"""Pages for quality sampling (information governance only; others 404) and the insights dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from searchlog import exports, insights, quality, selectors
from searchlog.audit import audit_append
from searchlog.errors import NotPermitted, RecordInvalid, RecordNotFound
from searchlog.models import QualitySample, User
from searchlog.quality_forms import InsightsForm, QualitySampleForm, SampleReviewForm

PAGE_SIZE = 20


def _governance_only(user: User) -> None:
    if not selectors.is_governance(user):
        raise Http404("No such page")


def _sample(user: User, pk: int) -> QualitySample:
    try:
        return selectors.quality_sample_visible_to(user, pk)
    except RecordNotFound:
        raise Http404("No such sample") from None


@login_required
def sample_list(request: HttpRequest) -> HttpResponse:
    _governance_only(request.user)
    page = Paginator(selectors.quality_samples_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_append(action="quality_sample.list", actor=request.user, obj_type="quality_sample", request=request,
                 changes={"samples": [s.pk for s in page.object_list]})
    return render(request, "searchlog/quality_sample_list.html", {"page": page, "rows": page.object_list,
                                                                  "query": ""})


@login_required
@require_http_methods(["GET", "POST"])
def sample_new(request: HttpRequest) -> HttpResponse:
    _governance_only(request.user)
    form = QualitySampleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            sample = quality.quality_sample_draw(actor=request.user, request=request, **form.draw_arguments())
        except RecordInvalid as error:
            form.add_domain_errors(error)
        except NotPermitted as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Sample {sample.label} drawn: {sample.items.count()} records.")
            return redirect("quality-sample-detail", pk=sample.pk)
    return render(request, "searchlog/quality_sample_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = _sample(request.user, pk)
    audit_append(action="quality_sample.view", actor=request.user, obj_type="quality_sample", obj_id=sample.label,
                 request=request)
    return render(request, "searchlog/quality_sample_detail.html",
                  {"sample": sample, "items": list(selectors.sample_items(sample))})


@login_required
@require_http_methods(["GET", "POST"])
def sample_review(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    sample = _sample(request.user, pk)
    try:
        item = selectors.sample_item(sample, reference)
    except RecordNotFound:
        raise Http404("No such record in this sample") from None
    form = SampleReviewForm(request.POST or None, initial={"outcome": item.outcome, "comment": item.comment})
    if request.method == "POST" and form.is_valid():
        try:
            quality.quality_sample_review(item=item, actor=request.user, outcome=form.cleaned_data["outcome"],
                                          comment=form.cleaned_data["comment"], request=request)
        except RecordInvalid as error:
            form.add_domain_errors(error)
        else:
            messages.success(request, f"Review of {reference} saved.")
            return redirect("quality-sample-detail", pk=sample.pk)
    return render(request, "searchlog/quality_sample_review.html", {"sample": sample, "item": item, "form": form},
                  status=400 if form.errors else 200)


@login_required
def sample_results(request: HttpRequest, pk: int) -> HttpResponseBase:
    sample = _sample(request.user, pk)
    return exports.as_response(quality.sample_results_csv(user=request.user, sample=sample, request=request))


@login_required
def insights_page(request: HttpRequest) -> HttpResponse:
    """The dashboard: charts (server-rendered SVG) with a table beneath each; 404 for a practitioner."""
    teams = selectors.insight_teams(request.user)
    form = InsightsForm(request.GET or None, teams=teams)
    try:
        valid = form.is_valid() if request.GET else True
        first, last = insights.default_period()
        cleaned = form.cleaned_data if request.GET and valid else {}
        figures = insights.insights_for(request.user, date_from=cleaned.get("from") or first,
                                        date_to=cleaned.get("to") or last, team=cleaned.get("team"))
    except RecordNotFound:
        raise Http404("No such page") from None
    charts = {
        "per_month": insights.bars([(f"{month:%B %Y}", n) for month, n in figures.per_month]),
        "by_team": insights.bars(figures.by_team),
        "by_flag": insights.bars([(label, n) for _, label, n in figures.by_flag]),
        "by_consent_status": insights.bars([(label, n) for _, label, n in figures.by_consent_status]),
    }
    return render(request, "searchlog/insights.html", {
        "form": form, "figures": figures, "charts": charts, "teams": list(teams),
        "heights": {name: insights.chart_height(chart) for name, chart in charts.items()},
        "selected_team": figures.team.pk if figures.team else None,
    }, status=200 if valid else 400)
