from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with cheap parameters: same algorithm and format, fast enough for test fixtures."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
