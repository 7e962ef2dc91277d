"""Deliveries per month against the programme's monthly package, so officers see who is
behind. Only confirmed deliveries count, in canonical units; deliveries still waiting for
confirmation are shown apart ("Beras 0/10 kg diterima, 5 kg menunggu konfirmasi"), so a
sponsor who just logged one does not read "Kurang" as "not recorded".

Each match owes its child's kabupaten/kota's package (issue 15: a city sets its own), so
lists group matches by city and the "behind" query compares each city's matches with
that city's package.

A month a match only partly covers (it started on the 20th, or ended on the 10th) owes
that share of the package, by days: a match begun on 20 November owes 11/30 of
November's package, not all of it.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Numeric, and_, case, false, func, literal, or_, select
from sqlalchemy.orm import joinedload

from asuh import timeutil
from asuh.children.models import Child
from asuh.contributions import catalogue
from asuh.contributions.models import Commodity, Contribution, ContributionItem
from asuh.contributions.rules import awaiting_between, confirmed_between
from asuh.contributions.totals import month_of
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.matching.rules import running
from asuh.regions.models import Region
from asuh.regions.scopes import city_code_of


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


# Canonical quantities are stored with three decimals.
_QUANTUM = Decimal("0.001")
_PACKAGE = Numeric(14, 3)


def covered_share(match: Match, month: date, first: date | None = None,
                  last: date | None = None) -> Decimal:
    """The share of ``month`` (0–1) the match was active in, by days, optionally only
    between ``first`` and ``last`` (a letter's period)."""
    return days_share(month, match.start_on, match.ended_on, first, last)


def days_share(month: date, start_on: date, ended_on: date | None,
               first: date | None = None, last: date | None = None) -> Decimal:
    """The share of ``month`` (0–1) between ``start_on`` and ``ended_on`` (None: still
    running), by days; the one rule behind :func:`covered_share` and the behind list."""
    month = month_of(month)
    month_last = next_month(month) - timedelta(days=1)
    start = max(month, start_on, first or month)
    end = min(month_last, ended_on or month_last, last or month_last)
    if end < start:
        return Decimal(0)
    return Decimal((end - start).days + 1) / Decimal(month_last.day)


def prorate(amount: Decimal, share: Decimal) -> Decimal:
    """The package amount a part-month owes, to the stored three decimals."""
    if share >= 1:
        return amount
    return (amount * share).quantize(_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PackageLine:
    code: str
    name: str
    unit: str
    package: Decimal
    delivered: Decimal
    pending: Decimal = Decimal(0)  # logged, waiting for confirmation; not in `delivered`

    @property
    def behind(self) -> bool:
        return self.delivered < self.package

    @property
    def percent(self) -> int:
        if not self.package:
            return 100
        return min(999, int(self.delivered * 100 / self.package))


@dataclass
class MonthProgress:
    month: date
    lines: list[PackageLine] = field(default_factory=list)

    @property
    def behind(self) -> bool:
        return any(line.behind for line in self.lines)


def package_lines(city_code: str | None = None) -> list[PackageLine]:
    """A kabupaten/kota's monthly package (None: the installation's) with names and
    units, nothing delivered (for headings)."""
    package = catalogue.monthly_package(city_code)
    return _lines(package, _package_commodities(package), {})


def province_package_lines(match: Match) -> list[PackageLine]:
    """The province's own package for this match's child (names and units, nothing
    delivered): shown apart from the city's package, never counted as behind."""
    return province_package_lines_of([match])[match.id]


def province_package_lines_of(matches: list[Match]) -> dict[int, list[PackageLine]]:
    """:func:`province_package_lines` of each match of a list (a sponsor's home): the
    packages of all their kabupaten/kota read at once, not per match or per city."""
    return _province_lines(matches, _PackageReads.of(matches))


def _province_lines(matches: list[Match], reads: "_PackageReads") -> dict[int, list]:
    lines = {city: _lines(pair[1], reads.commodities, {})
             for city, pair in reads.packages.items()}
    return {m.id: lines[reads.cities[m.id]] for m in matches}


@dataclass
class _PackageReads:
    """What a list of matches' progress reads once: each match's city, the cities'
    packages (their own and the province's) and the commodities they name."""
    cities: dict[int, str]
    packages: dict[str, tuple[dict, dict]]
    commodities: dict

    @classmethod
    def of(cls, matches: list[Match]) -> "_PackageReads":
        cities = match_cities(matches)
        packages = catalogue.packages_of(set(cities.values()))
        return cls(cities, packages, _package_commodities(
            {code: 0 for pair in packages.values() for package in pair for code in package}))


def province_lines_for(region_code: str | None) -> list[PackageLine]:
    """The province's own package of a city or province (None: none), for headings."""
    package = catalogue.province_package(region_code)
    return _lines(package, _package_commodities(package), {})


def match_cities(matches: list[Match]) -> dict[int, str]:
    """``{match id: kabupaten/kota whose package it owes}``: its child's, in one query
    (``Match.child`` is never lazy-loaded; a child loaded with its match is read there)."""
    kelurahan = {m.child_id: m.child.kelurahan_code for m in matches if "child" in m.__dict__}
    missing = {m.child_id for m in matches} - set(kelurahan)
    if missing:
        kelurahan.update(db.session.execute(
            select(Child.id, Child.kelurahan_code).where(Child.id.in_(missing))).all())
    return {m.id: city_code_of(kelurahan[m.child_id]) for m in matches}


def match_months(match: Match, today: date | None = None) -> list[date]:
    """The months of the match so far: from its start to its end or the current month."""
    today = today or timeutil.today()
    last = month_of(min(match.ended_on or today, today))
    months, month = [], month_of(match.start_on)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _package_commodities(package: dict[str, Decimal]) -> dict:
    """``{code: (code, name, canonical_unit) row or None}`` of a package's commodities
    (names and units only: their pack units are not read)."""
    known = {row.code: row for row in db.session.execute(
        select(Commodity.code, Commodity.name, Commodity.canonical_unit))}
    return {code: known.get(code) for code in package}


def _lines(package, commodities, delivered: dict[str, Decimal],
           share: Decimal = Decimal(1), pending: dict | None = None) -> list[PackageLine]:
    lines = []
    for code, amount in package.items():
        commodity = commodities.get(code)
        lines.append(PackageLine(
            code=code, name=commodity.name if commodity else code,
            unit=commodity.canonical_unit if commodity else "",
            package=prorate(amount, share), delivered=delivered.get(code, Decimal(0)),
            pending=(pending or {}).get(code, Decimal(0))))
    return lines


def _delivered(match_ids: list[int], first: date, after: date) -> tuple[dict, dict]:
    """``({(match_id, month, code): canonical quantity}`` of confirmed deliveries, the same
    of those waiting for confirmation``)``, in one query (each row says which rule it met)."""
    delivered: dict[tuple, Decimal] = defaultdict(Decimal)
    pending: dict[tuple, Decimal] = defaultdict(Decimal)
    if not match_ids:
        return delivered, pending
    last = after - timedelta(days=1)
    rows = db.session.execute(
        select(Contribution.match_id, Contribution.delivered_on, Commodity.code,
               ContributionItem.canonical_quantity,
               confirmed_between(first, last).label("confirmed"))
        .join(ContributionItem, ContributionItem.contribution_id == Contribution.id)
        .join(Commodity, Commodity.id == ContributionItem.commodity_id)
        .where(Contribution.match_id.in_(match_ids),
               or_(confirmed_between(first, last), awaiting_between(first, last))))
    for match_id, delivered_on, code, quantity, confirmed in rows:
        found = delivered if confirmed else pending
        found[(match_id, month_of(delivered_on), code)] += Decimal(quantity)
    return delivered, pending


def _per_code(found: dict, match_id: int, month: date, package) -> dict[str, Decimal]:
    return {code: found.get((match_id, month, code), Decimal(0)) for code in package}


def match_progress(match: Match, months: list[date] | int | None = None, *,
                   today: date | None = None) -> list[MonthProgress]:
    """Per month (oldest first) and per package commodity: delivered vs the package.

    ``months`` is a list of months (any day in them), the number of most recent months
    of the match, or None for all its months so far.
    """
    if months is None or isinstance(months, int):
        all_months = match_months(match, today)
        months = all_months if months is None else all_months[-months:] if months else []
    return _progress([match], {match.id: months})[match.id]


def progress_of_matches(matches: list[Match], *,
                        today: date | None = None) -> dict[int, list[MonthProgress]]:
    """:func:`match_progress` of each match of a list over all its months so far (a
    sponsor's home): a fixed number of queries, whatever the number of matches and of
    kabupaten/kota among them."""
    return _progress(matches, {m.id: match_months(m, today) for m in matches})


def progress_with_province_lines(matches: list[Match], *, today: date | None = None
                                 ) -> tuple[dict[int, list[MonthProgress]], dict[int, list]]:
    """:func:`progress_of_matches` and :func:`province_package_lines_of` together, for a
    page that shows both (a sponsor's home), reading cities and packages once."""
    reads = _PackageReads.of(matches)
    return (_progress(matches, {m.id: match_months(m, today) for m in matches}, reads),
            _province_lines(matches, reads))


def _progress(matches: list[Match], months_of: dict[int, list[date]],
              reads: _PackageReads | None = None) -> dict[int, list[MonthProgress]]:
    """The one rule of a match's monthly progress, for one match or many: each month its
    city's package (prorated by the days the match covers) against what was confirmed,
    and apart what waits for confirmation."""
    months_of = {match_id: sorted({month_of(m) for m in months})
                 for match_id, months in months_of.items()}
    result: dict[int, list[MonthProgress]] = {m.id: [] for m in matches}
    wanted = [m for m in matches if months_of[m.id]]
    if not wanted:
        return result
    reads = reads or _PackageReads.of(wanted)
    ids = [m.id for m in wanted]
    first = min(months_of[m.id][0] for m in wanted)
    after = next_month(max(months_of[m.id][-1] for m in wanted))
    delivered, pending = _delivered(ids, first, after)
    for m in wanted:
        package = reads.packages[reads.cities[m.id]][0]
        result[m.id] = [MonthProgress(month, _lines(
            package, reads.commodities, _per_code(delivered, m.id, month, package),
            covered_share(m, month), _per_code(pending, m.id, month, package)))
            for month in months_of[m.id]]
    return result


def progress_for_matches(matches: list[Match], month: date, *, first: date | None = None,
                         last: date | None = None) -> dict[int, MonthProgress]:
    """One month's progress for many matches, in one query (for lists); each match owes
    the share of the package for the days it covers (between ``first`` and ``last``)."""
    month = month_of(month)
    # Each match owes its child's city's package: read once per city, not per match.
    cities = match_cities(matches)
    packages = {city: catalogue.monthly_package(city) for city in set(cities.values())}
    commodities = _package_commodities({code: 0 for package in packages.values()
                                        for code in package})
    ids = [m.id for m in matches]
    delivered, pending = _delivered(ids, month, next_month(month))
    result = {}
    for m in matches:
        package = packages[cities[m.id]]
        result[m.id] = MonthProgress(month, _lines(
            package, commodities, _per_code(delivered, m.id, month, package),
            covered_share(m, month, first, last), _per_code(pending, m.id, month, package)))
    return result


def _owed(first: date, after: date, amount: Decimal):
    """SQL for what a running match owes of ``amount`` in the month [first, after): the
    whole package, or, for a match begun inside the month, its share by days. Written as
    a CASE over the month's possible start days so the share comes from
    :func:`days_share` itself (one rule) and the SQL stays the same on every database."""
    branches = []
    day = first + timedelta(days=1)
    while day < after:
        branches.append((Match.start_on == day,
                         literal(prorate(amount, days_share(first, day, None)), _PACKAGE)))
        day += timedelta(days=1)
    return case(*branches, else_=literal(amount, _PACKAGE))


def behind_matches_query(month: date):
    """Running matches that had started by ``month`` and lack part of what they owe of
    its package (prorated by days for a match begun inside the month)."""
    first = month_of(month)
    after = next_month(first)
    stmt = select(Match).where(running(), Match.start_on < after)
    # Each city's matches against that city's package: one OR branch per distinct
    # package among the cities whose children have running matches (one branch, with no
    # city test, when they all share one), so this list and the progress shown agree.
    cities = db.session.scalars(
        select(Region.city_code).distinct().join(Child, Child.kelurahan_code == Region.code)
        .join(Match, Match.child_id == Child.id).where(running(), Match.start_on < after))
    by_package: dict[tuple, list[str]] = defaultdict(list)
    for city in cities:
        by_package[tuple(sorted(catalogue.monthly_package(city).items()))].append(city)
    branches = []
    for package, package_cities in by_package.items():
        condition = _behind_condition(dict(package), first, after)
        if condition is not None and len(by_package) > 1:
            condition = and_(Match.child_id.in_(
                select(Child.id).join(Region, Region.code == Child.kelurahan_code)
                .where(Region.city_code.in_(package_cities))), condition)
        if condition is not None:
            branches.append(condition)
    stmt = stmt.where(or_(*branches)) if branches else stmt.where(false())
    return stmt.options(joinedload(Match.sponsor), joinedload(Match.child)).order_by(
        Match.start_on, Match.id)


def _behind_condition(package: dict[str, Decimal], first: date, after: date):
    """SQL: the match lacks part of what it owes of ``package`` in [first, after); None
    for an empty package (nothing is owed)."""
    conditions = []
    for code, amount in package.items():
        delivered = (
            select(func.coalesce(func.sum(ContributionItem.canonical_quantity), 0))
            .join(Contribution, Contribution.id == ContributionItem.contribution_id)
            .join(Commodity, Commodity.id == ContributionItem.commodity_id)
            .where(Contribution.match_id == Match.id, Commodity.code == code,
                   confirmed_between(first, after - timedelta(days=1)))
            .correlate(Match).scalar_subquery())
        conditions.append(delivered < _owed(first, after, amount))
    return or_(*conditions) if conditions else None


def behind_matches(month: date, *, page: int = 1, per_page: int = 25):
    return db.paginate(behind_matches_query(month), page=page, per_page=per_page,
                       error_out=False)
