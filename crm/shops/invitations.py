"""Invitations to a shop's staff: an owner names an email and a role; the person gets a
signed link that expires, and joins only by accepting it, signed in with that email or
creating the account on the spot. The owner gets the same answer whether or not the email
has an account anywhere, so inviting is no probe of other shops' staff."""

from datetime import timedelta

from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import Invitation, Membership, Shop, User
from crm.shops.audit import audit_event_record
from crm.shops.services import membership_set
from crm.tenancy.context import shop_scope

INVITATION_MAX_AGE = timedelta(days=7)
_SALT = "crm.invitation"


class InvitationInvalid(Exception):
    """The link was tampered with, has expired or was used."""


def _token(invitation: Invitation) -> str:
    return signing.dumps({"shop": invitation.shop_id, "invitation": invitation.pk}, salt=_SALT)


@transaction.atomic
def invitation_create(*, shop: Shop, email: str, role: str, invited_by: User, site_url: str) -> Invitation:
    """Record the invitation and email its link (`site_url` + the accept page) once the
    transaction commits."""
    invitation = Invitation.objects.create(
        shop=shop, email=User.objects.normalize_email(email).strip().lower(), role=role, invited_by=invited_by
    )
    audit_event_record(action="invitation.create", obj=invitation, changes={"role": role})
    link = site_url.rstrip("/") + reverse("invitation-accept", kwargs={"token": _token(invitation)})
    transaction.on_commit(lambda: _invitation_send(invitation, shop, link))
    return invitation


def _invitation_send(invitation: Invitation, shop: Shop, link: str) -> None:
    days = INVITATION_MAX_AGE.days
    with translation.override(shop.language):
        subject = _("You are invited to %(shop)s on ShopCRM") % {"shop": shop.name}
        body = _(
            "You are invited to work for %(shop)s on ShopCRM as %(role)s.\n\n"
            "Accept the invitation within %(days)d days:\n%(link)s\n\n"
            "If you did not expect this, ignore this email: nothing happens unless you accept."
        ) % {"shop": shop.name, "role": invitation.get_role_display(), "days": days, "link": link}
    send_mail(subject, body, None, [invitation.email])


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link names, its shop attached; InvitationInvalid otherwise."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        raise InvitationInvalid from None
    shop = Shop.objects.filter(pk=payload["shop"]).first()
    if shop is None:
        raise InvitationInvalid
    with shop_scope(shop.pk):
        invitation = Invitation.objects.filter(pk=payload["invitation"], accepted_at=None).first()
    if invitation is None:
        raise InvitationInvalid
    invitation.shop = shop
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """`user` (whose email the invitation names) joins the shop with the invited role."""
    if user.email != invitation.email:
        raise InvitationInvalid
    with shop_scope(invitation.shop_id):
        claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at=None).update(accepted_at=timezone.now())
        if not claimed:  # accepted in another tab meanwhile
            raise InvitationInvalid
        membership = membership_set(shop=invitation.shop, user=user, role=invitation.role)
        audit_event_record(action="invitation.accept", obj=invitation, changes={"user_id": user.pk})
    return membership
