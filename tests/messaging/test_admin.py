"""The managers' admin: own shop's messages only, read-only, resend through the service."""

from crm.tenancy.context import shop_scope
from messaging.models import Channel, Message, MessageStatus, Purpose
from messaging.services.outbox import message_enqueue


def failed(shop, customer, occasion):
    with shop_scope(shop.pk):
        message = message_enqueue(shop=shop, customer=customer, rule="care.birthday", occasion=occasion,
                                  channel=Channel.SMS, purpose=Purpose.CARE, body="生日快乐")  # fmt: skip
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED, reason="x")
        return message


def test_manager_sees_own_messages_and_resends_through_the_service(client, manager, shop, customer, other_shop,
                                                                    other_customer):  # fmt: skip
    own, foreign = failed(shop, customer, "own-occasion"), failed(other_shop, other_customer, "foreign-occasion")
    client.force_login(manager)
    listing = client.get("/admin/messaging/message/").content.decode()
    assert "own-occasion" in listing and "foreign-occasion" not in listing
    assert client.get(f"/admin/messaging/message/{foreign.pk}/change/").status_code in (302, 404)
    assert client.get("/admin/messaging/messagingsettings/").status_code == 200
    response = client.post("/admin/messaging/message/", {"action": "resend_action",
                                                          "_selected_action": [own.pk, foreign.pk]})  # fmt: skip
    assert response.status_code == 302
    with shop_scope(shop.pk):
        assert Message.objects.get(pk=own.pk).status == MessageStatus.QUEUED
    with shop_scope(other_shop.pk):
        assert Message.objects.get(pk=foreign.pk).status == MessageStatus.FAILED
