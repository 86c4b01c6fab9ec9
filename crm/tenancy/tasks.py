"""`with_shop_scope`: the only way a Celery task touches tenant data.

A task takes `shop_id` as its first argument (a JSON int, never a model instance). The
decorator refuses to run without one and runs the body inside `shop_scope(shop_id)`, one
transaction, so a task that dies leaves nothing half-written.
"""

import functools

from crm.tenancy.context import ShopScopeError, shop_scope


def with_shop_scope(func):
    @functools.wraps(func)
    def wrapper(shop_id=None, *args, **kwargs):
        if not isinstance(shop_id, int) or isinstance(shop_id, bool):
            raise ShopScopeError(f"task {func.__name__} needs an integer shop_id, got {shop_id!r}")
        with shop_scope(shop_id):
            return func(shop_id, *args, **kwargs)

    return wrapper
