"""The directory: countries, delegations and people, kept by the protocol office through Summitry's own
pages (no admin, no import).

Forms name each problem beside its field and keep what was typed; every write is one transaction with
its audit entry; slugs are made by Summitry from the names and never change afterwards (plans refer to
them); a record still in use is not deleted, and the page says what uses it. Names are stored exactly
as typed, in any script.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from functools import lru_cache, wraps
from typing import Any, TypeVar
from zoneinfo import available_timezones

import holidays
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from summitry.accounts import welcome as first_sign_in
from summitry.accounts.invitations import GUEST_PREFIX
from summitry.accounts.models import Country, Delegation, Person
from summitry.audit.log import record
from summitry.meetings.models import Engagement, Participation

from . import access
from .forms import PlanningForm, known_zone, slug_for
from .models import Stop, Trip

M = TypeVar("M", bound=models.Model)

WEEKDAYS = [("1", _("Monday")), ("2", _("Tuesday")), ("3", _("Wednesday")), ("4", _("Thursday")),
            ("5", _("Friday")), ("6", _("Saturday")), ("7", _("Sunday"))]
ISO_CODE = re.compile(r"[A-Za-z]{2}")  # ASCII only: "ß".upper() is "SS", which is no country
RACE = _("Someone saved the same record a moment ago: check the values and save again.")


# Forms -------------------------------------------------------------------------------------------------


class DirectoryForm(PlanningForm):
    """A field's hint and its error are both announced with it; a group of checkboxes (no single
    ``id_for_label``) is described by the id of its group."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                ids = [f"{self[name].auto_id}-error"]
                if self.fields[name].help_text:
                    ids.insert(0, f"{self[name].auto_id}-hint")
                self.fields[name].widget.attrs["aria-describedby"] = " ".join(ids)


def _zone_widget() -> forms.TextInput:
    return forms.TextInput(attrs={"list": "timezones", "autocomplete": "off", "spellcheck": "false"})


