"""Top-level URLs: the bench-only bare view is served only when SEARCHLOG_BENCH_BARE_VIEW is on."""

from __future__ import annotations

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import config.urls


@pytest.fixture
def reload_urls():  # type: ignore[no-untyped-def]
    """Rebuild config.urls under the current settings, and put it back as it was afterwards."""
    def reload() -> None:
        importlib.reload(config.urls)
        clear_url_caches()

    yield reload
    reload()


def test_bare_view_is_absent_by_default(client, reload_urls):
    reload_urls()
    assert client.get("/bench/bare/").status_code == 404


def test_bare_view_answers_ok_when_switched_on(client, reload_urls):
    with override_settings(SEARCHLOG_BENCH_BARE_VIEW=True):
        reload_urls()
        response = client.get("/bench/bare/")
    assert response.status_code == 200
    assert response.content == b"ok"
