"""The second factor for local accounts: who needs one, enrolling a TOTP app with recovery codes, and checking codes.

Built on django-otp (its TOTP and static devices). Single sign-on users skip it: their provider does it.
"""

from __future__ import annotations

from io import BytesIO

import segno
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from searchlog.audit import audit_append
from searchlog.models import Role, User

RECOVERY_CODE_COUNT = 10
SSO_BACKEND = "searchlog.sso.SearchlogOIDCBackend"
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def second_factor_required(user: User) -> bool:
    """Does this local account need a second factor? Managers, auditors and administrators always; all if configured."""
    return bool(settings.SEARCHLOG_MFA_REQUIRED or user.role in (Role.MANAGER, Role.AUDITOR) or user.is_staff)


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def signed_in_with_provider(request: HttpRequest) -> bool:
    return request.session.get(BACKEND_SESSION_KEY) == SSO_BACKEND


def second_factor_step(request: HttpRequest) -> str:
    """What a signed-in session still owes: "" (nothing), "verify" (enter a code) or "enrol" (set up an app)."""
    user = request.user
    if not user.is_authenticated or signed_in_with_provider(request) or user.is_verified():
        return ""
    if has_second_factor(user):
        return "verify"
    return "enrol" if second_factor_required(user) else ""


def _clean(code: str) -> str:
    return "".join(str(code).split()).replace("-", "").lower()


def device_matching(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The user's device that accepts this code (a recovery code works once), or None. Throttled by django-otp."""
    code = _clean(code)
    if not code:
        return None
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if code.isdigit() and device.verify_token(code):
                return device
        for device in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
    return None


def second_factor_verify(request: HttpRequest, code: str) -> bool:
    """Check the code for the signed-in user; on success mark the session verified under a new session key."""
    user = request.user
    device = device_matching(user, code)
    if device is None:
        audit_append(action="auth.second_factor_failed", actor=user, obj_type="user", obj_id=user.get_username(),
                     request=request)
        return False
    # A new session key at the step that completes sign-in (a fixed session cannot be carried past it).
    request.session.cycle_key()
    otp_login(request, device)
    method = "recovery_code" if isinstance(device, StaticDevice) else "totp"
    audit_append(action="auth.second_factor", actor=user, obj_type="user", obj_id=user.get_username(),
                 changes={"method": method}, request=request)
    return True


def totp_enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per user, kept across page loads until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


def totp_secret(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, nothing sent elsewhere)."""
    out = BytesIO()
    segno.make(device.config_url, error="m").save(out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True,
                                                  title="QR code for your authenticator app")
    return out.getvalue().decode()


@transaction.atomic
def totp_enrol_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app with a code it shows; replace any older app and recovery codes; return the new codes."""
    user = request.user
    if device.user_id != user.pk or device.confirmed or not _clean(code).isdigit() \
            or not device.verify_token(_clean(code)):
        audit_append(action="auth.mfa_enrol_failed", actor=user, obj_type="user", obj_id=user.get_username(),
                     request=request)
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = recovery_codes_replace(user)
    # Enrolling proves the second factor for this session too.
    request.session.cycle_key()
    otp_login(request, device)
    audit_append(action="auth.mfa_enrol", actor=user, obj_type="user", obj_id=user.get_username(),
                 changes={"method": "totp", "recovery_codes": len(codes)}, request=request)
    return codes


def recovery_codes_replace(user: User) -> list[str]:
    """Replace the user's recovery codes with a new set; each works once. Return them (shown once, never again)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes
