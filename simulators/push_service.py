"""Web push service: RFC 8030 delivery with RFC 8292 VAPID checks and RFC 8291 decryption.

    python -m simulators.push_service --port 8028

Push protocol (what a browser vendor's push service answers an application server):
    POST /push/<subscription-id>
        Authorization: vapid t=<JWT>, k=<application server public key>   (RFC 8292)
        TTL: <seconds> (required), Topic: <≤32 base64url characters>, Urgency: very-low|low|normal|high
        Content-Encoding: aes128gcm, body ≤ 4096 bytes                    (RFC 8291 / RFC 8188)
    → 201 Created, Location: /messages/<id>
      400 malformed headers or payload that does not decrypt, 401 bad or expired VAPID token,
      403 a key other than the subscription's applicationServerKey, 404 unknown subscription,
      410 expired subscription, 413 payload too large.
The JWT must be ES256, signed by the key in `k`, with `aud` = this service's origin, `exp` in the
future and at most 24 hours away, and a `sub` (mailto: or https:). The payload is decrypted with
the subscription's private key and auth secret, which this service holds because it also plays
the browser's part: it creates the subscription (the key pair and auth secret a browser would
create) through the state API.

A message whose Topic the subscription already received is counted as a duplicate and not
delivered again (RFC 8030 only replaces a message still pending; this service treats every
earlier message as held, so the count shows any second send of one notification).

State API:
    POST /_sim/subscriptions {"application_server_key": "<b64url>"(optional)}
        → {"id", "endpoint", "keys": {"p256dh", "auth"}}   (what PushSubscription.toJSON() gives)
    POST /_sim/subscriptions/<id>/expire           later pushes answer 410
    POST /_sim/subscriptions/<id>/take             the decrypted messages not yet handed to a browser
                                                   (the browser bridge: a test delivers them into
                                                   Chromium's service worker over DevTools)
    GET  /_sim/state, GET /_sim/messages?topic=T&…, POST /_sim/reset,
    POST /_sim/faults {"delay_seconds": 2, "fail_next": 3 (answer 503), "fail_status": 503}
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import time
import uuid

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from simulators.runtime import arguments_parse, faults_update, json_body, json_error, ports_announce, run_forever, site_start

MAX_PAYLOAD = 4096
MAX_EXP_SECONDS = 24 * 3600
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
URGENCIES = ("very-low", "low", "normal", "high")
FAULTS = {"delay_seconds": (int, float), "fail_next": int, "fail_status": int}


def b64url_decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url_encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def vapid_verify(header: str, *, audience: str, now: float) -> tuple[str, dict]:
    """Check an RFC 8292 Authorization header; returns (the public key `k`, the JWT claims).

    Raises ValueError with the reason when the header, the signature or a claim is wrong.
    """
    scheme, _, params = header.partition(" ")
    if scheme.lower() != "vapid":
        raise ValueError("Authorization scheme must be vapid")
    values = {}
    for part in params.split(","):
        name, _, value = part.strip().partition("=")
        values[name.strip()] = value.strip()
    token, key = values.get("t"), values.get("k")
    if not token or not key:
        raise ValueError("vapid needs t= and k=")
    try:
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(key))
        header_b64, claims_b64, signature_b64 = token.split(".")
        jwt_header = json.loads(b64url_decode(header_b64))
        claims = json.loads(b64url_decode(claims_b64))
        signature = b64url_decode(signature_b64)
    except (ValueError, TypeError) as error:
        raise ValueError(f"malformed token or key: {error}") from None
    if jwt_header.get("alg") != "ES256" or len(signature) != 64:
        raise ValueError("the token must be ES256")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    try:
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("the token's signature does not match k") from None
    if not isinstance(claims, dict) or claims.get("aud") != audience:
        raise ValueError(f"aud must be {audience}")
    exp = claims.get("exp")
    if not isinstance(exp, int) or exp <= now:
        raise ValueError("the token has expired (exp)")
    if exp > now + MAX_EXP_SECONDS:
        raise ValueError("exp is more than 24 hours away")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub.startswith(("mailto:", "https:")):
        raise ValueError("sub must be a mailto: or https: contact")
    return key, claims


class PushService:
    def __init__(self) -> None:
        self.origin = ""
        self.reset()

    def reset(self) -> None:
        self.subscriptions: dict[str, dict] = {}
        self.messages: dict[str, dict] = {}
        self.duplicates = 0
        self.rejected = 0
        self.faults = {"delay_seconds": 0, "fail_next": 0, "fail_status": 503}

    def subscription_create(self, application_server_key: str = "") -> dict:
        private = ec.generate_private_key(ec.SECP256R1())
        public = private.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        subscription_id = uuid.uuid4().hex
        subscription = {
            "id": subscription_id,
            "private_key": private,
            "auth": os.urandom(16),
            "p256dh": b64url_encode(public),
            "application_server_key": application_server_key,
            "expired": False,
            "topics": {},
            "untaken": [],
        }
        self.subscriptions[subscription_id] = subscription
        return {"id": subscription_id, "endpoint": f"{self.origin}/push/{subscription_id}", "expirationTime": None, "keys": {"p256dh": subscription["p256dh"], "auth": b64url_encode(subscription["auth"])}}


def app_build(service: PushService) -> web.Application:
    routes = web.RouteTableDef()

    def refuse(status: int, reason: str) -> web.HTTPException:
        service.rejected += 1
        return json_error(status, reason)

    @routes.post("/push/{subscription_id}")
    async def push(request: web.Request) -> web.Response:
        if service.faults["delay_seconds"]:
            await asyncio.sleep(service.faults["delay_seconds"])
        if service.faults["fail_next"] > 0:
            service.faults["fail_next"] -= 1
            raise refuse(service.faults["fail_status"], "push service unavailable (simulated)")
        subscription = service.subscriptions.get(request.match_info["subscription_id"])
        if subscription is None:
            raise refuse(404, "no such subscription")
        if subscription["expired"]:
            raise refuse(410, "the subscription has expired")
        try:
            key, claims = vapid_verify(request.headers.get("Authorization", ""), audience=service.origin, now=time.time())
        except ValueError as error:
            raise refuse(401, f"VAPID: {error}") from None
        if subscription["application_server_key"] and key != subscription["application_server_key"]:
            raise refuse(403, "the VAPID key is not this subscription's applicationServerKey")
        ttl = request.headers.get("TTL", "")
        if not ttl.isdigit():
            raise refuse(400, "TTL header required (seconds)")
        topic = request.headers.get("Topic", "")
        if topic and not TOPIC.match(topic):
            raise refuse(400, "Topic must be at most 32 base64url characters")
        urgency = request.headers.get("Urgency", "normal")
        if urgency not in URGENCIES:
            raise refuse(400, "Urgency must be one of " + ", ".join(URGENCIES))
        if request.content_length is not None and request.content_length > MAX_PAYLOAD:
            raise refuse(413, "payload larger than 4096 bytes")
        body = await request.content.read(MAX_PAYLOAD + 1)
        if len(body) > MAX_PAYLOAD:
            raise refuse(413, "payload larger than 4096 bytes")
        payload = None
        if body:
            if request.headers.get("Content-Encoding", "").lower() != "aes128gcm":
                raise refuse(400, "Content-Encoding must be aes128gcm")
            try:
                plain = http_ece.decrypt(body, private_key=subscription["private_key"], auth_secret=subscription["auth"], version="aes128gcm")
                payload = plain.decode("utf-8")
            except Exception as error:  # noqa: BLE001 - any decryption failure is the sender's error
                raise refuse(400, f"the payload does not decrypt (RFC 8291): {type(error).__name__}") from None
        if topic and topic in subscription["topics"]:
            service.duplicates += 1
            existing = subscription["topics"][topic]
            return web.Response(status=201, headers={"Location": f"/messages/{existing}"})
        message_id = uuid.uuid4().hex
        message = {"id": message_id, "subscription": subscription["id"], "topic": topic, "ttl": int(ttl), "urgency": urgency, "payload": payload, "vapid_sub": claims["sub"], "received_at": time.time()}
        service.messages[message_id] = message
        if topic:
            subscription["topics"][topic] = message_id
        subscription["untaken"].append(message_id)
        return web.Response(status=201, headers={"Location": f"/messages/{message_id}", "Content-Length": "0"})

    @routes.post("/_sim/subscriptions")
    async def subscription_create(request: web.Request) -> web.Response:
        data = await json_body(request)
        return web.json_response(service.subscription_create(str(data.get("application_server_key") or "")), status=201)

    def subscription_or_404(request: web.Request) -> dict:
        subscription = service.subscriptions.get(request.match_info["subscription_id"])
        if subscription is None:
            raise json_error(404, "no such subscription")
        return subscription

    @routes.post("/_sim/subscriptions/{subscription_id}/expire")
    async def subscription_expire(request: web.Request) -> web.Response:
        subscription_or_404(request)["expired"] = True
        return web.json_response({"ok": True})

    @routes.post("/_sim/subscriptions/{subscription_id}/take")
    async def subscription_take(request: web.Request) -> web.Response:
        subscription = subscription_or_404(request)
        taken, subscription["untaken"] = subscription["untaken"], []
        return web.json_response({"messages": [service.messages[m] for m in taken]})

    @routes.get("/_sim/state")
    async def state_get(request: web.Request) -> web.Response:
        return web.json_response({"received": len(service.messages), "duplicates": service.duplicates, "rejected": service.rejected, "subscriptions": len(service.subscriptions), "faults": service.faults})

    @routes.get("/_sim/messages")
    async def messages_get(request: web.Request) -> web.Response:
        topics = set(request.query.getall("topic", []))
        messages = [m for m in service.messages.values() if not topics or m["topic"] in topics]
        return web.json_response({"messages": messages[-1000:]})

    @routes.post("/_sim/reset")
    async def reset(request: web.Request) -> web.Response:
        service.reset()
        return web.json_response({"ok": True})

    @routes.post("/_sim/faults")
    async def faults(request: web.Request) -> web.Response:
        return web.json_response({"faults": faults_update(service.faults, await json_body(request), FAULTS)})

    app = web.Application(client_max_size=MAX_PAYLOAD * 4)
    app.add_routes(routes)
    return app


def main(argv=None) -> None:
    args = arguments_parse("Web push service simulator (RFC 8030, VAPID, RFC 8291)", ports=("port",), argv=argv)

    async def start():
        service = PushService()
        runner, port = await site_start(app_build(service), args.port)
        service.origin = f"http://127.0.0.1:{port}"
        ports_announce({"port": port}, args.ports_file)
        return runner.cleanup

    run_forever(start)


if __name__ == "__main__":
    main()
