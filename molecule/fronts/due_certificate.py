"""Re-sign a front's certificate so that it is due for renewal.

    due_certificate.py CHAIN INTERMEDIATE INTERMEDIATE_KEY > NEW_CHAIN

Reads the chain the front keeps (its certificate first) and the lab CA's
intermediate certificate and key, and prints the same certificate (same
names, same public key) issued by the same intermediate 80 days ago and
valid for 10 more days: 90 days in all, of which less than a third is left,
the point at which ACME clients renew. The front then renews it itself, with
the CA, as it would in production.
"""

import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization


def main() -> None:
    chain_file, intermediate_file, key_file = sys.argv[1:4]
    with open(chain_file, "rb") as chain:
        leaf = x509.load_pem_x509_certificates(chain.read())[0]
    with open(intermediate_file, "rb") as intermediate_pem:
        intermediate = x509.load_pem_x509_certificate(intermediate_pem.read())
    with open(key_file, "rb") as key_pem:
        key = serialization.load_pem_private_key(key_pem.read(), password=None)

    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(leaf.subject)
        .issuer_name(intermediate.subject)
        .public_key(leaf.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=80))
        .not_valid_after(now + datetime.timedelta(days=10))
    )
    for extension in leaf.extensions:
        builder = builder.add_extension(extension.value, critical=extension.critical)
    due = builder.sign(key, hashes.SHA256())  # type: ignore[arg-type]
    for certificate in (due, intermediate):
        sys.stdout.write(certificate.public_bytes(serialization.Encoding.PEM).decode())


if __name__ == "__main__":
    main()
