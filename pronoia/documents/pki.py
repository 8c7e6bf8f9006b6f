"""The offline test PKI: keys, the certomancer configuration, and loading it for signing and serving.

`pki_init(directory)` creates (idempotently) RSA keys with `cryptography` and a certomancer
configuration describing:

- root CA "Pronoia Test Root CA (TEST ONLY)", self-signed;
- an intermediate CA issuing the institution's seal, with an OCSP responder;
- the institution's **seal** certificate (an organisation, digitalSignature + nonRepudiation);
- a **TSA** certificate (extended key usage timeStamping), issued by the root;
- CRLs for both CAs.

Nothing here is secret in the production sense: these are TEST ONLY keys, generated on the
machine that runs the portal (mode 0600), never committed. The certificates themselves are not
stored: certomancer derives them from the configuration and the keys every time it loads (RSA
PKCS#1 v1.5 signatures and counter-based serial numbers make that deterministic), so the portal
that signs and `pki_serve` that answers OCSP/CRL/TSA requests agree on every byte. The URLs
written into the certificates (CRL distribution points, OCSP) come from the service URL given at
load time; the root certificate has none and so stays the same whatever the port.

This module needs no Django settings: the test fixture and `pki_serve` use it directly.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

ARCH = "pronoia"
CONFIG_NAME = "certomancer.yml"
KEY_DIR_NAME = "keys"
ROOT_PEM_NAME = "root.cert.pem"
KEY_LABELS = ("root", "interm", "seal", "tsa", "ocsp")
ROOT_COMMON_NAME = "Pronoia Test Root CA (TEST ONLY)"


@dataclass(frozen=True)
class PkiPaths:
    directory: Path

    @property
    def config(self) -> Path:
        return self.directory / CONFIG_NAME

    @property
    def keys(self) -> Path:
        return self.directory / KEY_DIR_NAME

    @property
    def root_pem(self) -> Path:
        return self.directory / ROOT_PEM_NAME


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` readable by the owner only (created 0600, never world-readable even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _key_generate(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write_private(path, pem)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


def _config_build(*, now: dt.datetime, institution: str, country: str) -> dict:
    """The certomancer configuration (keys by relative path, validity from `now`)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)

    def validity(years: int) -> dict:
        return {"valid-from": _iso(start), "valid-to": _iso(start + dt.timedelta(days=365 * years))}

    ca_usage = {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": ["digital_signature", "key_cert_sign", "crl_sign"]}}
    return {
        "keysets": {
            ARCH: {"path-prefix": KEY_DIR_NAME, "keys": {label: {"path": f"{label}.key.pem"} for label in KEY_LABELS}},
        },
        "pki-architectures": {
            ARCH: {
                "keyset": ARCH,
                "entity-defaults": {"country-name": country.upper(), "organization-name": institution[:64]},
                "entities": {
                    "root": {"common-name": ROOT_COMMON_NAME},
                    "interm": {"common-name": "Pronoia Test Issuing CA (TEST ONLY)"},
                    "seal": {"organizational-unit-name": "Electronic seal (TEST ONLY)", "common-name": f"{institution[:50]} seal"},
                    "tsa": {"common-name": "Pronoia Test Time-Stamping Authority (TEST ONLY)"},
                    "ocsp": {"common-name": "Pronoia Test OCSP Responder (TEST ONLY)"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": validity(20),
                        "extensions": [{"id": "basic_constraints", "critical": True, "value": {"ca": True}}, ca_usage],
                    },
                    "interm": {
                        "issuer": "root",
                        "validity": validity(15),
                        "extensions": [
                            {"id": "basic_constraints", "critical": True, "value": {"ca": True, "path-len-constraint": 0}},
                            ca_usage,
                            {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}}},
                            {"id": "authority_information_access", "smart-value": {"schema": "aia-urls", "params": {"ca-issuer-links": [{"repo": "root"}]}}},
                        ],
                    },
                    "ocsp": {
                        "issuer": "interm",
                        "validity": validity(10),
                        "extensions": [
                            {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                            {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "seal": {
                        "issuer": "interm",
                        "validity": validity(5),
                        "extensions": [
                            {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": ["digital_signature", "non_repudiation"]}},
                            {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["interm"]}}},
                            {
                                "id": "authority_information_access",
                                "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["interm"], "ca-issuer-links": [{"repo": "interm"}]}},
                            },
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": validity(10),
                        "extensions": [
                            {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": ["digital_signature"]}},
                            {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]},
                            {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": ["root"]}}},
                        ],
                    },
                },
                "services": {
                    "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "ocsp", "signing-key": "ocsp"}},
                    "crl-repo": {
                        "root": {"for-issuer": "root", "signing-key": "root", "simulated-update-schedule": "P30D"},
                        "interm": {"for-issuer": "interm", "signing-key": "interm", "simulated-update-schedule": "P7D"},
                    },
                    "cert-repo": {
                        "root": {"for-issuer": "root", "publish-issued-certs": True},
                        "interm": {"for-issuer": "interm", "publish-issued-certs": True},
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                },
            }
        },
    }


def pki_init(
    directory: Path | str,
    *,
    institution: str = "Pronoia social insurance institution",
    country: str = "gr",
    now: dt.datetime | None = None,
) -> PkiPaths:
    """Create the test PKI in `directory` unless it is there already; returns its paths.

    Idempotent: existing keys and configuration are kept (so the seal and root stay the same
    across restarts); a missing key or configuration file is created.
    """
    paths = PkiPaths(Path(directory))
    paths.keys.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.directory, 0o700)
    os.chmod(paths.keys, 0o700)
    for label in KEY_LABELS:
        key_path = paths.keys / f"{label}.key.pem"
        if not key_path.exists():
            _key_generate(key_path)
    if not paths.config.exists():
        config = _config_build(now=now or dt.datetime.now(dt.timezone.utc), institution=institution, country=country)
        _write_private(paths.config, yaml.safe_dump(config, sort_keys=False, allow_unicode=True).encode())
    if not paths.root_pem.exists():
        # Public: the trust anchor a relying party imports (the verification page links to it).
        arch = pki_architecture_load(paths.directory, service_url="http://127.0.0.1")
        paths.root_pem.write_bytes(_pem(arch.get_cert("root").dump()))
        os.chmod(paths.root_pem, 0o644)
    return paths


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", der)


def pki_architecture_load(directory: Path | str, *, service_url: str):
    """The certomancer PKI architecture of `directory`, its service URLs under `service_url`."""
    from certomancer.registry import CertomancerConfig

    paths = PkiPaths(Path(directory))
    if not paths.config.exists():
        raise FileNotFoundError(f"No test PKI in {paths.directory}: run `pronoia pki_init --dir {paths.directory}`.")
    config = CertomancerConfig.from_file(
        str(paths.config),
        key_search_dir=str(paths.directory),
        allow_external_config=False,
        external_url_prefix=service_url.rstrip("/"),
    )
    return config.get_pki_arch(ARCH)


def tsa_url(service_url: str) -> str:
    return f"{service_url.rstrip('/')}/{ARCH}/tsa/tsa"


def pki_wsgi_app(directory: Path | str, *, service_url: str):
    """certomancer's Animator (WSGI) answering OCSP, CRL, certificate and TSA requests; no web UI."""
    from certomancer.integrations.animator import AnimatorArchStore

    _WholeSecondAnimator = _whole_second_animator_class()
    arch = pki_architecture_load(directory, service_url=service_url)
    # Real time only: a client may not ask the TSA for a back-dated token.
    animator = _WholeSecondAnimator(AnimatorArchStore({arch.arch_label: arch}), with_web_ui=False, allow_time_override=False)
    return _ocsp_get_to_post(animator)


def _whole_second_animator_class():
    from certomancer.integrations.animator import Animator

    class WholeSecondAnimator(Animator):
        """Times in OCSP responses, CRLs and time stamps without fractions of a second: NSS (so
        pdfsig) rejects OCSP responses whose GeneralizedTime carries fractional seconds."""

        def at_time(self, request):
            return super().at_time(request).replace(microsecond=0)

    return WholeSecondAnimator


def _ocsp_get_to_post(app):
    """Accept OCSP requests by GET too (RFC 6960 A.1: base64 of the DER request in the path).

    certomancer answers POST only. NSS (and so poppler's pdfsig) tries GET first and falls back
    to POST, but poppler 22 reads NSS's last error code even when verification then succeeds, so
    the failed GET would turn a good chain into "Unknown issue with Certificate".
    """
    import base64
    import io
    from urllib.parse import unquote

    prefix = f"/{ARCH}/ocsp/"

    def wrapped(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith(prefix) and path.count("/") >= 4:
            label, _, encoded = path[len(prefix):].partition("/")
            try:
                der = base64.b64decode(unquote(encoded), validate=False)
            except ValueError:
                der = b""
            if der:
                environ = dict(environ)
                environ.update(
                    {
                        "REQUEST_METHOD": "POST",
                        "PATH_INFO": prefix + label,
                        "CONTENT_TYPE": "application/ocsp-request",
                        "CONTENT_LENGTH": str(len(der)),
                        "wsgi.input": io.BytesIO(der),
                    }
                )
        return app(environ, start_response)

    return wrapped


def pki_serve(directory: Path | str, *, port: int, host: str = "127.0.0.1", service_url: str | None = None) -> None:
    """Serve the PKI's OCSP responder, CRLs, certificates and the TSA over HTTP until interrupted."""
    import logging

    from werkzeug.serving import run_simple

    # One line per OCSP/TSA request is noise beside the portal; failures still show.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("The test PKI serves on the loopback interface only.")
    app = pki_wsgi_app(directory, service_url=service_url or f"http://{host}:{port}")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


def main(argv: list[str] | None = None) -> None:
    """`python -m pronoia.documents.pki --dir D --port N [--init]`: what the test fixture runs."""
    import argparse

    parser = argparse.ArgumentParser(description="Serve the Pronoia test PKI (OCSP, CRL, TSA) on 127.0.0.1.")
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--init", action="store_true", help="create the PKI first if it is missing")
    args = parser.parse_args(argv)
    if args.init:
        pki_init(args.dir)
    pki_serve(args.dir, port=args.port)


if __name__ == "__main__":
    main()
