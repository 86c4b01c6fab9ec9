"""The production password hasher (slow on purpose), counting the passwords it checks."""

import threading

from django.contrib.auth.hashers import PBKDF2PasswordHasher

checked_passwords: list[str] = []
_lock = threading.Lock()


class CountingHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sha256"

    def verify(self, password, encoded):
        with _lock:
            checked_passwords.append(password)
        return super().verify(password, encoded)
