"""The in-chat appointment request form: its fields, inline errors, and what a submit shows.

Built inside the chat's Blocks by `build_panel`; `submit_updates` turns the outcome of
`VisitorChat.request_appointment` into Gradio updates. Errors follow the GOV.UK pattern: a
summary at the top linking to each wrong field, the message under the field, every value kept
as typed. `static/chat-page.js` moves focus to the summary (or to the confirmation) and marks
the fields aria-invalid / aria-describedby, which Gradio's components cannot express. The
reference appears only once the store returned it.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

import gradio as gr

from bot.store.visitor.appointments import AppointmentForm
from bot.web.visitor.actions import AppointmentOutcome

FIELDS = ("name", "phone", "email", "preferred_time", "reason", "consent")
# each field's element id; its error slot is "<id>-error" (chat-page.js relies on both)
FIELD_IDS = {
    "name": "appt-name",
    "phone": "appt-phone",
    "email": "appt-email",
    "preferred_time": "appt-time",
    "reason": "appt-reason",
    "consent": "appt-consent",
}


@dataclass
class AppointmentPanel:
    """The form's components, for wiring events in `bot.web.visitor.chat`."""

    view: gr.Column  # the whole panel, shown instead of the chat
    fields: gr.Column  # the inputs and the submit button, hidden once sent
    inputs: list[Any]  # in FIELDS order
    summary: gr.Markdown  # "There is a problem", with a link to each wrong field
    errors: list[gr.Markdown]  # one under each input, in FIELDS order
    status: gr.Markdown
    done: gr.Markdown
    submit: gr.Button
    back: gr.Button
    key: gr.Textbox  # hidden: the form's one-time key, kept in the browser (see visitor.chat)

    def outputs(self) -> list[Any]:
        """What `submit_updates` updates, in its order."""
        return [self.summary, *self.errors, self.status, self.fields, self.done]


def error_html(message: str) -> str:
    if not message:
        return ""
    return (
        f'<p class="field-error"><span class="visually-hidden">Error: </span>{escape(message)}</p>'
    )


def status_html(message: str) -> str:
    return f'<p class="field-error" role="alert">{escape(message)}</p>' if message else ""


def summary_html(errors: dict[str, str]) -> str:
    """The error summary: one link per distinct message, to the first field it concerns."""
    if not errors:
        return ""
    items: dict[str, str] = {}
    for field_name in FIELDS:
        message = errors.get(field_name)
        if message and message not in items:
            items[message] = FIELD_IDS[field_name]
    links = "".join(
        f'<li><a href="#{target}">{escape(message)}</a></li>' for message, target in items.items()
    )
    return (
        '<div class="error-summary">'
        '<h3 class="error-summary-title">There is a problem</h3>'
        f'<ul class="error-summary-list">{links}</ul></div>'
    )


def done_html(reference: str, *, already: bool = False) -> str:
    headline = (
        "We already have your request, nothing more to send."
        if already
        else "Thank you, your request has been sent."
    )
    return (
        '<div class="appointment-done" role="status">'
        f"<p><strong>{headline}</strong></p>"
        f'<p>Your reference: <strong class="reference">{escape(reference)}</strong></p>'
        "<p>The clinic will contact you about an appointment. "
        "Please keep the reference if you call us.</p></div>"
    )


def form_from(
    name: str, phone: str, email: str, preferred_time: str, reason: str, consent: bool
) -> AppointmentForm:
    return AppointmentForm(
        name=name or "",
        phone=phone or "",
        email=email or "",
        preferred_time=preferred_time or "",
        reason=reason or "",
        consent=bool(consent),
    )


def submit_updates(outcome: AppointmentOutcome) -> list[Any]:
    """Summary, field errors, status line, then the fields and the confirmation (outputs())."""
    errors = [
        gr.update(value=error_html(outcome.errors.get(f, "")), visible=f in outcome.errors)
        for f in FIELDS
    ]
    summary = gr.update(value=summary_html(outcome.errors), visible=bool(outcome.errors))
    if outcome.reference is None:
        return [
            summary,
            *errors,
            gr.update(value=status_html(outcome.failure), visible=bool(outcome.failure)),
            gr.skip(),  # the values stay exactly as typed
            gr.skip(),
        ]
    return [
        summary,
        *errors,
        gr.update(value="", visible=False),
        gr.update(visible=False),
        gr.update(value=done_html(outcome.reference, already=outcome.already), visible=True),
    ]


def build_panel(clinic_name: str) -> AppointmentPanel:
    """The (hidden) form panel; call inside the Blocks."""
    with gr.Column(visible=False, elem_id="appointment-view", scale=1) as view:
        gr.Markdown(
            "<h2>Request an appointment</h2><p>Leave your details and the clinic will "
            "contact you to arrange a time. Please don't include medical details here.</p>",
            elem_id="appointment-intro",
        )
        errors: list[gr.Markdown] = []

        def error_slot() -> None:
            field_id = FIELD_IDS[FIELDS[len(errors)]]
            errors.append(
                gr.Markdown(visible=False, elem_id=f"{field_id}-error", elem_classes=["err"])
            )

        with gr.Column(elem_id="appointment-fields") as fields:
            summary = gr.Markdown(visible=False, elem_id="appt-error-summary")
            name = gr.Textbox(label="Name", elem_id="appt-name", max_lines=1)
            error_slot()
            phone = gr.Textbox(label="Phone", elem_id="appt-phone", max_lines=1)
            error_slot()
            email = gr.Textbox(label="Email", elem_id="appt-email", max_lines=1, type="email")
            error_slot()
            gr.Markdown('<p class="hint">A phone number or an email address is enough.</p>')
            when = gr.Textbox(
                label="Best time to contact you",
                placeholder="e.g. weekday mornings",
                elem_id="appt-time",
                max_lines=1,
            )
            error_slot()
            reason = gr.Textbox(
                label="Reason (optional)",
                placeholder="A few words, e.g. first visit",
                elem_id="appt-reason",
                lines=2,
                max_lines=4,
            )
            error_slot()
            consent = gr.Checkbox(
                label=f"I agree that {clinic_name} may contact me about this request.",
                elem_id="appt-consent",
            )
            error_slot()
            status = gr.Markdown(visible=False, elem_id="appt-status")
            key = gr.Textbox(visible=False, elem_id="appt-key", max_lines=1)
            submit = gr.Button("Send request", variant="primary", elem_id="appt-submit")
        done = gr.Markdown(visible=False, elem_id="appt-done")
        back = gr.Button("Back to the chat", variant="secondary", elem_id="appt-back")
    return AppointmentPanel(
        view=view,
        fields=fields,
        inputs=[name, phone, email, when, reason, consent],
        summary=summary,
        errors=errors,
        status=status,
        done=done,
        submit=submit,
        back=back,
        key=key,
    )
