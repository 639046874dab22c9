"""Checkpoints in a real browser, as a student and a lecturer use them: predict, train, see the answer
of this run; two checkpoints on two pages, the course's progress on Home; presenter mode's Reveal."""

from __future__ import annotations

from typing import Any

import pytest

from .appdom import (
    TRAIN_TIMEOUT_MS,
    assert_no_exception,
    button,
    expect,
    open_app,
    wait_for_app,
)

pytestmark = pytest.mark.e2e
CARD = ".st-key-checkpoint"
REVEAL_TIMEOUT_MS = 90_000            # a whole run at the "fast" speed, on a busy machine


def predict(page: Any, choice: str) -> None:
    """Pick a choice on the card and lock it in; Train is enabled then."""
    card = page.locator(CARD)
    expect(button(page, "train_toggle")).to_be_disabled()
    card.get_by_text(choice, exact=True).click()
    expect(button(page, "cp_lock")).to_be_enabled()
    button(page, "cp_lock").click()
    expect(card).to_contain_text("Your prediction:", timeout=TRAIN_TIMEOUT_MS)
    expect(button(page, "train_toggle")).to_be_enabled()


def test_two_checkpoints_on_two_pages_then_the_course_on_home(app_server: Any, page: Any, shoot: Any) -> None:
    url = app_server.url
    open_app(page, f"{url}/next_letter?checkpoint=abcde-truncate&speed=fast")
    card = page.locator(CARD)
    expect(card).to_contain_text("Checkpoint 3 of 24")
    predict(page, "not at all: the two curves are one")
    button(page, "train_toggle").click()
    expect(card).to_contain_text("Your prediction was right: not at all: the two curves are one.",
                                 timeout=REVEAL_TIMEOUT_MS)
    expect(card).to_contain_text("The two losses never differ")
    assert_no_exception(page)
    shoot()

    for n, at in ((4, "next_letter?*checkpoint=abcde-certainty"),      # on through the course: this page,
                  (5, "sine_wave?*checkpoint=sine-activation"),        # the next page,
                  (6, "sine_wave?*checkpoint=sine-clip")):             # and on that page
        page.locator(CARD).get_by_text("Next", exact=True).click()
        page.wait_for_url(f"**/{at}*")
        wait_for_app(page)
        expect(page.locator(CARD)).to_contain_text(f"Checkpoint {n} of 24")
    assert "progress=" in page.url                                     # the first answer travels along
    predict(page, "both")
    button(page, "train_toggle").click()
    expect(page.locator(CARD)).to_contain_text(
        "The run says only the one without clipping; you predicted both.", timeout=REVEAL_TIMEOUT_MS)
    expect(page.locator(CARD)).to_contain_text("Without clipping the loss became infinite at step 27")
    assert "progress=" in page.url
    assert_no_exception(page)
    shoot()

    page.get_by_test_id("stSidebarNav").get_by_text("Home", exact=True).click()
    wait_for_app(page)
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text("2 of 24 checkpoints answered, 1 right")
    assert_no_exception(page)


def test_presenter_mode_waits_for_the_lecturer_to_reveal(app_server: Any, page: Any, shoot: Any) -> None:
    open_app(page, f"{app_server.url}/next_letter?checkpoint=abcde-truncate&present=1&speed=fast")
    card = page.locator(CARD)
    expect(card.locator("ol li")).to_have_text(["not at all: the two curves are one",
                                                "the truncated run learns more slowly",
                                                "the truncated run learns faster"])
    expect(button(page, "cp_reveal")).to_be_disabled()
    expect(button(page, "train_toggle")).to_be_enabled()                # the class predicts by hand
    button(page, "train_toggle").click()
    expect(button(page, "cp_reveal")).to_be_enabled(timeout=REVEAL_TIMEOUT_MS)
    expect(card).not_to_contain_text("The run says")
    button(page, "cp_reveal").click()
    expect(card).to_contain_text("The run says: not at all: the two curves are one.",
                                 timeout=TRAIN_TIMEOUT_MS)
    assert_no_exception(page)
    shoot()
