"""Referral pages: my referrals, a referral and its steps, the partner directory, settings."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feltbok.core.access import Perm, acting, get_scoped_or_404
from feltbok.people.models import Person
from feltbok.referrals import selectors, services
from feltbok.referrals.forms import (
    ConsentForm,
    FollowUpCheckForm,
    PartnerForm,
    ReferralForm,
    SettingsForm,
    StatusForm,
)
from feltbok.referrals.models import Partner, ReferralKind


@require_GET
@acting(Perm.MANAGE_REFERRALS)
def mine(request, actor):
    return render(request, "referrals/mine.html", {"mine": selectors.my_referrals(actor)})


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_REFERRALS, Perm.VIEW_PERSON)
def create(request, actor, person_code):
    person = get_scoped_or_404(actor, Person, code=person_code)
    partners = list(selectors.partners(actor, include_inactive=False))
    form = ReferralForm(request.POST or None, partners=partners)
    if request.method == "POST" and form.is_valid():
        # Any partner is looked up, so that one of another service gets a clear refusal.
        partner = Partner.objects.filter(code=form.cleaned_data["partner"]).first()
        data = services.ReferralData(
            person=person,
            partner=partner,
            kind=form.cleaned_data["kind"],
            purpose=form.cleaned_data["purpose"],
            home_municipality=form.cleaned_data["home_municipality"],
            follow_up_on=form.cleaned_data["follow_up_on"],
        )
        try:
            referral = services.create_referral(actor, data)
        except services.ReferralError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The referral has been proposed."))
            return redirect("referrals:detail", code=referral.code)
    status = 400 if form.errors else 200
    context = {"person": person, "form": form, "transfer": ReferralKind.HOME_MUNICIPALITY}
    return render(request, "referrals/create.html", context, status=status)


def _detail_context(referral, **forms):
    context = {
        "referral": referral,
        "status_form": StatusForm(referral=referral),
        "consent_form": ConsentForm(),
        "follow_up_form": FollowUpCheckForm(),
    }
    context.update(forms)
    return context


@require_GET
@acting(Perm.MANAGE_REFERRALS)
def detail(request, actor, code):
    referral = selectors.open_referral(actor, code)
    return render(request, "referrals/detail.html", _detail_context(referral))


def _refused(request, actor, code, form_name, form, error):
    """Show the referral again with the refusal on the form that was sent."""
    form.add_error(None, str(error))
    referral = selectors.open_referral(actor, code)
    if form_name == "status_form":
        form.fields["to_status"].widget.choices = referral.next_statuses
    context = _detail_context(referral, **{form_name: form})
    return render(request, "referrals/detail.html", context, status=400)


@require_POST
@acting(Perm.MANAGE_REFERRALS)
def change_status(request, actor, code):
    referral = selectors.referral_for_update(actor, code)
    form = StatusForm(request.POST, referral=referral)
    if not form.is_valid():
        return _refused(request, actor, code, "status_form", form, _("Choose the next step."))
    try:
        services.change_status(
            actor,
            referral,
            form.cleaned_data["to_status"],
            note=form.cleaned_data["note"],
            appointment_at=form.cleaned_data["appointment_at"],
        )
    except services.ReferralError as error:
        return _refused(request, actor, code, "status_form", form, error)
    messages.success(request, _("The referral has been updated."))
    return redirect("referrals:detail", code=referral.code)


@require_POST
@acting(Perm.MANAGE_REFERRALS)
def consent(request, actor, code):
    referral = selectors.referral_for_update(actor, code)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _refused(request, actor, code, "consent_form", form, _("Check the field."))
    try:
        services.record_consent(actor, referral, form.cleaned_data["scope"])
    except services.ReferralError as error:
        return _refused(request, actor, code, "consent_form", form, error)
    messages.success(request, _("Consent to share has been recorded."))
    return redirect("referrals:detail", code=referral.code)


@require_POST
@acting(Perm.MANAGE_REFERRALS)
def follow_up_check(request, actor, code):
    referral = selectors.referral_for_update(actor, code)
    form = FollowUpCheckForm(request.POST)
    if not form.is_valid():
        error = _("Write what the follow-up check found.")
        return _refused(request, actor, code, "follow_up_form", form, error)
    try:
        services.record_follow_up_check(actor, referral, form.cleaned_data["note"])
    except services.ReferralError as error:
        return _refused(request, actor, code, "follow_up_form", form, error)
    messages.success(request, _("The follow-up check has been recorded."))
    return redirect("referrals:detail", code=referral.code)


# -- Partner directory --------------------------------------------------------------------


@require_GET
@acting(Perm.VIEW_PARTNERS)
def partners(request, actor):
    return render(request, "referrals/partners.html", {"partners": selectors.partners(actor)})


def _partner_data(form):
    return services.PartnerData(
        name=form.cleaned_data["name"],
        partner_type=form.cleaned_data["partner_type"],
        municipality=form.cleaned_data["municipality"],
        contact=form.cleaned_data["contact"],
        is_active=form.cleaned_data["is_active"],
    )


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PARTNERS)
def partner_create(request, actor):
    form = PartnerForm(request.POST or None, initial={"is_active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.create_partner(actor, _partner_data(form))
        except services.ReferralError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The partner has been added."))
            return redirect("referrals:partners")
    status = 400 if form.errors else 200
    return render(request, "referrals/partner_form.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.MANAGE_PARTNERS)
def partner_edit(request, actor, code):
    partner = get_scoped_or_404(actor, Partner, code=code)
    initial = {
        "name": partner.name,
        "partner_type": partner.partner_type,
        "municipality": partner.municipality,
        "contact": partner.contact,
        "is_active": partner.is_active,
    }
    form = PartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_partner(actor, partner, _partner_data(form))
        except services.ReferralError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The partner has been saved."))
            return redirect("referrals:partners")
    status = 400 if form.errors else 200
    context = {"form": form, "partner": partner}
    return render(request, "referrals/partner_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@acting(Perm.CONFIGURE_REFERRALS)
def settings_view(request, actor):
    current = services.overdue_days(actor.service_id)
    form = SettingsForm(request.POST or None, initial={"overdue_after_days": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_overdue_days(actor, form.cleaned_data["overdue_after_days"])
        except services.ReferralError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The referral settings have been saved."))
            return redirect("referrals:settings")
    status = 400 if form.errors else 200
    return render(request, "referrals/settings.html", {"form": form}, status=status)
