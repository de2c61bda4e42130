"""What a staff password must be, after NIST SP 800-63B (section 5.1.1.2, memorized secrets):
long enough, not a commonly used or easily guessed one, and not made of the account's own name.
No composition rules (a digit, a symbol...): the guideline advises against them.

"Commonly used or easily guessed" is zxcvbn's judgement (Dropbox's estimator, pinned in
pyproject.toml): it knows the passwords of public breach lists, dictionary words and names,
keyboard walks, repeats and sequences, and it takes the username as a word to look for. A
password it expects to fall in fewer than 10^8 guesses (score below 3) is refused, so are
``aaaaaaaaaaaa`` and ``password1234``; a four-word passphrase passes.

The rules hold in every mode. The demo accounts themselves (``agent``... with ``demo``, made by
``make run`` and the tests) are the one exception, outside production (which refuses them at
start-up anyway).
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 200
#: zxcvbn's score 3: "safely unguessable: moderate protection from offline slow-hash scenario"
MIN_SCORE = 3
#: words of this service, which NIST names as context-specific words to refuse
SERVICE_WORDS = ("talon", "desk", "talondesk", "talon desk", "talon.one")


def password_problem(username: str, password: str) -> str | None:
    """None when ``password`` may be ``username``'s password, else why not (one sentence)."""
    if not password:
        return "password must not be empty"
    if len(password) < MIN_LENGTH:
        return f"password must have at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must have at most {MAX_LENGTH} characters"
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in password.lower():
        return "password must not contain the username"
    verdict = zxcvbn(password, user_inputs=[name, *SERVICE_WORDS])
    if verdict["score"] >= MIN_SCORE:
        return None
    if any(match.get("dictionary_name") == "user_inputs" for match in verdict["sequence"]):
        return "password is made of the username or the service's name; choose another"
    warning = verdict["feedback"].get("warning") or "it is too easy to guess"
    return (f"password is too common or too easy to guess ({warning.rstrip('.')}); a few "
            "unrelated words make a strong one")
