"""Home in a real browser: it lists the five experiments, and a card opens its page."""

from __future__ import annotations

from typing import Any

import pytest

from rnn_core.experiments import experiments

from .appdom import assert_no_exception, expect, open_app, step, wait_for_app

pytestmark = pytest.mark.e2e
CARD_LINK = "[data-testid='stPageLink-NavLink']"


def test_home_lists_every_experiment_and_cards_navigate(app_server: Any, page: Any, shoot: Any) -> None:
    open_app(page, app_server.url)
    main = page.get_by_test_id("stMain")
    for p in experiments():
        expect(main.get_by_role("heading", name=p.title)).to_be_visible()
        link = main.locator(CARD_LINK).filter(has_text=p.title)
        expect(link).to_have_count(1)
        href = link.get_attribute("href") or ""
        assert href.rstrip("/").split("/")[-1] == p.url_path, f"card {p.title!r} links to {href!r}"
    assert_no_exception(page)
    shoot()

    target = experiments()[0]
    main.locator(CARD_LINK).filter(has_text=target.title).click()
    page.wait_for_url(f"**/{target.url_path}")
    wait_for_app(page)
    expect(main.get_by_role("heading", name=target.title, level=1)).to_be_visible()
    assert step(page) == 0
    assert_no_exception(page)
