"""``flask letters issue``: every sponsor's statement for a period, in a process pool,
resumable; and each kind of letter rendered to PNG (pdftoppm) as the docs show them."""

import shutil
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from asuh.extensions import db
from asuh.letters import services
from asuh.letters.models import CURRENT, SUPERSEDED, Letter
from asuh.letters.verification import verify_pdf
from tests import factories


@pytest.fixture
def statements_scene(app, regions):
    """Three sponsors with a child matched last month, one whose match ended before it,
    and one approved sponsor with no child at all."""
    with app.app_context():
        scenes = [factories.letter_scene() for _ in range(3)]
        period = scenes[0]["period"]
        ended = factories.match(start_on=period.start - timedelta(days=60))
        from asuh.matching import services as matching

        matching.end_match(ended, reason="moved", ended_on=period.start - timedelta(days=1))
        factories.sponsor()
        db.session.commit()
        return {"sponsors": [s["sponsor"] for s in scenes], "period": period}


def test_bulk_issue_is_ordered_resumable_and_writes_files(app, runner, statements_scene,
                                                          tmp_path):
    period = statements_scene["period"]
    result = runner.invoke(args=["letters", "issue", "--kind", "sponsor_statement",
                                 "--period", period.code, "--out", str(tmp_path),
                                 "--processes", "2"])
    assert result.exit_code == 0, result.output
    assert "3 surat diterbitkan" in result.output
    with app.app_context():
        letters = list(db.session.scalars(select(Letter).order_by(Letter.seq)))
        # Numbered in sponsor order, gapless, one file per letter with its exact bytes.
        assert [(letter.seq, letter.sponsor_id) for letter in letters] == list(
            zip([1, 2, 3], statements_scene["sponsors"], strict=True))
        for letter in letters:
            written = tmp_path / (letter.number.replace("/", "-") + ".pdf")
            assert written.read_bytes() == letter.pdf
            assert letter.number in PdfReader(written).pages[0].extract_text()
            assert (letter.period_start, letter.period_end) == (period.start, period.end)
            assert letter.issued_by_id is None
            # Signed in the worker processes: the stored bytes are the signed ones.
            report = verify_pdf(letter.pdf)
            assert report.identical and report.sound and report.signatures[0].trusted
    again = runner.invoke(args=["letters", "issue", "--period", period.code])
    assert again.exit_code == 0, again.output
    assert "0 surat diterbitkan; 3 dilewati" in again.output
    forced = runner.invoke(args=["letters", "issue", "--period", period.code, "--reissue",
                                 "--processes", "1"])
    assert "3 surat diterbitkan" in forced.output
    with app.app_context():
        counts = dict(db.session.execute(select(Letter.status, func.count(Letter.id))
                                         .group_by(Letter.status)).all())
        assert counts == {CURRENT: 3, SUPERSEDED: 3}
        assert sorted(db.session.scalars(select(Letter.seq))) == list(range(1, 7))


def test_a_partial_run_is_completed_by_the_next(app, runner, statements_scene):
    period = statements_scene["period"]
    with app.app_context():
        services.issue_letter("sponsor_statement", sponsor_id=statements_scene["sponsors"][1],
                              period=period)
        db.session.commit()
    result = runner.invoke(args=["letters", "issue", "--period", period.code])
    assert "2 surat diterbitkan" in result.output and "1 dilewati" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Letter.id))) == 3


def test_bulk_issue_of_given_pairs_issues_exactly_those(app, statements_scene):
    # The scale benchmark's sample: these (sponsor, city) statements and no other.
    from asuh.letters.bulk import issue_statements
    from asuh.letters.offices import statement_pairs

    period = statements_scene["period"]
    with app.app_context():
        chosen = statement_pairs(period)[1:]
        result = issue_statements(period, processes=1, pairs=chosen)
        assert len(result.issued) == 2
        issued = db.session.execute(select(Letter.sponsor_id, Letter.office_code)
                                    .order_by(Letter.seq)).all()
        assert [tuple(pair) for pair in issued] == chosen


def test_bad_period_is_refused(runner, app):
    result = runner.invoke(args=["letters", "issue", "--period", "November"])
    assert result.exit_code != 0
    assert "Periode tidak dikenali" in result.output


@pytest.mark.skipif(shutil.which("pdftoppm") is None,
                    reason="pdftoppm (poppler-utils) is not installed")
def test_each_kind_renders_to_a_png_page(app, regions, tmp_path):
    from PIL import Image

    from asuh.letters.samples import pdf_to_pngs

    with app.app_context():
        scene = factories.letter_scene()
        db.session.commit()
        letters = {
            "sponsor_statement": services.issue_letter(
                "sponsor_statement", sponsor_id=scene["sponsor"], period=scene["period"]),
            "handover_receipt": services.issue_letter(
                "handover_receipt", contribution_id=scene["confirmed"][0]),
            "recap": services.issue_letter("recap", period=scene["period"],
                                           kecamatan_code="19.71.01"),
        }
        for kind, letter in letters.items():
            pdf_path = tmp_path / f"{kind}.pdf"
            pdf_path.write_bytes(letter.pdf)
            pages = pdf_to_pngs(pdf_path, tmp_path, kind, dpi=50)
            assert pages[0].name == f"{kind}.png"
            with Image.open(pages[0]) as image:
                # A4 portrait at 50 dpi, with ink on it (the letterhead at least).
                assert abs(image.width - 413) <= 1 and abs(image.height - 585) <= 1
                grey = image.convert("L")
                assert grey.getextrema()[0] < 64
                top = grey.crop((0, 0, image.width, image.height // 6))
                assert top.getextrema()[0] < 64
