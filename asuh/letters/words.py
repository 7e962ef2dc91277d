"""Numbers and dates written in Indonesian words (*terbilang*), as a berita acara opens:
"Pada hari ini Senin tanggal dua puluh tiga bulan November tahun dua ribu dua puluh enam".
"""

from datetime import date

from asuh.formatting import MONTHS_ID

DAYS_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ONES = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan",
         "sembilan", "sepuluh", "sebelas")
# Largest first; "se-" replaces "satu" only before ratus and ribu (satu juta, not sejuta,
# is the form official documents use).
_SCALES = ((10**12, "triliun"), (10**9, "miliar"), (10**6, "juta"), (1000, "ribu"))


def _below_thousand(n: int) -> str:
    if n < 12:
        return _ONES[n]
    if n < 20:
        return f"{_ONES[n - 10]} belas"
    if n < 100:
        tens, ones = divmod(n, 10)
        return f"{_ONES[tens]} puluh" + (f" {_ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    head = "seratus" if hundreds == 1 else f"{_ONES[hundreds]} ratus"
    return head + (f" {_below_thousand(rest)}" if rest else "")


def number_in_words(n: int) -> str:
    """``2026`` → ``dua ribu dua puluh enam``; ``1000`` → ``seribu``; negatives: ``minus …``."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError("a whole number is written in words")
    if n < 0:
        return f"minus {number_in_words(-n)}"
    if n >= 10**15:
        raise ValueError("numbers from a thousand trillion up are not written in words")
    if n < 1000:
        return _below_thousand(n)
    parts = []
    for scale, name in _SCALES:
        count, n = divmod(n, scale)
        if count == 0:
            continue
        parts.append("seribu" if scale == 1000 and count == 1
                     else f"{_below_thousand(count)} {name}")
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def rupiah_in_words(amount: int) -> str:
    """``50000`` → ``lima puluh ribu rupiah``: the *terbilang* of a receipt's amount."""
    return f"{number_in_words(int(amount))} rupiah"


def day_name(day: date) -> str:
    return DAYS_ID[day.weekday()]


def date_in_words(day: date) -> str:
    """``hari Senin tanggal dua puluh tiga bulan November tahun dua ribu dua puluh enam``."""
    return (f"hari {day_name(day)} tanggal {number_in_words(day.day)} bulan "
            f"{MONTHS_ID[day.month - 1]} tahun {number_in_words(day.year)}")
