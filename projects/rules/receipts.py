"""A receipt for what the public sends: a 受理编号 to read out on the phone, and a
private tracking link.

- The code: 8 characters from an alphabet with no 0/O, 1/I/L (31 signs, about 8.5 × 10¹¹
  codes), random, unique; it names an item, it opens nothing.
- The link's token: 192 random bits (`secrets`), given to the writer once (the
  confirmation page). Only its SHA-256 is kept: a database leak, a backup or the
  history exposes no link. Unsalted on purpose: a random 192-bit token has nothing to
  guess, and a changed SECRET_KEY leaves every bookmarked link working.
- For the one mail that tells a writer the answer is out (who asked for it on the
  tracking page), the link is kept sealed until then: XORed with an HMAC-SHA256 of
  SECRET_KEY and that subscription's own random token (a one-block stream cipher with a
  fresh nonce each time). The database alone opens none; a changed SECRET_KEY makes the
  seal unreadable, and the mail then goes without the link (`unseal` checks the hash).
"""

import hashlib
import secrets

from django.utils.crypto import salted_hmac

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
TOKEN_BYTES = 24  # 192 bits; token_urlsafe writes 32 characters
SEAL_SALT = "projects.receipts.seal"


def new_code():
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_token():
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token):
    """What is kept of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _pad(nonce):
    return salted_hmac(SEAL_SALT, nonce, algorithm="sha256").digest()


def seal(token, nonce):
    """`token` hidden under a key only this deployment holds (hex)."""
    return bytes(a ^ b for a, b in zip(token.encode(), _pad(nonce), strict=False)).hex()


def unseal(sealed, nonce, expected_hash):
    """The token `seal` hid, or None when it is not the one whose hash is kept (a seal
    made under another SECRET_KEY)."""
    try:
        data = bytes.fromhex(sealed)
        token = bytes(a ^ b for a, b in zip(data, _pad(nonce), strict=False)).decode("ascii")
    except ValueError:
        return None
    return token if token_hash(token) == expected_hash else None
