"""A draft whose source was hidden since it was written, in a real browser: its asker no longer reads it.

The asker reads their private draft; a moderator hides the reply it quotes (it pasted a token); on the next visit
the panel says the draft is withheld and why, shows none of its text or sources, and offers a new draft.
Photographs the panel under tests/e2e/screenshots/<screen>-withheld-draft.png.
"""
import pytest
from playwright.sync_api import expect

from forum import services as forum_services

from ..aiassist.test_review_services import QUOTED, ask, drafted
from .conftest import DESKTOP_LIGHT, PHONE_DARK, save_screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_a_draft_quoting_a_hidden_post_is_withheld_from_its_asker(logged_in_page, screen, employee, eng_moderator,
                                                                 engineering):
    thread = ask(employee, engineering)
    answer = drafted(employee, thread)
    asker = logged_in_page(employee, screen)
    asker.goto(f"/t/{thread.pk}/")
    panel = asker.locator("#ai-panel")
    expect(panel).to_contain_text(QUOTED["low"])

    forum_services.post_hide(acting_user=eng_moderator, post=answer.sources.get(cited=True).post,
                             reason="It pasted a live token.")

    asker.goto(f"/t/{thread.pk}/")
    expect(panel.locator("[data-withheld]")).to_contain_text("no longer shown to you")
    expect(panel.get_by_role("button", name="Ask the assistant")).to_be_visible()
    assert QUOTED["low"] not in asker.content()
    panel.scroll_into_view_if_needed()
    save_screenshot(asker, f"{screen.name}-withheld-draft")
