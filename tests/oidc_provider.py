"""A small, real OpenID Connect provider for tests, on 127.0.0.1 in a thread.

Discovery, an authorisation endpoint that consents at once for the current test person (`provider.person`), a token
endpoint that checks the client secret, the redirect URI and the PKCE verifier, RS256 ID tokens signed with PyJWT
(already a dependency through mozilla-django-oidc), JWKS and userinfo. Nothing is mocked on the searchlog side:
searchlog talks to it over HTTP as it would to Microsoft Entra ID or any other provider.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "searchlog-test-client"
CLIENT_SECRET = "searchlog-test-secret"  # noqa: S105 (a test provider's)
REDIRECT_URI = "http://testserver/oidc/callback/"


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Provider:
    issuer: str = ""
    person: dict[str, Any] = field(default_factory=dict)
    key: Any = None
    kid: str = "test-key-1"
    # Tests flip these to make the provider misbehave.
    signing_key: Any = None
    audience: str = CLIENT_ID
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _b64(numbers.n), "e": _b64(numbers.e)}]}

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], dict[str, Any]]:
        if query.get("client_id") != CLIENT_ID or query.get("redirect_uri") != REDIRECT_URI:
            return 400, {}, {"error": "invalid_request"}
        if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256" \
                or not query.get("code_challenge") or "openid" not in query.get("scope", "").split():
            return 400, {}, {"error": "invalid_request"}
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"challenge": query["code_challenge"], "nonce": query.get("nonce"),
                            "person": dict(self.person)}
        location = f"{REDIRECT_URI}?{urlencode({'code': code, 'state': query['state']})}"
        return 302, {"Location": location}, {}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        if form.get("redirect_uri") != REDIRECT_URI:
            return 400, {"error": "invalid_grant"}
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).decode().rstrip("=") != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        now = int(time.time())
        person = grant["person"]
        claims = {**person, "iss": self.issuer, "aud": self.audience, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"]}
        id_token = jwt.encode(claims, self.signing_key or self.key, algorithm="RS256", headers={"kid": self.kid})
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = person
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urlsplit(self.path)
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._answer(200, provider.discovery())
            elif url.path == "/jwks":
                self._answer(200, provider.jwks())
            elif url.path == "/authorize":
                status, headers, body = provider.authorize(query)
                self._answer(status, body, headers)
            elif url.path == "/userinfo":
                bearer = self.headers.get("Authorization", "").removeprefix("Bearer ")
                person = provider.access_tokens.get(bearer)
                self._answer(200, person) if person else self._answer(401, {"error": "invalid_token"})
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
            if urlsplit(self.path).path == "/token":
                status, body = provider.token(form)
                self._answer(status, body, {"Cache-Control": "no-store"})
            else:
                self._answer(404, {"error": "not_found"})

    return Handler


class RunningProvider:
    """Start on a free port; stop when done."""

    def __init__(self) -> None:
        self.provider = Provider(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.provider))
        self.provider.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self.thread.start()
        return self.provider

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
