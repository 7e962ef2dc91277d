"""Exporting a list: who may, what the file holds, and the audit record of it."""

from asuh.audit import services as audit
from asuh.audit.masking import mask_identifiers
from asuh.exports.datasets import Dataset
from asuh.permissions import Permission, ensure_permitted
from asuh.transactions import short_write


def describe(build, user, args, also: Permission) -> Dataset:
    ensure_permitted(user, also)
    return build(user, args)


# A read that writes: its own short write transaction, begun after the read above ended,
# waiting for the lock (issue 12: 19 of 76 exports answered 500 "database is locked").
@short_write
def record_export(user, entity_type: str, fmt: str, dataset: Dataset) -> None:
    audit.record("export", entity_type, None, user=user,
                 summary=f"Ekspor {dataset.sheet} ({fmt.upper()})",
                 # A search for a NIK/NIP would otherwise keep it whole, for good.
                 changes={"format": [None, fmt],
                          "filters": [None, mask_identifiers(dataset.filters)]})
