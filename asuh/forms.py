"""Glue between WTForms and the services' ``ValidationFailed``."""

from asuh.errors import ValidationFailed


def attach_errors(form, failure: ValidationFailed) -> None:
    """Show a service's refusal next to the field it names (or at the top of the form)."""
    for field_name, messages in failure.errors.items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
