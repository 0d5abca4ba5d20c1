"""The visitor chat in Chromium at phone (390×844) and desktop (1280×800) sizes: axe-core
finds no serious or critical WCAG 2.2 AA violation in any state, inputs are at least 16 px,
targets at least 44×44 px, numbers are tap-to-call links, and the page reflows at 320 px.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.axe import blocking, run_axe
from tests.support.fakes import FakeResponder

from .browser import ChatDriver

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]

# Every visible control a finger or a pointer uses, measured in the browser. Links inside
# running text are excepted (WCAG 2.5.8 "inline"), as are the links in a quoted source.
TARGETS_JS = """() => {
  const inline = el => el.tagName === 'A' && el.closest('p, li, blockquote, summary') !== null
                       && !el.classList.contains('button');
  const seen = [];
  const sel = 'button, a[href], input:not([type=hidden]), textarea, select, summary, [role=button]';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
    if (inline(el)) continue;
    // a checkbox counts with its label, which is what a finger taps
    const box = (el.type === 'checkbox' && el.closest('label'))
      ? el.closest('label').getBoundingClientRect() : r;
    if (box.width < 44 - 0.5 || box.height < 44 - 0.5) {
      seen.push(`${el.tagName.toLowerCase()}#${el.id || ''}.${[...el.classList].join('.')} ` +
                `"${(el.getAttribute('aria-label') || el.innerText || '').trim().slice(0, 30)}" ` +
                `${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return seen;
}"""

SMALL_INPUTS_JS = """() => [...document.querySelectorAll(
    'input:not([type=hidden]), textarea, select')]
  .filter(el => el.getBoundingClientRect().width > 0)
  .filter(el => parseFloat(getComputedStyle(el).fontSize) < 16)
  .map(el => `${el.closest('[id]')?.id}: ${getComputedStyle(el).fontSize}`)"""


@pytest.fixture
def open_chat(live: Any, browser: Any) -> Iterator[Any]:
    """`page, chat = open_chat(viewport)`: the chat over the fake responder at that size."""
    contexts: list[Any] = []
    stack = live(responder=FakeResponder())

    def open_at(viewport: dict[str, int], **options: Any) -> tuple[Any, ChatDriver]:
        context = browser.new_context(viewport=viewport, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page, ChatDriver.open(page, stack.url)

    yield open_at
    for context in contexts:
        context.close()


@pytest.fixture
def form_on_phone(open_chat: Any) -> tuple[Any, ChatDriver]:
    """`page, chat`: the chat at phone size with the appointment form open."""
    page, chat = open_chat(PHONE)
    chat.open_appointment_form()
    return page, chat


def assert_accessible(page: Any, state: str) -> None:
    problems = blocking(run_axe(page))
    assert problems == [], f"{state}: " + "\n".join(problems)


@pytest.mark.parametrize("viewport", SIZES)
def test_axe_finds_no_serious_violation_in_any_state_of_the_chat(
    open_chat: Any, viewport: dict[str, int]
) -> None:
    page, chat = open_chat(viewport)
    assert_accessible(page, "welcome")

    answer = chat.ask("What are your opening hours?")
    answer.locator("details.sources summary").click()
    assert_accessible(page, "an answer with its sources open")

    chat.ask("I want to kill myself")
    assert_accessible(page, "an emergency reply")

    chat.open_appointment_form()
    expect(chat.field("name")).to_be_visible()
    assert_accessible(page, "the appointment form")

    chat.send_appointment()
    expect(page.locator("#appt-error-summary")).to_be_visible()
    assert_accessible(page, "the form with errors")

    chat.field("name").fill("Ann Example")
    chat.field("phone").fill("410 555 2368")
    page.locator("#appt-consent input").check()
    chat.send_appointment()
    expect(page.locator("#appt-done")).to_contain_text("reference")
    assert_accessible(page, "the confirmation")


@pytest.mark.parametrize("viewport", SIZES)
def test_no_input_under_16px_and_no_target_under_44px(
    open_chat: Any, viewport: dict[str, int]
) -> None:
    page, chat = open_chat(viewport)
    chat.ask("What are your opening hours?")
    assert page.evaluate(SMALL_INPUTS_JS) == []
    assert page.evaluate(TARGETS_JS) == []

    chat.open_appointment_form()
    expect(chat.field("name")).to_be_visible()
    assert page.evaluate(SMALL_INPUTS_JS) == []
    assert page.evaluate(TARGETS_JS) == []


def test_form_fields_ask_for_the_right_keyboard_and_autofill(form_on_phone: Any) -> None:
    _, chat = form_on_phone

    expected = {
        "name": {"autocomplete": "name", "type": "text"},
        "phone": {"autocomplete": "tel", "type": "tel", "inputmode": "tel"},
        "email": {"autocomplete": "email", "type": "email", "inputmode": "email"},
    }
    for field, attributes in expected.items():
        for attribute, value in attributes.items():
            expect(chat.field(field)).to_have_attribute(attribute, value)


def test_emergency_numbers_in_a_reply_are_tap_to_call_links(open_chat: Any) -> None:
    page, chat = open_chat(PHONE)

    reply = chat.ask("I want to kill myself")

    expect(reply.locator('a[href="tel:911"]')).to_have_text("911")
    expect(reply.locator('a[href="tel:988"]')).to_have_text("988")
    expect(reply.locator('a[href="sms:988"]')).to_be_visible()
    footer = page.locator("#emergency-line")
    expect(footer.locator('a[href="tel:911"]')).to_be_visible()
    expect(footer.locator('a[href="sms:988"]')).to_be_visible()


def test_the_chat_reflows_at_320px_without_sideways_scrolling(open_chat: Any) -> None:
    page, chat = open_chat({"width": 320, "height": 640})
    chat.ask("What are your opening hours?")

    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 320
    chat.open_appointment_form()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320


def test_reduced_motion_turns_off_animations(open_chat: Any) -> None:
    page, chat = open_chat(PHONE, reduced_motion="reduce")
    chat.ask("What are your opening hours?")

    moving = page.evaluate(
        """() => [...document.querySelectorAll('*')].filter(el => {
             const s = getComputedStyle(el);
             const secs = v => Math.max(...v.split(',').map(parseFloat));
             return secs(s.animationDuration) > 0.01 && s.animationName !== 'none'
                 || secs(s.transitionDuration) > 0.01;
           }).map(el => el.tagName + '#' + el.id + '.' + el.className).slice(0, 10)"""
    )
    assert moving == []


def test_focus_is_visible_on_every_control_reached_by_tab(open_chat: Any) -> None:
    page, _ = open_chat(DESKTOP)
    unmarked = []
    for _ in range(12):
        page.keyboard.press("Tab")
        shown = page.evaluate(
            """() => { const el = document.activeElement; if (!el || el === document.body)
                         return null;
                       const s = getComputedStyle(el);
                       const ring = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
                       const shadow = s.boxShadow && s.boxShadow !== 'none';
                       return {what: el.tagName + '#' + el.id, ok: ring || !!shadow}; }"""
        )
        if shown and not shown["ok"]:
            unmarked.append(shown["what"])
    assert unmarked == []


def test_an_empty_form_moves_focus_to_an_error_summary_linking_each_field(
    form_on_phone: Any,
) -> None:
    page, chat = form_on_phone
    chat.field("time").fill("weekday mornings")

    chat.send_appointment()

    summary = page.locator("#appt-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    for field in ("name", "phone", "email", "consent"):
        control = page.locator(f"#appt-{field} input")
        expect(control).to_have_attribute("aria-invalid", "true")
        described = control.get_attribute("aria-describedby") or ""
        assert f"appt-{field}-error" in described.split()
        expect(page.locator(f"#appt-{field}-error")).not_to_be_empty()
    expect(chat.field("time")).not_to_have_attribute("aria-invalid", "true")
    expect(chat.field("time")).to_have_value("weekday mornings")  # values kept

    summary.get_by_role("link", name="tell us your name").click()
    expect(chat.field("name")).to_be_focused()

    # fixing the fields clears the marks; a second failed submit focuses the summary again
    chat.field("name").fill("Ann Example")
    chat.send_appointment()
    expect(summary).to_be_focused()
    expect(chat.field("name")).not_to_have_attribute("aria-invalid", "true")


def test_after_sending_focus_moves_to_the_confirmation_with_a_copyable_reference(
    form_on_phone: Any,
) -> None:
    page, chat = form_on_phone
    chat.field("name").fill("Ann Example")
    chat.field("email").fill("ann@example.org")
    page.locator("#appt-consent input").check()

    chat.send_appointment()

    done = page.locator("#appt-done")
    expect(done).to_be_focused()
    reference = done.locator(".reference").inner_text().strip()
    assert len(reference) >= 6
    expect(done.get_by_role("button", name="Copy reference")).to_be_visible()
