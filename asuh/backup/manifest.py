"""The backup's manifest: every file with its SHA-256, the audit head, the key's id.

The manifest is sealed with an HMAC under the audit key: someone who can write to the
backup's storage but lacks the key cannot swap a file and fix the manifest to match.
"""

import hashlib
import hmac
import json
import shutil
from pathlib import Path

from asuh.audit.key import audit_key
from asuh.backup.database import BackupError

MANIFEST = "manifest.json"
FORMAT = "asuh-backup/1"
# Where each file folder of the installation goes inside the backup.
FOLDERS = {"uploads": "UPLOAD_FOLDER", "letters": "LETTER_FOLDER"}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def copy_folder(source: Path, target: Path) -> None:
    """Copy a file tree. Photos written while it runs are copied whole or not at all: the
    app writes each under a temporary ``.part`` name and renames it, and those are skipped.
    Rows in the database snapshot (taken first) only name photos already renamed."""
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("*.part"))


def folder_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []


def _seal(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(audit_key(), canonical, hashlib.sha256).hexdigest()


def write(directory: Path, body: dict) -> None:
    # The backup holds the same personal data as the installation: owner-only, like it.
    for path in directory.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file() and p.name != MANIFEST):
        files[path.relative_to(directory).as_posix()] = {"sha256": sha256_file(path),
                                                         "size": path.stat().st_size}
    body = {"format": FORMAT, **body, "files": files}
    body["hmac"] = _seal(body)
    (directory / MANIFEST).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")
    (directory / MANIFEST).chmod(0o600)


def read_and_check(directory: Path, key_id: str) -> dict:
    """The manifest, once the key, the seal and every file's SHA-256 check out."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} has no {MANIFEST}: not an Asuh backup")
    body = json.loads(path.read_text())
    if body.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {body.get('format')!r}")
    if body.get("audit_key_id") != key_id:
        raise BackupError(
            f"this installation's audit key (id {key_id}) is not the key of the backup's "
            f"trail (id {body.get('audit_key_id')}): set ASUH_AUDIT_KEY, or put the original "
            "instance/audit_key in place, before restoring")
    claimed = body.pop("hmac", "")
    if not hmac.compare_digest(claimed, _seal(body)):
        raise BackupError(f"{MANIFEST} was altered (its seal does not match)")
    bad = [name for name, meta in body["files"].items()
           if not (directory / name).is_file() or sha256_file(directory / name) != meta["sha256"]]
    extra = [p.relative_to(directory).as_posix() for p in directory.rglob("*")
             if p.is_file() and p.name != MANIFEST
             and p.relative_to(directory).as_posix() not in body["files"]]
    if bad or extra:
        raise BackupError("files missing or altered: " + ", ".join(bad + extra)[:2000])
    return body
