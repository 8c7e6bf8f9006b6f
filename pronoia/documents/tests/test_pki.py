"""The offline test PKI: created idempotently with private files, certificates fit for their use,
and the service answers over real HTTP on the loopback interface."""
from __future__ import annotations

import stat
import urllib.request

import pytest
from asn1crypto import crl as crl_module
from asn1crypto import ocsp, x509

from pronoia.documents.pki import KEY_LABELS, ROOT_COMMON_NAME, pki_architecture_load, pki_init, pki_serve


def test_init_creates_private_files_and_is_idempotent(tmp_path):
    paths = pki_init(tmp_path / "pki")
    for label in KEY_LABELS:
        key = paths.keys / f"{label}.key.pem"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.config.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.directory.stat().st_mode) == 0o700
    before = {p.name: p.read_bytes() for p in paths.keys.iterdir()} | {"config": paths.config.read_bytes(), "root": paths.root_pem.read_bytes()}
    again = pki_init(tmp_path / "pki")
    after = {p.name: p.read_bytes() for p in again.keys.iterdir()} | {"config": again.config.read_bytes(), "root": again.root_pem.read_bytes()}
    assert before == after


def test_a_lost_key_is_recreated_without_touching_the_others(tmp_path):
    paths = pki_init(tmp_path / "pki")
    root_key = (paths.keys / "root.key.pem").read_bytes()
    (paths.keys / "tsa.key.pem").unlink()
    pki_init(paths.directory)
    assert (paths.keys / "tsa.key.pem").exists()
    assert (paths.keys / "root.key.pem").read_bytes() == root_key


def test_certificates_fit_their_use(tmp_path):
    paths = pki_init(tmp_path / "pki")
    arch = pki_architecture_load(paths.directory, service_url="http://127.0.0.1:8020")
    root, interm, seal, tsa = (arch.get_cert(label) for label in ("root", "interm", "seal", "tsa"))
    assert root.subject.native["common_name"] == ROOT_COMMON_NAME and "TEST ONLY" in root.subject.native["common_name"]
    assert root.ca and interm.ca and not seal.ca
    assert seal.key_usage_value.native == {"digital_signature", "non_repudiation"}
    assert seal.subject.native["organization_name"]
    assert tsa.extended_key_usage_value.native == ["time_stamping"]
    assert seal.ocsp_urls == ["http://127.0.0.1:8020/pronoia/ocsp/interm"]
    assert seal.crl_distribution_points[0]["distribution_point"].native == ["http://127.0.0.1:8020/pronoia/crls/interm/latest.crl"]
    # The same files give the same certificates in every process (portal and service agree).
    again = pki_architecture_load(paths.directory, service_url="http://127.0.0.1:8020")
    assert again.get_cert("seal").dump() == seal.dump()
    assert x509.Certificate.load(root.dump()).self_signed == "maybe"


def test_service_answers_ocsp_by_get_and_post_and_serves_crls(pki_service):
    arch = pki_architecture_load(pki_service.directory, service_url=pki_service.url)
    seal, interm = arch.get_cert("seal"), arch.get_cert("interm")
    with urllib.request.urlopen(f"{pki_service.url}/pronoia/crls/interm/latest.crl", timeout=10) as response:
        assert response.status == 200
        crl = crl_module.CertificateList.load(response.read())
    assert crl.issuer == interm.subject and len(crl["tbs_cert_list"]["revoked_certificates"]) == 0
    request = ocsp.OCSPRequest(
        {
            "tbs_request": {
                "request_list": [
                    {
                        "req_cert": {
                            "hash_algorithm": {"algorithm": "sha1"},
                            "issuer_name_hash": seal.issuer.sha1,
                            "issuer_key_hash": interm.public_key.sha1,
                            "serial_number": seal.serial_number,
                        }
                    }
                ]
            }
        }
    ).dump()
    post = urllib.request.Request(f"{pki_service.url}/pronoia/ocsp/interm", data=request, headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(post, timeout=10) as response:
        answer = ocsp.OCSPResponse.load(response.read())
    single = answer.basic_ocsp_response["tbs_response_data"]["responses"][0]
    assert answer["response_status"].native == "successful" and single["cert_status"].name == "good"
    # Whole seconds: NSS (pdfsig) rejects fractional GeneralizedTime in OCSP responses.
    assert single["this_update"].native.microsecond == 0
    import base64
    from urllib.parse import quote

    with urllib.request.urlopen(f"{pki_service.url}/pronoia/ocsp/interm/{quote(base64.b64encode(request).decode(), safe='')}", timeout=10) as response:
        assert ocsp.OCSPResponse.load(response.read())["response_status"].native == "successful"


def test_service_refuses_to_listen_beyond_loopback(tmp_path):
    with pytest.raises(ValueError):
        pki_serve(tmp_path, port=1, host="0.0.0.0")
