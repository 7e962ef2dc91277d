"""WhatsApp without an API: wa.me links with the number in international form and the
same words as the emails, where officers and field users look at a sponsor or a family."""

import html
import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from asuh.extensions import db
from asuh.notifications.whatsapp import international_number, wa_me_url
from tests import factories

# An Indonesian mobile number without its leading 0: 8, then 8–12 more digits.
national = st.text("0123456789", min_size=8, max_size=11).map(lambda rest: "8" + rest)
separator = st.sampled_from(["", " ", "-", ".", " - "])


@given(national, separator, st.sampled_from(["0{}", "+62{}", "62{}", "{}", "+62 {}"]))
def test_every_way_of_writing_a_number_gives_one_international_form(number, sep, form):
    # Written in groups of four as people do, with any separator, in any prefix form.
    grouped = sep.join(number[i:i + 4] for i in range(0, len(number), 4))
    assert international_number(form.format(grouped)) == "62" + number


@given(st.text(max_size=20))
def test_a_number_is_either_refused_or_an_indonesian_mobile(raw):
    result = international_number(raw)
    assert result is None or re.fullmatch(r"628\d{8,12}", result)


def test_landlines_and_foreign_numbers_get_no_link():
    assert wa_me_url("(0717) 421234", "x") is None
    assert wa_me_url("+65 8123 4567", "x") is None
    assert wa_me_url("", "x") is None


def test_the_message_is_encoded_whole():
    url = wa_me_url("0812-3456-7890", "Yth. Ibu & Bapak, 100% ok?\nSalam")
    assert url.startswith("https://wa.me/6281234567890?text=")
    assert unquote(url.split("?text=", 1)[1]) == "Yth. Ibu & Bapak, 100% ok?\nSalam"


def _wa_links(page: str) -> list[str]:
    return [unquote(html.unescape(href)) for href in
            re.findall(r'href="(https://wa\.me/[^"]+)"', page)]


def test_rejection_reason_on_the_delivery_page(app, users, regions, client, login):
    with app.app_context():
        scene = factories.contribution_scene(users)
        from asuh.accounts.models import User
        from asuh.matching.models import Match

        admin = db.session.get(User, users["admin"][0])
        rejected = factories.contribution(db.session.get(Match, scene["match"]), actor=admin,
                                          status="rejected", reason="Foto buram")
        db.session.commit()
        contribution_id = rejected.id
        from asuh.sponsors.models import Sponsor

        phone = db.session.get(Sponsor, scene["sponsor"]).phone
    login("field")
    page = client.get(f"/contributions/{contribution_id}").get_data(as_text=True)
    link, = _wa_links(page)
    assert link.startswith(f"https://wa.me/62{phone[1:]}?text=")
    assert "Alasannya: Foto buram." in link and "Kirim WhatsApp" in page
    sponsor = login("sponsor", app.test_client())  # no link to message themself
    assert _wa_links(sponsor.get(f"/contributions/{contribution_id}").get_data(as_text=True)) \
        == []


def test_reminder_on_the_behind_list_and_visit_time_on_the_child_page(app, users, regions,
                                                                      client, login):
    with app.app_context():
        scene = factories.contribution_scene(users)
        from asuh.children.models import Child

        child = db.session.get(Child, scene["child"])
        child.guardian_phone = "0813 1111 2222"
        db.session.commit()
    login("officer")
    links = _wa_links(client.get("/contributions/behind").get_data(as_text=True))
    assert len(links) == 2
    assert all("belum lengkap" in link and "Beras untuk ananda" in link for link in links)
    field = login("field", app.test_client())
    link, = _wa_links(field.get(f"/children/{scene['child']}").get_data(as_text=True))
    assert link.startswith("https://wa.me/6281311112222?text=")
    assert "menimbang dan mengukur ananda" in link
