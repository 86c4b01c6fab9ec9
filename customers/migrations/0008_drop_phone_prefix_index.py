# Search no longer reads phone prefixes (substrings go through the trigram index, short
# digit strings are not searched as phones); identity resolution uses the unique (shop, phone).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0007_search_in_two_steps"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="customer",
            name="customer_phone_prefix_idx",
        ),
    ]
