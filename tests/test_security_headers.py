"""Headers on a page, an API answer and an export; the deploy check with the production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchlog.tokens import token_issue

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


def assert_strict(response) -> None:
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'self'" in script_src
    assert "frame-ancestors 'none'" in csp
    assert "no-store" in response["Cache-Control"]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("persona", ["practitioner", "manager", "auditor"])
def test_a_page_for_each_role(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/records/" if persona == "practitioner" else "/")
    assert_strict(response)


def test_the_sign_in_page_and_an_anonymous_api_refusal(client):
    assert_strict(client.get("/sign-in/"))
    refused = client.get("/api/v1/searches/")
    assert refused.status_code == 401
    assert_strict(refused)


def test_an_api_answer_with_a_token(client, practitioner):
    token, _row = token_issue(user=practitioner)
    assert_strict(client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}"))


@pytest.mark.parametrize("path", ["/exports/searches.csv", "/api/v1/exports/searches.csv"])
def test_an_export(client, manager, path):
    client.force_login(manager)
    response = client.get(path, {"from": "2026-01-01", "to": "2026-01-31"})
    assert response.status_code == 200, response.content[:300]
    assert_strict(response)


def test_the_api_docs_allow_their_own_styles_but_no_inline_script(client, practitioner):
    client.force_login(practitioner)
    assert_strict(client.get("/api/docs/"))


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert "no-store" not in response.get("Cache-Control", "")


def test_check_deploy_is_clean_with_the_production_settings(tmp_path):
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "k" * 10 + "a-long-random-production-secret-key-0123456789",
           "ALLOWED_HOSTS": "searchlog.example.org", "SEARCHLOG_AUDIT_KEY": "x" * 40, "SEARCHLOG_HTTPS": "true",
           "SEARCHLOG_VAR_DIR": str(tmp_path), "SEARCHLOG_TEST_DB_ROLE": ""}
    run = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "WARNING" not in run.stdout + run.stderr and "no issues" in run.stdout


def test_https_settings_redirect_and_trust_the_proxy(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    assert client.get("/sign-in/").status_code == 301
    behind_proxy = client.get("/sign-in/", HTTP_X_FORWARDED_PROTO="https")
    assert behind_proxy.status_code == 200
    assert behind_proxy["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize(("value", "expected"), [("true", "True"), ("", "False")])
def test_trust_x_forwarded_for_is_read_from_the_environment(value, expected):
    env = {**os.environ, "SEARCHLOG_TRUST_X_FORWARDED_FOR": value, "SEARCHLOG_TEST_DB_ROLE": ""}
    run = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                          "from django.conf import settings; print(settings.SEARCHLOG_TRUST_X_FORWARDED_FOR)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.stdout.strip().splitlines()[-1] == expected, run.stderr
