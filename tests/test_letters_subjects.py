"""Letters' subject lines (perihal) read as a Dinas writes them, not a bare name; the
catalogue labels cash once."""

from asuh.contributions.catalogue import install_default_catalogue
from asuh.extensions import db
from asuh.letters import services
from asuh.sponsors.models import Sponsor
from tests import factories


def test_each_kind_states_what_for_whom_and_when(app_ctx, regions):
    scene = factories.letter_scene()
    name = db.session.get(Sponsor, scene["sponsor"]).name
    period = scene["period"]
    statement = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                      period=period)
    assert statement.public_summary["subject"] == (
        f"Pertanggungjawaban Bantuan Bapak/Bunda Asuh a.n. {name} Periode {period.label}")
    receipt = services.issue_letter("handover_receipt", contribution_id=scene["confirmed"][0])
    subject = receipt.public_summary["subject"]
    assert subject.startswith(f"Serah Terima Bantuan Bapak/Bunda Asuh a.n. {name} Tanggal ")
    recap = services.issue_letter("recap", period=period)
    assert recap.public_summary["subject"] == (
        "Rekapitulasi Program Bapak/Bunda Asuh Anak Stunting Tingkat Kota (seluruh kota) "
        f"Periode {period.label}")


def test_the_catalogue_does_not_say_uang_twice(app, client, login, regions):
    with app.app_context():
        install_default_catalogue()
        db.session.commit()
    login("admin")
    page = client.get("/catalogue").text
    assert "Uang senilai barang" in page
    assert ">uang</span>" not in page
