"""Redeeming an invitation link."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from summitry.audit.signals import client_ip

from .invitations import InvitationError, lookup, redeem

PROBLEMS = {
    "unknown": _("This invitation link is not valid."),
    "used": _("This invitation link has been used already. Each link works once; ask the host's protocol "
              "office for a new one."),
    "expired": _("This invitation link has expired. Ask the host's protocol office for a new one."),
}


def invitation(request: HttpRequest, secret: str) -> HttpResponse:
    try:
        inv = lookup(secret)
        if request.method == "POST":
            user, inv = redeem(secret, client_ip(request))
            request.summitry_auth_method = "invitation"  # type: ignore[attr-defined]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session["auth_method"] = "invitation"
            return redirect("room", inv.participation.engagement.slug)
    except InvitationError as exc:
        return render(request, "accounts/invitation.html", {"problem": PROBLEMS[exc.reason]}, status=410)
    return render(request, "accounts/invitation.html", {"inv": inv})


# --- Sign-in with a second factor -----------------------------------------------------------------

from django import forms  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.decorators import login_required  # noqa: E402
from django.contrib.auth.views import LoginView  # noqa: E402
from django.http import HttpResponseRedirect  # noqa: E402
from django.utils.http import url_has_allowed_host_and_scheme  # noqa: E402

from . import two_factor  # noqa: E402
from .forms import ThrottledAuthenticationForm  # noqa: E402

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
        if two_factor.needs_code(user):
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
    return render(request, "accounts/login_code.html", {"form": form, "error": error},
                  status=400 if error else 200)


@login_required
def security(request: HttpRequest) -> HttpResponse:
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
        "required": d is not None and d.required}, status=400 if error else 200)
