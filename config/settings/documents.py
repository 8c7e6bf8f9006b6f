"""Documents: the test PKI, the local time-stamp authority, stored documents and uploads.

Environment variables:
  PRONOIA_PKI_DIR          the offline test PKI (keys and certomancer configuration, mode 0600);
                           default <var>/pki, created by `pronoia pki_init`
  PRONOIA_PKI_SERVICE_URL  where `pronoia pki_serve` answers (TSA, OCSP, CRLs); default
                           http://127.0.0.1:8020 — loopback only
  PRONOIA_PUBLIC_URL       the portal's public address, printed in QR codes and verification
                           links of issued documents; default http://127.0.0.1:8000
  PRONOIA_MEDIA_DIR        where issued documents and uploads are stored (default <var>/media)
  PRONOIA_VERIFY_MAX_BYTES largest file the public verification page accepts (default 10 MB)
"""
from __future__ import annotations

import os
from pathlib import Path

# As in base.py (this module is imported at its end and must not import it back).
VAR_DIR = Path(os.environ.get("PRONOIA_VAR_DIR", Path(__file__).resolve().parent.parent.parent / "var"))

PRONOIA_PKI_DIR = Path(os.environ.get("PRONOIA_PKI_DIR", VAR_DIR / "pki"))
PRONOIA_PKI_SERVICE_URL = os.environ.get("PRONOIA_PKI_SERVICE_URL", "http://127.0.0.1:8020").rstrip("/")
PRONOIA_PUBLIC_URL = os.environ.get("PRONOIA_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Issued PDFs and uploads go to Django's default storage (files here, outside static files).
MEDIA_ROOT = Path(os.environ.get("PRONOIA_MEDIA_DIR", VAR_DIR / "media"))
PRONOIA_VERIFY_MAX_BYTES = int(os.environ.get("PRONOIA_VERIFY_MAX_BYTES", str(10 * 1024 * 1024)))
