"""Every answer carries an enforced Content-Security-Policy, and no template needs it relaxed."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import CoordinatorFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+=\"", re.IGNORECASE)


def _policy(response):
    assert "Content-Security-Policy-Report-Only" not in response.headers
    return response["Content-Security-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/observe/signup/", "/api/docs/", "/admin/login/",
                                 "/api/schema/", "/healthz"])
def test_every_page_is_served_with_the_strict_policy(client, url):
    policy = _policy(client.get(url))
    assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_the_map_may_load_its_tiles_and_data_images(client):
    client.force_login(CoordinatorFactory())
    policy = _policy(client.get("/dashboard/"))
    img = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert "data:" in img and "https://tile.openstreetmap.org" in img


def test_no_template_has_an_inline_script_style_or_event_handler():
    found = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        # json_script writes <script type="application/json">: data, never run.
        scripts = [tag for tag in INLINE_SCRIPT.findall(text) if "application/json" not in tag]
        if scripts or INLINE_STYLE.search(text) or HANDLER.search(text):
            found.append(template.relative_to(TEMPLATES).as_posix())
    assert found == []
