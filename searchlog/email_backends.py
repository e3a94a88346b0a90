"""Email backends for development: `make run` prints one line per email instead of the whole MIME message.

Django's console backend writes every message as multi-line MIME (both alternatives, base64 and all); in the demo's
console, where the Celery worker's output is logged at WARNING, that buried everything else. A developer needs to
know who an email went to, what it said in one phrase, and which link to follow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

# The first web address in the plain-text body: the notice's link (our emails carry one each).
_LINK = re.compile(r"https?://[^\s<>\"')]+")


def one_line(message: EmailMessage) -> str:
    """"Email to maria@example.org: Online search log: … <http://…/records/…>" (no body, no MIME)."""
    recipients = ", ".join(message.recipients()) or "(no recipient)"
    subject = " ".join(str(message.subject).split())  # a header never spans lines here
    found = _LINK.search(str(message.body or ""))
    link = f" <{found.group(0)}>" if found else ""
    return f"Email to {recipients}: {subject}{link}"


class OneLineConsoleBackend(ConsoleBackend):
    """The console backend, one line per email: recipients, subject and the link in it."""

    def write_message(self, message: EmailMessage) -> None:
        self.stream.write(one_line(message) + "\n")

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        return super().send_messages(email_messages) or 0
