"""Cross-cutting HTTP concerns: security headers, the person's language, text that cannot be text."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob: mediastream:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'; object-src 'none'")


class NoNulMiddleware:
    """NUL is never text: no name, title or date holds it, and PostgreSQL cannot store it (a query with
    it fails). Any request that carries one, in its path, query, form or JSON body, is refused at the
    door with a sentence and reaches nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._carries_nul(request):
            from django.http import HttpResponseBadRequest
            from django.utils.translation import gettext

            return HttpResponseBadRequest(gettext("Text may not contain NUL characters."),
                                          content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path:
            return True
        if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.GET.lists()):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            _ = request.body  # read once and kept: the views may read it again, and the form parser reads from it
        if request.content_type == "application/json":
            return b"\\u0000" in request.body or b"\x00" in request.body
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                  "multipart/form-data"):
            return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in request.POST.lists())
        return False


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
