"""Cross-cutting HTTP concerns: security headers."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'; object-src 'none'")


class SecurityHeadersMiddleware:
    """Content-Security-Policy without inline scripts, and a camera/microphone policy for our origin."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/admin/"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(self), geolocation=()")
        return response


class PersonLanguageMiddleware:
    """Speak each person's language unless they chose another one with the language switcher."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.utils import translation

        person = getattr(request.user, "person", None) if request.user.is_authenticated else None
        if person is not None and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            translation.activate(person.language)
            request.LANGUAGE_CODE = person.language
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Accounts that require a second factor may do nothing else until they have set one up."""

    ALLOWED = ("/accounts/security/", "/accounts/logout/", "/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.shortcuts import redirect

        from summitry.accounts import two_factor

        if (request.user.is_authenticated and not request.path.startswith(self.ALLOWED)
                and two_factor.must_enrol(request.user)):
            return redirect("security")
        return self.get_response(request)
