"""WebAuthn second factor: registering security keys and checking assertions (py_webauthn)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from summitry.audit.log import record

from .models import SecurityKey

CHALLENGE = "summitry_webauthn_challenge"


class KeyError_(Exception):
    """The browser's answer did not verify."""


def rp_id(request: HttpRequest) -> str:
    return request.get_host().rsplit(":", 1)[0]


def origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def has_keys(user: AbstractBaseUser) -> bool:
    return SecurityKey.objects.filter(user=user).exists()


def registration_options(request: HttpRequest, user: AbstractBaseUser) -> str:
    opts = generate_registration_options(
        rp_id=rp_id(request), rp_name="Summitry", user_id=str(user.pk).encode(), user_name=user.get_username(),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id))
                             for k in SecurityKey.objects.filter(user=user)])
    request.session[CHALLENGE] = bytes_to_base64url(opts.challenge)
    return str(options_to_json(opts))


def register(request: HttpRequest, user: AbstractBaseUser, credential: dict[str, Any], name: str) -> SecurityKey:
    challenge = request.session.pop(CHALLENGE, None)
    if not challenge:
        raise KeyError_("no registration in progress")
    try:
        verified = verify_registration_response(credential=json.dumps(credential),
                                                expected_challenge=base64url_to_bytes(challenge),
                                                expected_origin=origin(request), expected_rp_id=rp_id(request))
    except Exception as exc:  # py_webauthn raises several kinds
        raise KeyError_(str(exc)) from exc
    key = SecurityKey.objects.create(user=user, credential_id=bytes_to_base64url(verified.credential_id),
                                     public_key=bytes_to_base64url(verified.credential_public_key),
                                     sign_count=verified.sign_count, name=name[:100] or "Security key")
    record("security_key_registered", actor=user.get_username(), subject=user.get_username())
    return key


def authentication_options(request: HttpRequest, user: AbstractBaseUser) -> str:
    opts = generate_authentication_options(
        rp_id=rp_id(request), user_verification=UserVerificationRequirement.PREFERRED,
        allow_credentials=[PublicKeyCredentialDescriptor(id=base64url_to_bytes(k.credential_id))
                           for k in SecurityKey.objects.filter(user=user)])
    request.session[CHALLENGE] = bytes_to_base64url(opts.challenge)
    return str(options_to_json(opts))


def authenticate(request: HttpRequest, user: AbstractBaseUser, credential: dict[str, Any]) -> None:
    challenge = request.session.pop(CHALLENGE, None)
    key = SecurityKey.objects.filter(user=user, credential_id=str(credential.get("id", ""))).first()
    if not challenge or key is None:
        raise KeyError_("unknown key")
    try:
        verified = verify_authentication_response(
            credential=json.dumps(credential), expected_challenge=base64url_to_bytes(challenge),
            expected_origin=origin(request), expected_rp_id=rp_id(request),
            credential_public_key=base64url_to_bytes(key.public_key), credential_current_sign_count=key.sign_count)
    except Exception as exc:
        record("webauthn_failed", actor=user.get_username(), subject=user.get_username())
        raise KeyError_(str(exc)) from exc
    key.sign_count = verified.new_sign_count
    key.save(update_fields=["sign_count"])
