"""Sign-in (password, then a TOTP code or a security key) and invitation links."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from summitry.audit.log import record
from summitry.audit.signals import client_ip

from . import two_factor, webauthn_keys
from .forms import ThrottledAuthenticationForm
from .invitations import InvitationError, is_guest, lookup, record_refusal, redeem

PROBLEMS = {
    "unknown": _("This invitation link is not valid."),
    "used": _("This invitation link has been used already. Each link works once; ask the host's protocol "
              "office for a new one."),
    "expired": _("This invitation link has expired. Ask the host's protocol office for a new one."),
    "ended": _("This invitation link no longer works: the engagement has ended."),
    "cancelled": _("This invitation link no longer works: the engagement was cancelled."),
    "revoked": _("This invitation link was revoked by the host's protocol office. Ask them for a new one."),
    "has_account": _("This invitation link is for a guest without an account, and the person invited has "
                     "an account now. Sign in with that account instead."),
}


def _requester(request: HttpRequest) -> str:
    """Who is asking, for the audit trail: the signed-in user, else ``anonymous`` (with the address)."""
    return request.user.get_username() if request.user.is_authenticated else "anonymous"


def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    """Show the invitation; POST redeems it. A guest's session ends when the engagement does."""
    try:
        inv = lookup(secret)
        if request.method == "POST":
            user, inv = redeem(secret, client_ip(request))
            request.summitry_auth_method = "invitation"  # type: ignore[attr-defined]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session["auth_method"] = "invitation"
            request.session.set_expiry(inv.participation.engagement.ends_at)  # after login (it may flush)
            return redirect("room", inv.participation.engagement.slug)
    except InvitationError as exc:
        record_refusal(exc, actor=_requester(request), ip=client_ip(request),
                       stage="redeem" if request.method == "POST" else "open")
        return render(request, "accounts/invitation.html", {"problem": PROBLEMS[exc.reason]}, status=410)
    return render(request, "accounts/invitation.html", {"inv": inv})


# --- Guests: one engagement, nothing more ---------------------------------------------------------

GUEST_REFUSED = _("You are signed in with an invitation, for one engagement only: a guest sign-in cannot "
                  "have an authenticator app or a security key. Ask the host's protocol office if you "
                  "need an account.")


def _guest_refused(request: HttpRequest, what: str) -> bool:
    """Whether the signed-in user is a guest, who may not enrol a second factor (audited)."""
    if not is_guest(request.user):
        return False
    record("second_factor_refused", actor=request.user.get_username(), subject=request.user.get_username(),
           ip=client_ip(request), what=what, reason="guest")
    return True


# --- Sign-in with a second factor -----------------------------------------------------------------

PENDING = "summitry_pending_second_factor"


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Six-digit code from your authenticator app"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "autofocus": True}))


class SummitryLoginView(LoginView):
    """Password first; then, for accounts with a second factor, a code before the session exists."""

    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: ThrottledAuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if two_factor.needs_code(user) or webauthn_keys.has_keys(user):
            self.request.session[PENDING] = {"user": user.pk, "backend": user.backend,
                                             "next": self.get_success_url()}
            return redirect("login_code")
        self.request.session["auth_method"] = "password"
        return super().form_valid(form)


