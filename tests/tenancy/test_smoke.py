from crm.models import Membership


def test_membership_visible_in_scope(in_shop, owner):
    assert Membership.objects.get().user == owner
