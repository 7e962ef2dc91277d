"""The server's own limits, rendered as ``data-rule-*`` attributes for the checks a phone
runs before it sends or queues a form (issue 13; static/js/delivery_rules.js and
measurement_rules.js). Values come from the services' constants and every message is
what the service itself says about the first value outside, so the phone refuses what
the server refuses, in the server's words. The server stays the authority.
"""

from datetime import date, timedelta
from decimal import Decimal

from asuh import timeutil
from asuh.errors import ValidationFailed


def delivery_rules(match) -> dict:
    """The delivery form's limits: the match's dates, quantities, the note's length, and
    the commodities offered for its child's kabupaten/kota (issue 15: the shared catalogue
    and that city's additions; a form kept from before the child moved names others)."""
    from asuh.contributions import catalogue_cities
    from asuh.contributions.services import MAX_NOTE, MAX_QUANTITY, check_delivery_date

    def refusal(day):
        try:
            check_delivery_date(match, day)
        except ValidationFailed as failure:
            return failure.errors["delivered_on"][0]
        return ""

    today = timeutil.today()
    last = min(today, match.ended_on) if match.ended_on else today
    city = catalogue_cities.match_city(match)
    return {"data-rule-commodities": " ".join(c.code for c in catalogue_cities.offered(city)),
            "data-rule-commodity-message": catalogue_cities.not_offered_message(city),
            "data-rule-min-date": match.start_on.isoformat(),
            "data-rule-min-date-message": refusal(match.start_on - timedelta(days=1)),
            "data-rule-max-date": last.isoformat(),
            "data-rule-max-date-message": refusal(last + timedelta(days=1)),
            "data-rule-max-quantity": str(MAX_QUANTITY), "data-rule-max-note": MAX_NOTE}


def _refusal(child, field: str, *, measured_on: date, height_cm=None,
             weight_kg=Decimal("5"), today: date | None = None) -> str:
    """What the growth assessment says about these figures for this child's field."""
    from asuh.children.measuring import checked_assessment

    try:
        checked_assessment(child.sex, child.birth_date, measured_on, height_cm, weight_kg,
                           "lying", today or measured_on)
    except ValidationFailed as failure:
        return failure.errors[field][0]
    raise AssertionError(f"the assessment accepted a {field} outside its limits")


def measurement_rules(child, form) -> dict:
    """The measurement form's limits for this child: the measuring day between birth,
    today and the last day of balita age (WHO's standards stop at 60 months), and the
    plausible weight and length/height (WHO Anthro's own cleaning limits)."""
    from asuh.children.growth import HEIGHT_RANGE_CM, WEIGHT_RANGE_KG
    from asuh.children.measuring import MAX_MEASURED_BY, MEASURED_BY_TOO_LONG
    from asuh.children.who_reference import MAX_AGE_DAYS

    today = timeutil.today()
    born = child.birth_date
    last_balita_day = born + timedelta(days=MAX_AGE_DAYS)
    a_day_old = born + timedelta(days=1)
    return {
        "data-rule-date-required-message": form.measured_on.validators[0].message,
        "data-rule-min-date": born.isoformat(),
        "data-rule-min-date-message": _refusal(child, "measured_on",
                                               measured_on=born - timedelta(days=1)),
        "data-rule-max-date": today.isoformat(),
        "data-rule-max-date-message": _refusal(
            child, "measured_on", measured_on=today + timedelta(days=1), today=today),
        "data-rule-max-age-date": last_balita_day.isoformat(),
        "data-rule-max-age-date-message": _refusal(
            child, "measured_on", measured_on=last_balita_day + timedelta(days=1)),
        "data-rule-min-weight": str(WEIGHT_RANGE_KG[0]),
        "data-rule-max-weight": str(WEIGHT_RANGE_KG[1]),
        "data-rule-weight-message": _refusal(child, "weight_kg", measured_on=a_day_old,
                                             weight_kg=WEIGHT_RANGE_KG[1] + 1),
        "data-rule-weight-required-message": _refusal(child, "weight_kg",
                                                      measured_on=a_day_old, weight_kg=None),
        "data-rule-min-height": str(HEIGHT_RANGE_CM[0]),
        "data-rule-max-height": str(HEIGHT_RANGE_CM[1]),
        "data-rule-height-message": _refusal(child, "height_cm", measured_on=a_day_old,
                                             height_cm=HEIGHT_RANGE_CM[1] + 1),
        "data-rule-weight-nan-message": form.weight_kg.not_a_number,
        "data-rule-height-nan-message": form.height_cm.not_a_number,
        "data-rule-max-measured-by": MAX_MEASURED_BY,
        "data-rule-measured-by-message": MEASURED_BY_TOO_LONG,
    }
