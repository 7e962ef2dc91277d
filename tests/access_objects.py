"""Real objects for the access matrix: for every kind of object a route acts on, one the
role may act on ("mine") and one it may not ("other").

"mine" is the signed-in sponsor's and lies in the field user's kelurahan; "other" is
another sponsor's, in another kelurahan. Staff (admin, officer, auditor) reach every
object of a kind, so for them there is no object they may not act on. Everything is made
through the services, so every rule applies to it too.
"""

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from asuh import timeutil
from asuh.accounts import resets
from asuh.accounts.models import User
from asuh.children import uploads
from asuh.contributions import catalogue, photos
from asuh.contributions.models import CommodityUnit
from asuh.extensions import db
from asuh.letters import services as letters
from asuh.matching.models import Match
from asuh.regions.regionfile import default_region_file, parse_region_csv
from asuh.regions.services import assign_kelurahan, import_regions
from asuh.sponsors import invitations
from asuh.sponsors.models import Sponsor
from tests import factories

MINE, OTHER = "mine", "other"
_serial = itertools.count(5001)  # apart from tests.factories' own numbers
STAFF = ("admin", "officer", "auditor")

# Which variant each role may act on, and which it may not, per object kind.
# ``None`` as "may" means the role may act on no object of the kind at all: a route for
# that kind which still lets the role through its decorator is a gap the matrix reports
# (it declares more than it serves, i.e. "signed in, and checked inside").
_SCOPED = {"admin": (MINE, None), "officer": (MINE, None), "auditor": (MINE, None),
           "field": (MINE, OTHER), "sponsor": (MINE, OTHER)}
_STAFF_ONLY = {role: (MINE, None) for role in STAFF}
VARIANTS: dict[str, dict[str, tuple]] = {
    # Field users see their kelurahan's children; a sponsor sees the children they sponsor.
    "child": _SCOPED,
    "measurement": {**_STAFF_ONLY, "field": (MINE, OTHER)},
    "match": _SCOPED,
    "contribution": _SCOPED,
    "photo": _SCOPED,
    # Letters name sponsors: staff with VIEW_LETTERS and the sponsor they are about.
    "letter": {**_STAFF_ONLY, "sponsor": (MINE, OTHER)},
    "sponsor": {**_STAFF_ONLY, "sponsor": (MINE, OTHER)},
    "user": _STAFF_ONLY,
    "commodity": _STAFF_ONLY,
    "unit": _STAFF_ONLY,
    # A kabupaten/kota's settings page (issue 15): staff of that city.
    "region": _STAFF_ONLY,
    # An import file waits for the one who uploaded it; anyone else's is "not found".
    "import_upload": {"admin": (MINE, OTHER), "officer": (MINE, OTHER)},
    # A background job: the one who asked for it sees it, and admins see every job.
    "job": {"admin": (MINE, None), **{role: (MINE, OTHER) for role in
                                      ("officer", "auditor", "field", "sponsor")}},
    # Public links: the token is the key, whoever holds it.
    "invitation": {},
    "reset_token": {},
    "letter_token": {},
}

# What a role gets for an object of this kind it may not act on. 403 says "exists, not
# yours" (the ids are sequential, hiding them would hide nothing); a kept import file is
# named by a random token, and another user's token answers as if it did not exist.
FORBIDDEN_STATUS = {kind: 403 for kind in VARIANTS} | {"import_upload": 404}

# Names no page or answer may show to a role that may not see the "other" objects.
OTHER_NAMES = {"sponsor": "Bapak Asuh Rahasia Lain", "child": "Anak Rahasia Lain",
               "contribution": "Catatan rahasia lain"}
# Roles for which the "other" objects are out of sight (staff see everything).
SCOPED_ROLES = ("field", "sponsor")
# Kinds named by two URL parameters: the second must belong to the first.
PAIRS = {"photo": "photo_id", "measurement": "measurement_id"}

# Kinds whose write routes get a new object per request: a write may end, void, confirm
# or discard what it acts on, and the next role's request must meet it unchanged.
FRESH_FOR_WRITES = {"child", "measurement", "match", "contribution", "photo", "sponsor",
                    "user", "import_upload", "commodity", "unit"}


