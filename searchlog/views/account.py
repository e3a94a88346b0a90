"""Your account: your API tokens (see and revoke them) and changing your password."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from searchlog import sessions, tokens
from searchlog.audit import ACTIONS, audit_append

ACTIONS.update({"auth.password_change": "Password changed"})


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    return render(request, "searchlog/api_tokens.html", {"tokens": tokens.tokens_of(request.user)})


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Only the user's own live tokens: another's is "not found", never "forbidden".
    token = tokens.tokens_of(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    tokens.token_revoke(token=token, by=request.user, request=request)
    messages.success(request, "The token is revoked. Scripts using it can no longer sign in with it.")
    return redirect("api-tokens")


class GovukPasswordChangeForm(PasswordChangeForm):
    error_messages = {**PasswordChangeForm.error_messages,
                      "password_incorrect": "Your current password is wrong. Enter it again."}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self.fields["old_password"].error_messages["required"] = "Enter your current password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Enter the new password again"


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = GovukPasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()  # the save revokes every API token (searchlog.signals)
        update_session_auth_hash(request, user)  # this session stays; the others end
        audit_append(action="auth.password_change", actor=user, obj_type="user", obj_id=user.get_username(),
                     request=request)
        messages.success(request, "Your password is changed. Your API tokens are revoked: issue new ones.")
        return redirect("home")
    return render(request, "searchlog/password_change.html", {"form": form})


@login_required
@require_POST
def session_keep_alive(request: HttpRequest) -> HttpResponse:
    """The "Stay signed in" button: this request counts as activity (the middleware noted it); say when to warn."""
    return JsonResponse({"warn_after": sessions.seconds_until_warning(request.session)})
