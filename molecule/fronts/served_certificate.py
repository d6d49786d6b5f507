"""Print, as JSON, the certificate that a front serves for a name.

    served_certificate.py ADDRESS NAME ROOT

Connects to ADDRESS:443 with NAME as the server name and accepts only a
chain that leads to the root certificate in the file ROOT and names NAME;
anything else exits with the reason.
"""

import json
import socket
import ssl
import sys
import time


def main() -> None:
    address, name, root = sys.argv[1:4]
    context = ssl.create_default_context(cafile=root)
    try:
        with (
            socket.create_connection((address, 443), timeout=10) as raw,
            context.wrap_socket(raw, server_hostname=name) as tls,
        ):
            cert = tls.getpeercert()
    except (OSError, ssl.SSLError) as error:
        sys.exit(f"{name} at {address}: {error}")
    assert cert is not None

    def common_name(field: str) -> str:
        return next(value for rdn in cert[field] for key, value in rdn if key == "commonName")

    not_before = ssl.cert_time_to_seconds(cert["notBefore"])
    not_after = ssl.cert_time_to_seconds(cert["notAfter"])
    print(
        json.dumps(
            {
                "serial": cert["serialNumber"],
                "subject": common_name("subject"),
                "issuer": common_name("issuer"),
                "names": [value for kind, value in cert["subjectAltName"] if kind == "DNS"],
                "not_after": cert["notAfter"],
                "lifetime_days": (not_after - not_before) / 86400,
                "remaining_days": (not_after - time.time()) / 86400,
            }
        )
    )


if __name__ == "__main__":
    main()