def login_code(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"]).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        if two_factor.throttled(user):
            error = _("Too many wrong codes. Wait 15 minutes, then sign in again.")
        elif two_factor.verify(user, form.cleaned_data["code"]):
            del request.session[PENDING]
            request.summitry_auth_method = "password+totp"  # type: ignore[attr-defined]
            login(request, user, backend=pending["backend"])
            request.session["auth_method"] = "password+totp"
            nxt = pending.get("next") or "/"
            return HttpResponseRedirect(nxt if url_has_allowed_host_and_scheme(nxt, None) else "/")
        else:
            error = _("That code is not right (or was used already). Try the next one.")
    return render(request, "accounts/login_code.html", {
        "form": form, "error": error, "totp": two_factor.needs_code(user), "keys": webauthn_keys.has_keys(user)},
        status=400 if error else 200)


def _pending_user(request: HttpRequest) -> Any:
    pending = request.session.get(PENDING)
    return get_user_model().objects.filter(pk=pending["user"]).first() if pending else None


def login_key_options(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None or not webauthn_keys.has_keys(user):
        return JsonResponse({"detail": "Sign in with your password first."}, status=400)
    return HttpResponse(webauthn_keys.authentication_options(request, user), content_type="application/json")


@require_POST
def login_key(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return JsonResponse({"detail": "Sign in with your password first."}, status=400)
    if two_factor.throttled(user):
        return JsonResponse({"detail": str(_("Too many wrong codes. Wait 15 minutes, then sign in again."))},
                            status=429)
    try:
        webauthn_keys.authenticate(request, user, json.loads(request.body))
    except (ValueError, webauthn_keys.KeyError_):
        return JsonResponse({"detail": str(_("The security key was not accepted."))}, status=400)
    pending = request.session.pop(PENDING)
    request.summitry_auth_method = "password+webauthn"  # type: ignore[attr-defined]
    login(request, user, backend=pending["backend"])
    request.session["auth_method"] = "password+webauthn"
    nxt = pending.get("next") or "/"
    return JsonResponse({"next": nxt if url_has_allowed_host_and_scheme(nxt, None) else "/"})


@login_required
def key_options(request: HttpRequest) -> HttpResponse:
    if _guest_refused(request, "security_key"):
        return JsonResponse({"detail": str(GUEST_REFUSED)}, status=403)
    return HttpResponse(webauthn_keys.registration_options(request, request.user), content_type="application/json")


@login_required
@require_POST
def key_register(request: HttpRequest) -> HttpResponse:
    if _guest_refused(request, "security_key"):
        return JsonResponse({"detail": str(GUEST_REFUSED)}, status=403)
    try:
        body = json.loads(request.body)
        webauthn_keys.register(request, request.user, body["credential"], str(body.get("name", "")))
    except (ValueError, KeyError, webauthn_keys.KeyError_):
        return JsonResponse({"detail": str(_("The security key could not be registered."))}, status=400)
    return JsonResponse({"ok": True}, status=201)


@login_required
def security(request: HttpRequest) -> HttpResponse:
    if _guest_refused(request, "totp" if request.method == "POST" else "page"):
        return render(request, "accounts/guest_refused.html", {"problem": GUEST_REFUSED}, status=403)
    d = two_factor.device(request.user)
    form = CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and "start" in request.POST:
        d = two_factor.start_enrolment(request.user)
    elif request.method == "POST" and form.is_valid() and d is not None:
        if two_factor.verify(request.user, form.cleaned_data["code"], confirm=True):
            return redirect("security")
        error = _("That code is not right. Check your device's clock and try the next code.")
    enrolling = d is not None and d.confirmed_at is None and bool(d.totp_secret)
    return render(request, "accounts/security.html", {
        "device": d, "enrolling": enrolling, "form": form, "error": error,
        "qr": two_factor.qr_data_uri(d) if enrolling else "", "secret": d.totp_secret if enrolling else "",
        "required": d is not None and d.required,
        "keys": request.user.security_keys.all()}, status=400 if error else 200)


def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """A first sign-in link: choose a password, then sign in with it."""
    from django.contrib.auth.forms import SetPasswordForm

    from . import welcome as first

    user = first.user_for(uidb64, token)
    if user is None:
        return render(request, "accounts/welcome.html", {"invalid": True}, status=410)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        record("first_password_set", actor=user.get_username(), subject=user.get_username(),
               ip=client_ip(request))
        messages.success(request, _("Your password is set: sign in with it."))
        return redirect("login")
    return render(request, "accounts/welcome.html", {"form": form, "username": user.get_username()},
                  status=400 if form.errors else 200)
