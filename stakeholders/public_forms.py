"""What every public form (anonymous visitors, no password) needs against bots and floods: a
honeypot field people never see, a signed "the form was shown at …" stamp (a submission
faster than a person can type is a bot's, and the stamp can't be forged) and rate limits per
IP address and per email address, each organization with its own budget.

Example (a view)::

    form = JoinForm(request.POST or None, initial={"started": form_started_token()})
    if request.method == "POST":
        if over_limit(request, prefix="community-join", email=form.data.get("email"), ...):
            return too_many_requests_page
        if form.is_bot:
            return looks_like_success_page  # keep nothing
        if form.too_quick(min_seconds=3): ...
"""

from datetime import timedelta

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import is_ratelimited

FORM_SALT = "steward.public-form.started"


def form_started_token():
    return signing.TimestampSigner(salt=FORM_SALT).sign("form")


def form_fill_seconds(token):
    """Seconds since the form was shown, or None when the stamp is missing, forged or a day old."""
    signer = signing.TimestampSigner(salt=FORM_SALT)
    try:
        signer.unsign(token or "", max_age=timedelta(days=1))
        _value, stamp, _signature = token.rsplit(signer.sep, 2)
        return timezone.now().timestamp() - signing.b62_decode(stamp)
    except (signing.BadSignature, ValueError):
        return None


class GuardedForm(forms.Form):
    """A public form with the honeypot (``website``: render it inside an element hidden from
    people and screen readers) and the fill-time stamp (``started``)."""

    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("started", form_started_token())

    @property
    def is_bot(self):
        return bool(self.data.get("website"))

    def too_quick(self, *, min_seconds):
        seconds = form_fill_seconds(self.data.get("started"))
        return seconds is None or seconds < min_seconds

    def restamp(self):
        """A fresh stamp when the form is shown again (errors): the next try is timed anew."""
        if self.is_bound:
            self.data = self.data.copy()
            self.data["started"] = form_started_token()


def over_limit(request, *, prefix, email, ip_rate, email_rate):
    """Count this request against the per-IP and per-email budgets of the request's
    organization; True when either is spent (the over-limit request changes nothing)."""
    organization_id = request.organization.pk
    by_ip = is_ratelimited(
        request, group=f"{prefix}-ip-{organization_id}", key="ip", rate=ip_rate, increment=True
    )
    address = (email or "").strip().lower()
    by_email = bool(address) and is_ratelimited(
        request,
        group=f"{prefix}-email-{organization_id}",
        key=lambda group, req: address,
        rate=email_rate,
        increment=True,
    )
    return by_ip or by_email
