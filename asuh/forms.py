"""Glue between WTForms and the services' ``ValidationFailed``."""

from flask import flash, redirect

from asuh.errors import ValidationFailed


def attach_errors(form, failure: ValidationFailed) -> None:
    """Show a service's refusal next to the field it names (or at the top of the form)."""
    for field_name, messages in failure.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


def button_action(form, action, target, back_url: str):
    """Run a page button's action on ``target`` and go back to ``back_url``.

    The action calls a use case (which commits or rolls back its own unit of work) and
    returns the success message; a refusal shows why.
    """
    if form.validate_on_submit():
        try:
            message = action(target)
        except ValidationFailed as failure:
            flash(str(failure), "error")
        else:
            if message:
                flash(message, "success")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(back_url)
