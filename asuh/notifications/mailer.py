"""Talking to the SMTP server named by ``ASUH_SMTP_URL`` (Python's own smtplib).

``smtp://[user:password@]host[:port]`` upgrades with STARTTLS when the server offers it;
``smtps://…`` speaks TLS from the start (port 465).
"""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 30


class MailServer:
    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("ASUH_SMTP_URL must look like smtp://host:port or smtps://host:port")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> "MailServer":
        context = ssl.create_default_context()
        if self.tls:
            self.connection = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_SECONDS,
                                               context=context)
        else:
            self.connection = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
            self.connection.ehlo()
            if self.connection.has_extn("starttls"):
                self.connection.starttls(context=context)
                self.connection.ehlo()
        if self.user:
            self.connection.login(self.user, self.password or "")
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.connection.quit()
        except smtplib.SMTPException:
            self.connection.close()
        except OSError:
            pass

    def send(self, *, sender: str, sender_name: str, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = formataddr((sender_name, sender))
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
        message.set_content(body)
        self.connection.send_message(message)
