"""The password policy: long enough, and not guessable from the common-password lists.

Length alone lets ``password1234`` through, so every new password is also scored by
zxcvbn (Dropbox's estimator; its 30,000-entry list of the most common passwords comes
from leaked password sets, with keyboard walks, repeats, dates and dictionary words
on top). A password must need at least 10^8 guesses (zxcvbn score 3) and must not be
built on the user's own name.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

from cityops.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_SCORE = 3  # zxcvbn: 3 = "safely unguessable", about 10^8 guesses or more
SCORED_PREFIX = 100  # zxcvbn's cost grows with length; a longer password is not weaker


def check_policy(password: str, username: str | None = None, field: str = "password") -> None:
    """InvalidInput naming ``field`` unless ``password`` satisfies the policy."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"{field}: at least {MIN_LENGTH} characters", field=field)
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"{field}: at most {MAX_LENGTH} characters", field=field)
    if username and len(username) >= 3 and username.lower() in password.lower():
        raise InvalidInput(f"{field}: must not contain the user name", field=field)
    result = zxcvbn(password[:SCORED_PREFIX], user_inputs=[username] if username else [])
    if result["score"] < MIN_SCORE:
        hint = result["feedback"].get("warning") or "too easy to guess"
        raise InvalidInput(
            f"{field}: too easy to guess ({hint.rstrip('.')}); use a longer phrase", field=field
        )
