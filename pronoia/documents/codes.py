"""Verification codes: 120 random bits, upper-case base32, read and typed in groups of four."""
from __future__ import annotations

import base64
import re
import secrets

CODE_BYTES = 15  # 120 bits; base32 without padding gives exactly 24 characters
CODE_LENGTH = 24
_CODE = re.compile(r"^[A-Z2-7]{24}$")
# Characters people confuse with base32 letters when typing a printed code.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def verification_code_new() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")


def verification_code_normalise(raw: str) -> str | None:
    """The stored form of a code as typed ("abcd-efgh ..." -> "ABCDEFGH..."), or None if it cannot be one."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    cleaned = re.sub(r"[\s\-_.]", "", raw).upper().translate(_LOOKALIKES)
    return cleaned if _CODE.match(cleaned) else None
