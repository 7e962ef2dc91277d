"""Indonesian everywhere, piece by piece: WTForms' and Flask-WTF's own messages,
email-validator's explanations, audit labels, and identifiers normalised alike."""

import inspect
import re
from pathlib import Path

import flask_wtf
import pytest
import wtforms
from babel.messages.extract import extract_from_dir
from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

import asuh
from asuh.accounts.email_messages import explain
from asuh.audit import queries as audit_queries
from asuh.audit.labels import ACTION_LABELS, FIELD_LABELS, shown_value
from asuh.extensions import db
from asuh.forms import FlaskForm, wtforms_translations
from asuh.identifiers import normalize_identifier, validate_nik, validate_nip
from asuh.settings import services as settings_services
from tests import factories
from tests.test_indonesian_ui import ENGLISH
from tests.test_settings import FORM


def _library_messages(package) -> set:
    """Every message the library passes to gettext/ngettext (its msgids)."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            Path(package.__file__).parent):
        found.add(message)
    return found


@pytest.mark.parametrize("package", [wtforms, flask_wtf])
def test_every_library_message_has_an_indonesian_translation(package):
    translations = wtforms_translations()
    missing = []
    for message in _library_messages(package):
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
            translated = translations.ngettext(singular, plural, 2)
            if translated in (singular, plural):
                missing.append(singular)
        elif message.strip() and translations.gettext(message) == message:
            missing.append(message)
    # Messages built with an f-string cannot reach a catalogue (FileSize's, unused here).
    missing = [m for m in missing if "{self." not in m and "{" not in m.replace(
        "{extensions}", "")]
    assert missing == []


def test_every_form_speaks_indonesian(app):
    """Every form class in the app derives from asuh.forms.FlaskForm (the one that hands
    WTForms the Indonesian catalogue)."""

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    asuh_dir = Path(asuh.__file__).parent
    ours = [cls for cls in subclasses(flask_wtf.FlaskForm)
            if Path(inspect.getfile(cls)).is_relative_to(asuh_dir)]
    assert len(ours) > 20
    assert [cls.__qualname__ for cls in ours
            if cls is not FlaskForm and not issubclass(cls, FlaskForm)] == []


def test_empty_required_field_and_missing_csrf_in_indonesian(app):
    from asuh.settings.forms import SettingsForm

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        with app.test_request_context("/admin/settings", method="POST", data={}):
            form = SettingsForm()
            assert not form.validate()
            assert form.errors["city_name"] == ["Wajib diisi."]
            assert form.errors["csrf_token"] == [
                "Token keamanan formulir tidak ada. Muat ulang halaman lalu coba lagi."]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- email-validator ---------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab.@-_ ()<>\u200b1é"), max_size=14)
       | st.emails().map(lambda e: e.replace("@", "@@", 1)))
def test_email_refusals_are_explained_in_indonesian(typed):
    try:
        validate_email(typed, check_deliverability=False)
    except EmailNotValidError as refusal:
        said = explain(refusal)
        assert said.startswith("Alamat email tidak valid: ")
        assert not ENGLISH.search(said), (str(refusal), said)
        assert not re.search(r"[A-Z]{3,}", said.replace("NIK", "")), said


def test_the_issue_example_is_explained(app):
    with pytest.raises(EmailNotValidError) as refused:
        validate_email("bu.sri@gmail", check_deliverability=False)
    assert explain(refused.value) == ("Alamat email tidak valid: nama domain sesudah tanda @ "
                                      "harus memuat titik, misalnya nama@gmail.com.")


# --- audit labels --------------------------------------------------------------------------


def test_every_column_setting_and_action_has_a_label(app):
    columns = {column.name for table in db.metadata.sorted_tables for column in table.columns}
    with app.app_context():
        keys = set(settings_services.defaults())
    assert sorted((columns | keys) - FIELD_LABELS.keys()) == []
    assert sorted(set(audit_queries.ACTIONS) - ACTION_LABELS.keys()) == []


def test_every_action_the_code_records_is_listed_and_labelled():
    """An action recorded anywhere must be in the audit filter's list (and so labelled):
    otherwise the auditor sees its raw name and cannot filter on it."""
    import re
    from pathlib import Path

    recorded, entities = set(), set()
    for path in Path(audit_queries.__file__).resolve().parents[1].rglob("*.py"):
        text = path.read_text()
        recorded |= set(re.findall(r'audit\.record\(\s*"([a-z_]+)"', text))
        entities |= set(re.findall(r'audit\.record\(\s*"[a-z_]+",\s*"([a-z_]+)"', text))
    assert recorded and sorted(recorded - set(audit_queries.ACTIONS)) == []
    assert entities and sorted(entities - audit_queries.ENTITY_TYPES.keys()) == []


def test_nested_change_values_are_labelled():
    shown = shown_value({"rice": 10, "total_value_idr": 150000})
    assert "Nilai total (Rp): 150.000" in shown
    assert shown_value("-2.78") == "-2,78" and shown_value("127.0.0.1") == "127.0.0.1"


def test_the_audit_page_shows_labels_not_field_names(client, login, users, regions, app):
    with app.app_context():
        admin = factories.user("admin")
        child = factories.child(actor=admin)
        factories.measurement(child, actor=admin)
        db.session.commit()
    login("auditor")
    page = client.get("/audit").text
    assert "height_cm" not in page and "weight_kg" not in page
    assert "Tinggi/panjang (cm)" in page and "Berat (kg)" in page


# --- identifiers ---------------------------------------------------------------------------


@given(st.lists(st.sampled_from([" ", ".", "  ", "\t"]), min_size=18, max_size=18))
def test_layout_in_an_identifier_never_changes_it(separators):
    nip = factories.valid_nip(7)
    typed = "".join(digit + sep for digit, sep in zip(nip, separators, strict=True))
    assert normalize_identifier(typed) == nip
    assert validate_nip(typed, today=None).nip == nip
    nik = factories.valid_nik(7)
    typed_nik = "".join(d + s for d, s in zip(nik, separators, strict=False))
    assert validate_nik(typed_nik).nik == nik


def test_a_nip_in_groups_is_accepted_at_registration_and_in_settings(client, login, users,
                                                                      regions, app):
    nip = "19710315 199803 2 004"
    with app.app_context():
        admin = factories.user("admin")
        sponsor = factories.sponsor(nip=nip, actor=admin)
        db.session.commit()
        assert sponsor.nip == "197103151998032004"
    login("admin")
    response = client.post("/admin/settings", data={**FORM, "head_nip": nip})
    assert response.status_code == 302
    with app.app_context():
        assert settings_services.get("head_nip") == "197103151998032004"
    response = client.post("/admin/settings", data={**FORM, "head_nip": "1971.0315 1998"})
    assert response.status_code == 200
    assert "NIP harus 18 digit angka (tertulis 12 digit)." in response.text
    assert "1971.0315 1998" in response.text  # what was typed is kept
