"""The SCRAM-SHA-256 verifier that the postgres role sets instead of a password."""

import base64
import hashlib
import hmac

import pytest
from ansible.errors import AnsibleFilterError

from plugins.filter.scram import saslprep, scram_sha256_verifier

# Verifiers that PostgreSQL 15 made itself (CREATE ROLE ... PASSWORD with
# password_encryption = scram-sha-256, read back from pg_authid).
POSTGRES_VERIFIERS = [
    (
        "correct horse battery staple",
        "SCRAM-SHA-256$4096:Kgz88cvdaYqIhPYvLWH9Ag==$rsg0/ey/hJzvGM/uyfXoC0pQy40nIqv5YI0oG4bITKw="
        ":YYM9Hy9GR71hmH0hdv+kIUgOrbQvbB9a5nDYNOwgo+c=",
    ),
    # Non-ASCII, and a ligature that SASLprep's NFKC turns into "fi".
    (
        "pässwörd \ufb01",
        "SCRAM-SHA-256$4096:ruosExGt/ooRwJipClck2w==$NlwOJ+bTiHOXimWP6RmO+gAbnrO3aDAOcosA3Ee7w60="
        ":60uo9frw0e9yOQ5idhUQ/DaMBQ16985BFQm11fJxyLY=",
    ),
]


def _salt(verifier: str) -> str:
    return verifier.split("$")[1].split(":")[1]


@pytest.mark.parametrize(("password", "verifier"), POSTGRES_VERIFIERS)
def test_matches_postgresql(password, verifier):
    assert scram_sha256_verifier(password, _salt(verifier)) == verifier


def test_rfc7677_exchange():
    """The keys let the server check RFC 7677's client proof and sign its answer."""
    verifier = scram_sha256_verifier("pencil", "W22ZaJ0SNY7soEsUEjb6gQ==")
    stored_key, server_key = (base64.b64decode(key) for key in verifier.split("$")[2].split(":"))
    nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    auth_message = (
        f"n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r={nonce}"
    ).encode()
    proof = base64.b64decode("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
    signature = hmac.new(stored_key, auth_message, hashlib.sha256).digest()
    client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
    assert hashlib.sha256(client_key).digest() == stored_key
    server_signature = hmac.new(server_key, auth_message, hashlib.sha256).digest()
    assert (
        base64.b64encode(server_signature).decode()
        == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
    )


def test_random_salt_each_time():
    first, second = (scram_sha256_verifier("correct horse battery staple") for _ in range(2))
    assert first != second
    assert first.startswith("SCRAM-SHA-256$4096:")
    assert len(base64.b64decode(_salt(first))) == 16


def test_saslprep_keeps_what_it_cannot_prepare():
    # A control character is prohibited: PostgreSQL then hashes the raw password.
    assert saslprep("abc\x07def") == "abc\x07def"
    # A soft hyphen maps to nothing, a no-break space to a space.
    assert saslprep("a\u00adb\u00a0c") == "ab c"


@pytest.mark.parametrize(("password", "salt"), [("", None), ("x", "not base64!")])
def test_refuses_bad_input(password, salt):
    with pytest.raises(AnsibleFilterError):
        scram_sha256_verifier(password, salt)
