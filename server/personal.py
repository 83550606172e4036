"""Personal data at rest (等保 level 2): mobile numbers sealed, found again through a keyed
index, shown only masked.

A number is sealed with SM4-GCM (GB/T 32907, the national block cipher) where the installed
OpenSSL offers SM4, otherwise with AES-256-GCM; the stored form names its cipher, so a file
written on one machine still opens on another that has the key. The key lives in the data
directory beside the server's signing secret, readable only by its owner, never in the
database: a copied database file alone gives away no number. Look-ups (a number's bookings,
its message rate) go through an HMAC-SHA256 index under a key derived from the same file, so
equal numbers meet without either being readable.

Masking (138****1234) is the appointment rules' `mask_mobile`, used by every view, export and
log line that names a number.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from hall.appointments import mask_mobile  # noqa: F401  (the one masking rule, re-exported)

from . import db, repository as repo

if TYPE_CHECKING:
    from .services import HallService

#: a mainland mobile number inside free text (a provider's error message may echo it)
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(\+?86)?(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_mobiles_in(text: str) -> str:
    """Free text with every mobile number in it masked, before it is stored, shown or logged."""
    return MOBILE_IN_TEXT.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(3)}", text)

KEY_FILENAME = "personal-data.key"
NONCE_BYTES = 12
TAG_BYTES = 16
SM4, AES = "sm4gcm", "aes256gcm"


class SealError(ValueError):
    """A sealed value that does not open with this key: tampered with, or another hall's."""


def _derive(master: bytes, purpose: str, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None,
                info=f"jiaohao personal data: {purpose}".encode()).derive(master)


def sm4_available() -> bool:
    """Whether this OpenSSL build offers SM4 (some distributions leave it out)."""
    try:
        Cipher(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_BYTES))).encryptor()
    except UnsupportedAlgorithm:
        return False
    return True


class Vault:
    """Seals and opens one kind of personal data at a time (`purpose` is bound into each
    sealed value, so a sealed mobile cannot be passed off as another field)."""

    def __init__(self, master: bytes, cipher: str | None = None):
        if len(master) < 32:
            raise ValueError("the personal-data key needs at least 32 bytes")
        self._keys = {SM4: _derive(master, SM4, 16), AES: _derive(master, AES, 32)}
        self._index_key = _derive(master, "index", 32)
        self.cipher = cipher or (SM4 if sm4_available() else AES)

    @classmethod
    def in_data_dir(cls, path: Path) -> "Vault":
        """The hall's vault, its key made on first use beside secret.key."""
        return cls(bytes.fromhex(_key_file(Path(path)).read_text().strip()))

    @classmethod
    def ephemeral(cls) -> "Vault":
        """A vault whose key lives only in this process: for a service run without a data
        directory, whose sealed values are meant to die with it."""
        return cls(secrets.token_bytes(32))

    def _algorithm(self, cipher: str):
        key = self._keys[cipher]
        return algorithms.SM4(key) if cipher == SM4 else algorithms.AES(key)

    def seal(self, text: str, purpose: str = "mobile") -> str:
        nonce = os.urandom(NONCE_BYTES)
        encryptor = Cipher(self._algorithm(self.cipher), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(purpose.encode())
        body = encryptor.update(text.encode("utf-8")) + encryptor.finalize()
        return f"{self.cipher}${base64.b64encode(nonce + body + encryptor.tag).decode()}"

    def open(self, sealed: str, purpose: str = "mobile") -> str:
        try:
            cipher, payload = sealed.split("$", 1)
            raw = base64.b64decode(payload, validate=True)
            nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
            decryptor = Cipher(self._algorithm(cipher), modes.GCM(nonce, tag)).decryptor()
            decryptor.authenticate_additional_data(purpose.encode())
            return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
        except (ValueError, KeyError, InvalidTag) as exc:
            raise SealError("a sealed value does not open with this hall's key") from exc

    def index(self, text: str, purpose: str = "mobile") -> str:
        """The look-up key of a value: equal values, equal index; no value readable from it."""
        return hmac.new(self._index_key, f"{purpose}:{text}".encode("utf-8"), hashlib.sha256).hexdigest()


def _key_file(path: Path) -> Path:
    """Written whole under a temporary name and linked into place, so a second process of the
    hall starting at the same moment finds either no key or the whole key, never half."""
    file = path / KEY_FILENAME
    if not file.exists():
        draft = path / f".{KEY_FILENAME}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(draft, file)
        except FileExistsError:
            pass   # the other process won: its key is the hall's
        finally:
            draft.unlink()
    return file


# --- retention -------------------------------------------------------------------------------

def purge_expired(service: "HallService") -> int:
    """Forget the personal data of visits older than the hall's `personal_data_days`: booking
    numbers and names, the numbers kept for notifications, and who took which ticket. Returns how many records lost
    theirs. The write-ahead log is emptied after, so no old page keeps a purged number."""
    days = service.setup().security.personal_data_days
    before = service.today() - timedelta(days=days)
    conn = service.database.connection()
    with db.write(conn):
        purged = repo.purge_booking_personal_data(conn, service.hall_id, before)
        purged += repo.purge_notify_personal_data(conn, service.hall_id, before)
        purged += repo.purge_person_data(conn, service.hall_id, before)
        purged += repo.purge_remote_personal_data(conn, service.hall_id, before)
    if purged:
        db.truncate_log(conn)
    return purged
