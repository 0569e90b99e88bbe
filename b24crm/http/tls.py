"""A local certificate authority and a server certificate for ``serve --tls``.

The https-only clients (b24pysdk, b24jssdk's webhook client) connect unmodified once they trust the CA:
``REQUESTS_CA_BUNDLE=<ca.pem>`` for Python, ``NODE_EXTRA_CA_CERTS=<ca.pem>`` for Node. The material is made
once and kept in the data directory, so the trust set up once stays valid across restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme

from b24crm.secret_files import write_secret

NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class TlsFiles:
    ca: Path
    cert: Path
    key: Path


def ensure_tls(directory: Path, extra_names: tuple[str, ...] = ()) -> TlsFiles:
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    names_file = directory / "names"
    names = tuple(dict.fromkeys((*NAMES, *extra_names)))
    wanted = "\n".join(names)
    made = all(p.exists() for p in (files.ca, files.cert, files.key, names_file))
    if made and names_file.read_text() == wanted:
        return files
    ca = trustme.CA(organization_name="b24crm local CA")
    leaf = ca.issue_cert(*names, organization_name="b24crm")
    ca.cert_pem.write_to_path(str(files.ca))
    # The key is private from its creation (not chmod'ed once written, readable by anyone in between).
    write_secret(files.key, leaf.private_key_pem.bytes())
    # The chain: server certificate first, then the CA, so clients that only know the CA can verify it.
    with files.cert.open("wb") as out:
        for blob in leaf.cert_chain_pems:
            out.write(blob.bytes())
    names_file.write_text(wanted)
    return files