class CountryForm(DirectoryForm):
    code = forms.CharField(label=_("ISO code"), min_length=2, max_length=2,
                           help_text=_("The two letters of ISO 3166, such as CA, MX or US."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "size": 3}))
    name = forms.CharField(label=_("Name"), max_length=100)
    capital = forms.CharField(label=_("Capital"), max_length=100)
    timezone = forms.CharField(label=_("Time zone of the capital"), max_length=64, widget=_zone_widget(),
                               help_text=_("An IANA name, such as America/Toronto."))
    holiday_subdivision = forms.CharField(
        label=_("Capital's region for public holidays"), max_length=8, required=False,
        help_text=_("The code of the capital's state or province (ON for Ottawa, DC for Washington); "
                    "empty: national holidays only."))

    def __init__(self, *args: Any, instance: Country | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if not ISO_CODE.fullmatch(code):
            raise forms.ValidationError(_("Two letters (ISO 3166), such as CA or MX."))
        code = code.upper()
        taken = Country.objects.filter(code=code)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A country with the code %(code)s exists already."), params={"code": code})
        return code

    def clean_timezone(self) -> str:
        return known_zone(self.cleaned_data["timezone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        region, code = data.get("holiday_subdivision", ""), data.get("code")
        if region and code:
            try:
                data["holiday_subdivision"] = holiday_region(code, region)
            except forms.ValidationError as exc:
                self.add_error("holiday_subdivision", exc)
        return data


def holiday_region(code: str, region: str) -> str:
    """The region as the holiday calendar spells it, or a ValidationError naming the ones it knows."""
    known = holidays.list_supported_countries(include_aliases=False).get(code)
    if not known:
        raise forms.ValidationError(
            _("Summitry's holiday calendar has no regions for %(code)s: leave this empty (national holidays "
              "apply)."), params={"code": code})
    match = next((k for k in known if k.casefold() == region.casefold()), None)
    if match is None:
        shown = ", ".join(known[:15]) + (", …" if len(known) > 15 else "")
        raise forms.ValidationError(_("Unknown region “%(region)s” for %(code)s: use one of %(known)s."),
                                    params={"region": region, "code": code, "known": shown})
    return match


class DelegationForm(DirectoryForm):
    name = forms.CharField(label=_("Name"), max_length=150,
                           help_text=_("As it appears in plans, such as “Canada: Global Affairs Canada”."))
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    ministry = forms.CharField(label=_("Ministry"), max_length=150, required=False)
    work_start = forms.TimeField(label=_("Working day starts"), initial=time(9, 0),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    work_end = forms.TimeField(label=_("Working day ends"), initial=time(18, 0),
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    work_days = forms.MultipleChoiceField(label=_("Working days"), choices=WEEKDAYS,
                                          initial=["1", "2", "3", "4", "5"], widget=forms.CheckboxSelectMultiple,
                                          error_messages={"required": _("Choose at least one working day.")})

    def __init__(self, *args: Any, instance: Delegation | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("work_start"), data.get("work_end")
        if start is not None and end is not None and end <= start:
            self.add_error("work_end", _("The working day must end after it starts."))
        if "work_days" in data:
            data["work_days"] = "".join(sorted(set(data["work_days"])))
        return data


class PersonForm(DirectoryForm):
    delegation = forms.ModelChoiceField(label=_("Delegation"), queryset=Delegation.objects.select_related("country"))
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    honorific = forms.CharField(label=_("Honorific"), max_length=60, required=False,
                                help_text=_("As protocol writes it, such as “The Honourable”."))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    rank = forms.IntegerField(label=_("Rank"), min_value=0, max_value=1000, initial=100,
                              help_text=_("From 0 to 1000: lower comes first in protocol order."))
    language = forms.ChoiceField(label=_("Language of Summitry's pages"), choices=settings.LANGUAGES, initial="en")
    timezone = forms.CharField(label=_("Time zone"), max_length=64, required=False, widget=_zone_widget(),
                               help_text=_("Empty: the time zone of the delegation's capital."))
    email = forms.EmailField(label=_("Email"), max_length=254, required=False,
                             help_text=_("Where invitations, updates and cancellations are sent."))
    username = forms.CharField(
        label=_("Sign-in name"), max_length=150, required=False, validators=[UnicodeUsernameValidator()],
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("A new name creates an account without a password (one is set before first "
                    "use); an existing account without a person is linked. Left empty, an account stays linked."))

    def __init__(self, *args: Any, instance: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance

    def clean_timezone(self) -> str:
        tz: str = self.cleaned_data["timezone"]
        return known_zone(tz) if tz else ""

    def clean_username(self) -> str:
        name: str = self.cleaned_data["username"]
        current = self.instance.user if self.instance is not None and self.instance.pk else None
        if name and current is not None and current.get_username() != name:
            raise forms.ValidationError(_("%(person)s signs in as “%(name)s”: a person keeps the account they "
                                          "have."), params={"person": self.instance, "name": current.get_username()})
        if name.startswith(GUEST_PREFIX):
            raise forms.ValidationError(_("Sign-in names starting with “%(prefix)s” are for guests' accounts."),
                                        params={"prefix": GUEST_PREFIX})
        if name:
            owner = _account_owner(name, self.instance)
            if owner is not None:
                raise forms.ValidationError(_("The account “%(name)s” belongs to %(person)s already."),
                                            params={"name": name, "person": owner})
        return name


def _account_owner(username: str, person: Person | None) -> Person | None:
    """Another person who signs in with this name, if any."""
    others = Person.objects.filter(user__username=username)
    if person is not None and person.pk is not None:
        others = others.exclude(pk=person.pk)
    return others.first()


# Writes ------------------------------------------------------------------------------------------------


class AccountTaken(Exception):
    """The account was linked to another person between the form's check and the write."""


def unique_slug(model: type[M], base: str) -> str:
    """``base`` if no record of the model has it, otherwise ``base-2``, ``base-3``…"""
    base = base[:50].strip("-")
    slug, n = base, 1
    while model._default_manager.filter(slug=slug).exists():
        n += 1
        slug = f"{base[:49 - len(str(n))].strip('-')}-{n}"
    return slug


def _assign(obj: models.Model, values: dict[str, Any]) -> list[str]:
    """Set the values on the record; the names of those that changed."""
    new = obj.pk is None  # a new record has no related objects to compare with yet
    changed = [k for k, v in values.items() if new or getattr(obj, k) != v]
    for k in changed:
        setattr(obj, k, values[k])
    return changed


COUNTRY_FIELDS = ("code", "name", "capital", "timezone", "holiday_subdivision")
DELEGATION_FIELDS = ("name", "country", "ministry", "work_start", "work_end", "work_days")
PERSON_FIELDS = ("delegation", "given_name", "family_name", "honorific", "title", "rank", "language", "timezone",
                 "email")


def save_country(country: Country | None, data: dict[str, Any], actor: str) -> Country:
    with transaction.atomic():
        created = country is None
        country = country or Country()
        changed = _assign(country, {k: data[k] for k in COUNTRY_FIELDS})
        if changed:
            country.save()
            record("country_created" if created else "country_changed", actor=actor, subject=country.code,
                   fields=changed)
    return country


def save_delegation(delegation: Delegation | None, data: dict[str, Any], actor: str) -> Delegation:
    with transaction.atomic():
        created = delegation is None
        if delegation is None:
            delegation = Delegation(slug=unique_slug(Delegation, slug_for(data["name"], "delegation")))
        changed = _assign(delegation, {k: data[k] for k in DELEGATION_FIELDS})
        if changed:
            delegation.save()
            record("delegation_created" if created else "delegation_changed", actor=actor,
                   subject=delegation.slug, fields=changed)
    return delegation


def save_person(person: Person | None, data: dict[str, Any], actor: str) -> Person:
    """Create or change a person, and link the account named (created without a password if new). An
    empty sign-in name leaves the account the person has."""
    with transaction.atomic():
        created = person is None
        if person is None:
            person = Person(slug=unique_slug(Person, slug_for(f"{data['given_name']} {data['family_name']}",
                                                               "person")))
        changed = _assign(person, {k: data[k] for k in PERSON_FIELDS})
        username: str = data.get("username", "")
        if username and (person.user is None or person.user.get_username() != username):
            previous = person.user.get_username() if person.user is not None else ""
            person.user = _account(username, person, actor)
            changed.append("user")
            record("account_linked", actor=actor, subject=person.slug, username=username, previous=previous)
        if changed:
            person.save()
            record("person_created" if created else "person_changed", actor=actor, subject=person.slug,
                   fields=changed)
    return person


def _account(username: str, person: Person, actor: str) -> Any:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(username=username, defaults={
        "first_name": person.given_name[:150], "last_name": person.family_name[:150]})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        record("account_created", actor=actor, subject=username)
    elif _account_owner(username, person) is not None:
        raise AccountTaken(username)
    return user


def in_use(obj: Country | Delegation | Person) -> str:
    """What still refers to the record, in words ("3 people, 1 engagement"), or "" when nothing does."""
    counts: list[tuple[int, str]] = []
    if isinstance(obj, Country):
        n = Delegation.objects.filter(country=obj).count()
        counts.append((n, ngettext("%(count)d delegation", "%(count)d delegations", n)))
        n = Stop.objects.filter(country=obj).count()
        counts.append((n, ngettext("%(count)d trip stop", "%(count)d trip stops", n)))
    elif isinstance(obj, Delegation):
        n = Person.objects.filter(delegation=obj).count()
        counts.append((n, ngettext("%(count)d person", "%(count)d people", n)))
        n = Engagement.objects.filter(host=obj).count()
        counts.append((n, ngettext("%(count)d engagement it hosts", "%(count)d engagements it hosts", n)))
        n = Trip.objects.filter(organizer=obj).count()
        counts.append((n, ngettext("%(count)d trip it organizes", "%(count)d trips it organizes", n)))
    else:
        n = Participation.objects.filter(person=obj).count()
        counts.append((n, ngettext("%(count)d engagement", "%(count)d engagements", n)))
        # A traveller's trip would lose its traveller without a word (SET_NULL): refused too.
        n = Trip.objects.filter(traveller=obj).count()
        counts.append((n, ngettext("%(count)d trip as its traveller", "%(count)d trips as their traveller", n)))
    return ", ".join(text % {"count": n} for n, text in counts if n)


def delete_record(obj: Country | Delegation | Person, actor: str) -> str:
    """Delete the record if nothing uses it; otherwise the reason it was kept (nothing changes)."""
    kind = type(obj).__name__.lower()
    subject = obj.code if isinstance(obj, Country) else obj.slug
    with transaction.atomic():
        uses = in_use(obj)
        if uses:
            return gettext("Still used by %(uses)s: nothing was deleted.") % {"uses": uses}
        try:
            with transaction.atomic():
                obj.delete()
        except (ProtectedError, RestrictedError):  # something began to use it since the count
            return gettext("Still in use: nothing was deleted.")
        record(f"{kind}_deleted", actor=actor, subject=subject, name=str(obj))
    return ""


# Pages -------------------------------------------------------------------------------------------------

View = Callable[..., HttpResponse]


def protocol_office(view: View) -> View:
    """Signed in (otherwise to the sign-in page) and in the protocol office (otherwise a 403 page)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.may_read_plans(request.user):
            return render(request, "directory/refused.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(checked)


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    """For the time zone fields' suggestions (a datalist): every name ``zone`` accepts."""
    return tuple(sorted(available_timezones()))


@require_GET
@protocol_office
def index(request: HttpRequest) -> HttpResponse:
    countries = list(Country.objects.all())
    delegations = list(Delegation.objects.select_related("country").order_by("country__name", "name"))
    people = list(Person.objects.select_related("delegation", "user").order_by(
        "delegation__country__name", "delegation__name", "rank", "family_name", "given_name"))
    by_country = [(c, [(d, working_days(d)) for d in delegations if d.country.pk == c.pk]) for c in countries]
    by_delegation = [(d, [p for p in people if p.delegation.pk == d.pk]) for d in delegations]
    return render(request, "directory/index.html", {
        "countries": countries, "by_country": by_country, "by_delegation": by_delegation,
        "counts": {"countries": len(countries), "delegations": len(delegations), "people": len(people)}})


def working_days(d: Delegation) -> str:
    """"Mon, Tue, Wed, Thu, Fri" in the reader's language (Django's own abbreviations)."""
    return ", ".join(str(WEEKDAYS_ABBR[int(x) - 1]) for x in d.work_days if x in "1234567")


def _one(queryset: models.QuerySet[M], **lookup: str) -> M:
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def _form_page(request: HttpRequest, form: DirectoryForm, *, heading: str, obj: models.Model | None,
               kind: str = "", delete_url: str = "", problem: str = "", status: int | None = None,
               welcome: dict[str, Any] | None = None) -> HttpResponse:
    if status is None:
        status = 400 if form.errors else 200
    return render(request, "directory/form.html", {
        "form": form, "heading": heading, "kind": kind, "obj": obj, "delete_url": delete_url, "problem": problem,
        "zones": _zones() if "timezone" in form.fields else (), "welcome": welcome}, status=status)


def _saved(request: HttpRequest, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{reverse('directory')}#{anchor}")


def _save(request: HttpRequest, form: DirectoryForm, write: Callable[[], models.Model]) -> models.Model | None:
    """Run the write; on a race with another officer, the form says so and nothing is saved."""
    try:
        return write()
    except AccountTaken:
        form.add_error("username", _("This account was just linked to someone else: choose another sign-in name."))
    except IntegrityError:
        form.add_error(None, RACE)
    return None


@require_http_methods(["GET", "POST"])
@protocol_office
def country_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    country = _one(Country.objects.all(), code=code) if code is not None else None
    if request.method == "POST":
        form = CountryForm(request.POST, instance=country)
        if form.is_valid():
            saved = _save(request, form, lambda: save_country(country, form.cleaned_data, _actor(request)))
            if isinstance(saved, Country):
                return _saved(request, gettext("Saved the country %(name)s.") % {"name": saved.name},
                              f"country-{saved.code}")
    else:
        form = CountryForm(instance=country, initial={k: getattr(country, k) for k in COUNTRY_FIELDS} if country
                           else {})
    return _country_page(request, form, country)


def _country_page(request: HttpRequest, form: CountryForm, country: Country | None, problem: str = "",
                  status: int | None = None) -> HttpResponse:
    if country is None:
        return _form_page(request, form, heading=gettext("New country"), obj=None)
    return _form_page(request, form, heading=country.name, kind=gettext("Country"), obj=country,
                      delete_url=reverse("directory_country_delete", args=[country.code]), problem=problem,
                      status=status)


@require_POST
@protocol_office
def country_delete(request: HttpRequest, code: str) -> HttpResponse:
    country = _one(Country.objects.all(), code=code)
    problem = delete_record(country, _actor(request))
    if problem:
        form = CountryForm(instance=country, initial={k: getattr(country, k) for k in COUNTRY_FIELDS})
        return _country_page(request, form, country, problem, status=409)
    return _saved(request, gettext("Deleted the country %(name)s.") % {"name": country.name}, "countries")


def _delegation_initial(d: Delegation) -> dict[str, Any]:
    return {**{k: getattr(d, k) for k in DELEGATION_FIELDS}, "country": d.country.pk, "work_days": list(d.work_days)}


@require_http_methods(["GET", "POST"])
@protocol_office
def delegation_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    delegation = _one(Delegation.objects.select_related("country"), slug=slug) if slug is not None else None
    if request.method == "POST":
        form = DelegationForm(request.POST, instance=delegation)
        if form.is_valid():
            saved = _save(request, form, lambda: save_delegation(delegation, form.cleaned_data, _actor(request)))
            if isinstance(saved, Delegation):
                return _saved(request, gettext("Saved the delegation %(name)s.") % {"name": saved.name},
                              f"delegation-{saved.slug}")
    elif delegation is not None:
        form = DelegationForm(instance=delegation, initial=_delegation_initial(delegation))
    else:
        country = Country.objects.filter(code=request.GET.get("country", "")).first()
        form = DelegationForm(initial={"country": country.pk} if country else {})
    return _delegation_page(request, form, delegation)


def _delegation_page(request: HttpRequest, form: DelegationForm, delegation: Delegation | None, problem: str = "",
                     status: int | None = None) -> HttpResponse:
    if delegation is None:
        return _form_page(request, form, heading=gettext("New delegation"), obj=None)
    return _form_page(request, form, heading=delegation.name, kind=gettext("Delegation"), obj=delegation,
                      delete_url=reverse("directory_delegation_delete", args=[delegation.slug]), problem=problem,
                      status=status)


@require_POST
@protocol_office
def delegation_delete(request: HttpRequest, slug: str) -> HttpResponse:
    delegation = _one(Delegation.objects.select_related("country"), slug=slug)
    problem = delete_record(delegation, _actor(request))
    if problem:
        form = DelegationForm(instance=delegation, initial=_delegation_initial(delegation))
        return _delegation_page(request, form, delegation, problem, status=409)
    return _saved(request, gettext("Deleted the delegation %(name)s.") % {"name": delegation.name}, "delegations")


def _person_initial(p: Person) -> dict[str, Any]:
    return {**{k: getattr(p, k) for k in PERSON_FIELDS}, "delegation": p.delegation.pk,
            "username": p.user.get_username() if p.user is not None else ""}


@require_http_methods(["GET", "POST"])
@protocol_office
def person_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    person = _one(Person.objects.select_related("delegation", "user"), slug=slug) if slug is not None else None
    if request.method == "POST":
        form = PersonForm(request.POST, instance=person)
        if form.is_valid():
            saved = _save(request, form, lambda: save_person(person, form.cleaned_data, _actor(request)))
            if isinstance(saved, Person):
                return _saved(request, gettext("Saved %(name)s.") % {"name": saved}, f"person-{saved.slug}")
    elif person is not None:
        form = PersonForm(instance=person, initial=_person_initial(person))
    else:
        delegation = Delegation.objects.filter(slug=request.GET.get("delegation", "")).first()
        form = PersonForm(initial={"delegation": delegation.pk} if delegation else {})
    return _person_page(request, form, person)


def _person_page(request: HttpRequest, form: PersonForm, person: Person | None, problem: str = "",
                 status: int | None = None) -> HttpResponse:
    if person is None:
        return _form_page(request, form, heading=gettext("New person"), obj=None)
    return _form_page(request, form, heading=str(person), kind=gettext("Person"), obj=person,
                      delete_url=reverse("directory_person_delete", args=[person.slug]), problem=problem,
                      status=status, welcome=_welcome(person))


def _welcome(person: Person) -> dict[str, Any] | None:
    """Whether a first sign-in link can be sent: an account without a password yet, and an address."""
    if not first_sign_in.may_set_first_password(person.user):
        return None
    return {"url": reverse("directory_person_welcome", args=[person.slug]), "email": person.email}


@require_POST
@protocol_office
def person_welcome(request: HttpRequest, slug: str) -> HttpResponse:
    """Send the person a link to choose the password of their account (only one that has none yet)."""
    person = _one(Person.objects.select_related("delegation", "user"), slug=slug)
    if not first_sign_in.may_set_first_password(person.user) or not person.email:
        messages.error(request, gettext("%(name)s needs a sign-in name without a password yet and an email "
                                        "address for a first sign-in link.") % {"name": person})
        return redirect("directory_person", person.slug)
    from . import mail
    base = f"{request.scheme}://{request.get_host()}"
    record("welcome_link_sent", actor=_actor(request), subject=person.slug)
    if mail.send_welcome(person, base):
        messages.success(request, gettext("A first sign-in link was sent to %(email)s.") % {"email": person.email})
    else:
        messages.error(request, gettext("The link could not be sent: the mail server refused. Try again later."))
    return redirect("directory_person", person.slug)


@require_POST
@protocol_office
def person_delete(request: HttpRequest, slug: str) -> HttpResponse:
    person = _one(Person.objects.select_related("delegation", "user"), slug=slug)
    problem = delete_record(person, _actor(request))
    if problem:
        return _person_page(request, PersonForm(instance=person, initial=_person_initial(person)), person, problem,
                            status=409)
    return _saved(request, gettext("Deleted %(name)s.") % {"name": person}, "people")
