"""The admin's grants page in a real browser: the administrator opens it from the category's change page,
grants a permission to a user and revokes a group's, with no CSP violation; the branded 404 and the favicon.

Photographs under tests/e2e/screenshots/<screen>-admin-grants*.png and <screen>-not-found.png.
"""
import pytest
from playwright.sync_api import expect

from forum import policy

from ..factories import fresh
from .conftest import DESKTOP_DARK, DESKTOP_LIGHT, PHONE_LIGHT, save_screenshot

pytestmark = pytest.mark.e2e


def _watch_csp(page) -> list[str]:
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT], ids=lambda s: s.name)
def test_the_admin_grants_and_revokes_on_the_grants_page(logged_in_page, screen, admin_user, secops,
                                                         security_reviewer, secops_member, employee):
    page = logged_in_page(admin_user, screen)
    violations = _watch_csp(page)
    page.goto(f"/admin/forum/category/{secops.pk}/change/")
    page.get_by_role("link", name="Grants", exact=True).click()
    expect(page.get_by_role("heading", name="Grants: Security Ops")).to_be_visible()
    expect(page.get_by_text("Vetted's five permissions")).to_be_visible()
    readers = page.locator(".grants-readers")
    expect(readers).to_contain_text("group secops: View, Post")
    expect(readers).not_to_contain_text("alice")
    save_screenshot(page, f"{screen.name}-admin-grants")

    # Grant View to alice through the form.
    page.get_by_label("Grant to").select_option("user")
    page.get_by_label("Username or group name").fill("alice")
    page.get_by_label("Permission", exact=True).select_option(policy.VIEW)
    page.get_by_role("button", name="Grant", exact=True).click()
    expect(page.get_by_text("Granted “View” to user “alice”.")).to_be_visible()
    expect(readers).to_contain_text("alice")
    assert policy.can_view_category(fresh(employee), secops)

    # A mistyped name is a clear error, not a 500.
    page.get_by_label("Username or group name").fill("alcie")
    page.get_by_role("button", name="Grant", exact=True).click()
    expect(page.get_by_text("No user named “alcie”.")).to_be_visible()
    save_screenshot(page, f"{screen.name}-admin-grants-error")

    # Revoke the group's Post from its cell.
    page.get_by_role("button", name="Revoke Post from group secops").click()
    expect(page.get_by_text("Revoked “Post” from group “secops”.")).to_be_visible()
    expect(readers).to_contain_text("group secops: View")
    assert not policy.can_start_thread(fresh(secops_member), secops)
    assert violations == []


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, DESKTOP_DARK], ids=lambda s: s.name)
def test_an_unknown_url_shows_the_branded_page_and_the_favicon_loads(logged_in_page, screen, employee):
    page = logged_in_page(employee, screen)
    violations = _watch_csp(page)
    response = page.goto("/no/such/page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_label("Search the forum")).to_be_visible()
    save_screenshot(page, f"{screen.name}-not-found")
    page.get_by_label("Search the forum").fill("vault")
    page.get_by_label("Search the forum").press("Enter")
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    icon = page.request.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    page.locator(".user-menu summary").click()
    expect(page.get_by_role("link", name="API docs")).to_be_visible()
    assert violations == []
