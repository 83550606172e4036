"""Password and token hashing.

Passwords are people's choices, so they get a slow, salted hash (scrypt). Device tokens,
session tokens and ticket tracking tokens are 256 random bits: guessing one is hopeless,
so a single SHA-256 is a strong hash for them and keeps every authenticated request cheap.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from importlib import resources
from typing import Callable

from hall.setup import Security

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SCRYPT_PREFIX = "scrypt"

#: how scrypt is run: in place, or (set by serving.async_mode on a gevent server) on a native
#: thread. A sign-in's scrypt takes about 100 ms and hashlib lets go of the GIL meanwhile, so
#: on a native thread it no longer stops every live connection on the event loop for that long.
_run_scrypt: Callable[..., bytes] = lambda call, *args: call(*args)


def scrypt_with(runner: Callable[..., bytes]) -> None:
    global _run_scrypt
    _run_scrypt = runner


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return _run_scrypt(functools.partial(hashlib.scrypt, password.encode("utf-8"), salt=salt,
                                         n=n, r=r, p=p, dklen=dklen))


def hash_password(password: str, n: int = SCRYPT_N) -> str:
    """The stored form keeps scrypt's parameters, so `check_password` reads a hash made at any
    cost `n` (tests store their accounts' passwords at a small one)."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, n, SCRYPT_R, SCRYPT_P, 32)
    return "$".join((SCRYPT_PREFIX, str(n), str(SCRYPT_R), str(SCRYPT_P),
                     base64.b64encode(salt).decode(), base64.b64encode(digest).decode()))


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != SCRYPT_PREFIX:
            return False
        expected = base64.b64decode(digest)
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p), len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_token() -> str:
    """A fresh bearer token: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords every guesser tries first, lower-cased."""
    text = resources.files("server").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters a password mixes."""
    return sum((any(ch.islower() for ch in password), any(ch.isupper() for ch in password),
                any(ch.isdigit() for ch in password),
                any(not ch.isalnum() for ch in password)))


def password_problem(password: str, username: str = "", policy: Security = Security()) -> str | None:
    """Why a new password is not acceptable under the hall's policy (等保 level 2), or None."""
    if len(password) < policy.password_min_length:
        return (f"密码至少 {policy.password_min_length} 位 / a password needs at least "
                f"{policy.password_min_length} characters")
    if password.strip() != password or not password.isprintable():
        return "密码不能以空格开头或结尾 / no leading or trailing spaces or control characters"
    if character_classes(password) < policy.password_classes:
        return (f"密码须包含小写字母、大写字母、数字、符号中的至少 {policy.password_classes} 类 / a password "
                f"mixes at least {policy.password_classes} of lower case, upper case, digits and symbols")
    name = username.strip().lower()
    if name and (name in password.lower() or name[::-1] in password.lower()):
        return "密码不能包含用户名 / a password must not contain the user name"
    if password.lower() in common_passwords():
        return "该密码过于常见，容易被猜中 / this password is one of the most common ones: choose another"
    return None
