"""The audit trail: append-only rows, each chained to the previous by a hash."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from asuh.extensions import db
from asuh.timeutil import utcnow


class AuditRecord(db.Model):
    __tablename__ = "audit_records"
    # "Everything that happened to child 42": the auditors' filter and each page's history.
    __table_args__ = (Index("ix_audit_records_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity_type: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    # The kabupaten/kota (or province) the record belongs to, from the entity it is about,
    # else from the actor's scope; None: the whole installation. A scoped reader sees
    # only records within their scope (asuh.audit.queries). Sealed with the record when
    # set (asuh.audit.chain), so moving a record to another city breaks the chain.
    scope_code: Mapped[str | None] = mapped_column(String(5), index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(db.Model):
    """A single row holding the newest record's number and hash.

    Writers lock it (``SELECT … FOR UPDATE``) so that two transactions can never chain
    onto the same predecessor; on SQLite the write lock taken by BEGIN IMMEDIATE does it.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(default=0)
    # Migration 0013 (issue 15): records before ``scoped_from`` were written without a
    # scope, when the installation held one kabupaten/kota (``legacy_scope``; None if it
    # held none or several). Their scope cannot be added afterwards (the trail is
    # append-only and sealed), so readers treat them as that city's (asuh.audit.queries).
    scoped_from: Mapped[int | None]
    legacy_scope: Mapped[str | None] = mapped_column(String(5))