def import_file() -> bytes:
    """A one-row posyandu file the import preview reads (a girl in Bacang)."""
    birth, seen = timeutil.today() - timedelta(days=500), timeutil.today() - timedelta(days=10)
    header = "NIK;Nama;JK (L/P);Tgl Lahir;Nama Ortu;Kec;Desa/Kel;Tanggal Pengukuran;" \
             "Berat;Tinggi;Cara Ukur"
    serial = next(_serial)
    line = (f"{factories.child_nik(birth, 'P', serial)};Anak Impor {serial};P;"
            f"{birth:%d/%m/%Y};Ibu {serial};BUKIT INTAN;BACANG;{seen:%d/%m/%Y};8,9;74,5;"
            "Terlentang")
    return f"{header}\n{line}\n".encode()


@dataclass
class World:
    """The shared objects, as URL parameters by kind and variant, plus who is who."""

    users: dict
    params: dict[str, dict[str, dict]] = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    match_start: date | None = None
    # role -> (signed-in test client, API bearer header); set by the test module.
    clients: dict = field(default_factory=dict)

    def _user(self, role: str) -> User:
        return db.session.get(User, self.users[role][0])

    @property
    def admin(self) -> User:
        return self._user("admin")

    def objects(self, kind: str, role: str, *, fresh: bool) -> tuple[dict | None, dict | None]:
        """``(may, may_not)`` URL parameters for ``role`` on ``kind`` (None: no such)."""
        may, may_not = VARIANTS[kind].get(role, (None, None))
        if kind == "job":
            if may is None:
                return None, None
            return ({"job_id": self.ids["jobs"][role]},
                    {"job_id": self.ids["jobs"][None]} if may_not else None)
        if kind == "import_upload":
            # Every uploader has their own; "other" is another uploader's.
            if may is None:
                return None, None
            mine = self.fresh(kind, role) if fresh else {"token": self.ids["uploads"][role]}
            return mine, {"token": self.ids["uploads"]["officer" if role == "admin"
                                                      else "admin"]}
        mine = None
        if may is not None:
            mine = self.fresh(kind, role) if fresh and kind in FRESH_FOR_WRITES \
                else self.params[kind][MINE]
        other = self.params[kind][OTHER] if may_not is not None else None
        return mine, other

    def reference(self, kind: str) -> dict:
        """A real object of the kind, for roles the decorator turns away."""
        if kind == "import_upload":
            return {"token": self.ids["uploads"]["admin"]}
        if kind == "job":
            return {"job_id": self.ids["jobs"]["admin"]}
        return self.params[kind][MINE]

    # --- building -----------------------------------------------------------------------

    def build(self) -> "World":
        admin = self.admin
        import_regions(parse_region_csv(default_region_file().read_bytes()))
        factories.catalogue()
        assign_kelurahan(self._user("field"), [factories.KELURAHAN], actor=admin)
        start = timeutil.today() - timedelta(days=60)
        sponsors = {
            MINE: factories.sponsor(email=self.users["sponsor"][1], actor=admin,
                                    capacity=20),
            # Registered by an officer with no password yet: its invitation link is live.
            OTHER: factories.sponsor(actor=admin, kelurahan_code=factories.OTHER_KELURAHAN,
                                     name=OTHER_NAMES["sponsor"]),
        }
        kelurahan = {MINE: factories.KELURAHAN, OTHER: factories.OTHER_KELURAHAN}
        for variant in (MINE, OTHER):
            child = factories.child(actor=admin, kelurahan_code=kelurahan[variant],
                                    **({"name": OTHER_NAMES["child"]} if variant == OTHER
                                       else {}))
            measurement = factories.measurement(child, actor=admin)
            match = factories.match(sponsors[variant], child, start_on=start, actor=admin)
            note = OTHER_NAMES["contribution"] if variant == OTHER else None
            pending = factories.contribution(match, actor=admin, note=note)
            photo, = photos.add_photos(pending, [factories.image_bytes()], actor=admin)
            confirmed = factories.contribution(match, actor=admin, status="confirmed",
                                               note=note)
            letter = letters.issue_letter("handover_receipt", contribution_id=confirmed.id,
                                          actor=admin)
            self.params.setdefault("child", {})[variant] = {"child_id": child.id}
            self.params.setdefault("measurement", {})[variant] = {
                "child_id": child.id, "measurement_id": measurement.id}
            self.params.setdefault("match", {})[variant] = {"match_id": match.id}
            self.params.setdefault("contribution", {})[variant] = {
                "contribution_id": pending.id}
            self.params.setdefault("photo", {})[variant] = {
                "contribution_id": pending.id, "photo_id": photo.id}
            self.params.setdefault("letter", {})[variant] = {"letter_id": letter.id}
            self.params.setdefault("sponsor", {})[variant] = {"sponsor_id": sponsors[variant].id}
            self.params.setdefault("letter_token", {})[variant] = {"token": letter.verify_token}
        self.ids["my_match"] = self.params["match"][MINE]["match_id"]
        self.match_start = start
        target = factories.user("field")
        self.params["user"] = {MINE: {"user_id": target.id}}
        rice = catalogue.commodity_by_code("rice")
        unit_id = db.session.scalar(select(CommodityUnit.id).where(
            CommodityUnit.commodity_id == rice.id).order_by(CommodityUnit.id))
        self.params["commodity"] = {MINE: {"commodity_id": rice.id}}
        self.params["unit"] = {MINE: {"unit_id": unit_id}}
        self.params["region"] = {MINE: {"code": "19.71"}}
        other_user = db.session.get(User, sponsors[OTHER].user_id)
        self.params["invitation"] = {MINE: {"token": invitations.make_token(other_user)}}
        self.params["reset_token"] = {MINE: {"token": resets.make_reset_token(target)}}
        db.session.commit()
        self.ids["uploads"] = {role: self._upload(role) for role in ("admin", "officer")}
        # One finished job with a file per role, and one nobody asked for (the system's).
        self.ids["jobs"] = {role: self._job(self._user(role) if role else None)
                            for role in (*STAFF, "field", "sponsor", None)}
        return self

    def _job(self, user) -> int:
        from asuh.jobs import services as jobs
        from asuh.jobs.models import DONE
        from asuh.letters.bulk_job import KIND

        job = jobs.submit(KIND, {"month": "2026-10"}, actor=user)
        jobs.finish(job.id, DONE, result=jobs.JobResult(
            report={"lines": ["contoh"]}, file=b"isi", name="hasil.txt", mimetype="text/plain"))
        return job.id

    def _upload(self, role: str) -> str:
        return uploads.keep("posyandu.csv", import_file(), self._user(role))

    def fresh(self, kind: str, role: str) -> dict:
        """A new "mine" object of ``kind`` for one write request by ``role``."""
        admin = self.admin
        if kind == "import_upload":
            return {"token": self._upload(role)}
        if role == "sponsor" and kind in ("sponsor", "child", "measurement"):
            # A sponsor's own record and children are one of a kind: theirs, shared.
            return self.params[kind][MINE]
        if kind in ("commodity", "unit"):
            n = next(_serial)
            commodity = catalogue.add_commodity(code=f"ikan{n}", name=f"Ikan {n}",
                                                canonical_unit="kg", actor=admin)
            unit = catalogue.add_unit(commodity, name="kotak 1 kg", factor="1", actor=admin)
            made = ({"commodity_id": commodity.id} if kind == "commodity"
                    else {"unit_id": unit.id})
        elif kind == "user":
            made = {"user_id": factories.user("field").id}
        elif kind == "sponsor":
            made = {"sponsor_id": factories.sponsor(actor=admin).id}
        elif kind == "child":
            made = {"child_id": factories.child(actor=admin).id}
        elif kind == "measurement":
            child = factories.child(actor=admin)
            made = {"child_id": child.id,
                    "measurement_id": factories.measurement(child, actor=admin).id}
        elif kind == "match":
            mine = db.session.get(Sponsor, db.session.get(Match, self.ids["my_match"]).sponsor_id)
            made = {"match_id": factories.match(mine, factories.child(actor=admin),
                                                actor=admin).id}
        else:
            match = db.session.get(Match, self.ids["my_match"])
            contribution = factories.contribution(match, actor=admin)
            made = {"contribution_id": contribution.id}
            if kind == "photo":
                photo, = photos.add_photos(contribution, [factories.image_bytes()],
                                           actor=admin)
                made["photo_id"] = photo.id
        db.session.commit()
        return made
