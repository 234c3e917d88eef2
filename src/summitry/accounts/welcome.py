"""A first sign-in for people the protocol office added from the pages: their account has no password
until they choose one through a personal link sent to their own address.

The link carries Django's password-reset token, which dies once a password is set (single use) and
after ``PASSWORD_RESET_TIMEOUT``. It is offered only for an account that has never had a password and
is no guest's, never signed in and holds no security key: it can never take over an account that
someone already signs in to."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .invitations import is_guest


def may_set_first_password(user: AbstractBaseUser | None) -> bool:
    """An account that has never had a password, never signed in, holds no security key, and is no guest's."""
    if user is None:
        return False
    if user.has_usable_password():
        return False
    if user.last_login is not None:
        return False
    if user.security_keys.exists():
        return False
    if user.get_username().startswith("guest-"):
        return False
    return not is_guest(user)


def link_for(user: AbstractBaseUser, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return base_url + reverse("welcome", args=[uid, default_token_generator.make_token(user)])


def user_for(uidb64: str, token: str) -> AbstractBaseUser | None:
    """The account the link is for, if the link is valid and the account may still set its first password."""
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        user = get_user_model().objects.filter(pk=int(pk)).first()
    except (ValueError, OverflowError, TypeError):
        return None
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user if may_set_first_password(user) else None
