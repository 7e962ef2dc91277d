"""email-validator's refusals, said in Indonesian.

email-validator explains a refusal precisely but only in English ("The part after the
@-sign is not valid. It should have a period."), and ships no translations. The
explanations are matched by their fixed opening words (some end in the offending
characters, kept as typed); anything new in a later release falls back to a general
Indonesian hint rather than showing English.
"""

from email_validator import EmailNotValidError

# (opening words of email-validator's message, Indonesian explanation); first match wins.
_EXPLANATIONS = (
    ("An email address must have an @-sign", "tidak ada tanda @."),
    ("There must be something before the @-sign", "tidak ada nama sebelum tanda @."),
    ("There must be something after the @-sign", "tidak ada nama domain sesudah tanda @."),
    ("The part after the @-sign is not valid. It should have a period",
     "nama domain sesudah tanda @ harus memuat titik, misalnya nama@gmail.com."),
    ("The part after the @-sign is not valid. It is not within a valid top-level domain",
     "akhiran domain sesudah tanda @ tidak dikenal (misalnya .com, .id, .go.id)."),
    ("The part after the @-sign is a special-use or reserved name",
     "nama domain sesudah tanda @ adalah nama khusus yang tidak dapat menerima email."),
    ("An email address cannot have two periods in a row", "ada dua titik berurutan."),
    ("An email address cannot have a period and a hyphen next to each other",
     "titik dan tanda hubung tidak boleh bersebelahan."),
    ("An email address cannot start with a period", "tidak boleh diawali titik."),
    ("An email address cannot have a period immediately before the @-sign",
     "tidak boleh ada titik tepat sebelum tanda @."),
    ("An email address cannot have a period immediately after the @-sign",
     "tidak boleh ada titik tepat sesudah tanda @."),
    ("An email address cannot end with a period", "tidak boleh diakhiri titik."),
    ("An email address cannot have a hyphen",
     "tanda hubung tidak boleh tepat sesudah tanda @ atau titik, atau di akhir."),
    ("The email address is too long", "alamat email terlalu panjang."),
    ("After the @-sign, periods cannot be separated by so many characters",
     "bagian nama domain sesudah tanda @ terlalu panjang."),
    ("The email address contains invalid characters before the @-sign",
     "ada karakter yang tidak boleh dipakai sebelum tanda @"),
    ("The part after the @-sign contains invalid characters",
     "ada karakter yang tidak boleh dipakai sesudah tanda @"),
    ("The email address contains unsafe characters", "ada karakter yang tidak aman"),
    ("Internationalized characters before the @-sign are not supported",
     "huruf selain huruf Latin biasa tidak dapat dipakai sebelum tanda @"),
    ("There can't be anything after the email address",
     "ada tulisan lain sesudah alamat email."),
    ("A display name and angle brackets", "tulis alamat email saja, tanpa nama dan tanda < >."),
    ("The domain name", "nama domain sesudah tanda @ tidak dapat menerima email."),
)
_GENERAL = "periksa kembali penulisannya, misalnya nama@gmail.com."


def _characters(detail: str) -> str:
    # email-validator names invisible characters by their Unicode name ("SPACE",
    # "ZERO WIDTH SPACE"); printable ones come quoted ("'('").
    shown = []
    for item in detail.rstrip(".").split(", "):
        if item.startswith("'"):
            shown.append(item)
        elif item == "SPACE":
            shown.append("spasi")
        else:
            shown.append("karakter tak terlihat")
    return ", ".join(dict.fromkeys(shown))


def explain(error: EmailNotValidError | str) -> str:
    """``"Alamat email tidak valid: tidak ada tanda @."``: what to fix, in Indonesian."""
    text = str(error)
    for opening, explanation in _EXPLANATIONS:
        if text.startswith(opening):
            detail = text[len(opening):].strip()
            if not explanation.endswith(".") and detail.startswith(":"):
                # The offending characters, as email-validator quotes them.
                shown = _characters(detail[1:].strip())
                return f"Alamat email tidak valid: {explanation}: {shown}."
            return f"Alamat email tidak valid: {explanation.rstrip(':')}" + (
                "" if explanation.endswith(".") else ".")
    return f"Alamat email tidak valid: {_GENERAL}"
