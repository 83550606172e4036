"""Password and token hashing.

Passwords are people's choices, so they get a slow, salted hash (scrypt). Device tokens,
session tokens and ticket tracking tokens are 256 random bits: guessing one is hopeless,
so a single SHA-256 is a strong hash for them and keeps every authenticated request cheap.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SCRYPT_PREFIX = "scrypt"


def hash_password(password: str, n: int = SCRYPT_N) -> str:
    """The stored form keeps scrypt's parameters, so `check_password` reads a hash made at any
    cost `n` (tests store their accounts' passwords at a small one)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=32)
    return "$".join((SCRYPT_PREFIX, str(n), str(SCRYPT_R), str(SCRYPT_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()))


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != SCRYPT_PREFIX:
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt),
                                n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_token() -> str:
    """A fresh bearer token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


MIN_PASSWORD_LENGTH = 8


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少 {MIN_PASSWORD_LENGTH} 位 / a password needs at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password or not password.isprintable():
        return "密码不能以空格开头或结尾 / no leading or trailing spaces or control characters"
    return None
