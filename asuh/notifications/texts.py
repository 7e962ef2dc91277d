"""What people are told, in plain Indonesian: the one place for these words.

Each function gives the email's subject and body; ``whatsapp_*`` give the short message an
officer or field user sends with one tap on "Kirim WhatsApp", from the same sentences, so
the two channels never say different things and nobody types them again.
"""

from dataclasses import dataclass

from asuh.formatting import format_date_id, format_month, format_quantity

GREETING = "Yth. {name},"
SIGNATURE = ("Salam,\n{office}\nProgram Bapak/Bunda Asuh Anak Stunting\n\n"
             "Email ini dikirim otomatis. Anda dapat mematikan pemberitahuan ini di "
             "halaman Pemberitahuan akun Anda: {settings_url}")


@dataclass(frozen=True)
class Message:
    subject: str
    body: str  # the message itself, without greeting and signature

    def email(self, name: str, office: str, settings_url: str) -> str:
        return "\n\n".join([GREETING.format(name=name), self.body,
                            SIGNATURE.format(office=office, settings_url=settings_url)])


def approval(login_url: str) -> Message:
    return Message(
        "Pendaftaran Bapak/Bunda Asuh Anda disetujui",
        "Pendaftaran Anda sebagai Bapak/Bunda Asuh Anak Stunting telah disetujui. "
        f"Silakan masuk ke Asuh untuk melihat anak asuh dan mencatat penyaluran: {login_url}")


def delivery_confirmed(delivered_on, child_name: str, url: str) -> Message:
    return Message(
        "Penyaluran Anda sudah diterima keluarga",
        f"Penyaluran Anda tanggal {format_date_id(delivered_on)} untuk ananda {child_name} "
        f"sudah dikonfirmasi diterima oleh keluarga. Terima kasih. Rinciannya: {url}")


def delivery_rejected(delivered_on, child_name: str, reason: str, url: str) -> Message:
    return Message(
        "Penyaluran Anda ditolak",
        f"Penyaluran Anda tanggal {format_date_id(delivered_on)} untuk ananda {child_name} "
        f"tidak dapat dikonfirmasi. Alasannya: {reason}. Silakan perbaiki atau catat "
        f"ulang penyaluran itu: {url}")


def package_line(line, child_name: str) -> str:
    """One missing commodity: ``Beras untuk ananda Ayu: 5 dari 10 kg``."""
    return (f"{line.name} untuk ananda {child_name}: "
            f"{format_quantity(line.delivered) or '0'} dari {format_quantity(line.package)} "
            f"{line.unit}")


def behind_reminder(month, lines: list[str], url: str) -> Message:
    missing = "".join(f"\n- {line}" for line in lines)
    return Message(
        f"Pengingat: paket bulan {format_month(month)} belum lengkap",
        f"Sampai hari ini paket bantuan bulan {format_month(month)} untuk anak asuh Anda "
        f"belum lengkap:{missing}\nMohon dilengkapi sebelum akhir bulan dan dicatat di "
        f"Asuh: {url}")


def statement_ready(number: str, period_label: str, url: str) -> Message:
    return Message(
        "Surat pertanggungjawaban Anda sudah terbit",
        f"Surat pertanggungjawaban Anda nomor {number} untuk {period_label} sudah terbit "
        f"dan dapat diunduh di: {url}")


def officer_digest(pending_approvals: int, waiting: int, wait_days: int, today,
                   approvals_url: str, queue_url: str) -> Message:
    parts = []
    if pending_approvals:
        parts.append(f"- {pending_approvals} pendaftaran Bapak/Bunda Asuh menunggu "
                     f"persetujuan: {approvals_url}")
    if waiting:
        parts.append(f"- {waiting} penyaluran menunggu konfirmasi lebih dari {wait_days} "
                     f"hari: {queue_url}")
    return Message(f"Ringkasan pagi {format_date_id(today)}",
                   "Yang menunggu tindakan Anda hari ini:\n" + "\n".join(parts))


def measurement_due(children: list[str], week_end, url: str) -> Message:
    listed = "\n".join(f"- {line}" for line in children)
    return Message(
        f"{len(children)} anak perlu diukur minggu ini",
        f"Anak berikut di wilayah Anda perlu ditimbang dan diukur paling lambat "
        f"{format_date_id(week_end)}:\n{listed}\nCatat hasilnya di Asuh: {url}")


def visit(child_name: str, posyandu: str | None) -> Message:
    place = f"di Posyandu {posyandu}" if posyandu else "di rumah"
    return Message(
        "Jadwal penimbangan dan pengukuran",
        f"Kami akan menimbang dan mengukur ananda {child_name} {place} pada hari/tanggal "
        "…… pukul …… . Mohon ananda dan Buku KIA disiapkan. Terima kasih.")


def whatsapp(name: str, message: Message, office: str) -> str:
    """The same words as the email, short: greeting, message, the office as sender."""
    return f"{GREETING.format(name=name)} {message.body}\n\n— {office}"


def password_reset(reset_url: str, valid_hours: int) -> Message:
    return Message(
        "Atur ulang kata sandi Asuh",
        "Ada permintaan untuk mengatur ulang kata sandi akun Asuh Anda. Buka tautan ini "
        f"dalam {valid_hours} jam untuk membuat kata sandi baru: {reset_url}\n"
        "Bila Anda tidak memintanya, abaikan email ini; kata sandi Anda tidak berubah.")


def registration_attempt(login_url: str, reset_url: str) -> Message:
    return Message(
        "Ada pendaftaran dengan email Anda",
        "Seseorang mencoba mendaftar sebagai Bapak/Bunda Asuh dengan alamat email ini, "
        f"padahal email ini sudah memiliki akun Asuh. Bila itu Anda, silakan masuk: "
        f"{login_url}\nLupa kata sandi? Atur ulang di: {reset_url}\n"
        "Bila bukan Anda, abaikan email ini; akun Anda tidak berubah.")
